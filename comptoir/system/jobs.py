"""Background jobs every app shares: sending e-mail and the worker heartbeat."""

from __future__ import annotations

import os
import socket

from django.core.mail import send_mail
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task

from comptoir.system.models import WorkerHeartbeat


@task(retries=3, retry_delay=60)
def send_email(subject: str, body: str, recipients: list[str]) -> None:
    send_mail(subject, body, None, recipients)


@db_periodic_task(crontab(minute="*"))
def record_worker_heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=socket.gethostname(), defaults={"pid": os.getpid(), "beat_at": timezone.now()}
    )
