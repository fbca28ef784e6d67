"""The one permission matrix: which role may do what. Views, the API and jobs all ask `role_allows`."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    MODERATOR = "moderator"
    ANALYST = "analyst"
    REVIEWER = "reviewer"


class Permission(enum.StrEnum):
    VIEW_WORKSPACE = "workspace.view"
    MANAGE_WORKSPACE = "workspace.manage"
    DELETE_WORKSPACE = "workspace.delete"
    VIEW_MEMBERS = "members.view"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    MANAGE_API_TOKENS = "api_tokens.manage"
    VIEW_CHANNELS = "channels.view"
    MANAGE_CHANNELS = "channels.manage"


_EVERYONE = {Permission.VIEW_WORKSPACE}
_TEAM = _EVERYONE | {Permission.VIEW_MEMBERS, Permission.VIEW_CHANNELS}
_ADMIN = _TEAM | {
    Permission.MANAGE_WORKSPACE,
    Permission.MANAGE_CHANNELS,
    Permission.MANAGE_MEMBERS,
    Permission.VIEW_AUDIT,
    Permission.MANAGE_API_TOKENS,
}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(_ADMIN | {Permission.DELETE_WORKSPACE}),
    Role.ADMIN: frozenset(_ADMIN),
    Role.EDITOR: frozenset(_TEAM | {Permission.MANAGE_API_TOKENS}),
    Role.MODERATOR: frozenset(_TEAM | {Permission.MANAGE_API_TOKENS}),
    Role.ANALYST: frozenset(_TEAM | {Permission.VIEW_AUDIT}),
    Role.REVIEWER: frozenset(_EVERYONE),
}

# Which roles a role may hand out: nobody grants more than they hold, and only owners make owners.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.OWNER: frozenset(Role),
    Role.ADMIN: frozenset(Role) - {Role.OWNER},
}


def role_allows(role: str, permission: Permission) -> bool:
    try:
        return permission in MATRIX[Role(role)]
    except ValueError:
        return False


def can_grant(granter: str, role: str) -> bool:
    try:
        return Role(role) in GRANTABLE.get(Role(granter), frozenset())
    except ValueError:
        return False
