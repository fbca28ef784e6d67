"""Response-time metrics: mean and median first response and resolution in business hours, per person and
per channel, over a period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse

from comptoir.inbox.metrics import response_metrics
from comptoir.testing.factories import ChannelFactory, ConversationFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600.0


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=PARIS)


def test_first_response_and_resolution_per_person_and_channel(owner: Membership) -> None:
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR)
    matrix = ChannelFactory(workspace=owner.workspace, name="Matrix")
    mastodon = ChannelFactory(workspace=owner.workspace, name="Mastodon", network="mastodon")
    # Answered after 1, 3 (across the night: 17:00 → 11:00 next day) and 2 business hours.
    ConversationFactory(
        contact__channel=matrix,
        opened_at=at(4, 10),
        first_response_at=at(4, 11),
        first_response_by=owner.user,
        resolved_at=at(4, 14),
        assignee=owner.user,
    )
    ConversationFactory(
        contact__channel=matrix,
        opened_at=at(4, 17),
        first_response_at=at(5, 11),
        first_response_by=owner.user,
    )
    ConversationFactory(
        contact__channel=mastodon,
        opened_at=at(5, 9),
        first_response_at=at(5, 11),
        first_response_by=moderator.user,
        resolved_at=at(5, 18),
        assignee=moderator.user,
    )
    # Outside the period, and in another workspace: not counted.
    ConversationFactory(contact__channel=matrix, opened_at=at(20, 9), first_response_at=at(20, 10))
    ConversationFactory(opened_at=at(4, 9), first_response_at=at(4, 17))
    metrics = response_metrics(owner.workspace, date(2026, 3, 1), date(2026, 3, 15))
    assert sorted(metrics.overall.first_response.values) == [HOUR, 2 * HOUR, 3 * HOUR]
    assert (metrics.overall.first_response.mean, metrics.overall.first_response.median) == (
        2 * HOUR,
        2 * HOUR,
    )
    people = {row.name: row for row in metrics.by_person}
    assert sorted(people[str(owner.user)].first_response.values) == [HOUR, 3 * HOUR]
    assert people[str(owner.user)].resolution.values == (4 * HOUR,)
    assert people[str(moderator.user)].resolution.values == (9 * HOUR,)
    channels = {row.name: row for row in metrics.by_channel}
    assert channels["Matrix"].first_response.median == 2 * HOUR
    assert channels["Mastodon"].resolution.mean == 9 * HOUR


def test_an_empty_period_has_no_figures(owner: Membership) -> None:
    metrics = response_metrics(owner.workspace, date(2026, 3, 1), date(2026, 3, 2))
    assert (metrics.overall.first_response.mean, metrics.by_person) == (None, [])


def test_the_metrics_page_shows_the_figures(owner: Membership, owner_client: Client) -> None:
    ConversationFactory(
        contact__channel__workspace=owner.workspace,
        opened_at=at(4, 10),
        first_response_at=at(
            4,
            11,
        ),
        first_response_by=owner.user,
    )
    url = reverse("inbox:metrics", args=[owner.workspace.slug])
    response = owner_client.get(url, {"since": "2026-03-01", "until": "2026-03-31"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="overall-first-response">1 h 00<' in content
    assert str(owner.user) in content


def test_a_reversed_period_is_refused_without_error_page(owner: Membership, owner_client: Client) -> None:
    url = reverse("inbox:metrics", args=[owner.workspace.slug])
    response = owner_client.get(
        url, {"since": "2026-03-31", "until": "2026-03-01"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
