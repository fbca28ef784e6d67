"""Recurring posts: RFC 5545 rules expanded as wall-clock times in the workspace's zone, materialised ahead.

The rule is expanded from a naive local start (09:00), and each occurrence is converted to UTC on its own day,
so the post stays at 09:00 on the clock when the clocks change. Occurrences become real posts and targets ahead
of time; the (recurrence, instant) unique constraint makes the job safe to run twice or on two workers at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.accounts.models import User
from comptoir.publishing.local_time import local_to_utc
from comptoir.publishing.models import Occurrence, Post, PostMedia, PostTarget, QueueSlot, Recurrence
from comptoir.publishing.publisher import move
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

# How many future occurrences are kept materialised per recurrence.
AHEAD = 10
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
PRESETS = ("daily", "weekly", "monthly")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
RECURRENCE_FIELDS = ["source_post", "rule", "starts_local", "time_zone"]


def preset_rule(preset: str, weekdays: Iterable[int] = (), count: int | None = None) -> str:
    """The RRULE of one of the composer's presets: every day, every week on the given days (0 = Monday), or
    every month on the start's day of the month."""
    if preset not in PRESETS:
        raise ValidationError(_("Choose how often the post repeats."))
    parts = [f"FREQ={preset.upper()}"]
    if preset == "weekly":
        days = sorted(set(weekdays))
        if not days:
            raise ValidationError(_("Tick at least one day of the week."))
        parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[day] for day in days))
    if count is not None:
        parts.append(f"COUNT={count}")
    return ";".join(parts)


def describe_rule(rule: str) -> str:
    """The rule in words for the presets the composer makes; any other rule is shown as written."""
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = fields.pop("FREQ", "")
    count = fields.pop("COUNT", None)
    days = fields.pop("BYDAY", None)
    if fields or frequency not in ("DAILY", "WEEKLY", "MONTHLY") or (days and frequency != "WEEKLY"):
        return rule
    if frequency == "DAILY":
        words = _("Every day")
    elif frequency == "MONTHLY":
        words = _("Every month")
    elif days is None:
        words = _("Every week")
    else:
        names = [
            str(QueueSlot.Weekday(WEEKDAY_CODES.index(code)).label)
            for code in days.split(",")
            if code in WEEKDAY_CODES
        ]
        words = _("Every week on %(days)s") % {"days": ", ".join(names)}
    if count is not None and count.isdigit():
        words = ngettext("%(rule)s, %(count)s time", "%(rule)s, %(count)s times", int(count)) % {
            "rule": words,
            "count": count,
        }
    return words


def active_recurrences(workspace: Workspace) -> list[Recurrence]:
    return list(
        Recurrence.objects.filter(workspace=workspace, active=True)
        .select_related("source_post")
        .order_by("id")
    )


def parse_rule(rule: str, starts_local: datetime) -> rrule:
    """The rule expanded from a naive wall-clock start; a rule we refuse raises ValidationError."""
    text = rule.strip().removeprefix("RRULE:")
    fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    if fields.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise ValidationError(_("A post can repeat daily, weekly, monthly or yearly, not more often."))
    try:
        parsed = rrulestr(text, dtstart=starts_local)
    except (ValueError, TypeError) as error:
        raise ValidationError(_("This repeat rule is not valid: %(error)s") % {"error": error}) from error
    if not isinstance(parsed, rrule):
        raise ValidationError(_("Give a single repeat rule."))
    return parsed


def upcoming(recurrence: Recurrence, after: datetime, limit: int = AHEAD) -> list[datetime]:
    """The next `limit` occurrences strictly after `after`, as UTC instants."""
    starts_local = datetime.strptime(recurrence.starts_local, LOCAL_FORMAT)  # noqa: DTZ007 - a wall clock
    zone = ZoneInfo(recurrence.time_zone)
    moments: list[datetime] = []
    for wall_clock in parse_rule(recurrence.rule, starts_local):
        utc = local_to_utc(wall_clock, zone).utc
        if utc > after:
            moments.append(utc)
            if len(moments) >= limit:
                break
    return moments


@transaction.atomic
def do_create_recurrence(
    workspace: Workspace, actor: User, source_post: Post, rule: str, starts_local: datetime
) -> Recurrence:
    """Repeats `source_post` (already scheduled at `starts_local`, the first occurrence) by `rule`. The
    following occurrences are created by `materialise`, which the caller runs once this has committed."""
    if source_post.workspace_id != workspace.pk:
        raise ValidationError(_("A post can only repeat in its own workspace."))
    parse_rule(rule, starts_local.replace(tzinfo=None))
    recurrence = Recurrence.objects.create(
        workspace=workspace,
        source_post=source_post,
        created_by=actor,
        rule=rule.strip().removeprefix("RRULE:"),
        starts_local=starts_local.replace(tzinfo=None).strftime(LOCAL_FORMAT),
        time_zone=workspace.time_zone,
    )
    first = local_to_utc(starts_local.replace(tzinfo=None), workspace.zone).utc
    Occurrence.objects.create(recurrence=recurrence, occurs_at=first, post=source_post)
    audit.record_create(workspace, actor, recurrence, RECURRENCE_FIELDS)
    return recurrence


def materialise(recurrence: Recurrence, now: datetime, ahead: int = AHEAD) -> int:
    """Creates the posts of the next `ahead` occurrences that do not exist yet; returns how many it created."""
    existing = set(recurrence.occurrences.values_list("occurs_at", flat=True))
    missing = [moment for moment in upcoming(recurrence, now, ahead) if moment not in existing]
    if not missing:
        return 0
    source = recurrence.source_post
    targets = list(source.targets.values_list("channel_id", "text"))
    media = list(PostMedia.objects.filter(post=source).values_list("media_id", "position"))
    created = 0
    for moment in missing:
        try:
            with transaction.atomic():
                _create_occurrence(recurrence, moment, targets, media)
        except IntegrityError:
            # Another worker materialised this occurrence between our read and our write.
            continue
        created += 1
    return created


def _create_occurrence(
    recurrence: Recurrence, moment: datetime, targets: list[tuple[int, str]], media: list[tuple[int, int]]
) -> None:
    source = recurrence.source_post
    post = Post.objects.create(
        workspace_id=recurrence.workspace_id,
        pillar_id=source.pillar_id,
        author_id=source.author_id,
        title=source.title,
        internal_note=source.internal_note,
    )
    # The constraint is checked before any target exists, so a lost race leaves nothing behind.
    Occurrence.objects.create(recurrence=recurrence, occurs_at=moment, post=post)
    PostMedia.objects.bulk_create(
        PostMedia(post=post, media_id=media_id, position=position) for media_id, position in media
    )
    for channel_id, text in targets:
        target = PostTarget.objects.create(post=post, channel_id=channel_id, text=text)
        move(
            target.pk,
            {PostTarget.State.DRAFT},
            PostTarget.State.SCHEDULED,
            due_at=moment,
            next_attempt_at=moment,
        )
    audit.record_create(recurrence.workspace, None, post, ["title", "internal_note"])


def materialise_all(now: datetime) -> int:
    created = 0
    for recurrence in Recurrence.objects.filter(active=True).select_related("workspace", "source_post"):
        created += materialise(recurrence, now)
    return created


@transaction.atomic
def do_stop_recurrence(workspace: Workspace, actor: User, recurrence: Recurrence) -> None:
    """Stops materialising new occurrences; those already planned stay on the calendar to be edited or moved."""
    if recurrence.workspace_id != workspace.pk:
        raise ValidationError(_("This recurrence belongs to another workspace."))
    before = audit.snapshot(recurrence, ["active"])
    recurrence.active = False
    recurrence.save(update_fields=["active"])
    audit.record(
        workspace, actor, AuditEntry.Action.UPDATE, recurrence, audit.changed(before, {"active": False})
    )
