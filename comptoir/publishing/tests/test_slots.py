"""Queue slots: the weekly slots page, and `next_free_slot` in the workspace's zone across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.channels.models import Channel
from comptoir.publishing.models import PostTarget, QueueSlot
from comptoir.publishing.slots import next_common_free_slot, next_free_slot
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostTargetFactory, QueueSlotFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role


@pytest.fixture
def channel(owner: Membership) -> Channel:
    return ChannelFactory(workspace=owner.workspace, network="mastodon", name="Lemoine")


def test_next_free_slot_is_the_next_weekly_moment_in_local_time(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=1, local_time=time(9, 0))  # Tuesdays 09:00
    after = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a Monday
    assert next_free_slot(channel, after) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_a_slot_taken_by_a_scheduled_target_is_skipped(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=1, local_time=time(9, 0))
    PostTargetFactory(
        post__workspace=channel.workspace, channel=channel, due_at=datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    )
    after = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert next_free_slot(channel, after) == datetime(2026, 6, 9, 7, 0, tzinfo=UTC)


def test_a_target_on_another_channel_does_not_take_the_slot(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=1, local_time=time(9, 0))
    other = ChannelFactory(workspace=channel.workspace)
    PostTargetFactory(
        post__workspace=channel.workspace, channel=other, due_at=datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    )
    assert next_free_slot(channel, datetime(2026, 6, 1, tzinfo=UTC)) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


def test_a_failed_target_frees_its_slot(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=1, local_time=time(9, 0))
    PostTargetFactory(
        post__workspace=channel.workspace,
        channel=channel,
        state=PostTarget.State.FAILED,
        due_at=datetime(2026, 6, 2, 7, 0, tzinfo=UTC),
    )
    assert next_free_slot(channel, datetime(2026, 6, 1, tzinfo=UTC)) == datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


def test_slots_keep_their_wall_clock_time_across_the_spring_change(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=4, local_time=time(9, 0))  # Fridays 09:00
    PostTargetFactory(
        post__workspace=channel.workspace, channel=channel, due_at=datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    )  # Friday 27 March 09:00 CET is taken
    found = next_free_slot(channel, datetime(2026, 3, 26, tzinfo=UTC))
    assert found == datetime(2026, 4, 3, 7, 0, tzinfo=UTC)  # Friday 3 April 09:00 CEST


def test_a_slot_in_the_spring_gap_is_skipped_that_day(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=6, local_time=time(2, 30))  # Sundays 02:30
    found = next_free_slot(channel, datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    # 02:30 does not exist on 29 March 2026 in Paris: the next Sunday's 02:30 CEST.
    assert found == datetime(2026, 4, 5, 0, 30, tzinfo=UTC)


def test_a_slot_in_the_repeated_autumn_hour_takes_the_first_one(channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=6, local_time=time(2, 30))
    found = next_free_slot(channel, datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    assert found == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, the first of the two


def test_no_slot_means_no_free_slot(channel: Channel) -> None:
    assert next_free_slot(channel, datetime(2026, 6, 1, tzinfo=UTC)) is None


def test_common_slot_suits_every_channel_with_slots(channel: Channel) -> None:
    other = ChannelFactory(workspace=channel.workspace)
    without_slots = ChannelFactory(workspace=channel.workspace)
    QueueSlotFactory(channel=channel, weekday=1, local_time=time(9, 0))
    QueueSlotFactory(channel=other, weekday=1, local_time=time(9, 0))
    PostTargetFactory(
        post__workspace=channel.workspace, channel=other, due_at=datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
    )
    found = next_common_free_slot([channel, other, without_slots], datetime(2026, 6, 1, tzinfo=UTC))
    assert found == datetime(2026, 6, 9, 7, 0, tzinfo=UTC)


def test_add_a_slot_on_the_page(owner_client: Client, owner: Membership, channel: Channel) -> None:
    url = reverse("publishing:calendar_slots", args=[owner.workspace.slug])
    response = owner_client.post(url, {"channel": channel.pk, "weekday": 2, "local_time": "18:30"})
    assert response.status_code == 302
    slot = QueueSlot.objects.get(channel=channel)
    assert (slot.weekday, slot.local_time) == (2, time(18, 30))
    assert AuditEntry.objects.filter(object_type="queueslot", action="create").exists()
    page = owner_client.get(url).content.decode()
    assert "Wednesday 18:30" in page
    assert "Next free slot:" in page


def test_the_same_slot_twice_is_refused(owner_client: Client, owner: Membership, channel: Channel) -> None:
    QueueSlotFactory(channel=channel, weekday=2, local_time=time(18, 30))
    url = reverse("publishing:calendar_slots", args=[owner.workspace.slug])
    response = owner_client.post(url, {"channel": channel.pk, "weekday": 2, "local_time": "18:30"})
    assert response.status_code == 200
    assert "This channel already has a slot at that moment." in response.content.decode()
    assert QueueSlot.objects.count() == 1


def test_another_workspaces_channel_cannot_get_a_slot(owner_client: Client, owner: Membership) -> None:
    foreign = ChannelFactory(network="mastodon")
    url = reverse("publishing:calendar_slots", args=[owner.workspace.slug])
    response = owner_client.post(url, {"channel": foreign.pk, "weekday": 2, "local_time": "18:30"})
    assert response.status_code == 200
    assert not QueueSlot.objects.exists()


def test_delete_a_slot(owner_client: Client, owner: Membership, channel: Channel) -> None:
    slot = QueueSlotFactory(channel=channel)
    response = owner_client.post(
        reverse("publishing:calendar_delete_slot", args=[owner.workspace.slug, slot.pk])
    )
    assert response.status_code == 302
    assert not QueueSlot.objects.exists()
    assert AuditEntry.objects.filter(object_type="queueslot", action="delete").exists()


def test_another_workspaces_slot_cannot_be_deleted(owner_client: Client, owner: Membership) -> None:
    foreign = QueueSlotFactory()
    response = owner_client.post(
        reverse("publishing:calendar_delete_slot", args=[owner.workspace.slug, foreign.pk])
    )
    assert response.status_code == 404
    assert QueueSlot.objects.filter(pk=foreign.pk).exists()


def test_an_analyst_cannot_edit_slots(owner: Membership) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    assert client.get(reverse("publishing:calendar_slots", args=[owner.workspace.slug])).status_code == 403
