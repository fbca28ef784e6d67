"""Read paths scoped to a workspace: the only way views, the API and jobs fetch workspace data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from comptoir.accounts.models import User
from comptoir.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Permission


def workspaces_for(user: User) -> QuerySet[Workspace]:
    return Workspace.objects.filter(memberships__user=user).order_by("name")


def access_workspace(user: User, slug: str, permission: Permission) -> Membership:
    """The caller's membership of the workspace; 404 for outsiders (nothing leaks), 403 for a role too weak."""
    membership = (
        Membership.objects.select_related("workspace", "user").filter(workspace__slug=slug, user=user).first()
        if user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404("No such workspace.")
    if not membership.allows(permission):
        raise PermissionDenied("Your role does not allow this.")
    return membership


def members_of(workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user")


def member_of(workspace: Workspace, membership_id: int) -> Membership:
    membership = members_of(workspace).filter(id=membership_id).first()
    if membership is None:
        raise Http404("No such member.")
    return membership


def pending_invitations(workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.filter(workspace=workspace, accepted_at=None, revoked_at=None).select_related(
        "invited_by"
    )


def invitation_of(workspace: Workspace, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(workspace=workspace, id=invitation_id).first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def audit_trail(workspace: Workspace) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace=workspace).select_related("actor")
