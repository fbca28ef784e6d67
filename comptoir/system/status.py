"""Collects the health figures of the system status page: database, job queue and worker heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from comptoir.system.models import WorkerHeartbeat

HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class SystemStatus:
    database_ok: bool
    database_vendor: str
    database_version: str
    queue_backend: str
    queue_ok: bool
    queue_backlog: int | None
    scheduled: int | None
    last_heartbeat: datetime | None
    worker_ok: bool


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "select sqlite_version()" if connection.vendor == "sqlite" else "show server_version"
            )
            row = cursor.fetchone()
        return True, str(row[0]) if row else ""
    except Exception as error:
        return False, type(error).__name__


def _queue() -> tuple[bool, int | None, int | None]:
    try:
        return True, HUEY.pending_count(), HUEY.scheduled_count()
    except Exception:
        return False, None, None


def current_status() -> SystemStatus:
    database_ok, version = _database()
    queue_ok, backlog, scheduled = _queue()
    beat = WorkerHeartbeat.objects.order_by("-beat_at").first() if database_ok else None
    last = beat.beat_at if beat else None
    return SystemStatus(
        database_ok=database_ok,
        database_vendor=connection.vendor,
        database_version=version,
        queue_backend=type(HUEY).__name__,
        queue_ok=queue_ok,
        queue_backlog=backlog,
        scheduled=scheduled,
        last_heartbeat=last,
        worker_ok=last is not None and timezone.now() - last < HEARTBEAT_STALE_AFTER,
    )
