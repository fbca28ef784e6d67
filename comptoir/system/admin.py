"""Operators' admin for worker heartbeats."""

from django.contrib import admin

from comptoir.system.models import WorkerHeartbeat

admin.site.register(WorkerHeartbeat)
