"""API route of the publishing dashboard: the same figures as the page, for the token's workspace."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja import Query, Router, Schema

from comptoir.api.auth import caller
from comptoir.publishing.dashboard import DEFAULT_PERIOD, Reliability, publishing_dashboard
from comptoir.publishing.dashboard_views import chosen_period
from comptoir.workspaces.api import Message
from comptoir.workspaces.permissions import Permission

router = Router(tags=["publishing"])


class ReliabilityOut(Schema):
    settled: int
    published: int
    on_time: int
    on_time_percent: float | None
    p50_delay_seconds: float | None
    p95_delay_seconds: float | None
    failures: dict[str, int]


class ChannelReliabilityOut(ReliabilityOut):
    channel_id: int
    channel_name: str


class DashboardOut(Schema):
    days: int
    since: str
    until: str
    overall: ReliabilityOut
    channels: list[ChannelReliabilityOut]


def _seconds(delay: timedelta | None) -> float | None:
    return delay.total_seconds() if delay is not None else None


def _figures(figures: Reliability) -> ReliabilityOut:
    return ReliabilityOut(
        settled=figures.settled,
        published=figures.published,
        on_time=figures.on_time,
        on_time_percent=figures.on_time_percent,
        p50_delay_seconds=_seconds(figures.p50_delay),
        p95_delay_seconds=_seconds(figures.p95_delay),
        failures=figures.failures,
    )


@router.get("/publishing/dashboard", response={200: DashboardOut, 403: Message})
def get_publishing_dashboard(request: HttpRequest, days: Query[int] = DEFAULT_PERIOD) -> DashboardOut:
    """On-time share, delay after due (seconds) and failures by cause; `days` is 7, 30 or 90."""
    workspace = caller(request, Permission.VIEW_POSTS).workspace
    dashboard = publishing_dashboard(workspace, chosen_period(str(days)))
    return DashboardOut(
        days=dashboard.days,
        since=dashboard.since.isoformat(),
        until=dashboard.until.isoformat(),
        overall=_figures(dashboard.overall),
        channels=[
            ChannelReliabilityOut(
                channel_id=row.channel.pk, channel_name=row.channel.name, **_figures(row.figures).model_dump()
            )
            for row in dashboard.channels
        ],
    )
