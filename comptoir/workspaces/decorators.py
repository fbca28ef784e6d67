"""`workspace_view`: the one place a web view resolves its workspace and checks the caller's permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from comptoir.accounts.models import User
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import access_workspace

P = ParamSpec("P")
WorkspaceView = Callable[Concatenate[HttpRequest, Membership, P], HttpResponse]


def workspace_view(permission: Permission) -> Callable[[WorkspaceView[P]], Callable[..., HttpResponse]]:
    def decorate(view: WorkspaceView[P]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, workspace: str, *args: Any, **kwargs: Any) -> HttpResponse:
            assert isinstance(request.user, User)
            membership = access_workspace(request.user, workspace, permission)
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, membership, *args, **kwargs)

        return wrapper

    return decorate
