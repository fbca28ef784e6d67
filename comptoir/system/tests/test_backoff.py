"""Retry delays grow, spread out, stop growing at the cap and never undercut the network's Retry-After."""

from __future__ import annotations

from datetime import timedelta

from comptoir.system.backoff import retry_delay

BASE, CAP = timedelta(minutes=1), timedelta(hours=1)


def test_delay_doubles_within_a_jittered_window() -> None:
    for attempts, window in [(1, BASE), (2, 2 * BASE), (4, 8 * BASE)]:
        delays = {retry_delay(attempts, None, BASE, CAP) for _ in range(50)}
        assert all(window / 2 <= delay <= window for delay in delays)
        assert len(delays) > 1


def test_delay_stops_at_the_cap() -> None:
    assert retry_delay(30, None, BASE, CAP) <= CAP


def test_retry_after_wins_when_longer() -> None:
    assert retry_delay(1, 900, BASE, CAP) == timedelta(seconds=900)
    assert retry_delay(1, 1, BASE, CAP) >= BASE / 2
