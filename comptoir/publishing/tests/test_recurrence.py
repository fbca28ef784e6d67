"""Recurring posts: RRULE presets, wall-clock occurrences across both 2026 DST changes, idempotent materialising."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from comptoir.channels.models import Channel
from comptoir.publishing.models import Media, Occurrence, Pillar, Post, PostMedia, PostTarget, Recurrence
from comptoir.publishing.recurrence import (
    describe_rule,
    do_create_recurrence,
    do_stop_recurrence,
    materialise,
    materialise_all,
    parse_rule,
    preset_rule,
    upcoming,
)
from comptoir.testing.factories import ChannelFactory, PostFactory, PostTargetFactory
from comptoir.workspaces.models import AuditEntry, Membership


def test_presets_make_real_rules() -> None:
    assert preset_rule("daily") == "FREQ=DAILY"
    assert preset_rule("weekly", [4, 0, 2]) == "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert preset_rule("monthly", count=6) == "FREQ=MONTHLY;COUNT=6"


def test_weekly_needs_a_day() -> None:
    with pytest.raises(ValidationError):
        preset_rule("weekly", [])


@pytest.mark.parametrize(
    "rule", ["FREQ=MINUTELY", "FREQ=HOURLY;INTERVAL=1", "FREQ=WEEKLY;BYDAY=XX", "nonsense"]
)
def test_rules_too_frequent_or_broken_are_refused(rule: str) -> None:
    with pytest.raises(ValidationError):
        parse_rule(rule, datetime(2026, 3, 1, 9, 0))


@pytest.fixture
def channel(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon")


def recurring(owner: Membership, channel: Channel, rule: str, starts_local: datetime) -> Recurrence:
    first = PostTargetFactory(post__workspace=owner.workspace, channel=channel, text="Le pain du jour")
    return do_create_recurrence(owner.workspace, owner.user, first.post, rule, starts_local)


def test_daily_at_nine_stays_nine_across_the_spring_change(owner: Membership, channel: Channel) -> None:
    recurrence = recurring(owner, channel, "FREQ=DAILY", datetime(2026, 3, 27, 9, 0))
    moments = upcoming(recurrence, datetime(2026, 3, 27, 9, 0, tzinfo=UTC), limit=4)
    # 28 March is CET (UTC+1); from 29 March, CEST (UTC+2): 09:00 on the clock each day.
    assert moments == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]


def test_weekly_on_sunday_at_nine_stays_nine_across_the_autumn_change(
    owner: Membership, channel: Channel
) -> None:
    recurrence = recurring(owner, channel, "FREQ=WEEKLY;BYDAY=SU", datetime(2026, 10, 18, 9, 0))
    moments = upcoming(recurrence, datetime(2026, 10, 18, 12, 0, tzinfo=UTC), limit=2)
    assert moments == [
        datetime(2026, 10, 25, 8, 0, tzinfo=UTC),  # 25 October: back to CET, 09:00 = 08:00 UTC
        datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    ]


def test_materialising_creates_scheduled_copies(owner: Membership, channel: Channel) -> None:
    recurrence = recurring(owner, channel, "FREQ=DAILY;COUNT=4", datetime(2026, 3, 27, 9, 0))
    created = materialise(recurrence, datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    assert created == 3
    copies = PostTarget.objects.filter(post__occurrence__recurrence=recurrence).exclude(
        post=recurrence.source_post
    )
    assert [(target.due_at, target.state, target.text) for target in copies.order_by("due_at")] == [
        (datetime(2026, 3, 28, 8, 0, tzinfo=UTC), PostTarget.State.SCHEDULED, "Le pain du jour"),
        (datetime(2026, 3, 29, 7, 0, tzinfo=UTC), PostTarget.State.SCHEDULED, "Le pain du jour"),
        (datetime(2026, 3, 30, 7, 0, tzinfo=UTC), PostTarget.State.SCHEDULED, "Le pain du jour"),
    ]
    assert all(target.next_attempt_at == target.due_at for target in copies)


def test_materialising_twice_creates_nothing_more(owner: Membership, channel: Channel) -> None:
    recurrence = recurring(owner, channel, "FREQ=DAILY", datetime(2026, 3, 27, 9, 0))
    now = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    materialise(recurrence, now)
    posts = Post.objects.count()
    assert materialise(recurrence, now) == 0
    assert Post.objects.count() == posts


def test_only_the_next_occurrences_are_materialised(owner: Membership, channel: Channel) -> None:
    recurrence = recurring(owner, channel, "FREQ=DAILY", datetime(2026, 3, 27, 9, 0))
    assert materialise(recurrence, datetime(2026, 3, 27, 12, 0, tzinfo=UTC), ahead=5) == 5
    assert recurrence.occurrences.count() == 6  # the source post and five copies


def test_an_occurrence_cannot_exist_twice(owner: Membership, channel: Channel) -> None:
    recurrence = recurring(owner, channel, "FREQ=DAILY", datetime(2026, 3, 27, 9, 0))
    moment = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    Occurrence.objects.create(
        recurrence=recurrence, occurs_at=moment, post=PostFactory(workspace=owner.workspace)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Occurrence.objects.create(
            recurrence=recurrence, occurs_at=moment, post=PostFactory(workspace=owner.workspace)
        )


def test_the_job_materialises_active_recurrences_only(owner: Membership, channel: Channel) -> None:
    start = timezone.now().astimezone(owner.workspace.zone).replace(tzinfo=None, second=0, microsecond=0)
    active = recurring(owner, channel, "FREQ=WEEKLY;BYDAY=MO", start)
    stopped = recurring(owner, channel, "FREQ=DAILY", start)
    do_stop_recurrence(owner.workspace, owner.user, stopped)
    assert materialise_all(timezone.now()) == 10
    assert active.occurrences.count() == 11  # the source post and ten ahead
    assert stopped.occurrences.count() == 1


def test_a_foreign_post_cannot_be_repeated(owner: Membership) -> None:
    foreign = PostFactory()
    with pytest.raises(ValidationError):
        do_create_recurrence(owner.workspace, owner.user, foreign, "FREQ=DAILY", datetime(2026, 3, 27, 9, 0))


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=DAILY", "Every day"),
        ("FREQ=WEEKLY;BYDAY=MO,TH", "Every week on Monday, Thursday"),
        ("FREQ=MONTHLY;COUNT=6", "Every month, 6 times"),
        ("FREQ=YEARLY;BYMONTH=3", "FREQ=YEARLY;BYMONTH=3"),
    ],
)
def test_rules_in_words(rule: str, words: str) -> None:
    with translation.override("en"):
        assert describe_rule(rule) == words


def test_rules_in_french() -> None:
    with translation.override("fr"):
        assert describe_rule("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4") == "Chaque semaine : Lundi, Jeudi, 4 fois"


def test_the_calendar_lists_recurrences_and_stops_one(
    owner_client: Client, owner: Membership, channel: Channel
) -> None:
    recurrence = recurring(owner, channel, "FREQ=WEEKLY;BYDAY=FR", datetime(2026, 3, 27, 9, 0))
    page = owner_client.get(reverse("publishing:calendar", args=[owner.workspace.slug])).content.decode()
    assert "Every week on Friday" in page.split('data-testid="recurrences"')[1]
    response = owner_client.post(
        reverse("publishing:calendar_stop_recurrence", args=[owner.workspace.slug, recurrence.pk])
    )
    assert response.status_code == 302
    recurrence.refresh_from_db()
    assert not recurrence.active
    assert AuditEntry.objects.filter(object_type="recurrence", action="update").exists()


def test_another_workspaces_recurrence_cannot_be_stopped(owner_client: Client, owner: Membership) -> None:
    other = ChannelFactory(network="mastodon")
    first = PostTargetFactory(post__workspace=other.workspace, channel=other)
    foreign = Recurrence.objects.create(
        workspace=other.workspace,
        source_post=first.post,
        rule="FREQ=DAILY",
        starts_local="2026-03-27T09:00:00",
        time_zone="Europe/Paris",
    )
    response = owner_client.post(
        reverse("publishing:calendar_stop_recurrence", args=[owner.workspace.slug, foreign.pk])
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.active


def test_occurrences_copy_the_pillar_and_media(owner: Membership, channel: Channel) -> None:
    pillar = Pillar.objects.create(workspace=owner.workspace, name="Produits")
    picture = Media.objects.create(workspace=owner.workspace, file="media/pain.jpg", mime_type="image/jpeg")
    recurrence = recurring(owner, channel, "FREQ=DAILY;COUNT=2", datetime(2026, 3, 27, 9, 0))
    source = recurrence.source_post
    source.pillar = pillar
    source.save()
    PostMedia.objects.create(post=source, media=picture, position=0)
    materialise(recurrence, datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    copy = Post.objects.exclude(pk=source.pk).get()
    assert copy.pillar == pillar
    assert list(copy.media.all()) == [picture]
