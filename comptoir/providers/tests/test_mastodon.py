"""Mastodon provider through Mastodon.py against the in-process server of tests/peers/mastodon.py.

Run with `-p tests.peers.mastodon` until the root conftest loads it.
"""

from datetime import UTC, datetime, timedelta

import pytest
from mastodon import Mastodon

from comptoir.providers.base import (
    InboxKind,
    Media,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
    RetryableError,
)
from comptoir.providers.mastodon import MastodonProvider, html_to_text
from tests.peers.mastodon import MastodonState

REDIRECT = "https://comptoir.example/channels/mastodon/callback"


def connect(server: MastodonState, username: str = "brand") -> MastodonProvider:
    private = {"allow_private_network": "1"}
    client_id, client_secret = MastodonProvider.register_app(server.url, REDIRECT, private)
    code = server.approve(client_id, username, REDIRECT)
    connection = MastodonProvider.connect(
        {
            "instance": server.url,
            "client_id": client_id,
            "client_secret": client_secret,
            "code": code,
            "redirect_uri": REDIRECT,
            **private,
        }
    )
    return MastodonProvider(connection.credentials, connection.settings)


def fan_client(server: MastodonState, username: str = "fan") -> Mastodon:
    """A second client, as another person on the server would use it."""
    return Mastodon(
        access_token=server.token_for(username),
        api_base_url=server.url,
        mastodon_version="4.3.0",
        version_check_mode="created",
        ratelimit_method="throw",
    )


@pytest.fixture
def server(mastodon_server: MastodonState) -> MastodonState:
    return mastodon_server


@pytest.fixture
def brand(server: MastodonState) -> MastodonProvider:
    return connect(server)


def test_authorization_url_asks_for_a_code(server: MastodonState) -> None:
    url = MastodonProvider.authorization_url("mastodon.social", "cid", REDIRECT, "st4te")
    assert url.startswith("https://mastodon.social/oauth/authorize?response_type=code&client_id=cid&")
    assert "state=st4te" in url and "scope=read+write" in url


def test_connect_registers_exchanges_the_code_and_reads_limits(server: MastodonState) -> None:
    client_id, client_secret = MastodonProvider.register_app(
        server.url, REDIRECT, {"allow_private_network": "1"}
    )
    assert server.apps[client_id]["redirect_uris"] == [REDIRECT]
    code = server.approve(client_id, "brand", REDIRECT)
    params = {
        "instance": server.url,
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        "allow_private_network": "1",
    }
    connection = MastodonProvider.connect(params)
    brand = server.account("brand")
    assert connection.account_id == brand["id"]
    assert connection.handle == "brand@" + server.url.removeprefix("http://")
    assert server.tokens[connection.credentials["access_token"]] == brand["id"]
    assert connection.settings["max_characters"] == "500"
    assert connection.settings["instance"] == server.url


def test_a_used_code_is_refused(server: MastodonState) -> None:
    client_id, client_secret = MastodonProvider.register_app(
        server.url, REDIRECT, {"allow_private_network": "1"}
    )
    params = {
        "instance": server.url,
        "client_id": client_id,
        "client_secret": client_secret,
        "code": "not-a-code",
        "redirect_uri": REDIRECT,
        "allow_private_network": "1",
    }
    with pytest.raises(PermanentError) as caught:
        MastodonProvider.connect(params)
    assert caught.value.reason is PermanentReason.AUTH_REVOKED


def test_private_server_is_refused_without_opt_in(server: MastodonState) -> None:
    with pytest.raises(PermanentError) as caught:
        MastodonProvider.register_app(server.url, REDIRECT, {})
    assert caught.value.reason is PermanentReason.VALIDATION


def test_publish_with_alt_text_is_readable_by_another_account(
    server: MastodonState, brand: MastodonProvider
) -> None:
    image = Media(content=b"\x89PNG fake", mime_type="image/png", alt_text="Le comptoir au petit matin")
    published = brand.publish(OutboundPost(text="Ouverture à 8 h ! #café", media=[image]))
    status = fan_client(server).status(published.remote_id)
    assert html_to_text(status["content"]) == "Ouverture à 8 h ! #café"
    assert status["media_attachments"][0]["description"] == "Le comptoir au petit matin"
    assert status["account"]["username"] == "brand"


def test_publish_thread_chains_statuses(server: MastodonState, brand: MastodonProvider) -> None:
    published = brand.publish(OutboundPost(text="1/2 Programme", thread=[OutboundPost(text="2/2 Suite")]))
    first, second = published.remote_ids
    assert server.statuses[second]["in_reply_to_id"] == first


def test_idempotency_key_makes_a_retry_return_the_same_status(
    server: MastodonState, brand: MastodonProvider
) -> None:
    post = OutboundPost(text="Une seule fois", idempotency_key="target-42")
    first = brand.publish(post)
    again = brand.publish(post)
    assert again.remote_id == first.remote_id
    assert [s["text"] for s in server.statuses.values()] == ["Une seule fois"]


def test_text_over_the_server_limit_is_refused_before_sending(
    server: MastodonState, brand: MastodonProvider
) -> None:
    with pytest.raises(PermanentError) as caught:
        brand.publish(OutboundPost(text="é" * 501))
    assert caught.value.reason is PermanentReason.VALIDATION
    assert server.statuses == {}


def test_validation_error_from_the_server(server: MastodonState, brand: MastodonProvider) -> None:
    server.fail_next("POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text can't be blank"})
    with pytest.raises(PermanentError) as caught:
        brand.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.VALIDATION
    assert caught.value.message == "Mastodon: Validation failed: Text can't be blank"


def test_revoked_token(server: MastodonState, brand: MastodonProvider) -> None:
    server.tokens.clear()
    with pytest.raises(PermanentError) as caught:
        brand.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert "access token is invalid" in caught.value.message
    assert brand.credentials["access_token"] not in caught.value.message


def test_rate_limit_reports_when_to_retry(server: MastodonState, brand: MastodonProvider) -> None:
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    server.fail_next(
        "POST",
        "/api/v1/statuses",
        429,
        {"error": "Too many requests"},
        **{"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    with pytest.raises(RetryableError) as caught:
        brand.publish(OutboundPost(text="Bonjour"))
    # Mastodon.py corrects the reset by the server's Date header, which has a one-second resolution.
    assert caught.value.retry_after is not None and 280 < caught.value.retry_after <= 302
    assert server.statuses == {}


def test_inbox_maps_mentions_replies_and_direct_messages(
    server: MastodonState, brand: MastodonProvider
) -> None:
    post = brand.publish(OutboundPost(text="Nouvelle carte"))
    fan = fan_client(server)
    fan.status_post("@brand vous ouvrez dimanche ?")
    fan.status_post("@brand miam", in_reply_to_id=post.remote_id)
    fan.status_post("@brand ma commande est en retard", visibility="direct")
    page = brand.fetch_inbox("")
    assert [item.kind for item in page.items] == [
        InboxKind.MENTION,
        InboxKind.REPLY,
        InboxKind.DIRECT_MESSAGE,
    ]
    mention, reply, direct = page.items
    assert mention.text == "@brand vous ouvrez dimanche ?"
    assert mention.author.handle == "fan"
    assert reply.parent_id == post.remote_id
    assert direct.reply_context["visibility"] == "direct"
    assert brand.fetch_inbox(page.cursor).items == []


def test_inbox_cursor_returns_only_newer_items(server: MastodonState, brand: MastodonProvider) -> None:
    fan = fan_client(server)
    fan.status_post("@brand premier")
    first = brand.fetch_inbox("")
    fan.status_post("@brand second")
    second = brand.fetch_inbox(first.cursor)
    assert [item.text for item in second.items] == ["@brand second"]
    assert int(second.cursor) > int(first.cursor)


def test_inbox_skips_a_malformed_notification(server: MastodonState, brand: MastodonProvider) -> None:
    fan_client(server).status_post("@brand bonjour")
    server.notifications[0]["status"] = {"id": "1"}
    page = brand.fetch_inbox("")
    assert page.items == []
    assert page.skipped[0].external_id == server.notifications[0]["id"]
    assert page.cursor == server.notifications[0]["id"]


def test_reply_to_a_direct_message_stays_direct_and_mentions_the_author(
    server: MastodonState, brand: MastodonProvider
) -> None:
    fan_client(server).status_post("@brand ma commande ?", visibility="direct")
    item = brand.fetch_inbox("").items[0]
    published = brand.reply(item, OutboundPost(text="Elle part demain."))
    status = server.statuses[published.remote_id]
    assert status["visibility"] == "direct"
    assert status["text"] == "@fan Elle part demain."
    assert status["in_reply_to_id"] == item.external_id


def test_reply_to_a_remote_mention_uses_the_full_acct(server: MastodonState, brand: MastodonProvider) -> None:
    remote = server.account("lea", "social.example")
    server.post_status(remote, "@brand bonjour depuis ailleurs")
    item = brand.fetch_inbox("").items[0]
    published = brand.reply(item, OutboundPost(text="Bienvenue !"))
    assert server.statuses[published.remote_id]["text"] == "@lea@social.example Bienvenue !"


def test_delete_own_status(server: MastodonState, brand: MastodonProvider) -> None:
    published = brand.publish(OutboundPost(text="Oups"))
    brand.delete(published.remote_id)
    assert published.remote_id not in server.statuses


def test_deleting_someone_elses_status_is_not_found(server: MastodonState, brand: MastodonProvider) -> None:
    other = fan_client(server).status_post("À moi")
    with pytest.raises(PermanentError) as caught:
        brand.moderate(ModerationAction.DELETE, ModerationTarget(item_id=str(other["id"])))
    assert caught.value.reason is PermanentReason.NOT_FOUND
    assert str(other["id"]) in server.statuses


def test_ban_blocks_and_unban_unblocks(server: MastodonState, brand: MastodonProvider) -> None:
    fan = server.account("fan")
    brand_id = server.account("brand")["id"]
    brand.moderate(ModerationAction.BAN, ModerationTarget(author_id=fan["id"]))
    assert server.relationships[(brand_id, fan["id"])]["blocking"] is True
    brand.moderate(ModerationAction.UNBAN, ModerationTarget(author_id=fan["id"]))
    assert server.relationships[(brand_id, fan["id"])]["blocking"] is False


def test_mute(server: MastodonState, brand: MastodonProvider) -> None:
    fan = server.account("fan")
    brand.moderate(ModerationAction.MUTE, ModerationTarget(author_id=fan["id"]))
    assert server.relationships[(server.account("brand")["id"], fan["id"])]["muting"] is True


def test_report_sends_status_and_reason_and_forwards_remote_accounts(
    server: MastodonState, brand: MastodonProvider
) -> None:
    remote = server.account("troll", "spam.example")
    server.post_status(remote, "@brand achetez mes pilules")
    item = brand.fetch_inbox("").items[0]
    target = ModerationTarget(
        item_id=item.external_id,
        author_id=item.author.external_id,
        reason="Spam",
        reply_context=item.reply_context,
    )
    brand.moderate(ModerationAction.REPORT, target)
    report = server.reports[0]
    assert report["target_account"]["id"] == remote["id"]
    assert report["status_ids"] == [item.external_id]
    assert report["comment"] == "Spam"
    assert report["forwarded"] is True


def test_hide_is_unsupported(brand: MastodonProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        brand.moderate(ModerationAction.HIDE, ModerationTarget(item_id="1"))
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_recent_posts_and_metrics(server: MastodonState, brand: MastodonProvider) -> None:
    published = brand.publish(OutboundPost(text="Compteurs"))
    fan_client(server).status_post("@brand top", in_reply_to_id=published.remote_id)
    server.statuses[published.remote_id]["favourites_count"] = 7
    server.account("brand")["followers_count"] = 12
    assert [post.text for post in brand.recent_posts()] == ["Compteurs"]
    metrics = brand.fetch_metrics([published.remote_id, "404404"])
    assert (metrics.followers, metrics.posts) == (12, 1)
    assert [(m.remote_id, m.reactions, m.replies) for m in metrics.per_post] == [(published.remote_id, 7, 1)]


def test_unreachable_server_is_retryable(server: MastodonState) -> None:
    provider = MastodonProvider(
        {"access_token": "t"}, {"instance": "http://127.0.0.1:9", "allow_private_network": "1"}
    )
    with pytest.raises(RetryableError):
        provider.publish(OutboundPost(text="Bonjour"))


def test_html_to_text_keeps_line_breaks_and_entities() -> None:
    html = '<p>Bonjour <span class="h-card"><a href="x">@<span>lea</span></a></span> &amp; merci</p><p>L2<br />L3</p>'
    assert html_to_text(html) == "Bonjour @lea & merci\n\nL2\nL3"
