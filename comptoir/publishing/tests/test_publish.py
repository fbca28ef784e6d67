"""Publishing a claimed target on the in-process Mastodon server: the ledger, retries and permanent failures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from comptoir.channels import actions as channel_actions
from comptoir.channels.models import Channel
from comptoir.providers.base import OutboundPost, Provider, Published
from comptoir.publishing import publisher
from comptoir.publishing.jobs import publish_due_targets
from comptoir.publishing.models import PostTarget, PublishAttempt
from comptoir.publishing.publisher import MAX_ATTEMPTS, claim_due_targets, publish_target
from comptoir.publishing.tests.conftest import statuses_of
from comptoir.testing.factories import PostFactory, PostTargetFactory
from comptoir.workspaces.models import Membership
from tests.peers.mastodon import MastodonState

State = PostTarget.State


@pytest.fixture
def target(owner: Membership, mastodon_channel: Channel) -> PostTarget:
    post = PostFactory(workspace=owner.workspace, author=owner.user, title="Croissants")
    created: PostTarget = PostTargetFactory(
        post=post, channel=mastodon_channel, text="Croissants chauds à 7 h !"
    )
    return created


def claim_and_publish(target: PostTarget) -> PostTarget:
    [claimed] = claim_due_targets("worker-1", timezone.now())
    assert claimed.pk == target.pk
    return publish_target(claimed, "worker-1")


def test_published_target_keeps_the_remote_id(mastodon_server: MastodonState, target: PostTarget) -> None:
    published = claim_and_publish(target)
    [status] = mastodon_server.statuses.values()
    assert status["text"] == "Croissants chauds à 7 h !"
    assert (published.state, published.remote_id) == (State.PUBLISHED, status["id"])
    assert published.remote_url.endswith(f"/statuses/{status['id']}")
    assert published.attempts == 1 and published.published_at is not None
    [attempt] = published.attempts_made.all()
    assert (attempt.outcome, attempt.remote_id, attempt.worker) == ("published", status["id"], "worker-1")
    assert attempt.finished_at is not None and len(attempt.request_id) == 32


def test_the_ledger_row_exists_before_the_network_is_called(
    monkeypatch: pytest.MonkeyPatch, target: PostTarget
) -> None:
    seen: list[tuple[str, str]] = []
    real_provider_for: Callable[[Channel], Provider] = channel_actions.provider_for

    def watching_provider(channel: Channel) -> Provider:
        provider = real_provider_for(channel)
        real_publish = provider.publish

        def publish(post: OutboundPost) -> Published:
            attempt = PublishAttempt.objects.get(target=target)
            seen.append((attempt.outcome, post.idempotency_key))
            return real_publish(post)

        provider.publish = publish  # type: ignore[method-assign]
        return provider

    monkeypatch.setattr(publisher, "provider_for", watching_provider)
    claim_and_publish(target)
    assert seen == [("pending", str(target.idempotency_key))]


def test_rate_limit_reschedules_after_retry_after(mastodon_server: MastodonState, target: PostTarget) -> None:
    reset = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    mastodon_server.fail_next(
        "POST",
        "/api/v1/statuses",
        429,
        {"error": "Too many requests"},
        **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    before = timezone.now()
    retried = claim_and_publish(target)
    assert retried.state == State.SCHEDULED and retried.claimed_by == ""
    assert retried.next_attempt_at is not None
    assert retried.next_attempt_at >= before + timedelta(minutes=29)
    assert "rate limiting" in retried.last_error
    assert retried.attempts_made.get().outcome == "retry"
    assert mastodon_server.statuses == {}


def test_server_error_backs_off_with_jitter_then_publishes_once(
    mastodon_server: MastodonState, target: PostTarget
) -> None:
    mastodon_server.fail_next("POST", "/api/v1/statuses", 502, {"error": "Bad gateway"})
    before = timezone.now()
    retried = claim_and_publish(target)
    assert retried.state == State.SCHEDULED
    assert retried.next_attempt_at is not None
    assert before + timedelta(seconds=30) <= retried.next_attempt_at <= before + timedelta(seconds=61)
    published = publish_target(claim_due_targets("worker-1", retried.next_attempt_at)[0], "worker-1")
    assert published.state == State.PUBLISHED and published.attempts == 2
    assert statuses_of(mastodon_server) == ["Croissants chauds à 7 h !"]


def test_retries_stop_after_the_last_attempt(mastodon_server: MastodonState, target: PostTarget) -> None:
    PostTarget.objects.filter(pk=target.pk).update(attempts=MAX_ATTEMPTS - 1)
    mastodon_server.fail_next("POST", "/api/v1/statuses", 503, {"error": "Unavailable"})
    failed = claim_and_publish(target)
    assert (failed.state, failed.failure_reason) == (State.FAILED, "network")
    assert failed.last_error.startswith(f"Abandon après {MAX_ATTEMPTS} essais")


def test_validation_error_fails_with_the_networks_message(
    owner: Membership, mastodon_server: MastodonState, target: PostTarget
) -> None:
    mastodon_server.fail_next(
        "POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text can't be blank"}
    )
    failed = claim_and_publish(target)
    assert (failed.state, failed.failure_reason) == (State.FAILED, "validation")
    assert failed.last_error == "Mastodon: Validation failed: Text can't be blank"
    assert failed.attempts_made.get().outcome == "failed"


def test_revoked_token_fails_and_asks_for_a_reconnection(
    owner: Membership,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    target: PostTarget,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    mastodon_server.tokens.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        failed = claim_and_publish(target)
    assert (failed.state, failed.failure_reason) == (State.FAILED, "auth_revoked")
    mastodon_channel.refresh_from_db()
    assert mastodon_channel.status == Channel.Status.RECONNECT
    [message] = mail.outbox
    assert message.to == [owner.user.email]
    assert "Croissants" in message.subject and "access token is invalid" in message.body


def test_the_periodic_job_publishes_what_is_due(mastodon_server: MastodonState, target: PostTarget) -> None:
    later = PostTargetFactory(
        post=PostFactory(workspace=target.post.workspace, title="Plus tard"),
        channel=target.channel,
        due_at=timezone.now() + timedelta(hours=1),
    )
    publish_due_targets.call_local()
    target.refresh_from_db()
    later.refresh_from_db()
    assert (target.state, later.state) == (State.PUBLISHED, State.SCHEDULED)
    assert statuses_of(mastodon_server) == ["Croissants chauds à 7 h !"]


def test_a_slow_call_presumed_dead_still_ends_published(
    monkeypatch: pytest.MonkeyPatch, mastodon_server: MastodonState, target: PostTarget
) -> None:
    real_provider_for: Callable[[Channel], Provider] = channel_actions.provider_for

    def slow_provider(channel: Channel) -> Provider:
        provider = real_provider_for(channel)
        real_publish = provider.publish

        def publish(post: OutboundPost) -> Published:
            # While the call hangs, another worker's pass takes the claim for dead.
            assert publisher.recover_stuck_claims(timezone.now() + publisher.STUCK_AFTER * 2) == 1
            return real_publish(post)

        provider.publish = publish  # type: ignore[method-assign]
        return provider

    monkeypatch.setattr(publisher, "provider_for", slow_provider)
    published = claim_and_publish(target)
    [status] = mastodon_server.statuses.values()
    assert (published.state, published.remote_id) == (State.PUBLISHED, status["id"])
    assert published.attempts_made.get().outcome == "published"
