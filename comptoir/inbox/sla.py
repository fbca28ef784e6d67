"""SLA clocks in business hours: elapsed business time, due times, the state of a conversation's clocks, and
the warning before a network's reply window closes."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from comptoir.inbox.models import Conversation, SlaPolicy
from comptoir.providers.networks import CAPABILITIES
from comptoir.workspaces.models import WEEKDAYS, Workspace

# Weekly hours as stored on Workspace.business_hours: {"mon": [["09:00", "18:00"]], "sat": [], ...}.
BusinessHours = Mapping[str, Sequence[Sequence[str]]]

# Adding business time gives up after this many calendar days (a workspace with no open hour at all).
SEARCH_HORIZON_DAYS = 3 * 366
# A reply window is "closing" once less than this share of it is left.
WINDOW_WARNING_SHARE = 0.25


def _open_intervals(
    first: date, last: date, hours: BusinessHours, tz: ZoneInfo, holidays: Collection[date]
) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals of each local day from `first` to `last`, as aware datetimes.

    Local wall-clock bounds are made aware in `tz`, so a day that changes to or from summer time counts the
    hours that really pass between them."""
    day = first
    while day <= last:
        if day not in holidays:
            for start, end in hours.get(WEEKDAYS[day.weekday()], []):
                # In UTC: Python subtracts two datetimes of one zone by wall clock, which is wrong across DST.
                opens = datetime.combine(day, time.fromisoformat(start), tzinfo=tz).astimezone(UTC)
                closes = datetime.combine(day, time.fromisoformat(end), tzinfo=tz).astimezone(UTC)
                if closes > opens:
                    yield opens, closes
        day += timedelta(days=1)


def business_seconds_between(
    start: datetime,
    end: datetime,
    hours: BusinessHours,
    tz: ZoneInfo,
    holidays: Collection[date] = (),
) -> float:
    """Seconds of business time between two aware moments (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    total = 0.0
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    for opens, closes in _open_intervals(first, last, hours, tz, holidays):
        overlap = (min(closes, end) - max(opens, start)).total_seconds()
        total += max(overlap, 0.0)
    return total


def add_business_seconds(
    start: datetime,
    seconds: float,
    hours: BusinessHours,
    tz: ZoneInfo,
    holidays: Collection[date] = (),
) -> datetime | None:
    """The moment `seconds` of business time after `start`; None when no business hour comes within years."""
    left = seconds
    first = start.astimezone(tz).date()
    start = start.astimezone(UTC)
    last = first + timedelta(days=SEARCH_HORIZON_DAYS)
    for opens, closes in _open_intervals(first, last, hours, tz, holidays):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = (closes - begin).total_seconds()
        if left <= available:
            return begin + timedelta(seconds=left)
        left -= available
    return None


def policy_of(workspace: Workspace) -> SlaPolicy:
    """The workspace's targets, with the defaults when nobody set them (nothing is written)."""
    found = SlaPolicy.objects.filter(workspace=workspace).first()
    return found or SlaPolicy(workspace=workspace)


def holidays_of(policy: SlaPolicy) -> frozenset[date]:
    return frozenset(date.fromisoformat(day) for day in policy.holidays)


@dataclass(frozen=True)
class Clock:
    """A workspace's business calendar, bound once so that many conversations can be measured with it."""

    hours: BusinessHours
    tz: ZoneInfo
    holidays: frozenset[date]
    policy: SlaPolicy

    @classmethod
    def of(cls, workspace: Workspace) -> Clock:
        policy = policy_of(workspace)
        return cls(workspace.business_hours, workspace.zone, holidays_of(policy), policy)

    def between(self, start: datetime, end: datetime) -> float:
        return business_seconds_between(start, end, self.hours, self.tz, self.holidays)

    def after(self, start: datetime, minutes: int) -> datetime | None:
        return add_business_seconds(start, minutes * 60, self.hours, self.tz, self.holidays)

    def first_response_due(self, opened_at: datetime) -> datetime | None:
        return self.after(opened_at, self.policy.first_response_minutes)

    def resolution_due(self, opened_at: datetime) -> datetime | None:
        return self.after(opened_at, self.policy.resolution_minutes)


@dataclass(frozen=True)
class Timer:
    """One SLA clock of a conversation as the team sees it."""

    name: str  # "first_response" or "resolution"
    due_at: datetime
    met_at: datetime | None

    def breached(self, now: datetime) -> bool:
        return (self.met_at or now) > self.due_at

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now


def timers_of(conversation: Conversation) -> list[Timer]:
    """The conversation's running or finished clocks (none for conversations older than the clocks)."""
    timers = []
    if conversation.first_response_due_at is not None:
        timers.append(
            Timer("first_response", conversation.first_response_due_at, conversation.first_response_at)
        )
    if conversation.resolution_due_at is not None:
        timers.append(Timer("resolution", conversation.resolution_due_at, conversation.resolved_at))
    return timers


@dataclass(frozen=True)
class ReplyWindow:
    closes_at: datetime
    length: timedelta

    def is_closed(self, now: datetime) -> bool:
        return now >= self.closes_at

    def is_closing(self, now: datetime) -> bool:
        return not self.is_closed(now) and self.closes_at - now <= self.length * WINDOW_WARNING_SHARE

    def state(self, now: datetime) -> str:
        """ "closed", "closing" (time to warn) or "" (plenty of time left)."""
        if self.is_closed(now):
            return "closed"
        return "closing" if self.is_closing(now) else ""


def reply_window_of(conversation: Conversation) -> ReplyWindow | None:
    """How long the network still lets us answer (e.g. Messenger: 24 h after the person's last message)."""
    capabilities = CAPABILITIES.get(conversation.channel.network)
    if capabilities is None or conversation.last_inbound_at is None:
        return None
    if conversation.kind == Conversation.Kind.DIRECT_MESSAGE:
        window_hours = capabilities.dm_reply_window_hours
    else:
        window_hours = capabilities.comment_reply_window_hours
    if window_hours is None:
        return None
    length = timedelta(hours=window_hours)
    return ReplyWindow(conversation.last_inbound_at + length, length)


def running_timers(conversation: Conversation) -> list[Timer]:
    """Clocks still ticking (not met), the most urgent first: what the list shows as chips."""
    return sorted((t for t in timers_of(conversation) if t.met_at is None), key=lambda t: t.due_at)
