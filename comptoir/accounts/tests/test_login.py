"""Logging in and out, and the throttle on failed attempts."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import FailedLogin
from comptoir.testing.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")


def test_login_then_logout(db: None) -> None:
    user = UserFactory()
    client = Client()
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302  # on to workspace creation, not back to login
    assert client.get(reverse("home"))["Location"] != LOGIN
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home"))["Location"].startswith(LOGIN)


def test_wrong_password_is_explained(db: None) -> None:
    user = UserFactory()
    response = Client().post(LOGIN, {"email": user.email, "password": "nope"})
    assert response.status_code == 200
    assert FailedLogin.objects.filter(email=user.email).count() == 1


def test_too_many_failures_lock_even_the_right_password(db: None) -> None:
    user = UserFactory()
    client = Client()
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        client.post(LOGIN, {"email": user.email, "password": "guess"})
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_success_clears_earlier_failures(db: None) -> None:
    user = UserFactory()
    client = Client()
    client.post(LOGIN, {"email": user.email, "password": "guess"})
    client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    assert not FailedLogin.objects.filter(email=user.email).exists()


def test_next_only_redirects_inside_the_site(db: None) -> None:
    user = UserFactory()
    response = Client().post(
        LOGIN, {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_sessions_expire_and_are_http_only() -> None:
    assert settings.SESSION_COOKIE_AGE <= 14 * 24 * 3600
    assert settings.SESSION_COOKIE_HTTPONLY
