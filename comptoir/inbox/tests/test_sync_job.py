"""The minute job syncs every channel that has an inbox; one failing channel does not stop the others."""

from __future__ import annotations

import dataclasses

import pytest

from comptoir.channels.models import Channel
from comptoir.inbox.jobs import sync_all_inboxes
from comptoir.inbox.models import Message
from comptoir.providers.base import InboxPage, RetryableError
from comptoir.providers.networks import CAPABILITIES
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership

from .conftest import ScriptedProvider, item


def test_a_failing_channel_does_not_stop_the_others(
    owner: Membership, scripted: dict[int, ScriptedProvider]
) -> None:
    failing = ChannelFactory(workspace=owner.workspace)
    working = ChannelFactory(workspace=owner.workspace)
    scripted[failing.pk] = ScriptedProvider({"": RetryableError("Could not reach the Matrix homeserver.")})
    scripted[working.pk] = ScriptedProvider({"": InboxPage(items=[item("$a")], cursor="c1")})
    sync_all_inboxes.call_local()
    assert list(Message.objects.values_list("channel_id", flat=True)) == [working.pk]
    failing.refresh_from_db()
    assert failing.status == Channel.Status.FAILING


def test_channels_without_inbox_or_needing_reconnection_are_left_alone(
    owner: Membership, scripted: dict[int, ScriptedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(CAPABILITIES, "rss", dataclasses.replace(CAPABILITIES["rss"], inbox=False))
    feed = ChannelFactory(workspace=owner.workspace, network="rss")
    revoked = ChannelFactory(workspace=owner.workspace, status=Channel.Status.RECONNECT)
    synced = ChannelFactory(workspace=owner.workspace)
    for channel in (feed, revoked, synced):
        scripted[channel.pk] = ScriptedProvider(
            {"": InboxPage(items=[item(f"$from-{channel.pk}")], cursor="c1")}
        )
    sync_all_inboxes.call_local()
    assert scripted[feed.pk].cursors_asked == []
    assert scripted[revoked.pk].cursors_asked == []
    assert scripted[synced.pk].cursors_asked == [""]
