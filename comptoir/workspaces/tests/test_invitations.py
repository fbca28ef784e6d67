"""Inviting someone by e-mail, and accepting through the link with or without an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from comptoir.accounts.models import User
from comptoir.testing.factories import PASSWORD, MembershipFactory, UserFactory
from comptoir.workspaces.models import AuditEntry, Invitation, Membership
from comptoir.workspaces.permissions import Role

Capture = Callable[..., Any]


def invite(client: Client, owner: Membership, capture: Capture, email: str, role: str = Role.EDITOR) -> str:
    with capture(execute=True):
        response = client.post(
            reverse("workspaces:members", args=[owner.workspace.slug]), {"email": email, "role": role}
        )
    assert response.status_code == 302
    link = re.search(r"http://\S+/invitations/(\S+)/", mail.outbox[-1].body)
    assert link is not None
    assert mail.outbox[-1].to == [email]
    return link.group(1)


def test_newcomer_creates_account_and_joins(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    token = invite(
        owner_client, owner, django_capture_on_commit_callbacks, "lea@example.test", Role.MODERATOR
    )
    newcomer = Client()
    page = newcomer.get(reverse("workspaces:accept_invitation", args=[token]))
    assert owner.workspace.name in page.content.decode()
    response = newcomer.post(
        reverse("workspaces:accept_invitation", args=[token]),
        {
            "full_name": "Léa Roux",
            "password1": "une-baguette-tradition",
            "password2": "une-baguette-tradition",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(workspace=owner.workspace, user__email="lea@example.test")
    assert membership.role == Role.MODERATOR
    assert newcomer.get(reverse("workspaces:dashboard", args=[owner.workspace.slug])).status_code == 200


def test_link_works_once(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    person = UserFactory(email="marc@example.test")
    token = invite(owner_client, owner, django_capture_on_commit_callbacks, person.email)
    client = Client()
    client.force_login(person)
    assert client.post(reverse("workspaces:accept_invitation", args=[token])).status_code == 302
    again = client.post(reverse("workspaces:accept_invitation", args=[token]))
    assert again.status_code == 404


def test_known_person_must_log_in_as_the_invitee(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    UserFactory(email="known@example.test")
    token = invite(owner_client, owner, django_capture_on_commit_callbacks, "known@example.test")
    intruder = Client()
    intruder.force_login(UserFactory(email="other@example.test"))
    response = intruder.post(reverse("workspaces:accept_invitation", args=[token]))
    assert "known@example.test" in response.content.decode()
    assert not Membership.objects.filter(workspace=owner.workspace, user__email="other@example.test").exists()
    anonymous = Client().get(reverse("workspaces:accept_invitation", args=[token]))
    assert reverse("accounts:login") in anonymous.content.decode()


def test_withdrawn_invitation_is_refused(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    token = invite(owner_client, owner, django_capture_on_commit_callbacks, "late@example.test")
    invitation = Invitation.objects.get(email="late@example.test")
    owner_client.post(reverse("workspaces:revoke_invitation", args=[owner.workspace.slug, invitation.id]))
    assert Client().get(reverse("workspaces:accept_invitation", args=[token])).status_code == 404


def test_admin_cannot_invite_an_owner(db: None, django_capture_on_commit_callbacks: Capture) -> None:
    admin = MembershipFactory(role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    response = client.post(
        reverse("workspaces:members", args=[admin.workspace.slug]),
        {"email": "boss@example.test", "role": Role.OWNER},
    )
    assert response.status_code == 200
    assert "cannot invite" in response.content.decode() or "ne peut pas inviter" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invalid_email_is_explained_not_crashed(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("workspaces:members", args=[owner.workspace.slug]),
        {"email": "pas-un-email", "role": "editor"},
    )
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()


def test_invitation_is_audited(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    invite(owner_client, owner, django_capture_on_commit_callbacks, "audit@example.test", Role.ANALYST)
    entry = AuditEntry.objects.get(object_type="invitation")
    assert entry.actor == owner.user
    assert entry.changes == {"email": [None, "audit@example.test"], "role": [None, "analyst"]}


@pytest.mark.parametrize("password", ["court", "123456789012"])
def test_weak_password_is_refused(
    owner: Membership, owner_client: Client, django_capture_on_commit_callbacks: Capture, password: str
) -> None:
    token = invite(owner_client, owner, django_capture_on_commit_callbacks, "weak@example.test")
    response = Client().post(
        reverse("workspaces:accept_invitation", args=[token]),
        {"full_name": "Weak", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@example.test").exists()


def test_password_constant_is_usable(db: None) -> None:
    user = UserFactory()
    assert Client().login(email=user.email, password=PASSWORD)
