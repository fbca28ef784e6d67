"""X provider against a loopback server answering with X API v2's documented responses."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from comptoir.providers.base import (
    InboxKind,
    Media,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    RetryableError,
)
from comptoir.providers.oauth import pkce_pair
from comptoir.providers.tests.http_fixture import FixtureServer, load_fixture, serve
from comptoir.providers.x import XProvider

USER = "2244994945"


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve() as fixture_server:
        yield fixture_server


@pytest.fixture
def provider(server: FixtureServer) -> XProvider:
    settings = {"api_base_url": server.url, "allow_private_network": "1", "user_id": USER}
    return XProvider(
        {"access_token": "user-token", "refresh_token": "refresh-1", "client_id": "cid"}, settings
    )


def test_authorization_url_carries_the_pkce_challenge() -> None:
    verifier, challenge = pkce_pair()
    url = XProvider.authorization_url("cid", "https://comptoir.example/cb", "st4te", challenge)
    assert url.startswith("https://x.com/i/oauth2/authorize?")
    assert f"code_challenge={challenge}" in url
    assert "code_challenge_method=S256" in url
    assert "offline.access" in url.replace("+", " ").replace("%2B", " ")
    assert challenge != verifier


def test_connect_exchanges_the_code_and_reads_the_account(server: FixtureServer) -> None:
    server.on("POST", "/2/oauth2/token", fixture=("x", "token"))
    server.on("GET", "/2/users/me", fixture=("x", "users_me"))
    connection = XProvider.connect(
        {
            "client_id": "cid",
            "client_secret": "csecret",
            "code": "the-code",
            "code_verifier": "the-verifier",
            "redirect_uri": "https://comptoir.example/cb",
            "api_base_url": server.url,
            "allow_private_network": "1",
        }
    )
    form = server.sent("POST", "/2/oauth2/token")[0].form()
    assert form == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "https://comptoir.example/cb",
        "code_verifier": "the-verifier",
        "client_id": "cid",
    }
    assert server.sent("POST", "/2/oauth2/token")[0].headers["Authorization"].startswith("Basic ")
    me = server.sent("GET", "/2/users/me")[0]
    assert me.headers["Authorization"] == "Bearer VGhpcyBpcyBhbiBleGFtcGxlIGFjY2VzcyB0b2tlbg"
    assert (connection.account_id, connection.handle) == (USER, "comptoircafe")
    assert connection.credentials["refresh_token"].startswith("bWRW")
    assert connection.settings["user_id"] == USER
    assert connection.expires_at is not None and connection.expires_at > datetime.now(UTC)


def test_refresh_stores_the_rotated_refresh_token(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/oauth2/token", fixture=("x", "token_refreshed"))
    server.on("GET", "/2/users/me", fixture=("x", "users_me"))
    connection = provider.refresh_credentials()
    assert server.sent("POST", "/2/oauth2/token")[0].form() == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-1",
        "client_id": "cid",
    }
    assert connection.credentials["access_token"] == "bmV3IGFjY2VzcyB0b2tlbg"
    assert connection.credentials["refresh_token"] == "cm90YXRlZCByZWZyZXNoIHRva2Vu"


def test_refused_refresh_token_means_reconnecting(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/oauth2/token", status=400, fixture=("x", "token_invalid_grant"))
    with pytest.raises(PermanentError) as caught:
        provider.refresh_credentials()
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert "refresh-1" not in str(caught.value)


def test_publish_uploads_media_with_alt_text_then_posts(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/media/upload", fixture=("x", "media_upload"))
    server.on("POST", "/2/media/metadata", fixture=("x", "media_metadata"))
    server.on("POST", "/2/tweets", status=201, fixture=("x", "create_tweet"))
    image = Media(
        content=b"\xff\xd8jpeg", mime_type="image/jpeg", alt_text="Une tasse de café", filename="c.jpg"
    )
    published = provider.publish(OutboundPost(text="Hello world!", media=[image]))
    assert published.remote_id == "1445880548472328192"
    upload = server.sent("POST", "/2/media/upload")[0]
    assert b"\xff\xd8jpeg" in upload.body and b"tweet_image" in upload.body
    assert server.sent("POST", "/2/media/metadata")[0].json() == {
        "id": "1880028106020515840",
        "metadata": {"alt_text": {"text": "Une tasse de café"}},
    }
    assert server.sent("POST", "/2/tweets")[0].json() == {
        "text": "Hello world!",
        "media": {"media_ids": ["1880028106020515840"]},
    }


def test_publish_thread_chains_replies(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/tweets", status=201, fixture=("x", "create_tweet"))
    server.on("POST", "/2/tweets", status=201, fixture=("x", "create_tweet_2"))
    published = provider.publish(OutboundPost(text="Part one", thread=[OutboundPost(text="Part two")]))
    assert published.remote_ids == ["1445880548472328192", "1445880548472328193"]
    second = server.sent("POST", "/2/tweets")[1].json()
    assert second == {"text": "Part two", "reply": {"in_reply_to_tweet_id": "1445880548472328192"}}


def test_failed_thread_part_is_an_unknown_outcome(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/tweets", status=201, fixture=("x", "create_tweet"))
    server.on("POST", "/2/tweets", status=403, fixture=("x", "error_duplicate"))
    with pytest.raises(OutcomeUnknownError, match="1 of 2"):
        provider.publish(OutboundPost(text="Part one", thread=[OutboundPost(text="Part one")]))


def test_fetch_inbox_maps_mentions_and_replies_and_skips_malformed(
    server: FixtureServer, provider: XProvider
) -> None:
    server.on("GET", f"/2/users/{USER}/mentions", fixture=("x", "mentions"))
    page = provider.fetch_inbox("")
    assert page.cursor == "1375152598945312768"
    assert [item.external_id for item in page.items] == ["1375152449594523649", "1375152598945312768"]
    reply, mention = page.items
    assert reply.kind is InboxKind.REPLY and reply.parent_id == "1375150000000000000"
    assert mention.kind is InboxKind.MENTION
    assert mention.author.handle == "leamartin" and mention.author.display_name == "Léa Martin"
    assert mention.created_at == datetime(2021, 3, 25, 18, 33, 18, tzinfo=UTC)
    assert mention.reply_context["tweet_id"] == "1375152598945312768"
    assert [skip.external_id for skip in page.skipped] == ["1375152400000000000"]
    assert "since_id" not in server.sent("GET", f"/2/users/{USER}/mentions")[0].query


def test_fetch_inbox_passes_the_cursor_as_since_id(server: FixtureServer, provider: XProvider) -> None:
    server.on("GET", f"/2/users/{USER}/mentions", fixture=("x", "mentions_empty"))
    page = provider.fetch_inbox("1375152598945312768")
    assert page.items == [] and page.cursor == "1375152598945312768"
    assert server.sent("GET", f"/2/users/{USER}/mentions")[0].param("since_id") == "1375152598945312768"


def test_sync_reads_every_page_back_to_the_cursor_but_a_first_sync_only_one(
    server: FixtureServer, provider: XProvider
) -> None:
    first_page = {
        **load_fixture("x", "mentions"),
        "meta": {
            "result_count": 3,
            "newest_id": "1375152598945312768",
            "next_token": "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        },
    }
    server.on("GET", f"/2/users/{USER}/mentions", first_page)
    server.on("GET", f"/2/users/{USER}/mentions", first_page)
    server.on("GET", f"/2/users/{USER}/mentions", fixture=("x", "mentions_empty"))
    provider.fetch_inbox("")
    assert len(server.sent("GET", f"/2/users/{USER}/mentions")) == 1
    page = provider.fetch_inbox("1375152000000000000")
    requests = server.sent("GET", f"/2/users/{USER}/mentions")
    assert len(requests) == 3
    assert requests[2].param("pagination_token") == "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"
    assert page.cursor == "1375152598945312768"


def test_reply_targets_the_mention(server: FixtureServer, provider: XProvider) -> None:
    server.on("GET", f"/2/users/{USER}/mentions", fixture=("x", "mentions"))
    server.on("POST", "/2/tweets", status=201, fixture=("x", "create_tweet"))
    mention = provider.fetch_inbox("").items[1]
    provider.reply(mention, OutboundPost(text="Oui, de 9 h à 13 h !"))
    assert server.sent("POST", "/2/tweets")[0].json()["reply"] == {
        "in_reply_to_tweet_id": "1375152598945312768"
    }


def test_hide_and_unhide_reply(server: FixtureServer, provider: XProvider) -> None:
    server.on("PUT", "/2/tweets/1375152449594523649/hidden", fixture=("x", "hide_reply"))
    target = ModerationTarget(reply_context={"tweet_id": "1375152449594523649"})
    provider.moderate(ModerationAction.HIDE, target)
    provider.moderate(ModerationAction.UNHIDE, target)
    bodies = [request.json() for request in server.sent("PUT", "/2/tweets/1375152449594523649/hidden")]
    assert bodies == [{"hidden": True}, {"hidden": False}]


def test_hiding_someone_elses_conversation_is_forbidden(server: FixtureServer, provider: XProvider) -> None:
    server.on("PUT", "/2/tweets/1/hidden", status=403, fixture=("x", "error_hide_forbidden"))
    with pytest.raises(PermanentError) as caught:
        provider.moderate(ModerationAction.HIDE, ModerationTarget(item_id="1"))
    assert caught.value.reason is PermanentReason.FORBIDDEN


def test_ban_is_unsupported(provider: XProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.moderate(ModerationAction.BAN, ModerationTarget(author_id="2244994946"))
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_delete(server: FixtureServer, provider: XProvider) -> None:
    server.on("DELETE", "/2/tweets/1445880548472328192", fixture=("x", "delete_tweet"))
    provider.delete("1445880548472328192")
    assert len(server.sent("DELETE", "/2/tweets/1445880548472328192")) == 1


def test_recent_posts(server: FixtureServer, provider: XProvider) -> None:
    server.on("GET", f"/2/users/{USER}/tweets", fixture=("x", "user_tweets"))
    posts = provider.recent_posts(limit=2)
    assert [post.remote_id for post in posts] == ["1445880548472328192", "1445880548472328100"]
    assert posts[1].text == "Nouvelle carte d'automne"
    assert server.sent("GET", f"/2/users/{USER}/tweets")[0].param("max_results") == "5"


def test_metrics(server: FixtureServer, provider: XProvider) -> None:
    server.on("GET", "/2/users/me", fixture=("x", "users_me"))
    server.on("GET", "/2/tweets", fixture=("x", "tweets_metrics"))
    metrics = provider.fetch_metrics(["1445880548472328192"])
    assert (metrics.followers, metrics.following, metrics.posts) == (513958, 2039, 3635)
    post = metrics.per_post[0]
    assert (post.reactions, post.replies, post.reposts, post.impressions) == (10, 2, 4, 450)


def test_expired_token_is_auth_revoked(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/tweets", status=401, fixture=("x", "error_401"))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert "user-token" not in str(caught.value)


def test_rate_limit_waits_until_the_reset(server: FixtureServer, provider: XProvider) -> None:
    reset = int(time.time()) + 600
    server.on(
        "POST",
        "/2/tweets",
        status=429,
        fixture=("x", "error_429"),
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.retry_after is not None and 590 <= caught.value.retry_after <= 600


def test_daily_cap_waits_for_the_24_hour_reset(server: FixtureServer, provider: XProvider) -> None:
    now = int(time.time())
    server.on(
        "POST",
        "/2/tweets",
        status=429,
        fixture=("x", "error_429"),
        headers={
            "x-rate-limit-reset": str(now + 60),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(now + 7200),
        },
    )
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.retry_after is not None and caught.value.retry_after > 7000


def test_validation_error_names_the_problem(server: FixtureServer, provider: XProvider) -> None:
    server.on("POST", "/2/tweets", status=400, fixture=("x", "error_invalid_request"))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.VALIDATION
    assert "Your media IDs are invalid." in caught.value.message
    assert caught.value.code == "invalid-request"


def test_connection_reset_after_sending_a_post_is_an_unknown_outcome(
    server: FixtureServer, provider: XProvider
) -> None:
    server.on("POST", "/2/tweets", drop=True)
    with pytest.raises(OutcomeUnknownError):
        provider.publish(OutboundPost(text="Bonjour"))


def test_server_down_before_sending_is_retryable(provider: XProvider, server: FixtureServer) -> None:
    down = XProvider(
        {"access_token": "t"},
        {"api_base_url": "http://127.0.0.1:9", "allow_private_network": "1", "user_id": USER},
    )
    with pytest.raises(RetryableError):
        down.publish(OutboundPost(text="Bonjour"))
