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
    VIEW_POSTS = "posts.view"
    CREATE_POSTS = "posts.create"
    PUBLISH_POSTS = "posts.publish"
    APPROVE_POSTS = "posts.approve"
    MANAGE_EDITORIAL = "editorial.manage"
    VIEW_INBOX = "inbox.view"
    REPLY_INBOX = "inbox.reply"
    MANAGE_INBOX = "inbox.manage"
    VIEW_MODERATION = "moderation.view"
    MANAGE_MODERATION = "moderation.manage"


_EVERYONE = {Permission.VIEW_WORKSPACE, Permission.VIEW_POSTS}
_TEAM = _EVERYONE | {
    Permission.VIEW_MEMBERS,
    Permission.VIEW_CHANNELS,
    Permission.VIEW_INBOX,
    Permission.VIEW_MODERATION,
}
_WRITERS = {Permission.CREATE_POSTS, Permission.PUBLISH_POSTS}
_ADMIN = (
    _TEAM
    | _WRITERS
    | {
        Permission.MANAGE_WORKSPACE,
        Permission.MANAGE_CHANNELS,
        Permission.MANAGE_MEMBERS,
        Permission.VIEW_AUDIT,
        Permission.MANAGE_API_TOKENS,
        Permission.REPLY_INBOX,
        Permission.MANAGE_INBOX,
        Permission.MANAGE_MODERATION,
        Permission.APPROVE_POSTS,
        Permission.MANAGE_EDITORIAL,
    }
)

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(_ADMIN | {Permission.DELETE_WORKSPACE}),
    Role.ADMIN: frozenset(_ADMIN),
    Role.EDITOR: frozenset(_TEAM | _WRITERS | {Permission.MANAGE_API_TOKENS}),
    Role.MODERATOR: frozenset(
        _TEAM | {Permission.MANAGE_API_TOKENS, Permission.REPLY_INBOX, Permission.MANAGE_MODERATION}
    ),
    Role.ANALYST: frozenset(_TEAM | {Permission.VIEW_AUDIT}),
    Role.REVIEWER: frozenset(_EVERYONE | {Permission.APPROVE_POSTS}),
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
