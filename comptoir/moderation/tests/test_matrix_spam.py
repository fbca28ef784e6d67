"""On a real Synapse: a spam message in a Matrix room is redacted and its sender banned by a rule."""

from __future__ import annotations

import asyncio

import pytest
from nio import RoomGetStateEventResponse

from comptoir.inbox.models import Message
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.inbox.tests.test_matrix_inbox import _logged_in, create_room_with, read_event, say
from comptoir.moderation.models import ActionLog, Rule
from comptoir.moderation.rules import check_condition
from comptoir.workspaces.models import Membership
from tests.peers.matrix import MatrixUser, SynapsePeer, connect_room_channel

pytestmark = pytest.mark.peers


def membership_of(peer: SynapsePeer, reader: MatrixUser, room_id: str, user_id: str) -> str:
    async def main() -> str:
        client = await _logged_in(peer, reader)
        try:
            state = await client.room_get_state_event(room_id, "m.room.member", user_id)
            assert isinstance(state, RoomGetStateEventResponse), state
            return str(state.content["membership"])
        finally:
            await client.close()

    return asyncio.run(main())


def test_a_spam_message_in_a_matrix_room_is_redacted_and_its_sender_banned_by_a_rule(
    owner: Membership, synapse: SynapsePeer
) -> None:
    brand, spammer = synapse.register_user("fournil"), synapse.register_user("spammeur")
    room_id = create_room_with(synapse, brand, spammer)
    channel = connect_room_channel(owner, synapse, brand, room_id)
    Rule.objects.create(
        workspace=owner.workspace,
        name="Spam crypto",
        conditions=[check_condition("keywords", "", "bitcoin gratuit, crypto offerte")],
        actions=[{"type": "delete"}, {"type": "ban"}],
    )
    spam = say(synapse, spammer, room_id, "BITCOIN GRATUIT pour les 100 premiers : http://arnaque.example")

    assert sync_channel_inbox(channel).stored == 1

    message = Message.objects.get(external_id=spam)
    outcomes = {entry.action: entry.outcome for entry in ActionLog.objects.filter(message=message)}
    assert outcomes == {"delete": ActionLog.Outcome.DONE, "ban": ActionLog.Outcome.DONE}
    event = read_event(synapse, brand, room_id, spam)
    assert event["content"] == {}
    assert "redacted_because" in event.get("unsigned", {})
    assert membership_of(synapse, brand, room_id, spammer.user_id) == "ban"
    rule = Rule.objects.get()
    assert (rule.matches_count, rule.actions_count) == (1, 2)
