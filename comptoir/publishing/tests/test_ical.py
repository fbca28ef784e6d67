"""The private iCal feed: RFC 5545 text, per-member secret tokens stored hashed, revocation, tenant isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.publishing.ical import build_feed, do_regenerate_feed_token, escape_text, feed_events, fold
from comptoir.publishing.models import CalendarFeed, Pillar
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostTargetFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role
from comptoir.workspaces.tokens import hash_token


def feed_url(membership: Membership, token: str) -> str:
    return reverse("publishing:calendar_feed", args=[membership.workspace.slug, token])


def test_text_is_escaped() -> None:
    assert escape_text("a, b; c\\d\nsuite\r\nfin") == "a\\, b\\; c\\\\d\\nsuite\\nfin"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 100
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part.removeprefix(" ") if index else part for index, part in enumerate(parts)) == line


def test_feed_lists_events_in_utc(owner: Membership) -> None:
    pillar = Pillar.objects.create(workspace=owner.workspace, name="Coulisses")
    target = PostTargetFactory(
        post__workspace=owner.workspace,
        post__title="Fournée, spéciale; fête",
        post__pillar=pillar,
        channel__name="Lemoine",
        text="Ligne 1\nLigne 2",
        due_at=datetime(2026, 12, 10, 8, 30, tzinfo=UTC),
    )
    now = datetime(2026, 12, 1, tzinfo=UTC)
    body = build_feed(owner.workspace, feed_events(owner.workspace, now), now)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert f"UID:{target.idempotency_key}@comptoir\r\n" in body
    assert "DTSTART:20261210T083000Z\r\n" in body
    assert "DTEND:20261210T084500Z\r\n" in body
    assert "DTSTAMP:20261201T000000Z\r\n" in body
    assert "SUMMARY:Lemoine · Fournée\\, spéciale\\; fête\r\n" in body
    assert "DESCRIPTION:Ligne 1\\nLigne 2\r\n" in body
    assert "CATEGORIES:Coulisses\r\n" in body
    assert "STATUS:CONFIRMED\r\n" in body


def test_create_a_feed_stores_only_the_hash(owner_client: Client, owner: Membership) -> None:
    response = owner_client.post(reverse("publishing:calendar_new_feed", args=[owner.workspace.slug]))
    url = re.search(r'data-testid="feed-url">([^<]+)<', response.content.decode())
    assert url is not None
    token = url.group(1).rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get(membership=owner)
    assert feed.token_hash == hash_token(token)
    assert token not in feed.token_hash


def test_the_feed_needs_no_login(owner: Membership) -> None:
    PostTargetFactory(
        post__workspace=owner.workspace, post__title="Galette", due_at=timezone.now() + timedelta(days=2)
    )
    PostTargetFactory(post__title="Ailleurs", due_at=timezone.now() + timedelta(days=2))
    token = do_regenerate_feed_token(owner, owner.user)
    response = Client().get(feed_url(owner, token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "Galette" in body
    assert "Ailleurs" not in body


def test_a_new_token_replaces_the_old_one(owner: Membership) -> None:
    old = do_regenerate_feed_token(owner, owner.user)
    new = do_regenerate_feed_token(owner, owner.user)
    assert Client().get(feed_url(owner, old)).status_code == 404
    assert Client().get(feed_url(owner, new)).status_code == 200


def test_a_revoked_token_stops_working(owner_client: Client, owner: Membership) -> None:
    token = do_regenerate_feed_token(owner, owner.user)
    response = owner_client.post(reverse("publishing:calendar_revoke_feed", args=[owner.workspace.slug]))
    assert response.status_code == 302
    assert Client().get(feed_url(owner, token)).status_code == 404


def test_a_token_opens_only_its_own_workspace(owner: Membership) -> None:
    other = MembershipFactory(role=Role.OWNER)
    PostTargetFactory(post__workspace=other.workspace, post__title="Secret de B")
    token = do_regenerate_feed_token(owner, owner.user)
    response = Client().get(feed_url(other, token))
    assert response.status_code == 404
    assert "Secret de B" not in response.content.decode()


def test_a_member_who_leaves_loses_the_feed(owner: Membership) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    token = do_regenerate_feed_token(editor, editor.user)
    editor.delete()
    assert Client().get(feed_url(owner, token)).status_code == 404


def test_each_member_has_their_own_token(owner: Membership) -> None:
    editor = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    mine = do_regenerate_feed_token(owner, owner.user)
    theirs = do_regenerate_feed_token(editor, editor.user)
    assert mine != theirs
    assert Client().get(feed_url(owner, mine)).status_code == 200
    assert CalendarFeed.objects.count() == 2


def test_an_unknown_token_is_not_found(owner: Membership) -> None:
    assert Client().get(feed_url(owner, "not-a-token")).status_code == 404


def test_a_post_to_the_feed_is_refused(owner: Membership) -> None:
    token = do_regenerate_feed_token(owner, owner.user)
    assert Client().post(feed_url(owner, token)).status_code == 405


def test_the_channel_is_in_every_summary(owner: Membership) -> None:
    channel = ChannelFactory(workspace=owner.workspace, name="Lemoine Mastodon")
    PostTargetFactory(
        post__workspace=owner.workspace, channel=channel, due_at=timezone.now() + timedelta(hours=1)
    )
    token = do_regenerate_feed_token(owner, owner.user)
    assert "SUMMARY:Lemoine Mastodon · " in Client().get(feed_url(owner, token)).content.decode()
