"""API tokens: creation from the web page, scoping to one workspace and role, revocation, expiry."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.api.models import ApiToken
from comptoir.testing.factories import MembershipFactory, api_token_for
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role


def bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_token_made_on_the_page_works_once_shown(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("api_tokens", args=[owner.workspace.slug]), {"name": "Zapier", "role": "analyst"}
    )
    secret = response.context["secret"]
    assert secret.startswith("cpt_")
    token = ApiToken.objects.get(name="Zapier")
    assert token.token_hash != secret and secret not in token.hint
    body = bearer(secret).get("/api/workspace").json()
    assert body["slug"] == owner.workspace.slug


def test_token_cannot_exceed_its_owner(db: None) -> None:
    editor = MembershipFactory(role=Role.EDITOR)
    client = Client()
    client.force_login(editor.user)
    client.post(reverse("api_tokens", args=[editor.workspace.slug]), {"name": "x", "role": "owner"})
    assert not ApiToken.objects.exists()


def test_revoked_and_expired_tokens_are_refused(owner: Membership, owner_client: Client) -> None:
    token, secret = api_token_for(owner)
    owner_client.post(reverse("revoke_api_token", args=[owner.workspace.slug, token.id]))
    assert bearer(secret).get("/api/workspace").status_code == 401
    token2, secret2 = api_token_for(owner)
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert bearer(secret2).get("/api/workspace").status_code == 401


def test_demoted_person_limits_their_tokens(owner: Membership) -> None:
    admin = MembershipFactory(workspace=owner.workspace, role=Role.ADMIN)
    _token, secret = api_token_for(admin)
    assert bearer(secret).get("/api/audit").status_code == 200
    admin.role = Role.EDITOR
    admin.save()
    assert bearer(secret).get("/api/audit").status_code == 403
    admin.delete()
    assert bearer(secret).get("/api/workspace").status_code == 401


def test_last_use_is_recorded(owner: Membership) -> None:
    token, secret = api_token_for(owner)
    bearer(secret).get("/api/workspace")
    token.refresh_from_db()
    assert token.last_used_at is not None
