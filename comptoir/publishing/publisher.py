"""The publisher: claims due targets atomically, publishes each once, keeps the ledger, reconciles the unknown.

Every state change is a conditional UPDATE on the target's current state, so a worker that lost a race (or was
presumed dead) changes nothing. The attempt row is committed before the network is called, and the remote id
is stored in the same transaction that marks the target published, with the rest of its batch's outcomes.

The loop works in batches so that a burst (thousands of targets due in the same minute) goes out on time: it
claims targets and starts their attempts up to CLAIM_AHEAD before their time, sends each batch at its due time,
and writes the outcomes on a thread of its own while the next batches go out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.channels.actions import provider_for, record_channel_failure
from comptoir.channels.crypto import CredentialsUnreadable
from comptoir.channels.models import Channel
from comptoir.providers.base import (
    PermanentError,
    PermanentReason,
    Provider,
    ProviderError,
    Published,
    RemotePost,
    RetryableError,
)
from comptoir.publishing.models import LinkTracking, PostTarget, PublishAttempt
from comptoir.publishing.notifications import notify_author
from comptoir.publishing.outbound import OutboundError, outbound_post, outbound_text, prefetch_attachments
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


def check_transition(from_states: set[str], to: str) -> None:
    for state in from_states:
        if to not in TRANSITIONS[state]:
            raise TransitionError(f"A target cannot go from {state} to {to}.")


def move(target_id: int, from_states: set[str], to: str, **fields: Any) -> bool:
    """Moves the target to `to` if it is still in one of `from_states`; False when another worker got there
    first (the row changed under us, and nothing was written)."""
    check_transition(from_states, to)
    changed = PostTarget.objects.filter(pk=target_id, state__in=from_states).update(
        state=to, updated_at=timezone.now(), **fields
    )
    return changed == 1


# Claiming -------------------------------------------------------------------------------------------------


def due_targets(now: datetime, horizon: datetime | None = None) -> QuerySet[PostTarget]:
    """Scheduled targets whose (next) attempt is due by `horizon` (default: now), not yet missed at `now`."""
    return PostTarget.objects.filter(
        state=State.SCHEDULED, next_attempt_at__lte=horizon or now, due_at__gte=now - MISSED_AFTER
    ).order_by("next_attempt_at", "id")


def claim_due_targets(
    worker: str,
    now: datetime,
    limit: int = 20,
    horizon: datetime | None = None,
    channels: dict[int, Channel] | None = None,
) -> list[PostTarget]:
    """Claims up to `limit` targets due by `horizon` (default: now) for `worker`; two workers never claim the
    same one. Claiming ahead of the due time lets the worker send the moment the target is due. `channels`:
    the channel objects already held, shared with the targets claimed now."""
    due = (
        due_targets(now, horizon)
        .select_related("channel", "post")
        .prefetch_related(prefetch_attachments("post__"))
    )
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
    # One object per channel: what the batch learns of a channel (healthy, needs reconnecting) holds for all
    # of its targets.
    channels = {} if channels is None else channels
    for target in claimed:
        target.state, target.claimed_by, target.claimed_at = State.CLAIMED, worker, now
        target.channel = channels.setdefault(target.channel_id, target.channel)
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


@dataclass
class Answer:
    """What the network said to one call, kept until the batch's outcomes are written together."""

    target: PostTarget
    request_id: str  # the attempt's, in the ledger
    published: Published | None = None
    error: ProviderError | OutboundError | None = None
    answered_at: datetime = field(default_factory=timezone.now)


def publish_target(target: PostTarget, worker: str) -> PostTarget:
    """Sends a target this worker has claimed, and records what the network said."""
    [sent] = publish_claimed([target], worker)
    return sent


def publish_claimed(
    targets: Sequence[PostTarget],
    worker: str,
    threads: int = 1,
    reload: bool = True,
    providers: dict[tuple[int, int, str], Provider] | None = None,
    recorder: BackgroundRecorder | None = None,
    started: Mapping[int, str] | None = None,
) -> list[PostTarget]:
    """Sends targets this worker has claimed, over up to `threads` concurrent calls, and records the answers:
    the ledger rows are committed before the first call, the outcomes of the batch in one transaction.
    `reload`: read the targets' new state back (the loop, which only counts them, does not); `providers`: the
    loop's providers, kept from one batch to the next; `recorder`: the loop's, which writes the outcomes
    while the next batch goes out; `started`: the request ids of attempts the loop started when it claimed
    the targets ahead of their time."""
    for target in targets:
        if target.state != State.CLAIMED or target.claimed_by != worker:
            raise TransitionError(f"Target {target.pk} is not claimed by {worker}.")
    sendable = [target for target in targets if not _fail_if_channel_needs_reconnecting(target, started)]
    request_ids: dict[int, str] = {}
    if started:
        _record(lambda: request_ids.update(_still_claimed(sendable, worker, started)))
    unstarted = [target for target in sendable if target.pk not in (started or {})]
    _record(lambda: request_ids.update(start_attempts(unstarted, worker)))
    batch = [(target, request_ids[target.pk]) for target in sendable if target.pk in request_ids]
    answers = _send(batch, worker, threads, {} if providers is None else providers)
    if recorder is not None:
        recorder.submit(answers)
    else:
        _record(partial(record_answers, answers))
    if reload:
        _record(partial(_reload, targets))
    return list(targets)


class BackgroundRecorder:
    """Writes the batches' outcomes on a thread (and database connection) of its own, in order, while the loop
    sends the next batches: during a burst the sending is not held back by the database, and the two overlap
    on two cores. The answers are in memory meanwhile: should the worker die before they are written, its
    targets are read back from the networks (`unknown`), as for a crash during a call. At most
    `max_pending` batches wait; a write that failed raises at the next submit or at close."""

    def __init__(self, max_pending: int = 40) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publisher-record")
        self._pending: deque[Future[None]] = deque()
        self._max_pending = max_pending

    def submit(self, answers: Sequence[Answer]) -> None:
        while self._pending and (self._pending[0].done() or len(self._pending) >= self._max_pending):
            self._pending.popleft().result()
        self._pending.append(self._thread.submit(_record, partial(record_answers, answers)))

    def wait(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            # A lambda: `connection` must be looked up on the recording thread, whose connection it closes.
            self._thread.submit(lambda: connection.close()).result()
            self._thread.shutdown()


def _still_claimed(targets: Sequence[PostTarget], worker: str, started: Mapping[int, str]) -> dict[int, str]:
    """The targets started ahead that this worker still holds: one whose claim was taken back meanwhile (the
    worker presumed dead, its claims recovered) is not sent."""
    ahead = [target.pk for target in targets if target.pk in started]
    # Filtered here rather than in SQL, so that the rows are looked up by id (see _targets_published_sql).
    rows = PostTarget.objects.filter(pk__in=ahead).values_list("id", "state", "claimed_by")
    held = {target_id for target_id, state, holder in rows if state == State.CLAIMED and holder == worker}
    for target_id in set(ahead) - held:
        _log_claim_lost(target_id, worker)
    return {target_id: started[target_id] for target_id in held}


def _log_claim_lost(target_id: int, worker: str) -> None:
    logger.warning("Target %s was no longer claimed by %s: not sent.", target_id, worker)


def _fail_if_channel_needs_reconnecting(target: PostTarget, started: Mapping[int, str] | None) -> bool:
    """A channel whose authorisation was revoked would only refuse again: the author is told at once, and the
    network is not called."""
    if target.channel.status != Channel.Status.RECONNECT:
        return False
    message = _("The channel “%(channel)s” needs reconnecting: reconnect it, then reschedule this post.") % {
        "channel": target.channel.name
    }
    _record(partial(_fail, target, (started or {}).get(target.pk), Reason.AUTH_REVOKED, message))
    return True


def _send(
    batch: list[tuple[PostTarget, str]],
    worker: str,
    threads: int,
    providers: dict[tuple[int, int, str], Provider],
) -> list[Answer]:
    """The batch's targets spread over the threads, in due order on each: a slow network holds back a few
    calls, not a queue of its channel's posts."""
    trackings = _link_tracking([target for target, _request_id in batch])
    if threads <= 1 or len(batch) == 1:
        return _send_share(batch, worker, trackings, providers, close=False)
    shares = [batch[start::threads] for start in range(threads) if batch[start::threads]]

    def send_share(share: list[tuple[PostTarget, str]]) -> list[Answer]:
        return _send_share(share, worker, trackings, providers, close=True)

    return [answer for answers in _sending_pool(threads).map(send_share, shares) for answer in answers]


_pools: dict[int, ThreadPoolExecutor] = {}


def _sending_pool(threads: int) -> ThreadPoolExecutor:
    """One pool per process and size, kept between batches: starting threads for every batch costs more than
    a fast network's answers."""
    if threads not in _pools:
        _pools[threads] = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="publisher")
    return _pools[threads]


def _provider(channel: Channel, providers: dict[tuple[int, int, str], Provider]) -> Provider:
    """The channel's provider for this thread, made once per loop and credentials: decrypting them for every
    batch would cost more than a fast network's answer. New credentials (a renewed token) make a new provider;
    a provider (its HTTP session) is never shared between threads."""
    key = (threading.get_ident(), channel.pk, channel.credentials_encrypted)
    if key not in providers:
        providers[key] = provider_for(channel)
    return providers[key]


def _link_tracking(targets: Sequence[PostTarget]) -> dict[int, LinkTracking | None]:
    workspaces = {target.post.workspace_id for target in targets}
    found = {
        tracking.workspace_id: tracking
        for tracking in LinkTracking.objects.filter(workspace_id__in=workspaces)
    }
    return {workspace: found.get(workspace) for workspace in workspaces}


def _send_share(
    share: list[tuple[PostTarget, str]],
    worker: str,
    trackings: dict[int, LinkTracking | None],
    providers: dict[tuple[int, int, str], Provider],
    close: bool,
) -> list[Answer]:
    answers = []
    try:
        for target, request_id in share:
            if not _claim_still_mine(target, worker):
                continue
            try:
                provider = _provider(target.channel, providers)
                outbound = outbound_post(target, trackings[target.post.workspace_id])
                answers.append(Answer(target, request_id, published=provider.publish(outbound)))
            except CredentialsUnreadable:
                refused = PermanentError(
                    _("The channel's credentials cannot be read any more: reconnect it."),
                    reason=PermanentReason.AUTH_REVOKED,
                )
                answers.append(Answer(target, request_id, error=refused))
            except (ProviderError, OutboundError) as error:
                answers.append(Answer(target, request_id, error=error))
    finally:
        if close:
            # Renewing claims or reading media opened this thread's own connection: closed, not left to the pool.
            connection.close()
    return answers


def _claim_still_mine(target: PostTarget, worker: str) -> bool:
    """A claim halfway to STUCK_AFTER is renewed right before its call (a slow batch, slow networks): another
    worker takes only claims older than STUCK_AFTER for dead, so the call goes out under a live claim. A claim
    already taken back is not sent. Young claims, the usual case, cost nothing."""
    now = timezone.now()
    if target.claimed_at is None or now - target.claimed_at < STUCK_AFTER / 2:
        return True
    renewed = PostTarget.objects.filter(pk=target.pk, state=State.CLAIMED, claimed_by=worker).update(
        claimed_at=now
    )
    if renewed:
        target.claimed_at = now
    else:
        _log_claim_lost(target.pk, worker)
    return renewed == 1


# A batch's ledger rows and outcomes are written with one statement per table, the rows as a VALUES list:
# building model instances (bulk_create) or a statement per row (executemany) costs more than a fast network's
# answer, on PostgreSQL above all. A VALUES list's columns are column1, column2… on SQLite and PostgreSQL alike.
# Only constants are interpolated (table names, states, placeholders).
_ATTEMPTS = PublishAttempt._meta.db_table
_TARGETS = PostTarget._meta.db_table


def _values(rows: int, width: int) -> str:
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * rows)


def _start_attempts_sql(rows: int) -> str:
    # Only for targets still claimed by this worker: one whose claim was taken back meanwhile (a worker presumed
    # dead, a release) gets no ledger row and is not sent. `|| ''`: see _targets_published_sql.
    return (
        f"INSERT INTO {_ATTEMPTS} (target_id, started_at, worker, request_id, outcome, remote_id, error, "  # noqa: S608
        f"response_summary) SELECT v.column1, v.column2, v.column3, v.column4, '{PublishAttempt.Outcome.PENDING}', "
        f"'', '', '' FROM (VALUES {_values(rows, 4)}) AS v JOIN {_TARGETS} ON {_TARGETS}.id = v.column1 "
        f"WHERE {_TARGETS}.state || '' = '{State.CLAIMED}' AND {_TARGETS}.claimed_by = v.column3 "
        "RETURNING target_id, request_id"
    )


def _attempts_published_sql(rows: int) -> str:
    return (
        f"UPDATE {_ATTEMPTS} SET outcome = '{PublishAttempt.Outcome.PUBLISHED}', finished_at = v.column2, "  # noqa: S608
        f"remote_id = v.column3, response_summary = v.column4 FROM (VALUES {_values(rows, 4)}) AS v "
        f"WHERE {_ATTEMPTS}.request_id = v.column1"
    )


def _targets_published_sql(rows: int) -> str:
    # Conditional on the state, like move(): a target settled meanwhile by another worker is left as it is.
    # `state || ''` keeps planners off the (state, next_attempt_at) index: with statistics from before a burst
    # of posts, PostgreSQL would otherwise read every claimed row for each batch instead of the batch's by id.
    return (
        f"UPDATE {_TARGETS} SET state = '{State.PUBLISHED}', remote_id = v.column2, remote_url = v.column3, "  # noqa: S608
        "published_at = v.column4, updated_at = %s, failure_reason = '', last_error = '', "
        f"attempts = (SELECT COUNT(*) FROM {_ATTEMPTS} WHERE {_ATTEMPTS}.target_id = {_TARGETS}.id) "
        f"FROM (VALUES {_values(rows, 4)}) AS v "
        f"WHERE {_TARGETS}.id = v.column1 AND {_TARGETS}.state || '' IN ('{State.CLAIMED}', '{State.UNKNOWN}')"
    )


@transaction.atomic
def start_attempts(targets: Sequence[PostTarget], worker: str) -> dict[int, str]:
    """The ledger rows are committed before the network is called, so a crash mid-call leaves a trace; a
    batch of targets takes one INSERT. Returns the request id (unique, by which the outcome is written) of each
    target still claimed by `worker`, by target id. The target's attempt count is written with the outcome."""
    if not targets:
        return {}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = [value for target in targets for value in (target.pk, now, worker, uuid.uuid4().hex)]
    with connection.cursor() as cursor:
        cursor.execute(_start_attempts_sql(len(targets)), values)
        started: dict[int, str] = dict(cursor.fetchall())
    for target in targets:
        if target.pk in started:
            target.attempts += 1
        else:
            _log_claim_lost(target.pk, worker)
    return started


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


def _reload(targets: Sequence[PostTarget]) -> None:
    fresh = PostTarget.objects.in_bulk([target.pk for target in targets])
    for target in targets:
        if target.pk in fresh:  # its post may have been deleted meanwhile
            for name in RELOADED_FIELDS:
                setattr(target, name, getattr(fresh[target.pk], name))


# What recording an outcome may change on a target.
RELOADED_FIELDS = (
    "state",
    "attempts",
    "remote_id",
    "remote_url",
    "published_at",
    "next_attempt_at",
    "claimed_by",
    "claimed_at",
    "failure_reason",
    "last_error",
    "updated_at",
)


def record_answers(answers: Sequence[Answer]) -> None:
    """The accepted posts of a batch are written together (two statements, whatever the batch's size); the
    rarer refusals and errors one by one, each with its own rule."""
    _record_published([answer for answer in answers if answer.published is not None])
    for answer in answers:
        error = answer.error
        if isinstance(error, OutboundError):
            # Our side (a medium missing or impossible to render), not the network's: the channel stays healthy.
            _fail(answer.target, answer.request_id, Reason.VALIDATION, error.message)
        elif isinstance(error, RetryableError):
            _retry_later(answer.target, answer.request_id, error)
        elif isinstance(error, PermanentError):
            _refused(answer.target, answer.request_id, error)
        elif error is not None:
            # OutcomeUnknownError, or an untyped failure that says nothing about whether the post went out:
            # unknown either way, never retried before reading the channel back.
            _outcome_unknown(answer.target, answer.request_id, error.message)


@transaction.atomic
def _record_published(answers: Sequence[Answer]) -> None:
    if not answers:
        return
    check_transition({State.CLAIMED, State.UNKNOWN}, State.PUBLISHED)  # what _targets_published_sql does
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    accepted_as = _("Accepted as %(id)s")
    attempt_values: list[Any] = []
    target_values: list[Any] = [adapt(now)]
    for answer in answers:
        published = answer.published
        assert published is not None
        remote_id = published.remote_id[:255]
        answered_at = adapt(answer.answered_at)
        published_at = answered_at if published.published_at is None else adapt(published.published_at)
        summary = (accepted_as % {"id": published.remote_id})[:500]
        attempt_values += [answer.request_id, answered_at, remote_id, summary]
        # The network's answer settles it, even if a slow call was meanwhile presumed dead and made `unknown`.
        target_values += [answer.target.pk, remote_id, published.url[:500], published_at]
    with connection.cursor() as cursor:
        cursor.execute(_attempts_published_sql(len(answers)), attempt_values)
        cursor.execute(_targets_published_sql(len(answers)), target_values)
    _note_channels_healthy({answer.target.channel for answer in answers}, now)


def _note_channels_healthy(channels: set[Channel], now: datetime) -> None:
    """A healthy channel's last success is written at most once a minute during a burst of posts on it."""
    stale = [
        channel.pk
        for channel in channels
        if not (
            channel.status == Channel.Status.ACTIVE
            and channel.last_success_at is not None
            and channel.last_success_at > now - HEALTH_WRITE_INTERVAL
        )
    ]
    if stale:
        Channel.objects.filter(pk__in=stale).update(status=Channel.Status.ACTIVE, last_success_at=now)
        for channel in channels:
            if channel.pk in stale:
                channel.status, channel.last_success_at = Channel.Status.ACTIVE, now


def _finish(request_id: str, outcome: str, **fields: Any) -> None:
    PublishAttempt.objects.filter(request_id=request_id).update(
        outcome=outcome, finished_at=timezone.now(), **fields
    )


def _retry_later(target: PostTarget, request_id: str, error: RetryableError) -> None:
    reason = Reason.RATE_LIMITED if error.status == 429 or error.retry_after is not None else Reason.NETWORK
    if target.attempts >= MAX_ATTEMPTS:
        message = _("Gave up after %(count)s attempts: %(error)s") % {
            "count": target.attempts,
            "error": error.message,
        }
        _fail(target, request_id, reason, message)
        return
    next_attempt = timezone.now() + retry_delay(target.attempts, error.retry_after, BACKOFF_BASE, BACKOFF_CAP)
    with transaction.atomic():
        _finish(request_id, PublishAttempt.Outcome.RETRY, error=error.message[:500])
        move(
            target.pk,
            {State.CLAIMED},
            State.SCHEDULED,
            next_attempt_at=next_attempt,
            claimed_by="",
            claimed_at=None,
            last_error=error.message[:500],
            attempts=target.attempts,
        )


def _refused(target: PostTarget, request_id: str, error: PermanentError) -> None:
    _fail(target, request_id, Reason(error.reason.value), error.message)
    record_channel_failure(target.channel, error)
    if error.reason is PermanentReason.AUTH_REVOKED:
        # The batch's channel object is shared by its other targets, claimed ahead: they are not sent.
        target.channel.status = Channel.Status.RECONNECT


def _fail(target: PostTarget, request_id: str | None, reason: str, message: str) -> None:
    """`request_id` is None when the network was not called at all."""
    with transaction.atomic():
        counted = {}
        if request_id is not None:
            _finish(request_id, PublishAttempt.Outcome.FAILED, error=message[:500])
            counted = {"attempts": target.attempts}
        moved = move(
            target.pk,
            {State.CLAIMED},
            State.FAILED,
            failure_reason=reason,
            last_error=message[:500],
            **counted,
        )
        if moved:
            transaction.on_commit(lambda: notify_author(target.pk))


@transaction.atomic
def _outcome_unknown(target: PostTarget, request_id: str, message: str) -> None:
    _finish(request_id, PublishAttempt.Outcome.UNKNOWN, error=message[:500])
    move(
        target.pk,
        {State.CLAIMED},
        State.UNKNOWN,
        failure_reason=Reason.UNKNOWN_OUTCOME,
        last_error=message[:500],
        attempts=target.attempts,
    )


# Recovery -------------------------------------------------------------------------------------------------


def recover_stuck_claims(now: datetime) -> int:
    """Claims whose worker died mid-call become `unknown`: the post may be out, so only reading back decides.
    A claim without an attempt (its worker stopped between the claim and the ledger row) goes back to the
    schedule. Either way a worker that comes back finds its claim gone and does not send (_still_claimed,
    start_attempts)."""
    message = _("The worker stopped before the network answered.")
    recovered = 0
    stuck = PostTarget.objects.filter(state=State.CLAIMED, claimed_at__lt=now - STUCK_AFTER)
    for target_id in stuck.values_list("id", flat=True):
        with transaction.atomic():
            pending = PublishAttempt.objects.filter(
                target_id=target_id, outcome=PublishAttempt.Outcome.PENDING
            )
            if not pending.exists():
                recovered += move(target_id, {State.CLAIMED}, State.SCHEDULED, claimed_by="", claimed_at=None)
            elif move(
                target_id,
                {State.CLAIMED},
                State.UNKNOWN,
                failure_reason=Reason.UNKNOWN_OUTCOME,
                last_error=message,
                attempts=PublishAttempt.objects.filter(target_id=target_id).count(),
            ):
                pending.update(outcome=PublishAttempt.Outcome.UNKNOWN, finished_at=now, error=message)
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
    return publish_claimed(claimed, worker, threads) if claimed else []


def run_publisher(worker: str, now: datetime, limit: int = 20) -> list[PostTarget]:
    """One pass: recover dead claims, reconcile the unknown, mark the missed, then publish what is due."""
    tidy_targets(now)
    return send_due_targets(worker, now, limit)


# Tidying reads channels back: once every few seconds is enough, sending what is due is checked every second.
TIDY_INTERVAL = 15.0
# The loop claims (and loads) targets due within this window ahead of time, and sends each the moment it is
# due: a burst of thousands of targets due at the same minute goes out within a second or two, instead of
# queueing behind its own claims. A post cannot be edited or unscheduled during these last seconds.
CLAIM_AHEAD = timedelta(seconds=10)
# Targets per claim and per sending batch (one ledger INSERT before the calls, one outcome transaction after).
SEND_BATCH = 250
# At most this many targets held claimed ahead by one worker; other workers claim the rest.
HOLD_LIMIT = 20_000


def run_publisher_loop(
    worker: str,
    seconds: float,
    limit: int = SEND_BATCH,
    threads: int = SEND_THREADS,
    record_in_background: bool = True,
) -> int:
    """Passes until `seconds` have gone by or nothing more comes due before then, sleeping until the next
    target held is due (at most POLL_INTERVAL); returns how many targets it sent (`seconds` = 0: a single pass,
    nothing claimed ahead). Returning early frees the consumer's thread and lets a worker stop at once when
    idle. A database error (restart, failover) ends the pass, not the loop: the next query reconnects, and a
    target claimed just before the error is recovered by the stuck-claim rule. `record_in_background`: off
    where the caller's transaction must see every write (Huey's immediate mode in tests)."""
    deadline = time.monotonic() + seconds
    next_tidy = 0.0
    sent = 0
    held: list[PostTarget] = []  # claimed ahead, not yet sent, in due order
    started: dict[int, str] = {}  # their attempts' request ids
    # Kept for the loop: what a batch learns of a channel (healthy, needs reconnecting) holds for the next.
    channels: dict[int, Channel] = {}
    providers: dict[tuple[int, int, str], Provider] = {}
    recorder = BackgroundRecorder() if record_in_background else None
    try:
        while True:
            sent_now: list[PostTarget] = []
            upcoming = True
            try:
                if time.monotonic() >= next_tidy:
                    tidy_targets(timezone.now())
                    next_tidy = time.monotonic() + TIDY_INTERVAL
                ahead = timedelta(
                    seconds=max(0.0, min(CLAIM_AHEAD.total_seconds(), deadline - time.monotonic()))
                )
                _claim_ahead(worker, held, started, limit, ahead, channels)
                now = timezone.now()
                due = [target for target in held[:limit] if _attempt_time(target) <= now]
                if due:
                    del held[: len(due)]
                    begun = {target.pk: started.pop(target.pk) for target in due if target.pk in started}
                    sent_now = publish_claimed(
                        due,
                        worker,
                        threads,
                        reload=False,
                        providers=providers,
                        recorder=recorder,
                        started=begun,
                    )
                elif not held:
                    if recorder is not None:
                        # A retry or a read-back may come due from answers not written yet.
                        recorder.wait()
                    left = timedelta(seconds=max(0.0, deadline - time.monotonic()))
                    upcoming = _work_before(timezone.now(), timezone.now() + left)
            except DATABASE_ERRORS as error:
                logger.warning("The database is unavailable (%s); the publisher carries on.", error)
                connection.close()
            sent += len(sent_now)
            remaining = deadline - time.monotonic()
            if not held and (remaining <= 0 or not upcoming):
                return sent
            if not sent_now:
                wait = POLL_INTERVAL
                if held:
                    wait = (_attempt_time(held[0]) - timezone.now()).total_seconds()
                elif remaining > 0:
                    wait = min(wait, remaining)
                time.sleep(min(POLL_INTERVAL, max(0.0, wait)))
    finally:
        try:
            if recorder is not None:
                recorder.close()
        finally:
            # Stopped with targets claimed ahead (none of them sent): they go back to the schedule at once
            # rather than waiting for the stuck-claim rule and a read-back.
            if held:
                _release(held, worker)


def _work_before(now: datetime, until: datetime) -> bool:
    """Whether the loop has anything to do before `until`: a target coming due, an `unknown` one to read back,
    or a claim that will count as stuck by then. Otherwise it returns and the next periodic pass takes over."""
    return (
        due_targets(now, until).exists()
        or PostTarget.objects.filter(state=State.UNKNOWN).exists()
        or PostTarget.objects.filter(state=State.CLAIMED, claimed_at__lt=until - STUCK_AFTER).exists()
    )


def _attempt_time(target: PostTarget) -> datetime:
    return target.next_attempt_at or target.due_at or timezone.now()


def _claim_ahead(
    worker: str,
    held: list[PostTarget],
    started: dict[int, str],
    limit: int,
    ahead: timedelta,
    channels: dict[int, Channel],
) -> None:
    """Claims, batch after batch, what comes due within `ahead`, into `held` (kept in due order) with their
    attempts started (`started`: request id by target id) — until a target held is due (time to send),
    nothing is left to claim, or the worker holds HOLD_LIMIT. At the due time only the calls remain."""
    while len(held) < HOLD_LIMIT:
        now = timezone.now()
        if held and _attempt_time(held[0]) <= now:
            break
        batch = claim_due_targets(worker, now, limit, horizon=now + ahead, channels=channels)
        held[:] = sorted(held + batch, key=_attempt_time)
        _record(lambda: started.update(start_attempts(batch, worker)))  # noqa: B023 - called at once
        if len(batch) < limit:
            break


def _release(held: Sequence[PostTarget], worker: str) -> None:
    """Back to the schedule, with their ledger rows removed: this worker knows they were never sent."""
    ids = [target.pk for target in held]
    try:
        with transaction.atomic():
            PublishAttempt.objects.filter(
                target_id__in=ids, worker=worker, outcome=PublishAttempt.Outcome.PENDING
            ).delete()
            PostTarget.objects.filter(pk__in=ids, state=State.CLAIMED, claimed_by=worker).update(
                state=State.SCHEDULED, claimed_by="", claimed_at=None, updated_at=timezone.now()
            )
    except DATABASE_ERRORS:
        logger.warning("Could not release %s targets claimed ahead; the stuck-claim rule will.", len(held))
