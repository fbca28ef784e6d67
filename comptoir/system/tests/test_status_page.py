"""The system status page shows the database, the job queue backlog and the worker heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.system.jobs import record_worker_heartbeat
from comptoir.system.models import WorkerHeartbeat
from comptoir.system.status import current_status
from comptoir.workspaces.models import Membership


def test_heartbeat_job_records_this_worker(db: None) -> None:
    record_worker_heartbeat.call_local()
    beat = WorkerHeartbeat.objects.get()
    assert timezone.now() - beat.beat_at < timedelta(seconds=5)
    assert current_status().worker_ok


def test_stale_heartbeat_is_reported(db: None) -> None:
    WorkerHeartbeat.objects.create(hostname="old", pid=1, beat_at=timezone.now() - timedelta(minutes=10))
    status = current_status()
    assert status.database_ok
    assert not status.worker_ok


def test_page_shows_each_part(owner: Membership, owner_client: Client) -> None:
    record_worker_heartbeat.call_local()
    page = owner_client.get(reverse("system_status")).content.decode()
    for part in ('data-testid="database"', 'data-testid="queue"', 'data-testid="worker"'):
        assert part in page
    assert "SqliteHuey" in page or "RedisHuey" in page


def test_page_needs_login(db: None) -> None:
    assert Client().get(reverse("system_status")).status_code == 302
