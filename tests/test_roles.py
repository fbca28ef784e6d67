"""One test per (role, permission): each permission is probed through a real page and, where it has one, an API route."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.publishing.models import PostTarget
from comptoir.testing.factories import (
    ConversationFactory,
    InvitationFactory,
    MembershipFactory,
    PillarFactory,
    PostTargetFactory,
    api_token_for,
)
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import MATRIX, Permission, Role

# Written out by hand on purpose: changing the matrix in permissions.py must also change this table.
EXPECTED = """
                   owner admin editor moderator analyst reviewer
workspace.view       x     x     x       x        x       x
workspace.manage     x     x     .       .        .       .
workspace.delete     x     .     .       .        .       .
members.view         x     x     x       x        x       .
members.manage       x     x     .       .        .       .
audit.view           x     x     .       .        x       .
api_tokens.manage    x     x     x       x        .       .
channels.view        x     x     x       x        x       .
channels.manage      x     x     .       .        .       .
posts.view           x     x     x       x        x       x
posts.create         x     x     x       .        .       .
posts.publish        x     x     x       .        .       .
posts.approve        x     x     .       .        .       x
editorial.manage     x     x     .       .        .       .
inbox.view           x     x     x       x        x       .
inbox.reply          x     x     .       x        .       .
inbox.manage         x     x     .       .        .       .
moderation.view      x     x     x       x        x       .
moderation.manage    x     x     .       x        .       .
"""


def expected_matrix() -> dict[tuple[Role, Permission], bool]:
    header, *rows = [line.split() for line in EXPECTED.strip().splitlines()]
    return {
        (Role(role), Permission(row[0])): mark == "x"
        for row in rows
        for role, mark in zip(header, row[1:], strict=True)
    }


@dataclass(frozen=True)
class Probe:
    method: str
    url: Callable[[Workspace], str]
    data: Callable[[Workspace], dict[str, str]] = lambda w: {}


WEB_PROBES: dict[Permission, Probe] = {
    Permission.VIEW_WORKSPACE: Probe("get", lambda w: reverse("workspaces:dashboard", args=[w.slug])),
    Permission.MANAGE_WORKSPACE: Probe("get", lambda w: reverse("workspaces:settings", args=[w.slug])),
    Permission.DELETE_WORKSPACE: Probe(
        "post", lambda w: reverse("workspaces:delete", args=[w.slug]), lambda w: {"confirm_slug": "not-it"}
    ),
    Permission.VIEW_MEMBERS: Probe("get", lambda w: reverse("workspaces:members", args=[w.slug])),
    Permission.MANAGE_MEMBERS: Probe(
        "post",
        lambda w: reverse("workspaces:revoke_invitation", args=[w.slug, InvitationFactory(workspace=w).id]),
    ),
    Permission.VIEW_AUDIT: Probe("get", lambda w: reverse("workspaces:audit", args=[w.slug])),
    Permission.MANAGE_API_TOKENS: Probe("get", lambda w: reverse("api_tokens", args=[w.slug])),
    Permission.VIEW_CHANNELS: Probe("get", lambda w: reverse("channels:list", args=[w.slug])),
    Permission.MANAGE_CHANNELS: Probe("get", lambda w: reverse("channels:connect", args=[w.slug, "rss"])),
    Permission.VIEW_POSTS: Probe("get", lambda w: reverse("publishing:list", args=[w.slug])),
    Permission.CREATE_POSTS: Probe("get", lambda w: reverse("publishing:compose", args=[w.slug])),
    Permission.PUBLISH_POSTS: Probe(
        "post", lambda w: reverse("publishing:compose", args=[w.slug]), lambda w: {"when": "now"}
    ),
    Permission.APPROVE_POSTS: Probe(
        "post",
        lambda w: reverse(
            "publishing:decide",
            args=[w.slug, PostTargetFactory(post__workspace=w, state=PostTarget.State.IN_REVIEW).post_id],
        ),
        lambda w: {"decision": "approve"},
    ),
    Permission.MANAGE_EDITORIAL: Probe(
        "get", lambda w: reverse("publishing:edit_pillar", args=[w.slug, PillarFactory(workspace=w).id])
    ),
    Permission.VIEW_INBOX: Probe("get", lambda w: reverse("inbox:inbox", args=[w.slug])),
    Permission.VIEW_MODERATION: Probe("get", lambda w: reverse("moderation:queue", args=[w.slug])),
    Permission.MANAGE_MODERATION: Probe("get", lambda w: reverse("moderation:rule_create", args=[w.slug])),
    Permission.MANAGE_INBOX: Probe("get", lambda w: reverse("inbox:labels", args=[w.slug])),
    Permission.REPLY_INBOX: Probe(
        "post",
        lambda w: reverse(
            "inbox:status", args=[w.slug, ConversationFactory(contact__channel__workspace=w).id]
        ),
        lambda w: {"status": "done"},
    ),
}

API_PROBES: dict[Permission, tuple[str, str, dict[str, str]]] = {
    Permission.VIEW_WORKSPACE: ("GET", "/api/workspace", {}),
    Permission.MANAGE_WORKSPACE: ("PATCH", "/api/workspace", {"name": "Nouveau nom"}),
    Permission.VIEW_MEMBERS: ("GET", "/api/members", {}),
    Permission.MANAGE_MEMBERS: ("GET", "/api/invitations", {}),
    Permission.VIEW_AUDIT: ("GET", "/api/audit", {}),
    Permission.VIEW_CHANNELS: ("GET", "/api/channels", {}),
}

CASES = sorted(expected_matrix().items(), key=lambda item: (item[0][1], item[0][0]))


def test_matrix_is_the_documented_one() -> None:
    assert {(role, perm): perm in MATRIX[role] for role in Role for perm in Permission} == expected_matrix()


def test_every_permission_has_a_probe() -> None:
    assert set(WEB_PROBES) == set(Permission)


@pytest.mark.parametrize(("case", "allowed"), CASES, ids=[f"{p.value}-{r.value}" for (r, p), _ in CASES])
def test_web_permission(db: None, case: tuple[Role, Permission], allowed: bool) -> None:
    role, permission = case
    membership: Membership = MembershipFactory(role=role)
    client = Client()
    client.force_login(membership.user)
    probe = WEB_PROBES[permission]
    workspace = membership.workspace
    response = getattr(client, probe.method)(probe.url(workspace), probe.data(workspace))
    if allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


API_CASES = [(case, allowed) for case, allowed in CASES if case[1] in API_PROBES]


@pytest.mark.parametrize(
    ("case", "allowed"), API_CASES, ids=[f"{p.value}-{r.value}" for (r, p), _ in API_CASES]
)
def test_api_permission(db: None, case: tuple[Role, Permission], allowed: bool) -> None:
    role, permission = case
    membership: Membership = MembershipFactory(role=role)
    _token, secret = api_token_for(membership)
    method, path, payload = API_PROBES[permission]
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.generic(method, path, data=json.dumps(payload), content_type="application/json")
    assert response.status_code == (200 if allowed else 403), response.content
