"""Fixtures of the publishing tests: a workspace's Mastodon channel on the in-process Mastodon server."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from comptoir.channels.models import Channel
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership
from tests.peers.mastodon import MastodonState


@pytest.fixture
def owner_client(owner: Membership) -> Client:
    """The owner's browser, in English: assertions read the source strings, whatever the French catalogue says."""
    client = Client()
    client.force_login(owner.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def mastodon_channel(owner: Membership, mastodon_server: MastodonState) -> Channel:
    channel: Channel = ChannelFactory(
        workspace=owner.workspace,
        network="mastodon",
        name="Boulangerie Lemoine",
        settings={"instance": mastodon_server.url, "allow_private_network": "1"},
    )
    channel.credentials = {"access_token": mastodon_server.token_for("boulangerie")}
    channel.save()
    return channel


def statuses_of(server: MastodonState) -> list[str]:
    return [status["text"] for status in server.statuses.values()]
