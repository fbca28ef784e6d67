"""How long to wait before calling a network again: exponential, jittered, never before its own Retry-After."""

from __future__ import annotations

import secrets
from datetime import timedelta


def retry_delay(attempts: int, retry_after: float | None, base: timedelta, cap: timedelta) -> timedelta:
    """Half of the window is fixed and half random, so workers that failed together do not retry together."""
    window = min(cap, base * (1 << max(0, attempts - 1)))
    delay = window / 2 + window / 2 * secrets.SystemRandom().random()
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay
