"""Web views of the calendar: month/week/list, drag-and-drop moves, campaigns, queue slots, iCal feed, CSV import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.publishing import calendar, csv_import, ical, keydates, recurrence, slots
from comptoir.publishing.calendar import Filters, Mode, Period
from comptoir.publishing.calendar_forms import CampaignForm, ImportForm, MoveForm, SlotForm
from comptoir.publishing.forms import publishable_channels
from comptoir.publishing.models import CalendarFeed, Campaign, Pillar, PostTarget, QueueSlot, Recurrence
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Permission

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NO_PILLAR_COLOUR = "#8a91a0"
# A few letters per network, readable without an icon font.
NETWORK_MARKS = {
    "mastodon": "M",
    "bluesky": "B",
    "matrix": "[m]",
    "x": "X",
    "facebook": "f",
    "instagram": "IG",
    "linkedin": "in",
    "youtube": "YT",
    "email": "@",
}
WEEK_HOURS = range(7, 23)


def safe_colour(value: str | None, fallback: str = NO_PILLAR_COLOUR) -> str:
    """Colours land in a style attribute: only a plain hex colour gets there."""
    return value if value and HEX_COLOUR.match(value) else fallback


@dataclass
class Item:
    target: PostTarget
    local: datetime  # wall clock in the workspace zone (naive: templates must not convert it again)
    colour: str
    mark: str
    movable: bool


@dataclass
class Cell:
    day: date
    items: list[Item] = field(default_factory=list)
    key_dates: list[keydates.KeyDate] = field(default_factory=list)
    in_period: bool = True
    is_today: bool = False
    hour: int | None = None


def _items(membership: Membership, targets: list[PostTarget]) -> list[Item]:
    zone = membership.workspace.zone
    can_move = membership.allows(Permission.PUBLISH_POSTS)
    items = []
    for target in targets:
        assert target.due_at is not None
        pillar = target.post.pillar
        items.append(
            Item(
                target=target,
                local=target.due_at.astimezone(zone).replace(tzinfo=None),
                colour=safe_colour(pillar.color if pillar else None),
                mark=NETWORK_MARKS.get(target.channel.network, target.channel.network[:2]),
                movable=can_move and target.state in calendar.MOVABLE_STATES,
            )
        )
    return items


def _grid(period: Period, items: list[Item], dates: dict[date, list[keydates.KeyDate]], today: date) -> Any:
    by_day: dict[date, list[Item]] = {}
    for item in items:
        by_day.setdefault(item.local.date(), []).append(item)
    if period.mode == "month":
        cells = [
            Cell(
                day,
                by_day.get(day, []),
                dates.get(day, []),
                in_period=day.month == period.anchor.month,
                is_today=day == today,
            )
            for day in period.days()
        ]
        return [cells[index : index + 7] for index in range(0, len(cells), 7)]
    if period.mode == "week":
        hours = sorted(set(WEEK_HOURS) | {item.local.hour for item in items})
        return [
            (
                hour,
                [
                    Cell(
                        day,
                        [item for item in by_day.get(day, []) if item.local.hour == hour],
                        is_today=day == today,
                        hour=hour,
                    )
                    for day in period.days()
                ],
            )
            for hour in hours
        ]
    return [
        Cell(day, by_day.get(day, []), dates.get(day, []), is_today=day == today)
        for day in period.days()
        if day in by_day or day in dates
    ]


def calendar_context(request: HttpRequest, membership: Membership, mode: Mode) -> dict[str, Any]:
    workspace = membership.workspace
    today = timezone.now().astimezone(workspace.zone).date()
    period = calendar.period_for(mode, calendar.parse_anchor(request.GET.get("date"), today))
    filters = Filters.from_query(request.GET)
    targets = calendar.targets_in(workspace, period, filters)
    dates = keydates.key_dates(workspace, period.start, period.end, get_language() or "fr")
    dates_by_day = keydates.by_day(dates, period.start, period.end)
    return {
        "mode": mode,
        "period": period,
        "filters": filters,
        "filter_query": filters.query_string(),
        "grid": _grid(period, _items(membership, targets), dates_by_day, today),
        "week_days": period.days()[:7],
        "week_key_dates": [(day, dates_by_day.get(day, [])) for day in period.days()[:7]],
        "gaps": calendar.gaps(workspace, period, targets, today),
        "today": today,
        "channels": publishable_channels(workspace),
        "pillars": Pillar.objects.filter(workspace=workspace),
        "states": PostTarget.State.choices,
        "has_feed": CalendarFeed.objects.filter(membership=membership).exists(),
        "recurrences": [
            (found, recurrence.describe_rule(found.rule))
            for found in recurrence.active_recurrences(workspace)
        ],
        "can_move": membership.allows(Permission.PUBLISH_POSTS),
    }


@workspace_view(Permission.VIEW_POSTS)
def calendar_page(request: HttpRequest, membership: Membership, mode: Mode = "month") -> HttpResponse:
    context = calendar_context(request, membership, mode)
    if request.headers.get("HX-Request"):
        return render(request, "publishing/_calendar_grid.html", context)
    return render(request, "publishing/calendar.html", context)


@workspace_view(Permission.PUBLISH_POSTS)
@require_POST
def move_target(request: HttpRequest, membership: Membership) -> HttpResponse:
    """HTMX: a target dropped on another day (month, list) or hour (week); answers the re-drawn grid."""
    form = MoveForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("This move could not be read: reload the page.")
    else:
        try:
            calendar.do_reschedule_target(
                membership.workspace,
                membership.user,
                form.cleaned_data["target"],
                form.cleaned_data["day"],
                form.cleaned_data["time"],
            )
        except PostTarget.DoesNotExist as missing:
            raise Http404 from missing
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    context = calendar_context(request, membership, calendar.mode_of(request.GET.get("view", "")))
    context["error"] = error
    return render(request, "publishing/_calendar_grid.html", context, status=422 if error else 200)


# Campaigns ------------------------------------------------------------------------------------------------


@workspace_view(Permission.PUBLISH_POSTS)
def campaigns(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = CampaignForm(request.POST or None, instance=Campaign(workspace=workspace))
    if request.method == "POST" and form.is_valid():
        try:
            keydates.do_save_campaign(workspace, membership.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(name)s” is on the calendar.") % {"name": form.instance.name})
            return redirect("publishing:calendar_campaigns", workspace=workspace.slug)
    listed = Campaign.objects.filter(workspace=workspace)
    return render(request, "publishing/calendar_campaigns.html", {"form": form, "campaigns": listed})


@workspace_view(Permission.PUBLISH_POSTS)
def edit_campaign(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    workspace = membership.workspace
    campaign = get_object_or_404(Campaign, pk=campaign_id, workspace=workspace)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            keydates.do_save_campaign(workspace, membership.user, form.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(name)s” is saved.") % {"name": campaign.name})
            return redirect("publishing:calendar_campaigns", workspace=workspace.slug)
    return render(request, "publishing/calendar_campaign_edit.html", {"form": form, "campaign": campaign})


@workspace_view(Permission.PUBLISH_POSTS)
@require_POST
def delete_campaign(request: HttpRequest, membership: Membership, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id, workspace=membership.workspace)
    keydates.do_delete_campaign(membership.workspace, membership.user, campaign)
    messages.success(request, _("“%(name)s” is removed from the calendar.") % {"name": campaign.name})
    return redirect("publishing:calendar_campaigns", workspace=membership.workspace.slug)


# Queue slots ----------------------------------------------------------------------------------------------


@workspace_view(Permission.PUBLISH_POSTS)
def queue_slots(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = SlotForm(workspace, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slots.do_add_slot(
                workspace,
                membership.user,
                form.cleaned_data["channel"],
                form.cleaned_data["weekday"],
                form.cleaned_data["local_time"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The slot is added."))
            return redirect("publishing:calendar_slots", workspace=workspace.slug)
    now = timezone.now()
    channels = [
        (
            channel,
            [slot for slot in slots.slots_of(workspace) if slot.channel_id == channel.pk],
            slots.next_free_slot(channel, now),
        )
        for channel in publishable_channels(workspace)
    ]
    return render(request, "publishing/calendar_slots.html", {"form": form, "channels": channels})


@workspace_view(Permission.PUBLISH_POSTS)
@require_POST
def delete_slot(request: HttpRequest, membership: Membership, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(QueueSlot, pk=slot_id, channel__workspace=membership.workspace)
    slots.do_delete_slot(membership.workspace, membership.user, slot)
    messages.success(request, _("The slot is removed."))
    return redirect("publishing:calendar_slots", workspace=membership.workspace.slug)


# Recurring posts ------------------------------------------------------------------------------------------


@workspace_view(Permission.PUBLISH_POSTS)
@require_POST
def stop_recurrence(request: HttpRequest, membership: Membership, recurrence_id: int) -> HttpResponse:
    found = get_object_or_404(Recurrence, pk=recurrence_id, workspace=membership.workspace)
    recurrence.do_stop_recurrence(membership.workspace, membership.user, found)
    messages.success(
        request,
        _("“%(title)s” no longer repeats; the posts already planned stay on the calendar.")
        % {"title": found.source_post.title},
    )
    return redirect("publishing:calendar", workspace=membership.workspace.slug)


# iCal feed ------------------------------------------------------------------------------------------------


def feed_url(request: HttpRequest, workspace: Workspace, token: str) -> str:
    return request.build_absolute_uri(
        reverse("publishing:calendar_feed", kwargs={"workspace": workspace.slug, "feed_token": token})
    )


@workspace_view(Permission.VIEW_POSTS)
@require_POST
def regenerate_feed(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Shows the new secret address once, on this page only: it is not kept anywhere readable."""
    token = ical.do_regenerate_feed_token(membership, membership.user)
    url = feed_url(request, membership.workspace, token)
    return render(request, "publishing/calendar_feed.html", {"url": url})


@workspace_view(Permission.VIEW_POSTS)
@require_POST
def revoke_feed(request: HttpRequest, membership: Membership) -> HttpResponse:
    if ical.do_revoke_feed_token(membership, membership.user):
        messages.success(request, _("Your calendar address is revoked: calendar apps can no longer read it."))
    return redirect("publishing:calendar", workspace=membership.workspace.slug)


def calendar_feed(request: HttpRequest, workspace: str, feed_token: str) -> HttpResponse:
    """The private feed: no login, the secret in the address is the credential (one per member)."""
    membership = ical.access_feed(workspace, feed_token)
    if membership is None:
        raise Http404
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    now = timezone.now()
    body = ical.build_feed(membership.workspace, ical.feed_events(membership.workspace, now), now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


# CSV import -----------------------------------------------------------------------------------------------


@workspace_view(Permission.PUBLISH_POSTS)
def import_posts(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_rows": csv_import.MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        try:
            report = csv_import.check_file(workspace, form.cleaned_data["file"].read())
        except csv_import.ImportFileError as error:
            form.add_error("file", str(error))
            return render(request, "publishing/calendar_import.html", context)
        context["report"] = report
        if report.errors and not form.cleaned_data["valid_rows_only"]:
            context["nothing_imported"] = True
            return render(request, "publishing/calendar_import.html", context)
        try:
            posts = csv_import.do_import_rows(workspace, membership.user, report.rows)
        except ValidationError as error:
            form.add_error(None, error)
            context["nothing_imported"] = True
            return render(request, "publishing/calendar_import.html", context)
        messages.success(
            request,
            ngettext("%(count)s post is scheduled.", "%(count)s posts are scheduled.", len(posts))
            % {"count": len(posts)},
        )
        context["imported"] = len(posts)
    return render(request, "publishing/calendar_import.html", context)
