"""Claiming due targets: only due ones, never far-past-due ones, and never the same one for two workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone

from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import claim_due_targets, claim_target
from comptoir.testing.factories import PostTargetFactory

State = PostTarget.State


def test_claims_only_due_scheduled_targets(db: None) -> None:
    now = timezone.now()
    due = PostTargetFactory(due_at=now - timedelta(minutes=1))
    PostTargetFactory(due_at=now + timedelta(minutes=5))
    PostTargetFactory(state=State.DRAFT, due_at=now - timedelta(minutes=1))
    claimed = claim_due_targets("worker-1", now)
    assert [target.pk for target in claimed] == [due.pk]
    due.refresh_from_db()
    assert (due.state, due.claimed_by, due.claimed_at) == (State.CLAIMED, "worker-1", now)


def test_a_retry_waits_for_its_next_attempt_time(db: None) -> None:
    now = timezone.now()
    PostTargetFactory(due_at=now - timedelta(minutes=3), next_attempt_at=now + timedelta(minutes=2))
    assert claim_due_targets("worker-1", now) == []


def test_far_past_due_targets_are_never_claimed(db: None) -> None:
    now = timezone.now()
    PostTargetFactory(due_at=now - timedelta(hours=3))
    assert claim_due_targets("worker-1", now) == []


def test_the_second_claim_of_one_target_fails(db: None) -> None:
    target = PostTargetFactory()
    now = timezone.now()
    assert claim_target(target.pk, "worker-1", now)
    assert not claim_target(target.pk, "worker-2", now)
    assert claim_due_targets("worker-2", now) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_target() -> None:
    now = timezone.now()
    targets = PostTargetFactory.create_batch(30, due_at=now - timedelta(seconds=5))
    claims: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def work(worker: str) -> None:
        start.wait()
        mine: list[int] = []
        try:
            for _round in range(200):
                try:
                    batch = claim_due_targets(worker, now, limit=3)
                except OperationalError:
                    # The test database is SQLite's shared-cache memory database, whose table locks fail at
                    # once instead of waiting; a failed UPDATE claimed nothing, so the worker just tries again.
                    continue
                if not batch:
                    break
                mine += [target.pk for target in batch]
            claims[worker] = mine
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = [pk for mine in claims.values() for pk in mine]
    assert len(claims) == 4, f"a worker crashed on {connection.vendor}"
    assert sorted(everything) == sorted(target.pk for target in targets)
    assert len(set(everything)) == len(everything)
    claimed_by = dict(PostTarget.objects.values_list("pk", "claimed_by"))
    assert all(claimed_by[pk] == worker for worker, mine in claims.items() for pk in mine)
