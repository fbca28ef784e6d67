"""On a real Synapse: a CM connects a Matrix room from the page, Comptoir posts with the stored token."""

from __future__ import annotations

import asyncio

import pytest
from django.test import Client
from django.urls import reverse
from nio import AsyncClient, RoomCreateResponse, RoomMessagesResponse
from pytest_django.fixtures import Settings

from comptoir.channels.actions import provider_for
from comptoir.channels.models import Channel
from comptoir.providers.base import OutboundPost
from comptoir.workspaces.models import Membership
from tests.peers.matrix import MatrixUser, SynapsePeer

pytestmark = pytest.mark.peers


def create_room(peer: SynapsePeer, user: MatrixUser) -> str:
    async def main() -> str:
        client = AsyncClient(peer.homeserver, user.user_id)
        await client.login(user.password)
        try:
            created = await client.room_create(name="Communauté Lemoine")
            assert isinstance(created, RoomCreateResponse)
            return created.room_id
        finally:
            await client.close()

    return asyncio.run(main())


def room_texts(peer: SynapsePeer, user: MatrixUser, room_id: str) -> list[str]:
    async def main() -> list[str]:
        client = AsyncClient(peer.homeserver, user.user_id)
        await client.login(user.password)
        try:
            await client.sync(timeout=1000)
            messages = await client.room_messages(room_id, start=client.next_batch or "", limit=20)
            assert isinstance(messages, RoomMessagesResponse)
            return [getattr(event, "body", "") for event in messages.chunk]
        finally:
            await client.close()

    return asyncio.run(main())


def test_connect_room_from_the_page_then_publish(
    owner: Membership, owner_client: Client, synapse: SynapsePeer, settings: Settings
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = True
    bot = synapse.register_user("lemoine")
    room_id = create_room(synapse, bot)
    response = owner_client.post(
        reverse("channels:connect", args=[owner.workspace.slug, "matrix"]),
        {"homeserver": synapse.homeserver, "user_id": bot.user_id, "password": bot.password, "room": room_id},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    channel = Channel.objects.get(workspace=owner.workspace, network="matrix")
    assert bot.password not in channel.credentials_encrypted
    assert bot.password not in repr(channel.credentials) and channel.credentials["access_token"]

    check = owner_client.post(reverse("channels:check", args=[owner.workspace.slug, channel.id]), follow=True)
    assert "health-active" in check.content.decode()
    provider_for(channel).publish(OutboundPost(text="Nouvelle fournée de croissants à 7 h !"))
    assert "Nouvelle fournée de croissants à 7 h !" in room_texts(synapse, bot, room_id)
