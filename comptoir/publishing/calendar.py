"""The calendar: the period shown, its filters, its grid of targets in the workspace's zone, its gaps, and
moving a target to another day or hour (`do_reschedule_target`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.publishing.editorial import PillarShare, pillar_mix
from comptoir.publishing.jobs import enqueue_near_due
from comptoir.publishing.local_time import LocalMoment, local_to_utc
from comptoir.publishing.models import PostTarget
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

Mode = Literal["month", "week", "list"]
MODES: tuple[Mode, ...] = ("month", "week", "list")
# Targets a person may still move: the publisher has not taken them yet.
MOVABLE_STATES = frozenset(
    {
        PostTarget.State.DRAFT,
        PostTarget.State.IN_REVIEW,
        PostTarget.State.APPROVED,
        PostTarget.State.SCHEDULED,
    }
)
LIST_DAYS = 30
# A pillar this many points under its target share is flagged as a gap.
SHARE_TOLERANCE = 5


class RescheduleError(ValidationError):
    """A move the calendar refuses, with the sentence shown to the person."""


@dataclass(frozen=True)
class Filters:
    channels: frozenset[int] = frozenset()
    pillars: frozenset[int] = frozenset()
    states: frozenset[str] = frozenset()

    @classmethod
    def from_query(cls, query: QueryDict) -> Filters:
        def ids(name: str) -> frozenset[int]:
            return frozenset(int(value) for value in query.getlist(name) if value.isdigit())

        states = frozenset(value for value in query.getlist("state") if value in PostTarget.State.values)
        return cls(ids("channel"), ids("pillar"), states)

    def query_string(self) -> str:
        pairs = [("channel", str(value)) for value in sorted(self.channels)]
        pairs += [("pillar", str(value)) for value in sorted(self.pillars)]
        pairs += [("state", value) for value in sorted(self.states)]
        return urlencode(pairs)

    def apply(self, targets: QuerySet[PostTarget]) -> QuerySet[PostTarget]:
        if self.channels:
            targets = targets.filter(channel_id__in=self.channels)
        if self.pillars:
            targets = targets.filter(post__pillar_id__in=self.pillars)
        if self.states:
            targets = targets.filter(state__in=self.states)
        return targets


@dataclass(frozen=True)
class Period:
    mode: Mode
    anchor: date
    start: date  # first day shown
    end: date  # last day shown, inclusive

    @property
    def previous(self) -> date:
        if self.mode == "month":
            return (self.anchor.replace(day=1) - timedelta(days=1)).replace(day=1)
        return self.anchor - timedelta(days=7 if self.mode == "week" else LIST_DAYS)

    @property
    def next(self) -> date:
        if self.mode == "month":
            return (self.anchor.replace(day=28) + timedelta(days=4)).replace(day=1)
        return self.anchor + timedelta(days=7 if self.mode == "week" else LIST_DAYS)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range((self.end - self.start).days + 1)]


def period_for(mode: Mode, anchor: date) -> Period:
    if mode == "month":
        first = anchor.replace(day=1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        # Whole weeks, Monday to Sunday, so the grid has no holes.
        start = first - timedelta(days=first.weekday())
        end = last + timedelta(days=6 - last.weekday())
        return Period(mode, first, start, end)
    if mode == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return Period(mode, anchor, start, start + timedelta(days=6))
    return Period(mode, anchor, anchor, anchor + timedelta(days=LIST_DAYS - 1))


def mode_of(value: str) -> Mode:
    for mode in MODES:
        if mode == value:
            return mode
    return "month"


def parse_anchor(value: str | None, today: date) -> date:
    try:
        return date.fromisoformat(value) if value else today
    except ValueError:
        return today


def local_bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where the period's first day starts and the day after its last starts, in `zone`."""
    start = local_to_utc(datetime.combine(period.start, time.min), zone).utc
    end = local_to_utc(datetime.combine(period.end + timedelta(days=1), time.min), zone).utc
    return start, end


def targets_in(workspace: Workspace, period: Period, filters: Filters) -> list[PostTarget]:
    start, end = local_bounds(period, workspace.zone)
    targets = PostTarget.objects.filter(post__workspace=workspace, due_at__gte=start, due_at__lt=end)
    return list(
        filters.apply(targets).select_related("channel", "post", "post__pillar").order_by("due_at", "id")
    )


def by_local_day(targets: list[PostTarget], zone: ZoneInfo) -> dict[date, list[PostTarget]]:
    days: dict[date, list[PostTarget]] = {}
    for target in targets:
        assert target.due_at is not None
        days.setdefault(target.due_at.astimezone(zone).date(), []).append(target)
    return days


@dataclass
class Gaps:
    empty_days: list[date] = field(default_factory=list)
    mix: list[PillarShare] = field(default_factory=list)

    @property
    def pillars_under(self) -> list[PillarShare]:
        return [share for share in self.mix if share.pillar is not None and share.gap < -SHARE_TOLERANCE]


def gaps(workspace: Workspace, period: Period, targets: list[PostTarget], today: date) -> Gaps:
    """Days from today on with nothing planned among the shown targets, and each pillar's share of the
    period's posts (all channels, as the editorial line counts them) against its target share."""
    planned = by_local_day(targets, workspace.zone)
    empty = [day for day in period.days() if day >= today and day not in planned]
    start, end = local_bounds(period, workspace.zone)
    return Gaps(empty_days=empty, mix=pillar_mix(workspace, start, end))


# Rescheduling ---------------------------------------------------------------------------------------------


def new_moment(target: PostTarget, zone: ZoneInfo, day: date, at: time | None) -> LocalMoment:
    """Where a target dropped on `day` lands: at `at` when given (week view), else at its own time of day on
    the clock (month view), so a 09:00 post moved across a DST change is still at 09:00."""
    if at is None:
        assert target.due_at is not None
        at = target.due_at.astimezone(zone).time().replace(tzinfo=None)
    return local_to_utc(datetime.combine(day, at), zone)


@transaction.atomic
def do_reschedule_target(
    workspace: Workspace, actor: User, target_id: int, day: date, at: time | None = None
) -> PostTarget:
    target = (
        PostTarget.objects.select_related("post", "channel")
        .filter(pk=target_id, post__workspace=workspace)
        .first()
    )
    if target is None:
        raise PostTarget.DoesNotExist
    if target.state not in MOVABLE_STATES or target.due_at is None:
        raise RescheduleError(_("This post is already being published or is done: it cannot move."))
    moment = new_moment(target, workspace.zone, day, at)
    now = timezone.now()
    if moment.utc < now:
        raise RescheduleError(_("This moment has already passed."))
    before = audit.snapshot(target, ["due_at"])
    fields: dict[str, datetime] = {"due_at": moment.utc}
    if target.state == PostTarget.State.SCHEDULED:
        fields["next_attempt_at"] = moment.utc
    # Conditional on the state we read: a worker claiming it meanwhile wins, and nothing moves.
    changed = PostTarget.objects.filter(pk=target.pk, state=target.state).update(updated_at=now, **fields)
    if changed != 1:
        raise RescheduleError(
            _("This post changed meanwhile (perhaps it is being published): reload the page.")
        )
    target.refresh_from_db()
    audit.record(
        workspace,
        actor,
        AuditEntry.Action.UPDATE,
        target,
        audit.changed(before, audit.snapshot(target, ["due_at"])),
    )
    if target.state == PostTarget.State.SCHEDULED:
        transaction.on_commit(lambda: enqueue_near_due([target], timezone.now()))
    return target
