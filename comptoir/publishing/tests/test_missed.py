"""Targets far past due are `missed` and never published late; the author is told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core import mail
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import MISSED_AFTER, run_publisher
from comptoir.publishing.tests.conftest import statuses_of
from comptoir.testing.factories import PostFactory, PostTargetFactory
from comptoir.workspaces.models import Membership
from tests.peers.mastodon import MastodonState

State = PostTarget.State


def test_far_past_due_target_is_missed_not_published(
    owner: Membership,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    post = PostFactory(workspace=owner.workspace, author=owner.user, title="Soldes")
    now = timezone.now()
    target = PostTargetFactory(
        post=post, channel=mastodon_channel, due_at=now - MISSED_AFTER - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        run_publisher("worker-1", now)
    target.refresh_from_db()
    assert (target.state, target.failure_reason) == (State.MISSED, "missed")
    # Stored in the product's language (French first), like every message a job writes.
    assert "Reprogrammez-la" in target.last_error
    assert mastodon_server.statuses == {}
    [message] = mail.outbox
    assert message.to == [owner.user.email] and "Soldes" in message.subject


def test_late_target_within_the_grace_period_is_published(
    mastodon_server: MastodonState, mastodon_channel: Channel
) -> None:
    now = timezone.now()
    target = PostTargetFactory(
        post__workspace=mastodon_channel.workspace,
        channel=mastodon_channel,
        text="En retard mais à l'heure",
        due_at=now - MISSED_AFTER + timedelta(minutes=5),
    )
    run_publisher("worker-1", now)
    target.refresh_from_db()
    assert target.state == State.PUBLISHED
    assert statuses_of(mastodon_server) == ["En retard mais à l'heure"]


def test_unknown_target_not_found_and_too_late_is_missed(
    mastodon_server: MastodonState, mastodon_channel: Channel
) -> None:
    now = timezone.now()
    target = PostTargetFactory(
        post__workspace=mastodon_channel.workspace,
        channel=mastodon_channel,
        state=State.UNKNOWN,
        due_at=now - MISSED_AFTER - timedelta(minutes=1),
    )
    run_publisher("worker-1", now)
    target.refresh_from_db()
    assert target.state == State.MISSED
    assert mastodon_server.statuses == {}
