"""The publisher's batches: outcomes written together, targets claimed ahead of their time and sent at it,
claims taken back never sent, channels needing reconnection never called."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone, translation

from comptoir.channels.models import Channel
from comptoir.providers.registry import PROVIDER_CLASSES
from comptoir.publishing import publisher
from comptoir.publishing.models import PostTarget, PublishAttempt
from comptoir.publishing.publisher import (
    claim_due_targets,
    publish_claimed,
    recover_stuck_claims,
    run_publisher_loop,
    send_due_targets,
    start_attempts,
)
from comptoir.testing import journal_network
from comptoir.testing.factories import ChannelFactory, PostFactory, PostTargetFactory
from comptoir.testing.journal_network import read_journal
from comptoir.workspaces.models import Membership

State = PostTarget.State


@pytest.fixture
def journal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    # Registered for this test only: the provider contract tests list the production networks.
    monkeypatch.setitem(
        PROVIDER_CLASSES, journal_network.NETWORK, f"{journal_network.__name__}:JournalNetworkProvider"
    )
    return tmp_path / "journal.jsonl"


def journal_channels(owner: Membership, journal: Path, count: int) -> list[Channel]:
    return [
        ChannelFactory(
            workspace=owner.workspace,
            network=journal_network.NETWORK,
            name=f"canal-{number}",
            account_id=f"canal-{number}",
            settings={"journal": str(journal), "account": f"canal-{number}"},
        )
        for number in range(count)
    ]


def targets_on(owner: Membership, channels: list[Channel], count: int, **fields: object) -> list[PostTarget]:
    return [
        PostTargetFactory(
            post=PostFactory(workspace=owner.workspace, author=owner.user, title=f"Annonce {number}"),
            channel=channels[number % len(channels)],
            text=f"Annonce n° {number}",
            **fields,
        )
        for number in range(count)
    ]


def test_a_batch_over_several_channels_is_published_once_each(owner: Membership, journal: Path) -> None:
    channels = journal_channels(owner, journal, 3)
    targets = targets_on(owner, channels, 30)
    sent = send_due_targets("worker-1", timezone.now(), limit=50, threads=4)
    assert {target.state for target in sent} == {State.PUBLISHED}
    posts = read_journal(journal)
    assert Counter(post["key"] for post in posts) == {str(target.idempotency_key): 1 for target in targets}
    for target in PostTarget.objects.filter(pk__in=[target.pk for target in targets]):
        [attempt] = target.attempts_made.all()
        assert (target.attempts, target.remote_id, attempt.outcome) == (1, attempt.remote_id, "published")
        assert target.published_at is not None and attempt.finished_at is not None
    for channel in Channel.objects.filter(pk__in=[channel.pk for channel in channels]):
        assert (channel.status, channel.last_success_at is not None) == (Channel.Status.ACTIVE, True)


def test_the_loop_claims_ahead_and_sends_at_the_due_time(owner: Membership, journal: Path) -> None:
    [channel] = journal_channels(owner, journal, 1)
    due = timezone.now() + timedelta(seconds=1.5)
    [target] = targets_on(owner, [channel], 1, due_at=due, next_attempt_at=due)
    assert run_publisher_loop("worker-1", 3, threads=1, record_in_background=False) == 1
    target.refresh_from_db()
    attempt = target.attempts_made.get()
    assert target.state == State.PUBLISHED
    # Claimed and its attempt written before its time; sent at it, not before.
    assert target.claimed_at is not None and target.claimed_at < due and attempt.started_at < due
    assert target.published_at is not None and target.published_at >= due


def test_a_worker_stopped_while_holding_targets_gives_them_back(
    monkeypatch: pytest.MonkeyPatch, owner: Membership, journal: Path
) -> None:
    [channel] = journal_channels(owner, journal, 1)
    due = timezone.now() + timedelta(seconds=30)
    [target] = targets_on(owner, [channel], 1, due_at=due, next_attempt_at=due)

    def stopped(seconds: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publisher.time, "sleep", stopped)
    with pytest.raises(KeyboardInterrupt):
        run_publisher_loop("worker-1", 60, threads=1, record_in_background=False)
    target.refresh_from_db()
    assert (target.state, target.claimed_by, target.claimed_at) == (State.SCHEDULED, "", None)
    assert not PublishAttempt.objects.exists() and read_journal(journal) == []


def test_a_claim_taken_back_meanwhile_is_not_sent(
    caplog: pytest.LogCaptureFixture, owner: Membership, journal: Path
) -> None:
    [channel] = journal_channels(owner, journal, 1)
    kept, taken = targets_on(owner, [channel], 2)
    claimed = claim_due_targets("worker-1", timezone.now(), limit=10)
    started = start_attempts(claimed, "worker-1")
    # Another worker presumed this one dead and gave the target back to the schedule.
    PostTarget.objects.filter(pk=taken.pk).update(state=State.SCHEDULED, claimed_by="", claimed_at=None)
    with caplog.at_level(logging.WARNING, logger="comptoir.publishing.publisher"):
        publish_claimed(claimed, "worker-1", started=started)
    assert [post["key"] for post in read_journal(journal)] == [str(kept.idempotency_key)]
    taken.refresh_from_db()
    assert taken.state == State.SCHEDULED
    assert f"Target {taken.pk} was no longer claimed" in caplog.text


def test_a_target_claimed_ahead_and_never_attempted_goes_back_to_the_schedule(
    owner: Membership, journal: Path
) -> None:
    [channel] = journal_channels(owner, journal, 1)
    [target] = targets_on(owner, [channel], 1)
    claim_due_targets("worker-1", timezone.now())
    assert recover_stuck_claims(timezone.now() + publisher.STUCK_AFTER * 2) == 1
    target.refresh_from_db()
    assert (target.state, target.claimed_by) == (State.SCHEDULED, "")


def test_a_channel_needing_reconnection_is_not_called(
    owner: Membership,
    journal: Path,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    [channel] = journal_channels(owner, journal, 1)
    Channel.objects.filter(pk=channel.pk).update(status=Channel.Status.RECONNECT)
    [target] = targets_on(owner, [channel], 1)
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):  # type: ignore[attr-defined]
        [failed] = send_due_targets("worker-1", timezone.now())
    assert (failed.state, failed.failure_reason) == (State.FAILED, "auth_revoked")
    assert "needs reconnecting" in failed.last_error
    assert read_journal(journal) == [] and not PublishAttempt.objects.filter(target=target).exists()
    [message] = mail.outbox
    assert message.to == [owner.user.email]


def test_an_ageing_claim_is_renewed_right_before_its_call(owner: Membership, journal: Path) -> None:
    [channel] = journal_channels(owner, journal, 1)
    [target] = targets_on(owner, [channel], 1)
    [claimed] = claim_due_targets("worker-1", timezone.now())
    # A slow batch: by the time this target's turn comes, its claim is most of the way to STUCK_AFTER.
    aged = timezone.now() - publisher.STUCK_AFTER * 0.75
    PostTarget.objects.filter(pk=target.pk).update(claimed_at=aged)
    claimed.claimed_at = aged
    [sent] = publish_claimed([claimed], "worker-1")
    assert sent.state == State.PUBLISHED and len(read_journal(journal)) == 1
    assert sent.claimed_at is not None and sent.claimed_at > aged + publisher.STUCK_AFTER / 2
