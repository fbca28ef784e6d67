"""The publisher's background work: a pass every minute, and an immediate run for targets due right away."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import claim_target, publish_target, run_publisher_loop, worker_id
from comptoir.publishing.recurrence import materialise_all

# Targets due sooner than the next periodic pass get a task of their own, run at their due time.
NEAR_DUE = timedelta(minutes=1)
# The periodic task keeps passing (every second when idle) until just before the next one starts, so a target
# goes out within about a second of its due time rather than at the next minute.
LOOP_SECONDS = 55.0


@db_periodic_task(crontab(minute="*"))
def publish_due_targets() -> None:
    if HUEY.immediate:
        # Run inline (tests, no worker): one pass, on the caller's connection and transaction.
        run_publisher_loop(worker_id(), 0, threads=1, record_in_background=False)
    else:
        run_publisher_loop(worker_id(), LOOP_SECONDS)


@db_periodic_task(crontab(minute="7"))
def materialise_recurring_posts() -> None:
    # Hourly: each recurrence keeps its next occurrences as real targets; the unique constraint on
    # (recurrence, instant) makes a second run, or a second worker, create nothing twice.
    materialise_all(timezone.now())


@db_task()
def publish_target_when_due(target_id: int) -> None:
    # The periodic pass may have claimed it first: the conditional claim makes the loser do nothing.
    worker = worker_id()
    if claim_target(target_id, worker, timezone.now()):
        publish_target(PostTarget.objects.select_related("channel", "post").get(pk=target_id), worker)


def enqueue_near_due(targets: Sequence[PostTarget], now: datetime) -> None:
    for target in targets:
        if target.due_at is not None and target.due_at <= now + NEAR_DUE:
            publish_target_when_due.schedule((target.pk,), eta=max(target.due_at, now))
