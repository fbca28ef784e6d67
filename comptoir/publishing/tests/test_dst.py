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
from comptoir.publishing.publisher import claim_due_targets
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


# The whole path on the 2026 changes (29 March, 25 October): form → stored UTC → claimed at that instant, not
# a second before. The clock is set a few weeks before each day, when scheduling for it was in the future.
@pytest.mark.parametrize(
    ("typed", "due_utc"),
    [
        ("2026-03-29T01:59", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # CET, just before the gap
        ("2026-03-29T02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),  # in the gap: 03:30 CEST
        ("2026-03-29T09:00", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),  # CEST, later that morning
        ("2026-10-25T01:30", datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),  # CEST, before the repeat
        ("2026-10-25T02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # repeated: the first, CEST
        ("2026-10-25T09:00", datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),  # CET, later that morning
    ],
)
def test_2026_change_days_are_claimed_at_the_right_instant(
    monkeypatch: pytest.MonkeyPatch,
    owner: Membership,
    owner_client: Client,
    mastodon_channel: Channel,
    typed: str,
    due_utc: datetime,
) -> None:
    monkeypatch.setattr(timezone, "now", lambda: due_utc - timedelta(days=20))
    response = owner_client.post(
        reverse("publishing:compose", args=[owner.workspace.slug]),
        {
            "title": "Changement d'heure",
            "text": "Horaires d'été et d'hiver",
            "channels": [mastodon_channel.pk],
            "when": "schedule",
            "publish_at": typed,
        },
    )
    assert response.status_code == 302
    target = PostTarget.objects.get()
    assert (target.state, target.due_at) == (PostTarget.State.SCHEDULED, due_utc)
    assert claim_due_targets("worker-1", due_utc - timedelta(seconds=1)) == []
    [claimed] = claim_due_targets("worker-1", due_utc)
    assert claimed.pk == target.pk and claimed.claimed_at == due_utc
