"""Drag-and-drop rescheduling on the calendar (`do_reschedule_target` through the HTMX move route)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.models import PostTarget
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role

NEXT_YEAR = timezone.now().year + 1


@pytest.fixture
def channel(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon")


def target_at(channel: Channel, moment: datetime, **fields: object) -> PostTarget:
    target: PostTarget = PostTargetFactory(
        post__workspace=channel.workspace, channel=channel, due_at=moment, next_attempt_at=moment, **fields
    )
    return target


def move(
    client: Client, owner: Membership, target: PostTarget, day: str, time: str = "", view: str = "month"
):  # type: ignore[no-untyped-def]
    url = reverse("publishing:calendar_move", args=[owner.workspace.slug]) + f"?view={view}&date={day}"
    data = {"target": target.pk, "day": day}
    if time:
        data["time"] = time
    return client.post(url, data, headers={"HX-Request": "true"})


def spring_change(year: int) -> date:
    last = date(year, 3, 31)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def test_month_move_keeps_the_wall_clock_time_across_dst(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    sunday = spring_change(NEXT_YEAR)
    friday = sunday - timedelta(days=2)
    # 09:00 in Paris on the Friday before the clocks go forward (CET, UTC+1) ...
    target = target_at(channel, datetime(friday.year, friday.month, friday.day, 8, 0, tzinfo=UTC))
    monday = sunday + timedelta(days=1)
    response = move(owner_client, owner, target, f"{monday:%Y-%m-%d}")
    assert response.status_code == 200
    target.refresh_from_db()
    # ... is still 09:00 on the clock on the Monday after, an hour earlier in UTC.
    assert target.due_at == datetime(monday.year, monday.month, monday.day, 7, 0, tzinfo=UTC)
    assert target.next_attempt_at == target.due_at


def test_week_move_takes_the_exact_hour(owner_client: Client, owner: Membership, channel: Channel) -> None:
    target = target_at(channel, datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC))
    response = move(owner_client, owner, target, f"{NEXT_YEAR}-06-16", "14:00", view="week")
    assert response.status_code == 200
    target.refresh_from_db()
    assert target.due_at == datetime(NEXT_YEAR, 6, 16, 12, 0, tzinfo=UTC)  # 14:00 CEST
    assert f'data-testid="item-{target.pk}"' in response.content.decode()


def test_a_draft_moves_and_stays_a_draft(owner_client: Client, owner: Membership, channel: Channel) -> None:
    target = target_at(channel, datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC), state=PostTarget.State.DRAFT)
    move(owner_client, owner, target, f"{NEXT_YEAR}-06-20")
    target.refresh_from_db()
    assert target.state == PostTarget.State.DRAFT
    assert target.due_at == datetime(NEXT_YEAR, 6, 20, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "state", [PostTarget.State.CLAIMED, PostTarget.State.PUBLISHED, PostTarget.State.UNKNOWN]
)
def test_claimed_or_published_targets_do_not_move(
    state: str, owner_client: Client, owner: Membership, channel: Channel
) -> None:
    moment = datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC)
    target = target_at(channel, moment, state=state)
    response = move(owner_client, owner, target, f"{NEXT_YEAR}-06-20")
    assert response.status_code == 422
    assert "cannot move" in response.content.decode()
    target.refresh_from_db()
    assert target.due_at == moment


def test_a_moment_in_the_past_is_refused(owner_client: Client, owner: Membership, channel: Channel) -> None:
    moment = timezone.now() + timedelta(hours=3)
    target = target_at(channel, moment)
    yesterday = (timezone.now() - timedelta(days=1)).astimezone(owner.workspace.zone).date()
    response = move(owner_client, owner, target, f"{yesterday:%Y-%m-%d}")
    assert response.status_code == 422
    assert "already passed" in response.content.decode()
    target.refresh_from_db()
    assert target.due_at == moment


def test_the_move_is_audited(owner_client: Client, owner: Membership, channel: Channel) -> None:
    target = target_at(channel, datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC))
    move(owner_client, owner, target, f"{NEXT_YEAR}-06-15")
    entry = AuditEntry.objects.get(object_type="posttarget", object_id=str(target.pk), action="update")
    assert entry.actor == owner.user
    assert entry.changes["due_at"][1].startswith(f"{NEXT_YEAR}-06-15 07:30")


def test_an_analyst_cannot_move(owner: Membership, channel: Channel) -> None:
    moment = datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC)
    target = target_at(channel, moment)
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    assert move(client, owner, target, f"{NEXT_YEAR}-06-20").status_code == 403
    target.refresh_from_db()
    assert target.due_at == moment


def test_another_workspaces_target_is_not_found(owner_client: Client, owner: Membership) -> None:
    moment = datetime(NEXT_YEAR, 6, 14, 7, 30, tzinfo=UTC)
    foreign: PostTarget = PostTargetFactory(due_at=moment)
    assert move(owner_client, owner, foreign, f"{NEXT_YEAR}-06-20").status_code == 404
    foreign.refresh_from_db()
    assert foreign.due_at == moment


def test_an_unreadable_move_is_refused_without_error(owner_client: Client, owner: Membership) -> None:
    url = reverse("publishing:calendar_move", args=[owner.workspace.slug])
    response = owner_client.post(url, {"target": "x", "day": "soon"})
    assert response.status_code == 422
    assert "could not be read" in response.content.decode()
