"""Matrix provider against a real Synapse: publish, inbox kinds and cursor, reply, moderation, metrics."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from nio import AsyncClient, RoomCreateResponse

from comptoir.providers.base import (
    InboxKind,
    Media,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
)
from comptoir.providers.http import BlockedAddressError
from comptoir.providers.matrix import MatrixProvider
from tests.peers.matrix import MatrixUser, SynapsePeer

pytestmark = pytest.mark.peers

T = TypeVar("T")
# A 1x1 red PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003"
    "010100c9fe92ef0000000049454e44ae426082"
)


def as_user(peer: SynapsePeer, user: MatrixUser, action: Callable[[AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        client = AsyncClient(peer.homeserver, user.user_id)
        await client.login(user.password)
        try:
            return await action(client)
        finally:
            await client.close()

    return asyncio.run(main())


def api(peer: SynapsePeer, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        peer.homeserver + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def token_of(peer: SynapsePeer, user: MatrixUser) -> str:
    body = {
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user.user_id},
        "password": user.password,
    }
    request = urllib.request.Request(
        peer.homeserver + "/_matrix/client/v3/login",
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["access_token"])


def send(peer: SynapsePeer, user: MatrixUser, room_id: str, content: dict[str, Any]) -> str:
    async def action(client: AsyncClient) -> str:
        response = await client.room_send(room_id, "m.room.message", content)
        assert hasattr(response, "event_id"), response
        return str(response.event_id)

    return as_user(peer, user, action)


def event_as(peer: SynapsePeer, token: str, room_id: str, event_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api(
        peer, token, "GET", f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(event_id)}"
    )
    return result


@dataclass
class Community:
    peer: SynapsePeer
    brand: MatrixUser
    fan: MatrixUser
    spammer: MatrixUser
    room_id: str
    alias: str
    provider: MatrixProvider

    @property
    def fan_token(self) -> str:
        return token_of(self.peer, self.fan)


@pytest.fixture
def community(synapse: SynapsePeer) -> Community:
    brand, fan, spammer = (synapse.register_user(name) for name in ("brand", "fan", "spammer"))
    alias_local = f"community{brand.localpart}"

    async def create(client: AsyncClient) -> str:
        response = await client.room_create(
            name="Communauté Acme", alias=alias_local, invite=[fan.user_id, spammer.user_id]
        )
        assert isinstance(response, RoomCreateResponse), response
        return str(response.room_id)

    room_id = as_user(synapse, brand, create)
    for member in (fan, spammer):
        as_user(synapse, member, lambda client: client.join(room_id))
    connection = MatrixProvider.connect(
        {
            "homeserver": synapse.homeserver,
            "user_id": brand.user_id,
            "password": brand.password,
            "room": f"#{alias_local}:localhost",
            "allow_private_network": "1",
        }
    )
    provider = MatrixProvider(connection.credentials, connection.settings)
    return Community(synapse, brand, fan, spammer, room_id, f"#{alias_local}:localhost", provider)


def test_connect_by_alias_keeps_the_token_never_the_password(
    synapse: SynapsePeer, community: Community
) -> None:
    connection = MatrixProvider.connect(
        {
            "homeserver": synapse.homeserver,
            "user_id": community.brand.user_id,
            "password": community.brand.password,
            "room": community.alias,
            "allow_private_network": "1",
        }
    )
    assert connection.account_id == community.room_id
    assert connection.display_name == "Communauté Acme"
    assert set(connection.credentials) == {"access_token", "device_id"}
    assert community.brand.password not in json.dumps([connection.credentials, connection.settings])
    whoami = api(synapse, connection.credentials["access_token"], "GET", "/_matrix/client/v3/account/whoami")
    assert whoami["user_id"] == community.brand.user_id
    assert whoami["device_id"] == connection.credentials["device_id"]


def test_connect_with_a_wrong_password_is_a_validation_error(synapse: SynapsePeer) -> None:
    user = synapse.register_user("brand")
    with pytest.raises(PermanentError) as caught:
        MatrixProvider.connect(
            {
                "homeserver": synapse.homeserver,
                "user_id": user.user_id,
                "password": "wrong",
                "room": "!nowhere:localhost",
                "allow_private_network": "1",
            }
        )
    assert caught.value.reason is PermanentReason.VALIDATION
    assert "wrong" not in caught.value.message


def test_hide_is_not_a_matrix_action(community: Community) -> None:
    with pytest.raises(PermanentError) as caught:
        community.provider.moderate(ModerationAction.HIDE, ModerationTarget(item_id="$x"))
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_connect_refuses_a_loopback_homeserver_unless_allowed(synapse: SynapsePeer) -> None:
    with pytest.raises(BlockedAddressError):
        MatrixProvider.connect(
            {
                "homeserver": synapse.homeserver,
                "user_id": "@x:localhost",
                "password": "pw",
                "room": "!r:localhost",
            }
        )


def test_publish_text_image_and_thread_read_back_by_a_fan(community: Community) -> None:
    published = community.provider.publish(
        OutboundPost(
            text="Bienvenue dans la communauté !",
            media=[
                Media(content=PNG, mime_type="image/png", alt_text="Un carré rouge", filename="carre.png")
            ],
            thread=[OutboundPost(text="Suite du fil")],
            idempotency_key="post-42",
        )
    )
    assert len(published.remote_ids) == 2
    root, second = published.remote_ids

    async def read(client: AsyncClient) -> list[dict[str, Any]]:
        await client.sync(timeout=0)
        messages = await client.room_messages(community.room_id, start=client.next_batch, limit=20)
        return [event.source for event in messages.chunk if event.source["type"] == "m.room.message"]

    events = {event["event_id"]: event for event in as_user(community.peer, community.fan, read)}
    assert events[root]["content"]["body"] == "Bienvenue dans la communauté !"
    assert events[root]["sender"] == community.brand.user_id
    image = next(e for e in events.values() if e["content"].get("msgtype") == "m.image")
    assert image["content"]["body"] == "Un carré rouge"
    assert image["content"]["url"].startswith("mxc://")
    assert image["content"]["m.relates_to"] == {"rel_type": "m.reference", "event_id": root}
    assert events[second]["content"]["m.relates_to"]["rel_type"] == "m.thread"
    assert events[second]["content"]["m.relates_to"]["event_id"] == root
    assert [post.remote_id for post in community.provider.recent_posts()][:2] == [second, root]


def test_publish_with_the_same_idempotency_key_does_not_post_twice(community: Community) -> None:
    first = community.provider.publish(OutboundPost(text="Une seule fois", idempotency_key="once"))
    again = community.provider.publish(OutboundPost(text="Une seule fois", idempotency_key="once"))
    assert first.remote_ids == again.remote_ids


def test_delete_redacts_the_post_and_its_images(community: Community) -> None:
    published = community.provider.publish(
        OutboundPost(text="Oups", media=[Media(content=PNG, mime_type="image/png", alt_text="carré")])
    )
    community.provider.delete(published.remote_id)
    fan_token = community.fan_token
    assert event_as(community.peer, fan_token, community.room_id, published.remote_id)["content"] == {}
    remaining = [post.text for post in community.provider.recent_posts()]
    assert "Oups" not in remaining


def test_inbox_kinds_and_cursor(community: Community) -> None:
    post = community.provider.publish(OutboundPost(text="Que pensez-vous du nouveau produit ?"))
    cursor = community.provider.fetch_inbox("").cursor
    peer, fan = community.peer, community.fan
    message = send(peer, fan, community.room_id, {"msgtype": "m.text", "body": "Bonjour à tous"})
    reply = send(
        peer,
        fan,
        community.room_id,
        {
            "msgtype": "m.text",
            "body": "> produit\n\nGénial !",
            "m.relates_to": {"m.in_reply_to": {"event_id": post.remote_id}},
        },
    )
    mention = send(
        peer,
        fan,
        community.room_id,
        {
            "msgtype": "m.text",
            "body": "Acme : une question",
            "m.mentions": {"user_ids": [community.brand.user_id]},
        },
    )

    async def direct_message(client: AsyncClient) -> str:
        room = await client.room_create(is_direct=True, invite=[community.brand.user_id])
        assert isinstance(room, RoomCreateResponse)
        sent = await client.room_send(
            room.room_id, "m.room.message", {"msgtype": "m.text", "body": "En privé"}
        )
        return str(sent.event_id)

    dm = as_user(peer, fan, direct_message)
    page = community.provider.fetch_inbox(cursor)
    kinds = {item.external_id: item.kind for item in page.items}
    assert kinds == {
        message: InboxKind.MESSAGE,
        reply: InboxKind.REPLY,
        mention: InboxKind.MENTION,
        dm: InboxKind.DIRECT_MESSAGE,
    }
    by_id = {item.external_id: item for item in page.items}
    assert by_id[reply].parent_id == post.remote_id
    assert by_id[dm].text == "En privé"
    assert by_id[message].author.external_id == fan.user_id
    assert community.provider.fetch_inbox(page.cursor).items == []


def test_reply_lands_in_the_room_with_in_reply_to(community: Community) -> None:
    cursor = community.provider.fetch_inbox("").cursor
    question = send(
        community.peer, community.fan, community.room_id, {"msgtype": "m.text", "body": "Livraison ?"}
    )
    item = next(i for i in community.provider.fetch_inbox(cursor).items if i.external_id == question)
    answer = community.provider.reply(item, OutboundPost(text="Sous 48 h."))
    event = event_as(community.peer, community.fan_token, community.room_id, answer.remote_id)
    assert event["sender"] == community.brand.user_id
    assert event["content"]["body"] == "Sous 48 h."
    assert event["content"]["m.relates_to"] == {"m.in_reply_to": {"event_id": question}}


def test_redact_ban_unban_and_report_a_spammer(community: Community) -> None:
    cursor = community.provider.fetch_inbox("").cursor
    spam = send(
        community.peer, community.spammer, community.room_id, {"msgtype": "m.text", "body": "ACHETEZ"}
    )
    item = next(i for i in community.provider.fetch_inbox(cursor).items if i.external_id == spam)
    target = ModerationTarget(
        item_id=item.external_id,
        author_id=item.author.external_id,
        reason="spam",
        reply_context=item.reply_context,
    )
    community.provider.moderate(ModerationAction.REPORT, target)
    community.provider.moderate(ModerationAction.DELETE, target)
    community.provider.moderate(ModerationAction.BAN, target)

    fan_token = community.fan_token
    redacted = event_as(community.peer, fan_token, community.room_id, spam)
    assert redacted["content"] == {}
    assert redacted["unsigned"]["redacted_because"]["sender"] == community.brand.user_id
    member_path = f"/_matrix/client/v3/rooms/{quote(community.room_id)}/state/m.room.member/" + quote(
        community.spammer.user_id
    )
    assert api(community.peer, fan_token, "GET", member_path)["membership"] == "ban"
    admin = community.peer.register_user("admin", admin=True)
    reports = api(community.peer, token_of(community.peer, admin), "GET", "/_synapse/admin/v1/event_reports")
    assert any(r["event_id"] == spam and r["reason"] == "spam" for r in reports["event_reports"])

    community.provider.moderate(ModerationAction.UNBAN, target)
    assert api(community.peer, fan_token, "GET", member_path)["membership"] == "leave"


def test_kick_removes_a_member(community: Community) -> None:
    community.provider.moderate(ModerationAction.KICK, ModerationTarget(author_id=community.spammer.user_id))
    members = api(
        community.peer,
        community.fan_token,
        "GET",
        f"/_matrix/client/v3/rooms/{quote(community.room_id)}/joined_members",
    )["joined"]
    assert community.spammer.user_id not in members


def test_followers_are_the_joined_members_but_the_account(community: Community) -> None:
    assert community.provider.fetch_metrics().followers == 2


def test_unreadable_event_is_skipped_not_fatal(community: Community) -> None:
    cursor = community.provider.fetch_inbox("").cursor

    async def encrypted(client: AsyncClient) -> str:
        content = {
            "algorithm": "m.megolm.v1.aes-sha2",
            "ciphertext": "AwgAEnAC",
            "session_id": "s",
            "sender_key": "k",
            "device_id": "D",
        }
        response = await client.room_send(community.room_id, "m.room.encrypted", content)
        return str(response.event_id)

    bad = as_user(community.peer, community.fan, encrypted)
    good = send(community.peer, community.fan, community.room_id, {"msgtype": "m.text", "body": "Salut"})
    page = community.provider.fetch_inbox(cursor)
    assert [item.external_id for item in page.items] == [good]
    assert [skipped.external_id for skipped in page.skipped] == [bad]


def test_revoked_token_is_a_permanent_auth_error(community: Community) -> None:
    api(
        community.peer,
        community.provider.credentials["access_token"],
        "POST",
        "/_matrix/client/v3/logout",
        {},
    )
    with pytest.raises(PermanentError) as caught:
        community.provider.fetch_inbox("")
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
