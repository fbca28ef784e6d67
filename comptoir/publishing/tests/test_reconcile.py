"""Outcome unknown: the channel is read back before any new attempt, so a post that went out is never doubled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from comptoir.channels.actions import provider_for
from comptoir.channels.models import Channel
from comptoir.providers.base import OutboundPost
from comptoir.providers.tests.http_fixture import FixtureServer, serve
from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import (
    STUCK_AFTER,
    claim_due_targets,
    publish_target,
    reconcile_unknown_target,
    recover_stuck_claims,
    run_publisher,
)
from comptoir.publishing.tests.conftest import statuses_of
from comptoir.testing.factories import ChannelFactory, PostTargetFactory
from comptoir.workspaces.models import Membership
from tests.peers.mastodon import MastodonState

State = PostTarget.State
USER = "2244994945"
TEXT = "Fermeture exceptionnelle lundi 14 juillet."


@pytest.fixture
def x_server() -> Iterator[FixtureServer]:
    with serve() as server:
        yield server


@pytest.fixture
def x_target(owner: Membership, x_server: FixtureServer) -> PostTarget:
    channel = ChannelFactory(
        workspace=owner.workspace,
        network="x",
        account_id=USER,
        settings={"api_base_url": x_server.url, "allow_private_network": "1", "user_id": USER},
    )
    channel.credentials = {"access_token": "user-token"}
    channel.save()
    target: PostTarget = PostTargetFactory(post__workspace=owner.workspace, channel=channel, text=TEXT)
    return target


def timeline(*tweets: tuple[str, str]) -> dict[str, object]:
    created = timezone.now().isoformat().replace("+00:00", "Z")
    return {"data": [{"id": tweet_id, "text": text, "created_at": created} for tweet_id, text in tweets]}


def publish_with_reset_connection(x_server: FixtureServer, target: PostTarget) -> PostTarget:
    x_server.on("POST", "/2/tweets", drop=True)
    [claimed] = claim_due_targets("worker-1", timezone.now())
    return publish_target(claimed, "worker-1")


def test_reset_after_sending_leaves_the_target_unknown(x_server: FixtureServer, x_target: PostTarget) -> None:
    unknown = publish_with_reset_connection(x_server, x_target)
    assert (unknown.state, unknown.failure_reason) == (State.UNKNOWN, "unknown_outcome")
    assert unknown.attempts_made.get().outcome == "unknown"
    # Never retried blindly: the next pass only reads the channel.
    assert claim_due_targets("worker-1", timezone.now() + timedelta(hours=1)) == []


def test_unknown_post_found_on_the_channel_is_published_without_a_second_post(
    x_server: FixtureServer, x_target: PostTarget
) -> None:
    unknown = publish_with_reset_connection(x_server, x_target)
    x_server.on("GET", f"/2/users/{USER}/tweets", timeline(("1800000000000000001", TEXT), ("17", "Ancien")))
    run_publisher("worker-2", timezone.now())
    unknown.refresh_from_db()
    assert (unknown.state, unknown.remote_id) == (State.PUBLISHED, "1800000000000000001")
    assert unknown.remote_url == "https://x.com/i/status/1800000000000000001"
    assert len(x_server.sent("POST", "/2/tweets")) == 1
    assert unknown.attempts_made.get().outcome == "published"


def test_unknown_post_missing_from_the_channel_gets_a_new_attempt(
    x_server: FixtureServer, x_target: PostTarget
) -> None:
    unknown = publish_with_reset_connection(x_server, x_target)
    x_server.on("GET", f"/2/users/{USER}/tweets", timeline(("17", "Ancien")))
    rescheduled = reconcile_unknown_target(unknown, timezone.now())
    assert rescheduled.state == State.SCHEDULED and rescheduled.claimed_by == ""
    assert len(x_server.sent("POST", "/2/tweets")) == 1


def test_same_text_posted_long_before_is_not_taken_for_ours(
    x_server: FixtureServer, x_target: PostTarget
) -> None:
    unknown = publish_with_reset_connection(x_server, x_target)
    old = (timezone.now() - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    x_server.on("GET", f"/2/users/{USER}/tweets", {"data": [{"id": "5", "text": TEXT, "created_at": old}]})
    assert reconcile_unknown_target(unknown, timezone.now()).state == State.SCHEDULED


def test_unreadable_channel_keeps_the_target_unknown(x_server: FixtureServer, x_target: PostTarget) -> None:
    unknown = publish_with_reset_connection(x_server, x_target)
    x_server.on("GET", f"/2/users/{USER}/tweets", {"title": "Service Unavailable"}, status=503)
    still = reconcile_unknown_target(unknown, timezone.now())
    assert still.state == State.UNKNOWN
    assert still.last_error == "X: Service Unavailable"


def test_worker_dying_after_sending_is_reconciled_on_mastodon(
    mastodon_server: MastodonState, mastodon_channel: Channel
) -> None:
    target = PostTargetFactory(
        post__workspace=mastodon_channel.workspace, channel=mastodon_channel, text=TEXT
    )
    now = timezone.now()
    [claimed] = claim_due_targets("worker-1", now)
    # The worker sent the post, then died before recording anything.
    provider_for(mastodon_channel).publish(
        OutboundPost(text=TEXT, idempotency_key=str(claimed.idempotency_key))
    )
    assert recover_stuck_claims(now + STUCK_AFTER / 2) == 0
    later = now + STUCK_AFTER + timedelta(minutes=1)
    run_publisher("worker-2", later)
    target.refresh_from_db()
    [status] = mastodon_server.statuses.values()
    assert (target.state, target.remote_id) == (State.PUBLISHED, status["id"])
    assert statuses_of(mastodon_server) == [TEXT]


def test_mastodon_retry_with_the_same_key_returns_the_first_status(
    mastodon_server: MastodonState, mastodon_channel: Channel
) -> None:
    target = PostTargetFactory(
        post__workspace=mastodon_channel.workspace, channel=mastodon_channel, text=TEXT
    )
    provider_for(mastodon_channel).publish(
        OutboundPost(text=TEXT, idempotency_key=str(target.idempotency_key))
    )
    [claimed] = claim_due_targets("worker-1", timezone.now())
    published = publish_target(claimed, "worker-1")
    assert published.state == State.PUBLISHED
    assert statuses_of(mastodon_server) == [TEXT]
