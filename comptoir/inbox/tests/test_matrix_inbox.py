"""On a real Synapse: a fan writes in the brand's room, the sync brings it in, the CM answers from the page."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from nio import AsyncClient, RoomCreateResponse, RoomGetEventResponse, RoomSendResponse

from comptoir.inbox.models import Message, OutboundReply
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.workspaces.models import Membership
from tests.peers.matrix import MatrixUser, SynapsePeer, connect_room_channel

pytestmark = pytest.mark.peers


async def _logged_in(peer: SynapsePeer, user: MatrixUser) -> AsyncClient:
    client = AsyncClient(peer.homeserver, user.user_id)
    await client.login(user.password)
    return client


def create_room_with(peer: SynapsePeer, brand: MatrixUser, fan: MatrixUser) -> str:
    async def main() -> str:
        owner, guest = await _logged_in(peer, brand), await _logged_in(peer, fan)
        try:
            created = await owner.room_create(name="Communauté Fournil", invite=[fan.user_id])
            assert isinstance(created, RoomCreateResponse), created
            await guest.join(created.room_id)
            return str(created.room_id)
        finally:
            await owner.close()
            await guest.close()

    return asyncio.run(main())


def say(peer: SynapsePeer, user: MatrixUser, room_id: str, text: str) -> str:
    async def main() -> str:
        client = await _logged_in(peer, user)
        try:
            sent = await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})
            assert isinstance(sent, RoomSendResponse), sent
            return str(sent.event_id)
        finally:
            await client.close()

    return asyncio.run(main())


def read_event(peer: SynapsePeer, user: MatrixUser, room_id: str, event_id: str) -> dict[str, Any]:
    """The event as the fan's own client receives it."""

    async def main() -> dict[str, Any]:
        client = await _logged_in(peer, user)
        try:
            found = await client.room_get_event(room_id, event_id)
            assert isinstance(found, RoomGetEventResponse), found
            source: dict[str, Any] = found.event.source
            return source
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_fans_message_is_synced_and_answered_from_the_conversation_page(
    owner: Membership, owner_client: Client, synapse: SynapsePeer
) -> None:
    brand, fan = synapse.register_user("fournil"), synapse.register_user("fan")
    room_id = create_room_with(synapse, brand, fan)
    channel = connect_room_channel(owner, synapse, brand, room_id)
    question = say(synapse, fan, room_id, "Bonjour, vous livrez à Montreuil ?")

    report = sync_channel_inbox(channel)
    assert (report.error, report.stored) == ("", 1)
    message = Message.objects.select_related("conversation", "contact").get(external_id=question)
    assert message.text == "Bonjour, vous livrez à Montreuil ?"
    assert message.contact is not None and message.contact.external_id == fan.user_id
    assert sync_channel_inbox(channel).stored == 0

    conversation_url = reverse("inbox:conversation", args=[owner.workspace.slug, message.conversation_id])
    assert "vous livrez à Montreuil" in owner_client.get(conversation_url).content.decode()
    response = owner_client.post(
        reverse("inbox:reply", args=[owner.workspace.slug, message.conversation_id]),
        {"message": message.id, "text": "Oui, le mardi et le vendredi !"},
    )
    assert response.status_code == 302

    reply = OutboundReply.objects.get()
    assert reply.state == OutboundReply.State.SENT, reply.error
    event = read_event(synapse, fan, room_id, reply.remote_id)
    assert event["sender"] == brand.user_id
    content = event["content"]
    assert content["body"] == "Oui, le mardi et le vendredi !"
    assert content["m.relates_to"] == {"m.in_reply_to": {"event_id": question}}
    assert "Oui, le mardi et le vendredi !" in owner_client.get(conversation_url).content.decode()
