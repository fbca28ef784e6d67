"""The calendar's month, week and list views: items in the workspace's zone, filters, key dates and gaps."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.calendar import Filters, period_for
from comptoir.publishing.models import Pillar, PostTarget
from comptoir.testing.factories import (
    CampaignFactory,
    ChannelFactory,
    MembershipFactory,
    PostTargetFactory,
)
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

NEXT_YEAR = timezone.now().year + 1


@pytest.fixture
def channel(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon", name="Boulangerie Lemoine")


def target_at(channel: Channel, moment: datetime, **fields: object) -> PostTarget:
    target: PostTarget = PostTargetFactory(
        post__workspace=channel.workspace, channel=channel, due_at=moment, next_attempt_at=moment, **fields
    )
    return target


def month_url(owner: Membership, day: date, query: str = "") -> str:
    return reverse("publishing:calendar", args=[owner.workspace.slug]) + f"?date={day:%Y-%m-%d}{query}"


def test_month_view_shows_a_target_on_its_local_day(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    # 23:30 UTC on 14 June is 01:30 on 15 June in Paris: the item belongs to the 15th.
    target = target_at(channel, datetime(NEXT_YEAR, 6, 14, 23, 30, tzinfo=UTC))
    response = owner_client.get(month_url(owner, date(NEXT_YEAR, 6, 1)))
    html = response.content.decode()
    assert response.status_code == 200
    day_cell = html.split(f'data-testid="day-{NEXT_YEAR}-06-15"')[1].split("</td>")[0]
    assert f'data-testid="item-{target.pk}"' in day_cell
    assert "01:30" in day_cell
    assert "Boulangerie Lemoine (mastodon)" in day_cell


def test_item_is_coloured_by_its_pillar(owner_client: Client, owner: Membership, channel: Channel) -> None:
    pillar = Pillar.objects.create(
        workspace=owner.workspace, name="Coulisses", color="#123abc", target_share=40
    )
    target = target_at(channel, datetime(NEXT_YEAR, 6, 3, 8, tzinfo=UTC), post__pillar=pillar)
    html = owner_client.get(month_url(owner, date(NEXT_YEAR, 6, 1))).content.decode()
    item = html.split(f'data-testid="item-{target.pk}"')[0].rsplit("<div", 1)[1]
    assert "--pillar: #123abc" in item


def test_a_pillar_colour_that_is_not_hex_never_reaches_the_style(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    pillar = Pillar.objects.create(workspace=owner.workspace, name="Bad", color="red;x")
    target_at(channel, datetime(NEXT_YEAR, 6, 3, 8, tzinfo=UTC), post__pillar=pillar)
    html = owner_client.get(month_url(owner, date(NEXT_YEAR, 6, 1))).content.decode()
    assert "red;x" not in html.split('data-testid="gaps"')[0]


def test_filters_keep_only_the_chosen_channel(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    other = ChannelFactory(workspace=owner.workspace, network="bluesky", name="Lemoine sur Bluesky")
    kept = target_at(channel, datetime(NEXT_YEAR, 6, 3, 8, tzinfo=UTC))
    hidden = target_at(other, datetime(NEXT_YEAR, 6, 3, 9, tzinfo=UTC))
    html = owner_client.get(
        month_url(owner, date(NEXT_YEAR, 6, 1), f"&channel={channel.pk}")
    ).content.decode()
    assert f'data-testid="item-{kept.pk}"' in html
    assert f'data-testid="item-{hidden.pk}"' not in html


def test_filter_by_state(owner_client: Client, owner: Membership, channel: Channel) -> None:
    draft = target_at(channel, datetime(NEXT_YEAR, 6, 3, 8, tzinfo=UTC), state=PostTarget.State.DRAFT)
    scheduled = target_at(channel, datetime(NEXT_YEAR, 6, 4, 8, tzinfo=UTC))
    html = owner_client.get(month_url(owner, date(NEXT_YEAR, 6, 1), "&state=draft")).content.decode()
    assert f'data-testid="item-{draft.pk}"' in html
    assert f'data-testid="item-{scheduled.pk}"' not in html


def test_navigation_links_keep_the_filters(owner_client: Client, owner: Membership, channel: Channel) -> None:
    html = owner_client.get(
        month_url(owner, date(NEXT_YEAR, 6, 1), f"&channel={channel.pk}")
    ).content.decode()
    assert f"?date={NEXT_YEAR}-05-01&amp;channel={channel.pk}" in html  # previous month
    assert f"?date={NEXT_YEAR}-07-01&amp;channel={channel.pk}" in html  # next month
    week = reverse("publishing:calendar_week", args=[owner.workspace.slug])
    assert f"{week}?date={NEXT_YEAR}-06-01&amp;channel={channel.pk}" in html


def test_filters_read_from_the_query_ignore_garbage() -> None:
    from django.http import QueryDict

    filters = Filters.from_query(QueryDict("channel=3&channel=x&state=scheduled&state=nope&pillar="))
    assert filters == Filters(frozenset({3}), frozenset(), frozenset({"scheduled"}))
    assert filters.query_string() == "channel=3&state=scheduled"


def test_month_period_covers_whole_weeks() -> None:
    period = period_for("month", date(2026, 3, 17))
    assert period.start == date(2026, 2, 23) and period.end == date(2026, 4, 5)
    assert period.previous == date(2026, 2, 1) and period.next == date(2026, 4, 1)


def test_week_view_puts_a_target_in_its_local_hour(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    target = target_at(channel, datetime(NEXT_YEAR, 6, 16, 7, 15, tzinfo=UTC))  # 09:15 in Paris (CEST)
    url = reverse("publishing:calendar_week", args=[owner.workspace.slug]) + f"?date={NEXT_YEAR}-06-16"
    html = owner_client.get(url).content.decode()
    cell = html.split(f'data-testid="item-{target.pk}"')[0].rsplit("<td", 1)[1]
    assert f'data-drop-day="{NEXT_YEAR}-06-16"' in cell and 'data-drop-time="09:00"' in cell


def test_list_view_lists_days_with_posts(owner_client: Client, owner: Membership, channel: Channel) -> None:
    target = target_at(channel, datetime(NEXT_YEAR, 6, 16, 7, 15, tzinfo=UTC), text="Croissants au beurre")
    url = reverse("publishing:calendar_list", args=[owner.workspace.slug]) + f"?date={NEXT_YEAR}-06-10"
    html = owner_client.get(url).content.decode()
    assert f'data-testid="item-{target.pk}"' in html
    assert "Croissants au beurre" in html


def test_key_dates_holiday_world_day_and_campaign(owner_client: Client, owner: Membership) -> None:
    CampaignFactory(
        workspace=owner.workspace,
        name="Semaine de la galette",
        starts_on=date(NEXT_YEAR, 7, 13),
        ends_on=date(NEXT_YEAR, 7, 15),
    )
    html = owner_client.get(month_url(owner, date(NEXT_YEAR, 7, 1))).content.decode()
    bastille = html.split(f'data-testid="day-{NEXT_YEAR}-07-14"')[1].split("</td>")[0]
    assert "National Day" in bastille and "kind-holiday" in bastille
    assert "Semaine de la galette" in bastille
    emoji = html.split(f'data-testid="day-{NEXT_YEAR}-07-17"')[1].split("</td>")[0]
    assert "World Emoji Day" in emoji
    assert "Semaine de la galette" not in emoji


def test_key_dates_are_named_in_french(owner: Membership) -> None:
    client = Client()
    client.force_login(owner.user)
    client.cookies["django_language"] = "fr"
    html = client.get(month_url(owner, date(NEXT_YEAR, 7, 1))).content.decode()
    assert "Fête nationale" in html
    assert "Journée mondiale de l&#x27;emoji" in html


def test_gaps_show_empty_days_and_pillars_under_target(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    Pillar.objects.create(workspace=owner.workspace, name="Produits", target_share=50)
    Pillar.objects.create(workspace=owner.workspace, name="Coulisses", target_share=50)
    products = Pillar.objects.get(name="Produits")
    target_at(channel, datetime(NEXT_YEAR, 6, 3, 8, tzinfo=UTC), post__pillar=products)
    target_at(channel, datetime(NEXT_YEAR, 6, 4, 8, tzinfo=UTC), post__pillar=products)
    url = reverse("publishing:calendar_week", args=[owner.workspace.slug]) + f"?date={NEXT_YEAR}-06-02"
    gaps = owner_client.get(url).content.decode().split('data-testid="gaps"')[1]
    assert "Coulisses is under its target: 0 % planned for 50 %." in gaps
    assert "Produits is under" not in gaps
    assert "5 days from today on." in gaps  # a week of 7 days, 2 of them planned


def test_htmx_request_gets_the_grid_only(owner_client: Client, owner: Membership) -> None:
    response = owner_client.get(month_url(owner, date(NEXT_YEAR, 6, 1)), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="calendar-grid"' in html
    assert "<html" not in html


@pytest.mark.parametrize("role", [Role.ANALYST, Role.REVIEWER, Role.EDITOR])
def test_every_member_may_read_the_calendar(role: Role, owner: Membership) -> None:
    member = MembershipFactory(workspace=owner.workspace, role=role)
    client = Client()
    client.force_login(member.user)
    response = client.get(reverse("publishing:calendar", args=[owner.workspace.slug]))
    assert response.status_code == 200


def test_readers_get_no_draggable_items(owner: Membership, channel: Channel) -> None:
    target = target_at(channel, timezone.now() + timedelta(days=1))
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    html = client.get(reverse("publishing:calendar_list", args=[owner.workspace.slug])).content.decode()
    assert f'data-testid="item-{target.pk}"' in html
    assert 'draggable="true"' not in html


def test_month_view_queries_do_not_grow_with_the_posts(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    url = month_url(owner, date(NEXT_YEAR, 6, 1))

    def queries_with(count: int) -> int:
        for day in range(count):
            pillar = Pillar.objects.create(workspace=owner.workspace, name=f"P{count}-{day}")
            other = ChannelFactory(workspace=owner.workspace, network="bluesky")
            target_at(other, datetime(NEXT_YEAR, 6, 2 + day, 8, tzinfo=UTC), post__pillar=pillar)
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(url).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(10)


def test_week_view_shows_the_key_dates_of_each_day(owner_client: Client, owner: Membership) -> None:
    url = reverse("publishing:calendar_week", args=[owner.workspace.slug]) + f"?date={NEXT_YEAR}-07-14"
    html = owner_client.get(url).content.decode()
    cell = html.split(f'data-testid="key-dates-{NEXT_YEAR}-07-14"')[1].split("</td>")[0]
    assert "National Day" in cell


@pytest.mark.slow
def test_the_calendar_benchmark_runs_at_a_tiny_size() -> None:
    script = Path(__file__).resolve().parents[3] / "bench" / "calendar_month.py"
    result = subprocess.run(
        [sys.executable, str(script), "--targets", "40", "--recurrences", "2", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    assert "month view context: median" in result.stdout
    assert "rerun 0 in" in result.stdout
