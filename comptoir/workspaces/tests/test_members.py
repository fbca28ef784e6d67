"""Changing roles and removing members, with the rule that a workspace keeps an owner."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.testing.factories import MembershipFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


def test_owner_changes_a_role_and_it_is_audited(owner: Membership, owner_client: Client) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    url = reverse("workspaces:change_role", args=[owner.workspace.slug, editor.id])
    assert owner_client.post(url, {"role": Role.MODERATOR}).status_code == 302
    editor.refresh_from_db()
    assert editor.role == Role.MODERATOR
    entry = AuditEntry.objects.get(object_type="membership", action="update")
    assert entry.changes == {"role": ["editor", "moderator"]}


def test_last_owner_cannot_step_down(owner: Membership, owner_client: Client) -> None:
    url = reverse("workspaces:change_role", args=[owner.workspace.slug, owner.id])
    owner_client.post(url, {"role": Role.EDITOR})
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_admin_cannot_demote_an_owner(owner: Membership) -> None:
    admin = MembershipFactory(workspace=owner.workspace, role=Role.ADMIN)
    client = Client()
    client.force_login(admin.user)
    client.post(
        reverse("workspaces:change_role", args=[owner.workspace.slug, owner.id]), {"role": Role.EDITOR}
    )
    client.post(reverse("workspaces:remove_member", args=[owner.workspace.slug, owner.id]))
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_unknown_role_is_refused(owner: Membership, owner_client: Client) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    response = owner_client.post(
        reverse("workspaces:change_role", args=[owner.workspace.slug, editor.id]),
        {"role": "emperor"},
        follow=True,
    )
    assert response.status_code == 200
    editor.refresh_from_db()
    assert editor.role == Role.EDITOR


def test_removed_member_loses_access(owner: Membership, owner_client: Client) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    owner_client.post(reverse("workspaces:remove_member", args=[owner.workspace.slug, editor.id]))
    client = Client()
    client.force_login(editor.user)
    assert client.get(reverse("workspaces:dashboard", args=[owner.workspace.slug])).status_code == 404
    assert AuditEntry.objects.filter(object_type="membership", action="delete").count() == 1
