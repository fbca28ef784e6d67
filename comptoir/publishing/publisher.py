"""The publisher: claims due targets atomically, publishes each once, keeps the ledger, reconciles the unknown.

Every state change is a conditional UPDATE on the target's current state, so a worker that lost a race (or was
presumed dead) changes nothing. The attempt row is committed before the network is called, and the remote id
is stored in the same transaction that marks the target published, the moment the network answers.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.channels.actions import provider_for, record_channel_failure, record_channel_success
from comptoir.channels.models import Channel
from comptoir.providers.base import (
    PermanentError,
    ProviderError,
    Published,
    RemotePost,
    RetryableError,
)
from comptoir.publishing.models import PostTarget, PublishAttempt
from comptoir.publishing.notifications import notify_author
from comptoir.publishing.outbound import OutboundError, outbound_post, outbound_text
from comptoir.system.backoff import retry_delay

logger = logging.getLogger(__name__)

State = PostTarget.State
Reason = PostTarget.FailureReason

# What a database restart, a failover or a busy SQLite file raise; Django reconnects on the next query.
DATABASE_ERRORS = (OperationalError, InterfaceError)

# A target this late is `missed`: publishing hours after the planned moment needs a person's consent.
MISSED_AFTER = timedelta(hours=2)
# A claim older than this without a result means its worker died mid-call: the post may be out.
STUCK_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
# Reading back accepts posts created a little before the first attempt: the network's clock may run ahead.
CLOCK_SKEW = timedelta(minutes=5)
RECENT_POSTS_READ = 40
# A worker's loop passes at most this often, so a target is sent within about a second of its due time.
POLL_INTERVAL = 1.0
# A healthy channel's last success is written at most this often during a burst of posts on it.
HEALTH_WRITE_INTERVAL = timedelta(minutes=1)
# Concurrent network calls per worker in the loop: a batch of due targets goes out in parallel.
SEND_THREADS = 8
# How long the network's answer is kept trying to be written while the database is away.
RECORD_RETRIES = 30

# Which states each state may move to; the publisher's updates and the composer's actions all check it.
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.IN_REVIEW, State.SCHEDULED}),
    State.IN_REVIEW: frozenset({State.APPROVED, State.DRAFT}),
    # → in_review: editing an approved post's text sends it back to its reviewers.
    State.APPROVED: frozenset({State.SCHEDULED, State.DRAFT, State.IN_REVIEW}),
    State.SCHEDULED: frozenset({State.CLAIMED, State.MISSED, State.DRAFT, State.IN_REVIEW}),
    State.CLAIMED: frozenset({State.PUBLISHED, State.FAILED, State.UNKNOWN, State.SCHEDULED}),
    State.UNKNOWN: frozenset({State.PUBLISHED, State.SCHEDULED, State.MISSED, State.FAILED}),
    State.FAILED: frozenset({State.SCHEDULED, State.DRAFT}),
    State.MISSED: frozenset({State.SCHEDULED, State.DRAFT}),
    State.PUBLISHED: frozenset(),
}


class TransitionError(ValueError):
    """A move the state machine does not allow: a bug in the caller, never a network condition."""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def move(target_id: int, from_states: set[str], to: str, **fields: Any) -> bool:
    """Moves the target to `to` if it is still in one of `from_states`; False when another worker got there
    first (the row changed under us, and nothing was written)."""
    for state in from_states:
        if to not in TRANSITIONS[state]:
            raise TransitionError(f"A target cannot go from {state} to {to}.")
    changed = PostTarget.objects.filter(pk=target_id, state__in=from_states).update(
        state=to, updated_at=timezone.now(), **fields
    )
    return changed == 1


# Claiming -------------------------------------------------------------------------------------------------


def due_targets(now: datetime) -> QuerySet[PostTarget]:
    return PostTarget.objects.filter(
        state=State.SCHEDULED, next_attempt_at__lte=now, due_at__gte=now - MISSED_AFTER
    ).order_by("next_attempt_at", "id")


def claim_due_targets(worker: str, now: datetime, limit: int = 20) -> list[PostTarget]:
    """Claims up to `limit` due targets for `worker`; two workers never claim the same one."""
    due = due_targets(now).select_related("channel", "post")
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: rows another worker is claiming are skipped instead of waited for.
        due = due.select_for_update(skip_locked=True, of=("self",))
    # One transaction per batch. On SQLite it begins IMMEDIATE (config.py): no other writer runs between the
    # SELECT and the UPDATE, so every row selected is won; should one be lost all the same (another
    # transaction mode), the rows stamped with this claim are the ones this worker holds.
    with transaction.atomic():
        claimed = list(due[:limit])
        ids = [target.pk for target in claimed]
        changed = PostTarget.objects.filter(id__in=ids, state=State.SCHEDULED).update(
            state=State.CLAIMED, claimed_by=worker, claimed_at=now, updated_at=now
        )
        if changed != len(ids):
            won = set(
                PostTarget.objects.filter(
                    id__in=ids, state=State.CLAIMED, claimed_by=worker, claimed_at=now
                ).values_list("id", flat=True)
            )
            claimed = [target for target in claimed if target.pk in won]
    for target in claimed:
        target.state, target.claimed_by, target.claimed_at = State.CLAIMED, worker, now
    return claimed


def claim_target(target_id: int, worker: str, now: datetime) -> bool:
    """Claims one target if it is due: a conditional UPDATE that changes exactly one row for the winner."""
    changed = (
        due_targets(now)
        .filter(pk=target_id)
        .update(state=State.CLAIMED, claimed_by=worker, claimed_at=now, updated_at=now)
    )
    return changed == 1


# Publishing -----------------------------------------------------------------------------------------------


def publish_target(target: PostTarget, worker: str, attempt: PublishAttempt | None = None) -> PostTarget:
    """Sends a target this worker has claimed, and records what the network said. `attempt` is its ledger
    row when the caller started the attempts of a whole batch at once (start_attempts)."""
    if target.state != State.CLAIMED or target.claimed_by != worker:
        raise TransitionError(f"Target {target.pk} is not claimed by {worker}.")
    if attempt is None:
        started: list[PublishAttempt] = []
        _record(lambda: started.extend(start_attempts([target], worker)))
        attempt = started[0]
    try:
        published = provider_for(target.channel).publish(outbound_post(target))
    except OutboundError as unprepared:
        # Our side (a medium missing or impossible to render), not the network's: the channel stays healthy.
        _record(partial(_fail, target, attempt, Reason.VALIDATION, unprepared.message))
    except RetryableError as retryable:
        _record(partial(_retry_later, target, attempt, retryable))
    except PermanentError as refused:
        _record(partial(_refused, target, attempt, refused))
    except ProviderError as unknown:
        # OutcomeUnknownError, or an untyped failure that says nothing about whether the post went out:
        # unknown either way, never retried before reading the channel back.
        _record(partial(_outcome_unknown, target, attempt, unknown.message))
    else:
        _record(partial(_published, target, attempt, published))
    _record(target.refresh_from_db)
    return target


@transaction.atomic
def start_attempts(targets: Sequence[PostTarget], worker: str) -> list[PublishAttempt]:
    """The ledger rows are committed before the network is called, so a crash mid-call leaves a trace; a
    batch of targets takes one INSERT and one UPDATE."""
    now = timezone.now()
    attempts = PublishAttempt.objects.bulk_create(
        PublishAttempt(target=target, started_at=now, worker=worker, request_id=uuid.uuid4().hex)
        for target in targets
    )
    PostTarget.objects.filter(pk__in=[target.pk for target in targets]).update(attempts=F("attempts") + 1)
    for target in targets:
        target.attempts += 1
    return attempts


def _record(write: Callable[[], None]) -> None:
    """Writes down the network's answer, waiting for a database that is restarting: losing the answer would
    leave the target to the stuck-claim rule and a read-back, minutes later."""
    for attempt in range(1, RECORD_RETRIES + 1):
        try:
            write()
            return
        except DATABASE_ERRORS:
            if attempt == RECORD_RETRIES or connection.in_atomic_block:
                raise
            logger.warning("The database is unavailable; retrying to record a publish outcome.")
            connection.close()
            time.sleep(POLL_INTERVAL)


def _finish(attempt: PublishAttempt, outcome: str, **fields: Any) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome, finished_at=timezone.now(), **fields)


@transaction.atomic
def _published(target: PostTarget, attempt: PublishAttempt, published: Published) -> None:
    channel = target.channel
    if not (
        channel.status == Channel.Status.ACTIVE
        and channel.last_success_at is not None
        and channel.last_success_at > timezone.now() - HEALTH_WRITE_INTERVAL
    ):
        record_channel_success(channel)
    summary = _("Accepted as %(id)s") % {"id": published.remote_id}
    _finish(
        attempt,
        PublishAttempt.Outcome.PUBLISHED,
        remote_id=published.remote_id[:255],
        response_summary=summary,
    )
    # The network's answer settles it, even if a slow call was meanwhile presumed dead and made `unknown`.
    move(
        target.pk,
        {State.CLAIMED, State.UNKNOWN},
        State.PUBLISHED,
        remote_id=published.remote_id[:255],
        remote_url=published.url[:500],
        published_at=published.published_at or timezone.now(),
        failure_reason="",
        last_error="",
    )


def _retry_later(target: PostTarget, attempt: PublishAttempt, error: RetryableError) -> None:
    reason = Reason.RATE_LIMITED if error.status == 429 or error.retry_after is not None else Reason.NETWORK
    if target.attempts >= MAX_ATTEMPTS:
        message = _("Gave up after %(count)s attempts: %(error)s") % {
            "count": target.attempts,
            "error": error.message,
        }
        _fail(target, attempt, reason, message)
        return
    next_attempt = timezone.now() + retry_delay(target.attempts, error.retry_after, BACKOFF_BASE, BACKOFF_CAP)
    with transaction.atomic():
        _finish(attempt, PublishAttempt.Outcome.RETRY, error=error.message[:500])
        move(
            target.pk,
            {State.CLAIMED},
            State.SCHEDULED,
            next_attempt_at=next_attempt,
            claimed_by="",
            claimed_at=None,
            last_error=error.message[:500],
        )


def _refused(target: PostTarget, attempt: PublishAttempt, error: PermanentError) -> None:
    _fail(target, attempt, Reason(error.reason.value), error.message)
    record_channel_failure(target.channel, error)


def _fail(target: PostTarget, attempt: PublishAttempt, reason: str, message: str) -> None:
    with transaction.atomic():
        _finish(attempt, PublishAttempt.Outcome.FAILED, error=message[:500])
        moved = move(
            target.pk, {State.CLAIMED}, State.FAILED, failure_reason=reason, last_error=message[:500]
        )
        if moved:
            transaction.on_commit(lambda: notify_author(target.pk))


@transaction.atomic
def _outcome_unknown(target: PostTarget, attempt: PublishAttempt, message: str) -> None:
    _finish(attempt, PublishAttempt.Outcome.UNKNOWN, error=message[:500])
    move(
        target.pk,
        {State.CLAIMED},
        State.UNKNOWN,
        failure_reason=Reason.UNKNOWN_OUTCOME,
        last_error=message[:500],
    )


# Recovery -------------------------------------------------------------------------------------------------


def recover_stuck_claims(now: datetime) -> int:
    """Claims whose worker died mid-call become `unknown`: the post may be out, so only reading back decides."""
    message = _("The worker stopped before the network answered.")
    recovered = 0
    stuck = PostTarget.objects.filter(state=State.CLAIMED, claimed_at__lt=now - STUCK_AFTER)
    for target_id in stuck.values_list("id", flat=True):
        with transaction.atomic():
            if move(
                target_id,
                {State.CLAIMED},
                State.UNKNOWN,
                failure_reason=Reason.UNKNOWN_OUTCOME,
                last_error=message,
            ):
                PublishAttempt.objects.filter(
                    target_id=target_id, outcome=PublishAttempt.Outcome.PENDING
                ).update(outcome=PublishAttempt.Outcome.UNKNOWN, finished_at=now, error=message)
                recovered += 1
    return recovered


def mark_missed_targets(now: datetime) -> int:
    """Scheduled targets far past due are `missed`, never published late without a person's consent."""
    late = PostTarget.objects.filter(state=State.SCHEDULED, due_at__lt=now - MISSED_AFTER)
    missed = 0
    for target_id in late.values_list("id", flat=True):
        if _miss(target_id, {State.SCHEDULED}):
            missed += 1
    return missed


def _miss(target_id: int, from_states: set[str]) -> bool:
    message = _("Not published: it was due more than %(hours)s hours ago. Reschedule it to publish it.") % {
        "hours": int(MISSED_AFTER.total_seconds() // 3600)
    }
    with transaction.atomic():
        moved = move(target_id, from_states, State.MISSED, failure_reason=Reason.MISSED, last_error=message)
        if moved:
            transaction.on_commit(lambda: notify_author(target_id))
    return moved


def reconcile_unknown_target(target: PostTarget, now: datetime) -> PostTarget:
    """Reads the channel back: the post found there is `published` with its remote id; otherwise the target
    gets a new attempt (or is `missed`/`failed` when too late or out of attempts). A channel that cannot be
    read leaves the target `unknown` for the next run."""
    if target.state != State.UNKNOWN:
        raise TransitionError(f"Target {target.pk} is not unknown.")
    try:
        recent = provider_for(target.channel).recent_posts(limit=RECENT_POSTS_READ)
    except ProviderError as error:
        PostTarget.objects.filter(pk=target.pk, state=State.UNKNOWN).update(last_error=error.message[:500])
        target.refresh_from_db()
        return target
    found = _find_on_channel(target, recent)
    if found is not None:
        with transaction.atomic():
            PublishAttempt.objects.filter(target=target, outcome=PublishAttempt.Outcome.UNKNOWN).update(
                outcome=PublishAttempt.Outcome.PUBLISHED,
                remote_id=found.remote_id[:255],
                response_summary=_("Found on the channel when reading it back"),
            )
            move(
                target.pk,
                {State.UNKNOWN},
                State.PUBLISHED,
                remote_id=found.remote_id[:255],
                remote_url=found.url[:500],
                published_at=found.created_at or now,
                failure_reason="",
                last_error="",
            )
    elif target.due_at is not None and target.due_at < now - MISSED_AFTER:
        _miss(target.pk, {State.UNKNOWN})
    elif target.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            message = _("The network never confirmed this post and it is not on the channel.")
            if move(
                target.pk,
                {State.UNKNOWN},
                State.FAILED,
                failure_reason=Reason.UNKNOWN_OUTCOME,
                last_error=message,
            ):
                transaction.on_commit(lambda: notify_author(target.pk))
    else:
        move(target.pk, {State.UNKNOWN}, State.SCHEDULED, next_attempt_at=now, claimed_by="", claimed_at=None)
    target.refresh_from_db()
    return target


def _find_on_channel(target: PostTarget, recent: Sequence[RemotePost]) -> RemotePost | None:
    key = str(target.idempotency_key)
    first_attempt = target.attempts_made.order_by("started_at").values_list("started_at", flat=True).first()
    since = (first_attempt or target.created_at) - CLOCK_SKEW
    for remote in recent:
        if remote.idempotency_key == key:
            return remote
    # The text as written, or as sent (links tagged with UTM parameters).
    texts = {target.text.strip(), outbound_text(target).strip()}
    for remote in recent:
        # Same text is only proof when it appeared after our first attempt: the brand may repeat a post.
        if remote.text.strip() in texts and (remote.created_at is None or remote.created_at >= since):
            return remote
    return None


def tidy_targets(now: datetime) -> None:
    """Recovers dead claims, reconciles the unknown and marks the missed: what a pass does before sending."""
    recover_stuck_claims(now)
    for target in PostTarget.objects.filter(state=State.UNKNOWN).select_related("channel", "post"):
        reconcile_unknown_target(target, now)
    mark_missed_targets(now)


def send_due_targets(worker: str, now: datetime, limit: int = 20, threads: int = 1) -> list[PostTarget]:
    """Claims what is due and sends it, over `threads` concurrent calls: the time goes into waiting for
    networks, and one slow network must not hold back every other channel's posts."""
    claimed = claim_due_targets(worker, now, limit)
    if not claimed:
        return []
    attempts: list[PublishAttempt] = []
    _record(lambda: attempts.extend(start_attempts(claimed, worker)))
    batch = list(zip(claimed, attempts, strict=True))
    if threads <= 1 or len(batch) == 1:
        return [publish_target(target, worker, attempt) for target, attempt in batch]
    shares = [batch[start::threads] for start in range(threads)]
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publisher") as pool:
        sent = pool.map(lambda share: _publish_share(share, worker), [share for share in shares if share])
    return [target for share in sent for target in share]


def _publish_share(batch: list[tuple[PostTarget, PublishAttempt]], worker: str) -> list[PostTarget]:
    try:
        return [publish_target(target, worker, attempt) for target, attempt in batch]
    finally:
        # Each thread had a connection of its own; the pool's threads end with this batch.
        connection.close()


def run_publisher(worker: str, now: datetime, limit: int = 20) -> list[PostTarget]:
    """One pass: recover dead claims, reconcile the unknown, mark the missed, then publish what is due."""
    tidy_targets(now)
    return send_due_targets(worker, now, limit)


# Tidying reads channels back: once every few seconds is enough, sending what is due is checked every second.
TIDY_INTERVAL = 15.0


def run_publisher_loop(worker: str, seconds: float, limit: int = 100, threads: int = SEND_THREADS) -> int:
    """Passes until `seconds` have gone by or nothing more comes due before then, pausing POLL_INTERVAL
    whenever nothing was sent; returns how many targets it sent (`seconds` = 0: a single pass). Returning
    early frees the consumer's thread and lets a worker stop at once when idle. A database error (restart,
    failover) ends the pass, not the loop: the next query reconnects, and a target claimed just before the
    error is recovered by the stuck-claim rule."""
    deadline = time.monotonic() + seconds
    next_tidy = 0.0
    sent = 0
    while True:
        done: list[PostTarget] = []
        upcoming = True
        try:
            if time.monotonic() >= next_tidy:
                tidy_targets(timezone.now())
                next_tidy = time.monotonic() + TIDY_INTERVAL
            done = send_due_targets(worker, timezone.now(), limit, threads)
            if not done:
                left = timedelta(seconds=max(0.0, deadline - time.monotonic()))
                upcoming = due_targets(timezone.now() + left).exists()
        except DATABASE_ERRORS as error:
            logger.warning("The database is unavailable (%s); the publisher carries on.", error)
            connection.close()
        sent += len(done)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not upcoming:
            return sent
        if not done:
            time.sleep(min(POLL_INTERVAL, remaining))
