"""API routes for the token's workspace: settings, members, invitations and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from comptoir.api.auth import caller
from comptoir.workspaces import actions, queries
from comptoir.workspaces.forms import check_business_hours, check_languages, check_time_zone
from comptoir.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Permission, Role

router = Router(tags=["workspace"])


class WorkspaceOut(Schema):
    name: str
    slug: str
    time_zone: str
    languages: list[str]
    country: str
    business_hours: dict[str, list[list[str]]]


class WorkspacePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = Field(None, max_length=64)
    languages: list[str] | None = None
    business_hours: dict[str, list[list[str]]] | None = None


class MemberOut(Schema):
    id: int
    email: str
    full_name: str
    role: Role


class MemberPatch(Schema):
    role: Role


class InvitationIn(Schema):
    email: str = Field(..., max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    expires_at: datetime
    accepted: bool


class AuditEntryOut(Schema):
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]


class AuditPage(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class Message(Schema):
    detail: str


def _member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.id,
        email=membership.user.email,
        full_name=membership.user.full_name,
        role=Role(membership.role),
    )


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        email=invitation.email,
        role=Role(invitation.role),
        expires_at=invitation.expires_at,
        accepted=invitation.accepted_at is not None,
    )


def _workspace_out(workspace: Workspace) -> WorkspaceOut:
    return WorkspaceOut.model_validate(workspace, from_attributes=True)


ERRORS: dict[int, type[Schema]] = {403: Message, 404: Message, 422: Message}


@router.get("/workspace", response={200: WorkspaceOut, **ERRORS})
def get_workspace(request: HttpRequest) -> WorkspaceOut:
    return _workspace_out(caller(request, Permission.VIEW_WORKSPACE).workspace)


@router.patch("/workspace", response={200: WorkspaceOut, **ERRORS})
def update_workspace(request: HttpRequest, payload: WorkspacePatch) -> WorkspaceOut:
    api_caller = caller(request, Permission.MANAGE_WORKSPACE)
    fields = payload.model_dump(exclude_none=True)
    if "time_zone" in fields:
        check_time_zone(fields["time_zone"])
    if "languages" in fields:
        check_languages(fields["languages"])
    if "business_hours" in fields:
        check_business_hours(fields["business_hours"])
    workspace = actions.do_update_workspace(api_caller.workspace, api_caller.membership.user, **fields)
    return _workspace_out(workspace)


@router.get("/members", response={200: list[MemberOut], **ERRORS})
def list_members(request: HttpRequest) -> list[MemberOut]:
    workspace = caller(request, Permission.VIEW_MEMBERS).workspace
    return [_member_out(m) for m in queries.members_of(workspace)]


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS})
def get_member(request: HttpRequest, member_id: int) -> MemberOut:
    workspace = caller(request, Permission.VIEW_MEMBERS).workspace
    return _member_out(queries.member_of(workspace, member_id))


@router.patch("/members/{member_id}", response={200: MemberOut, **ERRORS})
def update_member(request: HttpRequest, member_id: int, payload: MemberPatch) -> MemberOut:
    api_caller = caller(request, Permission.MANAGE_MEMBERS)
    membership = queries.member_of(api_caller.workspace, member_id)
    actions.do_change_role(membership, api_caller.membership.user, api_caller.token.role, payload.role)
    return _member_out(membership)


@router.delete("/members/{member_id}", response={204: None, **ERRORS})
def remove_member(request: HttpRequest, member_id: int) -> Status[None]:
    api_caller = caller(request, Permission.MANAGE_MEMBERS)
    membership = queries.member_of(api_caller.workspace, member_id)
    actions.do_remove_member(membership, api_caller.membership.user, api_caller.token.role)
    return Status(204, None)


@router.get("/invitations", response={200: list[InvitationOut], **ERRORS})
def list_invitations(request: HttpRequest) -> list[InvitationOut]:
    workspace = caller(request, Permission.MANAGE_MEMBERS).workspace
    return [_invitation_out(i) for i in queries.pending_invitations(workspace)]


@router.post("/invitations", response={201: InvitationOut, **ERRORS})
def create_invitation(request: HttpRequest, payload: InvitationIn) -> Status[InvitationOut]:
    api_caller = caller(request, Permission.MANAGE_MEMBERS)
    invitation, _token = actions.do_invite_member(
        api_caller.workspace, api_caller.membership.user, api_caller.token.role, payload.email, payload.role
    )
    return Status(201, _invitation_out(invitation))


@router.delete("/invitations/{invitation_id}", response={204: None, **ERRORS})
def revoke_invitation(request: HttpRequest, invitation_id: int) -> Status[None]:
    api_caller = caller(request, Permission.MANAGE_MEMBERS)
    actions.do_revoke_invitation(
        queries.invitation_of(api_caller.workspace, invitation_id), api_caller.membership.user
    )
    return Status(204, None)


@router.get("/audit", response={200: list[AuditEntryOut], **ERRORS})
def list_audit_entries(request: HttpRequest, page: Query[AuditPage]) -> list[AuditEntryOut]:
    workspace = caller(request, Permission.VIEW_AUDIT).workspace
    entries: list[AuditEntry] = list(queries.audit_trail(workspace)[page.offset : page.offset + page.limit])
    return [
        AuditEntryOut(
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            object_repr=e.object_repr,
            changes=e.changes,
        )
        for e in entries
    ]
