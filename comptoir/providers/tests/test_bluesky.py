"""Bluesky provider against a real local AT Protocol network, its effects read back by other clients."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Callable
from typing import TypeVar

import httpx
import pytest
from atproto import Client, models

from comptoir.providers.base import (
    InboxItem,
    InboxKind,
    InboxPage,
    Media,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
)
from comptoir.providers.bluesky import BlueskyProvider
from tests.peers.bluesky import ADMIN_PASSWORD, BlueskyNetwork

pytestmark = pytest.mark.peers

T = TypeVar("T")


class Account:
    def __init__(self, network: BlueskyNetwork, name: str) -> None:
        self.handle, self.password, self.did = network.create_account(name)
        self.client = Client(base_url=network.pds_url)
        self.client.login(self.handle, self.password)


@pytest.fixture(scope="module")
def network(bluesky_network: BlueskyNetwork) -> BlueskyNetwork:
    return bluesky_network


@pytest.fixture(scope="module")
def brand(network: BlueskyNetwork) -> Account:
    return Account(network, "brand")


@pytest.fixture(scope="module")
def fan(network: BlueskyNetwork) -> Account:
    return Account(network, "fan")


@pytest.fixture(scope="module")
def provider(network: BlueskyNetwork, brand: Account) -> BlueskyProvider:
    connection = BlueskyProvider.connect(
        {
            "service": network.pds_url,
            "handle": brand.handle,
            "app_password": brand.password,
            "allow_private_network": "1",
        }
    )
    return BlueskyProvider(connection.credentials, connection.settings)


def wait_for(network: BlueskyNetwork, read: Callable[[], T], what: str, timeout: float = 15.0) -> T:
    """The AppView indexes the PDS firehose asynchronously: flush it, then poll with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        network.process_all()
        value = read()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def record_of(reader: Client, uri: str) -> models.AppBskyFeedPost.Record:
    uri_parts = uri.removeprefix("at://").split("/")
    record: models.AppBskyFeedPost.Record = reader.app.bsky.feed.post.get(uri_parts[0], uri_parts[2]).value
    return record


def indexed_ref(network: BlueskyNetwork, reader: Client, uri: str) -> models.ComAtprotoRepoStrongRef.Main:
    posts = wait_for(network, lambda: reader.get_posts([uri]).posts, f"{uri} in the AppView")
    return models.create_strong_ref(posts[0])


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_connect_keeps_session_tokens_not_the_password(network: BlueskyNetwork, brand: Account) -> None:
    connection = BlueskyProvider.connect(
        {
            "service": network.pds_url,
            "handle": brand.handle,
            "app_password": brand.password,
            "allow_private_network": "1",
        }
    )

    assert connection.account_id == brand.did
    assert connection.handle == brand.handle
    assert set(connection.credentials) == {"did", "handle", "access_jwt", "refresh_jwt", "pds_endpoint"}
    assert brand.password not in connection.credentials.values()
    assert connection.expires_at is not None


def test_refresh_credentials_rotates_tokens(network: BlueskyNetwork, brand: Account) -> None:
    connection = BlueskyProvider.connect(
        {
            "service": network.pds_url,
            "handle": brand.handle,
            "app_password": brand.password,
            "allow_private_network": "1",
        }
    )
    provider = BlueskyProvider(connection.credentials, connection.settings)

    refreshed = provider.refresh_credentials()

    assert refreshed.credentials["refresh_jwt"] != connection.credentials["refresh_jwt"]
    assert BlueskyProvider(refreshed.credentials, refreshed.settings).recent_posts() is not None


def test_revoked_session_is_auth_revoked(network: BlueskyNetwork, brand: Account) -> None:
    connection = BlueskyProvider.connect(
        {
            "service": network.pds_url,
            "handle": brand.handle,
            "app_password": brand.password,
            "allow_private_network": "1",
        }
    )
    httpx.post(
        f"{network.pds_url}/xrpc/com.atproto.server.deleteSession",
        headers={"Authorization": f"Bearer {connection.credentials['refresh_jwt']}"},
    ).raise_for_status()

    with pytest.raises(PermanentError) as raised:
        BlueskyProvider(connection.credentials, connection.settings).refresh_credentials()

    assert raised.value.reason is PermanentReason.AUTH_REVOKED
    assert connection.credentials["refresh_jwt"] not in raised.value.message


def test_publish_builds_facets_with_byte_offsets(provider: BlueskyProvider, fan: Account) -> None:
    text = f"Été 🎉 chez nous, merci @{fan.handle} ! Détails : https://exemple.fr/café #RentréeÉté"

    published = provider.publish(OutboundPost(text=text, idempotency_key="key-facets-1"))

    record = record_of(fan.client, published.remote_id)
    encoded = record.text.encode()
    spans = {
        type(facet.features[0]).__name__: (
            encoded[facet.index.byte_start : facet.index.byte_end].decode(),
            facet.features[0],
        )
        for facet in record.facets or []
    }
    assert spans["Mention"][0] == f"@{fan.handle}"
    assert spans["Mention"][1].did == fan.did
    assert spans["Link"][0] == "https://exemple.fr/café"
    assert spans["Link"][1].uri == "https://exemple.fr/café"
    assert spans["Tag"][0] == "#RentréeÉté"
    assert spans["Tag"][1].tag == "RentréeÉté"


def test_recent_posts_carry_the_idempotency_key(network: BlueskyNetwork, provider: BlueskyProvider) -> None:
    published = provider.publish(OutboundPost(text="Clé de réconciliation", idempotency_key="key-recent-1"))

    posts = wait_for(
        network,
        lambda: [p for p in provider.recent_posts() if p.remote_id == published.remote_id],
        "the post in the author feed",
    )

    assert posts[0].idempotency_key == "key-recent-1"
    assert posts[0].text == "Clé de réconciliation"


def test_publish_image_with_alt_text_and_aspect_ratio(
    network: BlueskyNetwork, provider: BlueskyProvider, fan: Account
) -> None:
    image = Media(content=png(4, 2), mime_type="image/png", alt_text="Un croissant doré", width=4, height=2)

    published = provider.publish(OutboundPost(text="Petit-déjeuner", media=[image]))

    views = wait_for(network, lambda: fan.client.get_posts([published.remote_id]).posts, "the image post")
    embed = views[0].embed
    assert isinstance(embed, models.AppBskyEmbedImages.View)
    assert [view.alt for view in embed.images] == ["Un croissant doré"]
    assert embed.images[0].aspect_ratio is not None
    assert (embed.images[0].aspect_ratio.width, embed.images[0].aspect_ratio.height) == (4, 2)
    stored = record_of(fan.client, published.remote_id).embed
    assert isinstance(stored, models.AppBskyEmbedImages.Main)
    assert stored.images[0].image.mime_type == "image/png"


def test_publish_video_with_alt_text(provider: BlueskyProvider, fan: Account) -> None:
    # The smallest file the PDS sniffs as MP4: a bare `ftyp` box.
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    video = Media(content=mp4, mime_type="video/mp4", alt_text="Démo", width=16, height=9)

    published = provider.publish(OutboundPost(text="En vidéo", media=[video]))

    stored = record_of(fan.client, published.remote_id).embed
    assert isinstance(stored, models.AppBskyEmbedVideo.Main)
    assert (stored.alt, stored.video.mime_type) == ("Démo", "video/mp4")
    assert stored.aspect_ratio is not None and (stored.aspect_ratio.width, stored.aspect_ratio.height) == (
        16,
        9,
    )


def test_publish_refuses_a_fifth_image(provider: BlueskyProvider) -> None:
    image = Media(content=png(1, 1), mime_type="image/png", alt_text="x")

    with pytest.raises(PermanentError) as raised:
        provider.publish(OutboundPost(text="Trop d'images", media=[image] * 5))

    assert raised.value.reason is PermanentReason.VALIDATION


def test_thread_parts_reply_to_the_previous_one(provider: BlueskyProvider, fan: Account) -> None:
    published = provider.publish(
        OutboundPost(text="Fil 1/3", thread=[OutboundPost("Fil 2/3"), OutboundPost("Fil 3/3")])
    )

    first, second, third = published.remote_ids
    assert record_of(fan.client, first).reply is None
    second_reply = record_of(fan.client, second).reply
    third_reply = record_of(fan.client, third).reply
    assert second_reply is not None and third_reply is not None
    assert (second_reply.parent.uri, second_reply.root.uri) == (first, first)
    assert (third_reply.parent.uri, third_reply.root.uri) == (second, first)


def test_inbox_mentions_and_replies_then_cursor(
    network: BlueskyNetwork, provider: BlueskyProvider, brand: Account, fan: Account
) -> None:
    post = provider.publish(OutboundPost(text="Qu'en pensez-vous ?"))
    post_ref = indexed_ref(network, fan.client, post.remote_id)
    reply = fan.client.send_post(
        "Super idée", reply_to=models.AppBskyFeedPost.ReplyRef(parent=post_ref, root=post_ref)
    )
    mention_text = f"Coucou @{brand.handle} 👋"
    mention = fan.client.send_post(mention_text, facets=fan.client.detect_facets(mention_text))
    fan.client.like(post.remote_id, post_ref.cid)

    def first_sync() -> InboxPage | None:
        page = provider.fetch_inbox("")
        return page if len(page.items) >= 2 else None

    page = wait_for(network, first_sync, "the mention and the reply")

    by_uri = {item.external_id: item for item in page.items}
    assert by_uri[reply.uri].kind is InboxKind.REPLY
    assert by_uri[reply.uri].text == "Super idée"
    assert by_uri[reply.uri].author.external_id == fan.did
    assert by_uri[reply.uri].reply_context == {
        "uri": reply.uri,
        "cid": reply.cid,
        "root_uri": post.remote_id,
        "root_cid": post_ref.cid,
        "author_did": fan.did,
    }
    assert by_uri[mention.uri].kind is InboxKind.MENTION
    assert by_uri[mention.uri].reply_context["root_uri"] == mention.uri
    assert set(by_uri) == {reply.uri, mention.uri}  # the like is not an inbox item
    assert provider.fetch_inbox(page.cursor).items == []

    later = fan.client.send_post(
        "Encore moi", reply_to=models.AppBskyFeedPost.ReplyRef(parent=post_ref, root=post_ref)
    )
    network.process_all()
    next_page = provider.fetch_inbox(page.cursor)
    assert [item.external_id for item in next_page.items] == [later.uri]
    assert provider.fetch_inbox(next_page.cursor).items == []


def fan_reply(network: BlueskyNetwork, provider: BlueskyProvider, fan: Account, text: str) -> InboxItem:
    post = provider.publish(OutboundPost(text=f"Sujet pour {text}"))
    ref = indexed_ref(network, fan.client, post.remote_id)
    reply = fan.client.send_post(text, reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref))
    items = wait_for(
        network,
        lambda: [item for item in provider.fetch_inbox("").items if item.external_id == reply.uri],
        f"the reply '{text}'",
    )
    return items[0]


def test_reply_lands_in_the_thread(network: BlueskyNetwork, provider: BlueskyProvider, fan: Account) -> None:
    item = fan_reply(network, provider, fan, "Une question ?")

    published = provider.reply(item, OutboundPost(text="Merci pour la question !"))

    stored = record_of(fan.client, published.remote_id).reply
    assert stored is not None
    assert (stored.parent.uri, stored.parent.cid) == (item.external_id, item.reply_context["cid"])
    assert (stored.root.uri, stored.root.cid) == (
        item.reply_context["root_uri"],
        item.reply_context["root_cid"],
    )
    thread = wait_for(
        network,
        lambda: fan.client.get_post_thread(item.external_id).thread.replies,
        "the brand's answer under the reply",
    )
    assert [reply.post.uri for reply in thread] == [published.remote_id]


def test_delete_removes_the_post(
    network: BlueskyNetwork, provider: BlueskyProvider, brand: Account, fan: Account
) -> None:
    published = provider.publish(OutboundPost(text="Éphémère"))
    wait_for(network, lambda: fan.client.get_posts([published.remote_id]).posts, "the post")

    provider.delete(published.remote_id)

    network.process_all()
    feed = fan.client.get_author_feed(brand.did, limit=100).feed
    assert published.remote_id not in [entry.post.uri for entry in feed]
    assert fan.client.get_posts([published.remote_id]).posts == []


def test_delete_of_someone_elses_post_is_forbidden(
    network: BlueskyNetwork, provider: BlueskyProvider, fan: Account
) -> None:
    item = fan_reply(network, provider, fan, "Pas à toi")

    with pytest.raises(PermanentError) as raised:
        provider.moderate(ModerationAction.DELETE, ModerationTarget(reply_context=item.reply_context))

    assert raised.value.reason is PermanentReason.FORBIDDEN


def test_hide_and_unhide_a_reply(
    network: BlueskyNetwork, provider: BlueskyProvider, brand: Account, fan: Account
) -> None:
    item = fan_reply(network, provider, fan, "Hors sujet")
    root_rkey = item.reply_context["root_uri"].rsplit("/", 1)[1]

    provider.moderate(ModerationAction.HIDE, ModerationTarget(reply_context=item.reply_context))

    gate = fan.client.app.bsky.feed.threadgate.get(brand.did, root_rkey).value
    assert gate.post == item.reply_context["root_uri"]
    assert gate.hidden_replies == [item.external_id]
    assert gate.allow is None  # hiding a reply must not restrict who may reply

    provider.moderate(ModerationAction.UNHIDE, ModerationTarget(reply_context=item.reply_context))

    assert fan.client.app.bsky.feed.threadgate.get(brand.did, root_rkey).value.hidden_replies == []


def test_mute_and_unmute(
    network: BlueskyNetwork, provider: BlueskyProvider, brand: Account, fan: Account
) -> None:
    def muted() -> list[str]:
        return [actor.did for actor in brand.client.app.bsky.graph.get_mutes().mutes]

    provider.moderate(ModerationAction.MUTE, ModerationTarget(author_id=fan.did))

    # Mutes go through bsync to the AppView asynchronously: poll for the state, whichever it is.
    assert wait_for(network, muted, "the mute") == [fan.did]

    provider.moderate(ModerationAction.UNMUTE, ModerationTarget(author_id=fan.did))

    assert wait_for(network, lambda: muted() == [], "the unmute")


def test_ban_blocks_and_unban_unblocks(
    network: BlueskyNetwork, provider: BlueskyProvider, brand: Account, fan: Account
) -> None:
    provider.moderate(ModerationAction.BAN, ModerationTarget(author_id=fan.did))
    provider.moderate(ModerationAction.BAN, ModerationTarget(author_id=fan.did))

    blocks = brand.client.app.bsky.graph.block.list(brand.did).records
    assert [record.subject for record in blocks.values()] == [fan.did]
    blocked = wait_for(network, lambda: brand.client.app.bsky.graph.get_blocks().blocks, "the block")
    assert [actor.did for actor in blocked] == [fan.did]

    provider.moderate(ModerationAction.UNBAN, ModerationTarget(author_id=fan.did))

    assert brand.client.app.bsky.graph.block.list(brand.did).records == {}


def test_report_lands_in_ozone_queue(
    network: BlueskyNetwork, provider: BlueskyProvider, fan: Account
) -> None:
    item = fan_reply(network, provider, fan, "Achetez mes followers")

    provider.moderate(
        ModerationAction.REPORT,
        ModerationTarget(reply_context=item.reply_context, reason="spam: vente de followers"),
    )

    def reported() -> list[dict[str, object]]:
        response = httpx.get(
            f"{network.ozone_url}/xrpc/tools.ozone.moderation.queryStatuses",
            params={"subject": item.external_id},
            auth=("admin", ADMIN_PASSWORD),
        )
        response.raise_for_status()
        statuses: list[dict[str, object]] = response.json()["subjectStatuses"]
        return statuses

    statuses = wait_for(network, reported, "the report in Ozone")
    assert statuses[0]["reviewState"] == "tools.ozone.moderation.defs#reviewOpen"
    assert "report:spam" in statuses[0].get("tags", [])  # type: ignore[operator]


def test_metrics_count_likes_and_followers(
    network: BlueskyNetwork, provider: BlueskyProvider, fan: Account
) -> None:
    published = provider.publish(OutboundPost(text="Aimez-moi"))
    fan.client.like(published.remote_id, indexed_ref(network, fan.client, published.remote_id).cid)
    fan.client.follow(provider.did)
    network.process_all()

    metrics = provider.fetch_metrics([published.remote_id])

    assert metrics.followers == 1
    assert metrics.posts is not None and metrics.posts >= 1
    assert [(m.remote_id, m.reactions, m.replies) for m in metrics.per_post] == [(published.remote_id, 1, 0)]


def test_search_finds_a_post(network: BlueskyNetwork, provider: BlueskyProvider) -> None:
    published = provider.publish(OutboundPost(text="Le mot rarissime zanzibarite"))

    page = wait_for(network, lambda: provider.search("zanzibarite").items, "the search result")

    assert [item.external_id for item in page] == [published.remote_id]
