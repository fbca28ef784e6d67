"""Bearer-token authentication and the permission check every API route goes through."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer

from comptoir.api.actions import authenticate_token
from comptoir.api.models import ApiToken
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Permission, role_allows


@dataclass(frozen=True)
class ApiCaller:
    token: ApiToken
    membership: Membership

    @property
    def workspace(self) -> Workspace:
        return self.membership.workspace

    def require(self, permission: Permission) -> None:
        """Both the token's role and the person's current role must allow it: demoting someone limits their tokens."""
        if not (role_allows(self.token.role, permission) and self.membership.allows(permission)):
            raise PermissionDenied(f"This token's role does not allow {permission.value}.")


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiCaller | None:
        found = authenticate_token(token)
        return ApiCaller(*found) if found else None


def caller(request: HttpRequest, permission: Permission) -> ApiCaller:
    api_caller: ApiCaller = request.auth  # type: ignore[attr-defined]
    api_caller.require(permission)
    return api_caller
