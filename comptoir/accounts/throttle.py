"""Slows password guessing: too many recent failures for an address or from an IP refuse further tries."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from comptoir.accounts.models import FailedLogin

# An office or a school shares one IP address: allow it more tries than a single account gets.
IP_ATTEMPTS_FACTOR = 4


def is_locked(email: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    recent = FailedLogin.objects.filter(at__gte=since)
    limit: int = settings.LOGIN_THROTTLE_ATTEMPTS
    if recent.filter(email=email.lower()).count() >= limit:
        return True
    return bool(ip_address) and recent.filter(ip_address=ip_address).count() >= limit * IP_ATTEMPTS_FACTOR


def record_failure(email: str, ip_address: str | None) -> None:
    FailedLogin.objects.create(email=email.lower()[:254], ip_address=ip_address or None)


def clear_failures(email: str) -> None:
    FailedLogin.objects.filter(email=email.lower()).delete()
