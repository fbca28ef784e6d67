"""Creating, using and revoking API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.api.models import TOKEN_PREFIX, ApiToken
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import MATRIX, Role
from comptoir.workspaces.tokens import hash_token

# Recording every use would write on every request; a minute's precision is enough to spot an unused token.
LAST_USED_PRECISION = timedelta(minutes=1)


def check_token_role(membership: Membership, role: str) -> None:
    if role not in Role.__members__.values() or not MATRIX[Role(role)] <= MATRIX[Role(membership.role)]:
        raise ValidationError(_("A token cannot have more rights than your own role."))


@transaction.atomic
def do_create_api_token(
    membership: Membership, name: str, role: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    check_token_role(membership, role)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry date must be in the future."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=membership.workspace,
        user=membership.user,
        name=name,
        role=role,
        token_hash=hash_token(secret),
        hint=secret[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
    )
    audit.record_create(membership.workspace, membership.user, token, ["name", "role", "expires_at"])
    return token, secret


@transaction.atomic
def do_revoke_api_token(token: ApiToken, actor: User) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(token.workspace, actor, AuditEntry.Action.UPDATE, token, {"revoked": [False, True]})


def authenticate_token(secret: str) -> tuple[ApiToken, Membership] | None:
    """The live token and its owner's current membership, or None (unknown, revoked, expired, ex-member)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("workspace", "user")
        .filter(token_hash=hash_token(secret), revoked_at=None)
        .first()
    )
    now = timezone.now()
    if token is None or (token.expires_at and token.expires_at <= now) or not token.user.is_active:
        return None
    membership = (
        Membership.objects.filter(workspace=token.workspace, user=token.user)
        .select_related("workspace", "user")
        .first()
    )
    if membership is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token, membership
