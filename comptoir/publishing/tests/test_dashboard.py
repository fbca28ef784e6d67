"""The publishing dashboard: on-time share, delay percentiles and failures by cause, per channel and per
period in the workspace's time zone, from known targets with exact expected figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.channels.models import Channel
from comptoir.publishing.dashboard import period_start, publishing_dashboard
from comptoir.publishing.models import PostTarget
from comptoir.testing.factories import (
    ChannelFactory,
    MembershipFactory,
    PostFactory,
    PostTargetFactory,
    api_token_for,
)
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

State = PostTarget.State
Reason = PostTarget.FailureReason
# 14:00 in Paris (CET) on a Thursday; "7 days" starts on Friday 27 November at 00:00 Paris, 23:00 UTC the day before.
NOW = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


def settled_target(
    channel: Channel,
    due: datetime,
    state: str = State.PUBLISHED,
    delay: float | None = None,
    reason: str = "",
) -> PostTarget:
    target: PostTarget = PostTargetFactory(
        post=PostFactory(workspace=channel.workspace),
        channel=channel,
        state=state,
        due_at=due,
        published_at=due + timedelta(seconds=delay) if delay is not None else None,
        failure_reason=reason,
    )
    return target


@pytest.fixture
def channels(owner: Membership) -> tuple[Channel, Channel]:
    room: Channel = ChannelFactory(workspace=owner.workspace, name="A · Salon")
    feed: Channel = ChannelFactory(workspace=owner.workspace, network="mastodon", name="B · Fil")
    return room, feed


@pytest.fixture
def week(channels: tuple[Channel, Channel]) -> None:
    """Room: delays 0, 5, 30, 59, 60, 61, 120, 600, 3000 s, 1 auth failure. Feed: delays 10 and 90 s, one
    rate-limited failure, one missed. Plus targets outside the 7 days, another workspace's, and unsettled."""
    room, feed = channels
    due = NOW - timedelta(days=2)
    for delay in (0, 5, 30, 59, 60, 61, 120, 600, 3000):
        settled_target(room, due, delay=delay)
    settled_target(room, due, State.FAILED, reason=Reason.AUTH_REVOKED)
    settled_target(feed, due, delay=10)
    settled_target(feed, due, delay=90)
    settled_target(feed, due, State.FAILED, reason=Reason.RATE_LIMITED)
    settled_target(feed, due, State.MISSED, reason=Reason.MISSED)
    # Friday 27 November at 00:30 Paris is inside "7 days"; Thursday 26 at 23:30 Paris is not.
    settled_target(feed, datetime(2026, 11, 26, 23, 30, tzinfo=UTC), delay=4000)
    settled_target(feed, datetime(2026, 11, 26, 22, 30, tzinfo=UTC), State.FAILED, reason=Reason.NETWORK)
    settled_target(room, due, State.SCHEDULED)
    settled_target(ChannelFactory(), due, State.FAILED, reason=Reason.NETWORK)


def test_period_starts_at_midnight_in_the_workspace_zone(owner: Membership) -> None:
    assert period_start(owner.workspace, 7, NOW) == datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
    assert period_start(owner.workspace, 1, NOW) == datetime(2026, 12, 2, 23, 0, tzinfo=UTC)


@pytest.mark.usefixtures("week")
def test_overall_figures(owner: Membership) -> None:
    overall = publishing_dashboard(owner.workspace, 7, NOW).overall
    # 15 settled in the period: 12 published (the 4000 s one included), 2 failed, 1 missed; 6 within 60 s.
    assert (overall.settled, overall.published, overall.on_time) == (15, 12, 6)
    assert overall.on_time_percent == 40.0
    # Sorted delays: 0 5 10 30 59 60 61 90 120 600 3000 4000; ranks ceil(6) and ceil(11.4).
    assert overall.p50_delay == timedelta(seconds=60)
    assert overall.p95_delay == timedelta(seconds=4000)
    assert overall.failures == {Reason.AUTH_REVOKED: 1, Reason.MISSED: 1, Reason.RATE_LIMITED: 1}


@pytest.mark.usefixtures("week")
def test_figures_per_channel(owner: Membership, channels: tuple[Channel, Channel]) -> None:
    room, feed = publishing_dashboard(owner.workspace, 7, NOW).channels
    assert (room.channel, feed.channel) == channels
    assert (room.figures.settled, room.figures.published, room.figures.on_time) == (10, 9, 5)
    assert (room.figures.p50_delay, room.figures.p95_delay) == (
        timedelta(seconds=60),
        timedelta(seconds=3000),
    )
    assert room.figures.failures == {Reason.AUTH_REVOKED: 1}
    assert (feed.figures.settled, feed.figures.published, feed.figures.on_time) == (5, 3, 1)
    assert (feed.figures.p50_delay, feed.figures.p95_delay) == (
        timedelta(seconds=90),
        timedelta(seconds=4000),
    )
    assert feed.figures.failures == {Reason.MISSED: 1, Reason.RATE_LIMITED: 1}


@pytest.mark.usefixtures("week")
def test_a_longer_period_takes_the_older_targets(owner: Membership) -> None:
    overall = publishing_dashboard(owner.workspace, 30, NOW).overall
    assert (overall.settled, overall.published) == (16, 12)
    assert overall.failures[Reason.NETWORK] == 1


def test_an_empty_period_has_no_figures(owner: Membership) -> None:
    overall = publishing_dashboard(owner.workspace, 7, NOW).overall
    assert (overall.settled, overall.on_time_percent, overall.p50_delay, overall.failures) == (
        0,
        None,
        None,
        {},
    )


def test_page_shows_the_figures(
    owner: Membership, owner_client: Client, channels: tuple[Channel, Channel]
) -> None:
    room, _ = channels
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    settled_target(room, an_hour_ago, delay=30)
    settled_target(room, an_hour_ago, delay=150)
    settled_target(room, an_hour_ago, State.FAILED, reason=Reason.AUTH_REVOKED)
    response = owner_client.get(reverse("publishing:dashboard", args=[owner.workspace.slug]), {"days": "7"})
    assert response.status_code == 200
    assert response.context["dashboard"].days == 7
    page = response.content.decode()
    assert 'data-testid="on-time">33.3 %<' in page
    assert 'data-testid="p50">30 s<' in page
    assert 'data-testid="p95">2 min 30<' in page
    assert "<td>Channel needs reconnecting</td><td>1</td>" in page


def test_page_falls_back_to_30_days_on_a_bad_period(owner: Membership, owner_client: Client) -> None:
    response = owner_client.get(reverse("publishing:dashboard", args=[owner.workspace.slug]), {"days": "365"})
    assert response.context["dashboard"].days == 30


def test_every_member_may_read_it(owner: Membership) -> None:
    viewer = MembershipFactory(workspace=owner.workspace, role=Role.REVIEWER)
    client = Client()
    client.force_login(viewer.user)
    assert client.get(reverse("publishing:dashboard", args=[owner.workspace.slug])).status_code == 200


def test_api_gives_the_same_figures(owner: Membership, channels: tuple[Channel, Channel]) -> None:
    room, _ = channels
    settled_target(room, datetime.now(UTC) - timedelta(hours=1), delay=30)
    settled_target(room, datetime.now(UTC) - timedelta(hours=1), State.FAILED, reason=Reason.NETWORK)
    _, secret = api_token_for(owner)
    response = Client().get("/api/publishing/dashboard", {"days": 7}, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["overall"] == {
        "settled": 2,
        "published": 1,
        "on_time": 1,
        "on_time_percent": 50.0,
        "p50_delay_seconds": 30.0,
        "p95_delay_seconds": 30.0,
        "failures": {"network": 1},
    }
    assert [row["channel_id"] for row in body["channels"]] == [room.pk]


def test_posts_page_links_to_the_dashboard(owner: Membership, owner_client: Client) -> None:
    response = owner_client.get(reverse("publishing:list", args=[owner.workspace.slug]))
    assert reverse("publishing:dashboard", args=[owner.workspace.slug]) in response.content.decode()
