"""Key dates: public holidays by country, the curated world days, and the workspace's campaigns (CRUD)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.publishing.keydates import (
    WORLD_DAYS_FILE,
    by_day,
    campaigns_between,
    key_dates,
    public_holidays,
    world_days,
    world_days_between,
)
from comptoir.publishing.models import Campaign
from comptoir.testing.factories import CampaignFactory, MembershipFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


def test_french_holidays_are_named_in_french() -> None:
    found = public_holidays("FR", date(2026, 5, 1), date(2026, 5, 31), "fr")
    assert [(item.starts_on, item.name) for item in found][:2] == [
        (date(2026, 5, 1), "Fête du Travail"),
        (date(2026, 5, 8), "Fête de la Victoire"),
    ]


def test_holidays_follow_the_workspace_country() -> None:
    german = public_holidays("DE", date(2026, 10, 1), date(2026, 10, 31), "en")
    assert [item.starts_on for item in german] == [date(2026, 10, 3)]  # German Unity Day


def test_an_unknown_country_has_no_holidays() -> None:
    assert public_holidays("ZZ", date(2026, 1, 1), date(2026, 12, 31), "fr") == []


def test_world_days_file_has_enough_valid_bilingual_days() -> None:
    days = world_days()
    assert len(days) >= 40
    for entry in days:
        date(2028, entry.month, entry.day)  # a real calendar day, leap year included
        assert entry.fr.strip() and entry.en.strip()
    raw = json.loads(WORLD_DAYS_FILE.read_text(encoding="utf-8"))["days"]
    assert len({(entry["month"], entry["day"], entry["en"]) for entry in raw}) == len(raw)


def test_world_days_across_a_new_year() -> None:
    found = world_days_between(date(2026, 12, 30), date(2027, 1, 31), "en")
    assert [item.name for item in found] == ["International Day of Education"]
    assert found[0].starts_on == date(2027, 1, 24)


def test_campaign_spans_each_of_its_days(owner: Membership) -> None:
    CampaignFactory(workspace=owner.workspace, starts_on=date(2026, 5, 30), ends_on=date(2026, 6, 2))
    found = campaigns_between(owner.workspace, date(2026, 6, 1), date(2026, 6, 30))
    days = by_day(found, date(2026, 6, 1), date(2026, 6, 30))
    assert sorted(days) == [date(2026, 6, 1), date(2026, 6, 2)]


def test_other_workspaces_campaigns_are_not_key_dates(owner: Membership) -> None:
    CampaignFactory(name="Ailleurs", starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1))
    found = key_dates(owner.workspace, date(2026, 6, 1), date(2026, 6, 1), "fr")
    assert "Ailleurs" not in [item.name for item in found]


def test_create_a_campaign(owner_client: Client, owner: Membership) -> None:
    url = reverse("publishing:calendar_campaigns", args=[owner.workspace.slug])
    response = owner_client.post(
        url, {"name": "Soldes d'été", "starts_on": "2026-06-24", "ends_on": "2026-07-21", "color": "#aa3300"}
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(workspace=owner.workspace)
    assert (campaign.name, campaign.starts_on, campaign.color) == (
        "Soldes d'été",
        date(2026, 6, 24),
        "#aa3300",
    )
    assert AuditEntry.objects.filter(object_type="campaign", action="create", actor=owner.user).exists()


def test_a_campaign_cannot_end_before_it_starts(owner_client: Client, owner: Membership) -> None:
    url = reverse("publishing:calendar_campaigns", args=[owner.workspace.slug])
    response = owner_client.post(
        url, {"name": "À l'envers", "starts_on": "2026-06-24", "ends_on": "2026-06-01", "color": "#aa3300"}
    )
    assert response.status_code == 200
    assert "The last day cannot come before the first." in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_colour_must_be_hex(owner_client: Client, owner: Membership) -> None:
    url = reverse("publishing:calendar_campaigns", args=[owner.workspace.slug])
    response = owner_client.post(
        url,
        {"name": "X", "starts_on": "2026-06-24", "ends_on": "2026-06-25", "color": "red;background:url(x)"},
    )
    assert response.status_code == 200
    assert not Campaign.objects.exists()


def test_edit_a_campaign(owner_client: Client, owner: Membership) -> None:
    campaign = CampaignFactory(workspace=owner.workspace, name="Avant")
    url = reverse("publishing:calendar_edit_campaign", args=[owner.workspace.slug, campaign.pk])
    owner_client.post(
        url, {"name": "Après", "starts_on": "2026-06-24", "ends_on": "2026-06-25", "color": "#000000"}
    )
    campaign.refresh_from_db()
    assert campaign.name == "Après"
    entry = AuditEntry.objects.get(object_type="campaign", action="update")
    assert entry.changes["name"] == ["Avant", "Après"]


def test_delete_a_campaign(owner_client: Client, owner: Membership) -> None:
    campaign = CampaignFactory(workspace=owner.workspace)
    response = owner_client.post(
        reverse("publishing:calendar_delete_campaign", args=[owner.workspace.slug, campaign.pk])
    )
    assert response.status_code == 302
    assert not Campaign.objects.exists()
    assert AuditEntry.objects.filter(object_type="campaign", action="delete").exists()


def test_another_workspaces_campaign_cannot_be_edited(owner_client: Client, owner: Membership) -> None:
    foreign = CampaignFactory(name="Pas à moi")
    url = reverse("publishing:calendar_edit_campaign", args=[owner.workspace.slug, foreign.pk])
    assert owner_client.post(url, {"name": "Pris"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Pas à moi"


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MODERATOR, Role.REVIEWER])
def test_readers_cannot_manage_campaigns(role: Role, owner: Membership) -> None:
    member = MembershipFactory(workspace=owner.workspace, role=role)
    client = Client()
    client.force_login(member.user)
    assert (
        client.get(reverse("publishing:calendar_campaigns", args=[owner.workspace.slug])).status_code == 403
    )
