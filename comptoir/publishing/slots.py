"""Queue slots: each channel's weekly posting moments, and the next one no target has taken yet.

Slots are wall-clock times in the workspace's zone, turned into instants day by day, so a Tuesday 09:00 slot is
09:00 on the clock in winter and in summer. A slot whose time falls in a spring-forward gap does not exist that
day and is skipped; a slot in the repeated autumn hour takes its first occurrence, as the composer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.models import Channel
from comptoir.publishing.local_time import local_to_utc
from comptoir.publishing.models import PostTarget, QueueSlot
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

# How far ahead a free slot is looked for before giving up.
HORIZON = timedelta(weeks=8)
# Targets in these states no longer hold their moment: a failed or missed post leaves the slot free again.
RELEASED_STATES = (PostTarget.State.FAILED, PostTarget.State.MISSED)
SLOT_FIELDS = ["channel", "weekday", "local_time"]


def slot_moments(
    slots: Iterable[QueueSlot], zone: ZoneInfo, after: datetime, until: datetime
) -> Iterator[datetime]:
    """The UTC instants of `slots` strictly after `after` and up to `until`, in order."""
    by_weekday: dict[int, list[time]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot.local_time)
    if not by_weekday:
        return
    day = after.astimezone(zone).date()
    last_day = until.astimezone(zone).date()
    while day <= last_day:
        for wall_time in sorted(set(by_weekday.get(day.weekday(), []))):
            moment = local_to_utc(datetime.combine(day, wall_time), zone)
            if not moment.nonexistent and after < moment.utc <= until:
                yield moment.utc
        day += timedelta(days=1)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def taken_moments(channel: Channel, after: datetime, until: datetime) -> set[datetime]:
    due = (
        PostTarget.objects.filter(channel=channel, due_at__gt=after - timedelta(minutes=1), due_at__lte=until)
        .exclude(state__in=RELEASED_STATES)
        .values_list("due_at", flat=True)
    )
    return {_minute(moment) for moment in due if moment is not None}


def next_free_slot(channel: Channel, after: datetime) -> datetime | None:
    """The channel's first slot after `after` (UTC) that no planned target on that channel already holds."""
    until = after + HORIZON
    taken = taken_moments(channel, after, until)
    zone = channel.workspace.zone
    for moment in slot_moments(channel.queue_slots.all(), zone, after, until):
        if _minute(moment) not in taken:
            return moment
    return None


def next_common_free_slot(channels: Iterable[Channel], after: datetime) -> datetime | None:
    """The first moment that is a free slot on every given channel that has slots (a post goes out to all its
    channels at once); channels without slots do not constrain it. None when no channel has slots or no
    moment within the horizon suits them all."""
    with_slots = [channel for channel in channels if channel.queue_slots.exists()]
    if not with_slots:
        return None
    until = after + HORIZON
    free: set[datetime] | None = None
    for channel in with_slots:
        taken = taken_moments(channel, after, until)
        moments = {
            moment
            for moment in slot_moments(channel.queue_slots.all(), channel.workspace.zone, after, until)
            if _minute(moment) not in taken
        }
        free = moments if free is None else free & moments
    return min(free) if free else None


def slots_of(workspace: Workspace) -> list[QueueSlot]:
    return list(QueueSlot.objects.filter(channel__workspace=workspace).select_related("channel"))


@transaction.atomic
def do_add_slot(
    workspace: Workspace, actor: User, channel: Channel, weekday: int, local_time: time
) -> QueueSlot:
    if channel.workspace_id != workspace.pk:
        raise ValidationError(_("A slot can only belong to one of the workspace's channels."))
    slot = QueueSlot(channel=channel, weekday=weekday, local_time=local_time.replace(second=0, microsecond=0))
    slot.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError as error:
        raise ValidationError(_("This channel already has a slot at that moment.")) from error
    audit.record_create(workspace, actor, slot, SLOT_FIELDS)
    return slot


@transaction.atomic
def do_delete_slot(workspace: Workspace, actor: User, slot: QueueSlot) -> None:
    if slot.channel.workspace_id != workspace.pk:
        raise ValidationError(_("This slot belongs to another workspace."))
    audit.record(
        workspace,
        actor,
        AuditEntry.Action.DELETE,
        slot,
        {name: [value, None] for name, value in audit.snapshot(slot, SLOT_FIELDS).items()},
    )
    slot.delete()
