"""Key dates shown on the calendar: the country's public holidays, curated world days and the team's campaigns."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.publishing.models import Campaign
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

WORLD_DAYS_FILE = Path(__file__).parent / "data" / "world_days.json"
CAMPAIGN_FIELDS = ["name", "starts_on", "ends_on", "color"]
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CAMPAIGN_COLOR = "#e0823d"
HOLIDAY_COLOR = "#c0392b"
WORLD_DAY_COLOR = "#2e86c1"

Kind = Literal["holiday", "world_day", "campaign"]


@dataclass(frozen=True)
class KeyDate:
    kind: Kind
    name: str
    starts_on: date
    ends_on: date
    color: str

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class WorldDay:
    month: int
    day: int
    fr: str
    en: str


@cache
def world_days() -> tuple[WorldDay, ...]:
    data = json.loads(WORLD_DAYS_FILE.read_text(encoding="utf-8"))
    return tuple(WorldDay(**entry) for entry in data["days"])


def _years(start: date, end: date) -> range:
    return range(start.year, end.year + 1)


@lru_cache(maxsize=256)
def _holidays_of(country: str, year: int, language: str) -> tuple[tuple[date, str], ...]:
    # Building a country's calendar loads its module and translations: done once per process and year.
    try:
        supported = holidays.country_holidays(country).supported_languages
    except NotImplementedError:
        return ()
    wanted = "fr" if language.startswith("fr") else "en_US"
    found = holidays.country_holidays(country, years=year, language=wanted if wanted in supported else None)
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def public_holidays(country: str, start: date, end: date, language: str) -> list[KeyDate]:
    """The country's public holidays between `start` and `end` (inclusive), named in `language` when the
    holidays library knows it; an unknown country simply has none."""
    return [
        KeyDate("holiday", name, day, day, HOLIDAY_COLOR)
        for year in _years(start, end)
        for day, name in _holidays_of(country, year, language)
        if start <= day <= end
    ]


def world_days_between(start: date, end: date, language: str) -> list[KeyDate]:
    dates = []
    for year in _years(start, end):
        for entry in world_days():
            day = date(year, entry.month, entry.day)
            if start <= day <= end:
                name = entry.fr if language.startswith("fr") else entry.en
                dates.append(KeyDate("world_day", name, day, day, WORLD_DAY_COLOR))
    return sorted(dates, key=lambda key_date: key_date.starts_on)


def campaigns_between(workspace: Workspace, start: date, end: date) -> list[KeyDate]:
    campaigns = Campaign.objects.filter(workspace=workspace, starts_on__lte=end, ends_on__gte=start)
    return [
        KeyDate(
            "campaign",
            campaign.name,
            campaign.starts_on,
            campaign.ends_on,
            # The colour lands in a style attribute: only a plain hex colour gets there.
            campaign.color if HEX_COLOUR.match(campaign.color) else CAMPAIGN_COLOR,
        )
        for campaign in campaigns
    ]


def key_dates(workspace: Workspace, start: date, end: date, language: str) -> list[KeyDate]:
    return (
        campaigns_between(workspace, start, end)
        + public_holidays(workspace.country, start, end, language)
        + world_days_between(start, end, language)
    )


def by_day(dates: list[KeyDate], start: date, end: date) -> dict[date, list[KeyDate]]:
    """Each day of the period with the key dates covering it (a campaign appears on each of its days)."""
    days: dict[date, list[KeyDate]] = defaultdict(list)
    for key_date in dates:
        day = max(key_date.starts_on, start)
        while day <= min(key_date.ends_on, end):
            days[day].append(key_date)
            day += timedelta(days=1)
    return dict(days)


@transaction.atomic
def do_save_campaign(workspace: Workspace, actor: User, campaign: Campaign) -> Campaign:
    """Creates or updates a campaign of the workspace, with its audit entry."""
    if campaign.workspace_id != workspace.pk:
        raise ValidationError(_("This campaign belongs to another workspace."))
    campaign.full_clean()
    if campaign.pk is None:
        campaign.save()
        audit.record_create(workspace, actor, campaign, CAMPAIGN_FIELDS)
        return campaign
    before = audit.snapshot(Campaign.objects.get(pk=campaign.pk, workspace=workspace), CAMPAIGN_FIELDS)
    campaign.save()
    audit.record(
        workspace,
        actor,
        AuditEntry.Action.UPDATE,
        campaign,
        audit.changed(before, audit.snapshot(campaign, CAMPAIGN_FIELDS)),
    )
    return campaign


@transaction.atomic
def do_delete_campaign(workspace: Workspace, actor: User, campaign: Campaign) -> None:
    if campaign.workspace_id != workspace.pk:
        raise ValidationError(_("This campaign belongs to another workspace."))
    before = audit.snapshot(campaign, CAMPAIGN_FIELDS)
    audit.record(
        workspace, actor, AuditEntry.Action.DELETE, campaign, {k: [v, None] for k, v in before.items()}
    )
    campaign.delete()
