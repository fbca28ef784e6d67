"""The publishing dashboard's figures: on-time share, delay after due and failures by cause, per channel and
per period, computed by the database (counts in one grouped query, percentiles by ORDER BY + OFFSET) so a
large workspace's rows are never loaded into Python."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import cast

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.channels.models import Channel
from comptoir.publishing.models import PostTarget
from comptoir.workspaces.models import Workspace

State = PostTarget.State
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
# Published this soon after the due time counts as on time: the publisher passes every second, the periodic
# job every minute.
ON_TIME = timedelta(seconds=60)
SETTLED = (State.PUBLISHED, State.FAILED, State.MISSED)


@dataclass(frozen=True)
class Reliability:
    """Targets due in the period that reached an end: published, failed or missed (`settled`)."""

    settled: int
    published: int
    on_time: int
    p50_delay: timedelta | None
    p95_delay: timedelta | None
    failures: dict[str, int]

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.settled, 1) if self.settled else None

    @property
    def p50_label(self) -> str:
        return describe_delay(self.p50_delay)

    @property
    def p95_label(self) -> str:
        return describe_delay(self.p95_delay)

    @property
    def failure_rows(self) -> list[tuple[str, int]]:
        """(label, count), most frequent first, labelled in the reader's language."""
        labels = dict(PostTarget.FailureReason.choices)
        return [(str(labels.get(reason, reason)), count) for reason, count in self.failures.items()]


def describe_delay(delay: timedelta | None) -> str:
    """ "4 s", "2 min 05", "1 h 10"; "—" when nothing was published."""
    if delay is None:
        return "—"
    seconds = max(0, round(delay.total_seconds()))
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)s min %(seconds)02d") % {"minutes": seconds // 60, "seconds": seconds % 60}
    return _("%(hours)s h %(minutes)02d") % {"hours": seconds // 3600, "minutes": seconds % 3600 // 60}


@dataclass(frozen=True)
class ChannelReliability:
    channel: Channel
    figures: Reliability


@dataclass(frozen=True)
class Dashboard:
    days: int
    since: datetime
    until: datetime
    overall: Reliability
    channels: list[ChannelReliability]


def period_start(workspace: Workspace, days: int, now: datetime) -> datetime:
    """Midnight, in the workspace's time zone, `days - 1` days before today: "7 days" is today and the six
    days before it, whatever the zone's offset was on each of them."""
    today = now.astimezone(workspace.zone).date()
    first = today - timedelta(days=days - 1)
    return datetime.combine(first, time.min, tzinfo=workspace.zone)


def due_in_period(workspace: Workspace, since: datetime, until: datetime) -> QuerySet[PostTarget]:
    return PostTarget.objects.filter(
        post__workspace=workspace, state__in=SETTLED, due_at__gte=since, due_at__lte=until
    )


def _delay() -> ExpressionWrapper[CombinedExpression]:
    return ExpressionWrapper(F("published_at") - F("due_at"), output_field=DurationField())


def delay_percentile(targets: QuerySet[PostTarget], count: int, percent: int) -> timedelta | None:
    """Nearest-rank percentile of the published targets' delays after due: the value at rank
    ceil(p × n / 100) in ascending order, read with ORDER BY + OFFSET (no percentile function in SQLite)."""
    if count == 0:
        return None
    rank = max(1, math.ceil(percent * count / 100))
    value: timedelta | None = (
        targets.filter(state=State.PUBLISHED, published_at__isnull=False)
        .annotate(delay=_delay())
        .order_by("delay", "id")
        .values_list("delay", flat=True)[rank - 1 : rank]
        .first()
    )
    return value


def _count_expressions() -> dict[str, Count]:
    published = Q(state=State.PUBLISHED, published_at__isnull=False)
    on_time = LessThanOrEqual(_delay(), Value(ON_TIME, output_field=DurationField()))
    return {
        "settled": Count("id"),
        "published": Count("id", filter=published),
        "on_time": Count("id", filter=published & Q(on_time)),
    }


def _counts_per_channel(targets: QuerySet[PostTarget]) -> dict[int, dict[str, int]]:
    rows = targets.order_by().values("channel").annotate(**_count_expressions())
    return {row["channel"]: cast(dict[str, int], row) for row in rows}


def _failures(targets: QuerySet[PostTarget]) -> dict[str, int]:
    rows = (
        targets.exclude(state=State.PUBLISHED)
        .order_by()
        .values("failure_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "failure_reason")
    )
    return {row["failure_reason"]: row["count"] for row in rows}


def _failures_per_channel(targets: QuerySet[PostTarget]) -> dict[int, dict[str, int]]:
    rows = (
        targets.exclude(state=State.PUBLISHED)
        .order_by()
        .values("channel", "failure_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "failure_reason")
    )
    failures: dict[int, dict[str, int]] = {}
    for row in rows:
        failures.setdefault(row["channel"], {})[row["failure_reason"]] = row["count"]
    return failures


def _reliability(
    targets: QuerySet[PostTarget], counts: dict[str, int] | None, failures: dict[str, int] | None
) -> Reliability:
    counts = counts or {"settled": 0, "published": 0, "on_time": 0}
    return Reliability(
        settled=counts["settled"],
        published=counts["published"],
        on_time=counts["on_time"],
        p50_delay=delay_percentile(targets, counts["published"], 50),
        p95_delay=delay_percentile(targets, counts["published"], 95),
        failures=failures or {},
    )


def publishing_dashboard(workspace: Workspace, days: int, now: datetime | None = None) -> Dashboard:
    """The figures of targets due in the last `days` days (see period_start), overall and per channel."""
    until = now or timezone.now()
    since = period_start(workspace, days, until)
    targets = due_in_period(workspace, since, until)
    overall = _reliability(targets, targets.aggregate(**_count_expressions()), _failures(targets))
    counts, failures = _counts_per_channel(targets), _failures_per_channel(targets)
    channels = [
        ChannelReliability(
            channel,
            _reliability(targets.filter(channel=channel), counts.get(channel.pk), failures.get(channel.pk)),
        )
        for channel in Channel.objects.filter(workspace=workspace, pk__in=counts.keys()).order_by(
            "name", "id"
        )
    ]
    return Dashboard(days=days, since=since, until=until, overall=overall, channels=channels)
