"""Resetting a forgotten password through the e-mailed link."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from comptoir.testing.factories import UserFactory


def test_reset_by_email_link(db: None) -> None:
    user = UserFactory(email="camille@example.test")
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "camille@example.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    new_password = "pain-au-chocolat-2026"
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert Client().login(email=user.email, password=new_password)


def test_unknown_address_sends_nothing_and_says_the_same(db: None) -> None:
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []
