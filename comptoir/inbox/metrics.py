"""Response-time metrics over a period: mean and median first response and resolution, in business hours, per
person and per channel."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils.translation import gettext as _

from comptoir.inbox.models import Conversation
from comptoir.inbox.sla import Clock
from comptoir.workspaces.models import Workspace


@dataclass(frozen=True)
class Durations:
    """Business seconds of one measure (first response or resolution) for one person or channel."""

    values: tuple[float, ...]

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None


@dataclass(frozen=True)
class MetricsRow:
    name: str
    first_response: Durations
    resolution: Durations


@dataclass(frozen=True)
class ResponseMetrics:
    since: date
    until: date
    overall: MetricsRow
    by_person: list[MetricsRow]
    by_channel: list[MetricsRow]


def response_metrics(workspace: Workspace, since: date, until: date) -> ResponseMetrics:
    """Conversations opened from `since` to `until` (local dates, both included). A first response counts for
    the person who sent it; a resolution for the conversation's assignee ("Nobody" when unassigned)."""
    zone = workspace.zone
    start = datetime.combine(since, time.min, tzinfo=zone)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
    clock = Clock.of(workspace)
    rows = Conversation.objects.filter(
        workspace=workspace, opened_at__gte=start, opened_at__lt=end
    ).values_list(
        "opened_at",
        "first_response_at",
        "first_response_by__full_name",
        "first_response_by__email",
        "resolved_at",
        "assignee__full_name",
        "assignee__email",
        "channel__name",
    )
    first: dict[str, dict[str, list[float]]] = {
        "all": defaultdict(list),
        "person": defaultdict(list),
        "channel": defaultdict(list),
    }
    resolution: dict[str, dict[str, list[float]]] = {
        "all": defaultdict(list),
        "person": defaultdict(list),
        "channel": defaultdict(list),
    }
    nobody = _("Nobody")
    for (
        opened,
        responded,
        responder_name,
        responder_email,
        resolved,
        assignee_name,
        assignee_email,
        channel,
    ) in rows:
        if opened is None:
            continue
        if responded is not None:
            seconds = clock.between(opened, responded)
            first["all"][""].append(seconds)
            first["person"][responder_name or responder_email or nobody].append(seconds)
            first["channel"][channel].append(seconds)
        if resolved is not None:
            seconds = clock.between(opened, resolved)
            resolution["all"][""].append(seconds)
            resolution["person"][assignee_name or assignee_email or nobody].append(seconds)
            resolution["channel"][channel].append(seconds)

    def table(group: str) -> list[MetricsRow]:
        names = sorted(set(first[group]) | set(resolution[group]))
        return [
            MetricsRow(name, Durations(tuple(first[group][name])), Durations(tuple(resolution[group][name])))
            for name in names
        ]

    overall = MetricsRow("", Durations(tuple(first["all"][""])), Durations(tuple(resolution["all"][""])))
    return ResponseMetrics(since, until, overall, table("person"), table("channel"))
