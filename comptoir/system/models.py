"""Worker heartbeats: proof that a background consumer is alive, shown on the system status page."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    hostname = models.CharField(max_length=255, unique=True)
    pid = models.PositiveIntegerField()
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.beat_at:%H:%M:%S})"
