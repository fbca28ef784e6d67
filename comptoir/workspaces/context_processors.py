"""Puts the current workspace and the user's other workspaces into every template (the switcher)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from comptoir.accounts.models import User
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import workspaces_for


def current_workspace(request: HttpRequest) -> dict[str, Any]:
    if not isinstance(request.user, User):
        return {}
    membership = getattr(request, "membership", None)
    return {
        "membership": membership,
        "current_workspace": membership.workspace if membership else None,
        "my_workspaces": workspaces_for(request.user),
        "can": {p.name: membership.allows(p) for p in Permission} if membership else {},
    }
