"""The composer's calendar options: "next free queue slot" and "repeat" presets producing an RRULE."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.models import Post, PostTarget, Recurrence
from comptoir.publishing.slots import next_free_slot
from comptoir.testing.factories import ChannelFactory, QueueSlotFactory
from comptoir.workspaces.models import Membership

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def channel(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon", name="Lemoine")


def compose(client: Client, owner: Membership, channel: Channel, **fields: object):  # type: ignore[no-untyped-def]
    data = {
        "title": "Pain du jour",
        "text": "Le pain du jour est sorti !",
        "channels": [channel.pk],
        **fields,
    }
    return client.post(reverse("publishing:compose", args=[owner.workspace.slug]), data)


def next_monday_nine(owner: Membership) -> datetime:
    today = timezone.now().astimezone(owner.workspace.zone).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime.combine(monday, time(9, 0))


def test_next_free_slot_schedules_on_the_channels_slot(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    QueueSlotFactory(channel=channel, weekday=2, local_time=time(18, 30))
    expected = next_free_slot(channel, timezone.now())
    response = compose(owner_client, owner, channel, when="next_slot")
    assert response.status_code == 302
    target = PostTarget.objects.get()
    assert target.state == PostTarget.State.SCHEDULED
    assert target.due_at == expected
    assert target.due_at is not None and target.due_at.astimezone(owner.workspace.zone).time() == time(18, 30)


def test_the_next_post_takes_the_following_slot(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    QueueSlotFactory(channel=channel, weekday=2, local_time=time(18, 30))
    compose(owner_client, owner, channel, when="next_slot")
    compose(owner_client, owner, channel, when="next_slot")
    first, second = PostTarget.objects.order_by("due_at")
    assert first.due_at is not None and second.due_at is not None
    assert (second.due_at - first.due_at) in {
        timedelta(days=7),
        timedelta(days=7, hours=1),
        timedelta(days=6, hours=23),
    }


def test_next_free_slot_without_slots_is_a_form_error(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    response = compose(owner_client, owner, channel, when="next_slot")
    assert response.status_code == 200
    assert "No free queue slot in the next 8 weeks for these channels." in response.content.decode()
    assert not Post.objects.exists()


def test_weekly_repeat_creates_the_rule_and_the_next_occurrences(
    owner_client: Client, owner: Membership, channel: Channel, django_capture_on_commit_callbacks: Capture
) -> None:
    start = next_monday_nine(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = compose(
            owner_client,
            owner,
            channel,
            when="schedule",
            publish_at=f"{start:%Y-%m-%dT%H:%M}",
            repeat="weekly",
            repeat_days=["0", "3"],
            repeat_count="5",
        )
    assert response.status_code == 302
    recurrence = Recurrence.objects.get()
    assert recurrence.rule == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=5"
    assert recurrence.starts_local == f"{start:%Y-%m-%dT%H:%M:%S}"
    targets = PostTarget.objects.order_by("due_at")
    assert targets.count() == 5
    local_times = {
        target.due_at.astimezone(owner.workspace.zone).time() for target in targets if target.due_at
    }
    assert local_times == {time(9, 0)}
    assert [
        target.due_at.astimezone(owner.workspace.zone).weekday() for target in targets if target.due_at
    ] == [
        0,
        3,
        0,
        3,
        0,
    ]


def test_weekly_repeat_needs_a_day(owner_client: Client, owner: Membership, channel: Channel) -> None:
    start = next_monday_nine(owner)
    response = compose(
        owner_client, owner, channel, when="schedule", publish_at=f"{start:%Y-%m-%dT%H:%M}", repeat="weekly"
    )
    assert response.status_code == 200
    assert "Tick at least one day of the week." in response.content.decode()
    assert not Post.objects.exists()


def test_a_draft_cannot_repeat(owner_client: Client, owner: Membership, channel: Channel) -> None:
    response = compose(owner_client, owner, channel, when="draft", repeat="daily")
    assert response.status_code == 200
    assert "Only a scheduled post can repeat." in response.content.decode()
    assert not Post.objects.exists()


def test_the_composer_shows_the_calendar_options(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    html = owner_client.get(reverse("publishing:compose", args=[owner.workspace.slug])).content.decode()
    assert "Next free queue slot" in html
    assert "Every week on the days ticked below" in html
    assert html.index('name="publish_at"') < html.index('name="repeat"')


def test_an_unknown_repeat_preset_is_refused(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    when = datetime(timezone.now().year + 1, 6, 1, 9, 0, tzinfo=UTC)
    response = compose(
        owner_client, owner, channel, when="schedule", publish_at=f"{when:%Y-%m-%dT%H:%M}", repeat="hourly"
    )
    assert response.status_code == 200
    assert not Post.objects.exists()
