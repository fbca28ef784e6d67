"""Wall-clock times typed in a workspace's time zone, turned into UTC instants with one documented DST rule.

On the spring-forward day a local time inside the gap (02:30 in Europe/Paris) does not exist: it moves forward
by the gap's length (03:30 CEST), which is when a clock that was never set forward would show it. On the autumn
day a local time inside the repeated hour (02:30 happens twice) is ambiguous: it takes the first occurrence
(summer time, CEST), so the post never goes out an hour later than the person expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class LocalMoment:
    utc: datetime
    nonexistent: bool  # the typed time fell in a spring-forward gap and was moved forward
    ambiguous: bool  # the typed time happens twice; the first occurrence was taken


def local_to_utc(wall_clock: datetime, zone: ZoneInfo) -> LocalMoment:
    if wall_clock.tzinfo is not None:
        raise ValueError("Expected a naive wall-clock time.")
    # fold=0 is the earlier offset: the first occurrence of a repeated time, and for a time in the gap the
    # offset in force before it, which lands after the gap once converted.
    first = wall_clock.replace(tzinfo=zone, fold=0)
    second = wall_clock.replace(tzinfo=zone, fold=1)
    utc = first.astimezone(UTC)
    round_trip = utc.astimezone(zone).replace(tzinfo=None)
    nonexistent = round_trip != wall_clock
    ambiguous = not nonexistent and first.utcoffset() != second.utcoffset()
    return LocalMoment(utc=utc, nonexistent=nonexistent, ambiguous=ambiguous)
