"""Every change to workspaces, members and invitations: validate, write, audit and notify in one place."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.system.jobs import send_email
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role, can_grant
from comptoir.workspaces.tokens import hash_token

WORKSPACE_FIELDS = ["name", "slug", "time_zone", "languages", "country", "business_hours"]
INVITATION_LIFETIME = timedelta(days=7)


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, counter = base, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def do_create_workspace(owner: User, **fields: Any) -> Workspace:
    fields.setdefault("slug", unique_slug(fields["name"]))
    workspace = Workspace(**fields)
    workspace.full_clean()
    workspace.save()
    membership = Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    audit.record_create(workspace, owner, workspace, WORKSPACE_FIELDS)
    audit.record_create(workspace, owner, membership, ["user", "role"])
    return workspace


@transaction.atomic
def do_update_workspace(workspace: Workspace, actor: User, **fields: Any) -> Workspace:
    before = audit.snapshot(workspace, WORKSPACE_FIELDS)
    for name, value in fields.items():
        setattr(workspace, name, value)
    workspace.full_clean()
    workspace.save()
    changes = audit.changed(before, audit.snapshot(workspace, WORKSPACE_FIELDS))
    if changes:
        audit.record(workspace, actor, AuditEntry.Action.UPDATE, workspace, changes)
    return workspace


@transaction.atomic
def do_delete_workspace(workspace: Workspace, actor: User) -> None:
    # The entry outlives the workspace (workspace=None) so operators can see who deleted what.
    audit.record(None, actor, AuditEntry.Action.DELETE, workspace, {"slug": [workspace.slug, None]})
    workspace.delete()


def check_role_change(actor_role: str, membership: Membership, new_role: str) -> None:
    if not can_grant(actor_role, new_role) or not can_grant(actor_role, membership.role):
        raise ValidationError(_("Your role cannot give or take the role “%(role)s”.") % {"role": new_role})
    if membership.role == Role.OWNER and new_role != Role.OWNER:
        owners = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER).count()
        if owners <= 1:
            raise ValidationError(_("A workspace keeps at least one owner."))


@transaction.atomic
def do_change_role(membership: Membership, actor: User, actor_role: str, new_role: str) -> Membership:
    check_role_change(actor_role, membership, new_role)
    old_role = membership.role
    membership.role = new_role
    membership.save(update_fields=["role"])
    if old_role != new_role:
        audit.record(
            membership.workspace, actor, AuditEntry.Action.UPDATE, membership, {"role": [old_role, new_role]}
        )
    return membership


@transaction.atomic
def do_remove_member(membership: Membership, actor: User, actor_role: str) -> None:
    check_role_change(actor_role, membership, Role.REVIEWER)
    audit.record(
        membership.workspace, actor, AuditEntry.Action.DELETE, membership, {"role": [membership.role, None]}
    )
    membership.delete()


def invitation_url(token: str) -> str:
    return f"{settings.COMPTOIR_BASE_URL}{reverse('workspaces:accept_invitation', args=[token])}"


def do_invite_member(
    workspace: Workspace, actor: User, actor_role: str, email: str, role: str
) -> tuple[Invitation, str]:
    """Returns the invitation and its one-time token; only the token's hash is stored."""
    email = email.strip().lower()
    if not can_grant(actor_role, role):
        raise ValidationError(_("Your role cannot invite someone as “%(role)s”.") % {"role": role})
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ValidationError(_("%(email)s is already a member of this workspace.") % {"email": email})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=actor,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        audit.record_create(workspace, actor, invitation, ["email", "role"])
        transaction.on_commit(lambda: notify_invitation(invitation, token))
    return invitation, token


def notify_invitation(invitation: Invitation, token: str) -> None:
    inviter = invitation.invited_by
    subject = _("%(name)s invites you to %(workspace)s on Comptoir") % {
        "name": inviter or "Comptoir",
        "workspace": invitation.workspace.name,
    }
    body = _(
        "Hello,\n\n%(name)s invites you to join the workspace “%(workspace)s” as %(role)s.\n\n"
        "Accept the invitation here (the link expires in 7 days):\n%(url)s\n"
    ) % {
        "name": inviter or "Comptoir",
        "workspace": invitation.workspace.name,
        "role": invitation.role,
        "url": invitation_url(token),
    }
    send_email(subject, body, [invitation.email])


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("workspace").filter(token_hash=hash_token(token)).first()


@transaction.atomic
def do_accept_invitation(invitation: Invitation, user: User) -> Membership:
    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was already used."))
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(_("This invitation was sent to %(email)s.") % {"email": invitation.email})
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(
        invitation.workspace, user, AuditEntry.Action.UPDATE, invitation, {"accepted": [False, True]}
    )
    if created:
        audit.record_create(invitation.workspace, user, membership, ["user", "role"])
    return membership


@transaction.atomic
def do_revoke_invitation(invitation: Invitation, actor: User) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        invitation.workspace, actor, AuditEntry.Action.UPDATE, invitation, {"revoked": [False, True]}
    )
