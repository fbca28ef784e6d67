"""Scheduling across Europe/Paris DST changes: 02:30 on the spring day moves forward, on the autumn day it is
the first 02:30 (see comptoir/publishing/local_time.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.publishing.local_time import local_to_utc
from comptoir.publishing.models import PostTarget
from comptoir.workspaces.models import Membership

PARIS = ZoneInfo("Europe/Paris")


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


NEXT_YEAR = timezone.now().year + 1
SPRING = last_sunday(NEXT_YEAR, 3)  # clocks go from 02:00 to 03:00
AUTUMN = last_sunday(NEXT_YEAR, 10)  # clocks go from 03:00 back to 02:00


def at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_nonexistent_spring_time_moves_forward() -> None:
    moment = local_to_utc(at(SPRING, 2, 30), PARIS)
    assert moment.nonexistent and not moment.ambiguous
    assert moment.utc == datetime(SPRING.year, SPRING.month, SPRING.day, 1, 30, tzinfo=UTC)
    assert moment.utc.astimezone(PARIS).strftime("%H:%M %Z") == "03:30 CEST"


def test_ambiguous_autumn_time_takes_the_first_occurrence() -> None:
    moment = local_to_utc(at(AUTUMN, 2, 30), PARIS)
    assert moment.ambiguous and not moment.nonexistent
    assert moment.utc == datetime(AUTUMN.year, AUTUMN.month, AUTUMN.day, 0, 30, tzinfo=UTC)
    assert moment.utc.astimezone(PARIS).strftime("%H:%M %Z") == "02:30 CEST"


def test_ordinary_times_either_side_of_the_change() -> None:
    assert local_to_utc(at(SPRING, 1, 30), PARIS).utc.hour == 0
    assert local_to_utc(at(SPRING, 3, 30), PARIS).utc.hour == 1
    assert local_to_utc(at(AUTUMN, 3, 30), PARIS).utc.hour == 2


@pytest.mark.parametrize(
    ("day", "utc_hour", "warning"),
    [(SPRING, 1, "does not exist on that day"), (AUTUMN, 0, "happens twice on that day")],
    ids=["spring", "autumn"],
)
def test_composer_stores_the_right_instant(
    owner: Membership, owner_client: Client, mastodon_channel: Channel, day: date, utc_hour: int, warning: str
) -> None:
    response = owner_client.post(
        reverse("publishing:compose", args=[owner.workspace.slug]),
        {
            "title": "Nuit du changement d'heure",
            "text": "On change d'heure cette nuit !",
            "channels": [mastodon_channel.pk],
            "when": "schedule",
            "publish_at": f"{day.isoformat()}T02:30",
        },
        follow=True,
    )
    assert response.status_code == 200
    target = PostTarget.objects.get()
    assert target.state == PostTarget.State.SCHEDULED
    assert target.due_at == datetime(day.year, day.month, day.day, utc_hour, 30, tzinfo=UTC)
    assert target.next_attempt_at == target.due_at
    assert warning in response.content.decode()
