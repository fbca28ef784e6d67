"""Facebook Pages provider against a loopback server answering with the Graph API's documented responses."""

import json
import logging
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
from comptoir.providers.facebook import FacebookProvider
from comptoir.providers.tests.http_fixture import FixtureServer, serve

PAGE = "103620268767329"
POST = f"{PAGE}_122108476001234567"
FIRST_COMMENT = "122108476001234567_1183746289001"


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve() as fixture_server:
        yield fixture_server


@pytest.fixture
def provider(server: FixtureServer) -> FacebookProvider:
    settings = {"api_base_url": server.url, "allow_private_network": "1", "page_id": PAGE}
    return FacebookProvider({"page_access_token": "EAAGpagetoken"}, settings)


def connect_params(server: FixtureServer, **extra: str) -> dict[str, str]:
    return {
        "app_id": "1234",
        "app_secret": "app-secret",
        "code": "the-code",
        "redirect_uri": "https://comptoir.example/cb",
        "api_base_url": server.url,
        "allow_private_network": "1",
        **extra,
    }


def test_authorization_url_asks_for_page_permissions() -> None:
    url = FacebookProvider.authorization_url("1234", "https://comptoir.example/cb", "st4te")
    assert url.startswith("https://www.facebook.com/v24.0/dialog/oauth?client_id=1234&")
    assert "pages_manage_engagement" in url and "state=st4te" in url


def test_connect_exchanges_for_a_long_lived_token_and_picks_the_page(server: FixtureServer) -> None:
    server.on("GET", "/oauth/access_token", fixture=("facebook", "access_token"))
    server.on("GET", "/oauth/access_token", fixture=("facebook", "long_lived_token"))
    server.on("GET", "/me/accounts", fixture=("facebook", "accounts"))
    connection = FacebookProvider.connect(connect_params(server, page_id=PAGE))
    code_exchange, long_lived = server.sent("GET", "/oauth/access_token")
    assert code_exchange.param("code") == "the-code"
    assert long_lived.param("grant_type") == "fb_exchange_token"
    assert long_lived.param("fb_exchange_token") == "EAAGshortlived"
    assert server.sent("GET", "/me/accounts")[0].headers["Authorization"] == "Bearer EAAGlonglived"
    assert connection.account_id == PAGE and connection.display_name == "Comptoir Café"
    assert connection.credentials == {"page_access_token": "EAAGpagetoken"}
    assert connection.settings["page_id"] == PAGE
    assert connection.expires_at is None


def test_connect_keeps_the_app_secret_and_code_out_of_logs(
    server: FixtureServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.on("GET", "/oauth/access_token", fixture=("facebook", "long_lived_token"))
    server.on("GET", "/me/accounts", fixture=("facebook", "accounts"))
    with caplog.at_level(logging.INFO, logger="httpx"):
        FacebookProvider.connect(connect_params(server, page_id=PAGE))
    assert "/oauth/access_token" in caplog.text
    assert "app-secret" not in caplog.text and "the-code" not in caplog.text
    assert "client_secret=[redacted]" in caplog.text


def test_connect_asks_which_page_when_there_are_several(server: FixtureServer) -> None:
    server.on("GET", "/oauth/access_token", fixture=("facebook", "long_lived_token"))
    server.on("GET", "/me/accounts", fixture=("facebook", "accounts"))
    with pytest.raises(PermanentError, match="Comptoir Café") as caught:
        FacebookProvider.connect(connect_params(server))
    assert caught.value.reason is PermanentReason.VALIDATION


def test_connect_with_a_used_code(server: FixtureServer) -> None:
    server.on("GET", "/oauth/access_token", status=400, fixture=("facebook", "error_bad_code"))
    with pytest.raises(PermanentError, match="authorization code has been used") as caught:
        FacebookProvider.connect(connect_params(server))
    assert "app-secret" not in str(caught.value)


def test_publish_text_with_link(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{PAGE}/feed", fixture=("facebook", "feed_post"))
    published = provider.publish(OutboundPost(text="Nouvelle carte", link="https://comptoir.example/carte"))
    assert published.remote_id == POST
    request = server.sent("POST", f"/{PAGE}/feed")[0]
    assert request.json() == {"message": "Nouvelle carte", "link": "https://comptoir.example/carte"}
    assert request.headers["Authorization"] == "Bearer EAAGpagetoken"


def test_publish_one_photo(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{PAGE}/photos", fixture=("facebook", "photo"))
    published = provider.publish(OutboundPost(text="Le latte", media=[Media(b"\xff\xd8jpeg", "image/jpeg")]))
    assert published.remote_id == f"{PAGE}_122108476001234568"
    body = server.sent("POST", f"/{PAGE}/photos")[0].body
    assert b"\xff\xd8jpeg" in body and b"Le latte" in body


def test_publish_several_photos_attaches_unpublished_uploads(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    server.on("POST", f"/{PAGE}/photos", fixture=("facebook", "unpublished_photo"))
    server.on("POST", f"/{PAGE}/feed", fixture=("facebook", "feed_post"))
    images = [Media(b"one", "image/jpeg"), Media(b"two", "image/png")]
    provider.publish(OutboundPost(text="Deux photos", media=images))
    uploads = server.sent("POST", f"/{PAGE}/photos")
    assert len(uploads) == 2 and all(b'name="published"\r\n\r\nfalse' in upload.body for upload in uploads)
    assert server.sent("POST", f"/{PAGE}/feed")[0].json()["attached_media"] == [
        {"media_fbid": "122108476009876544"},
        {"media_fbid": "122108476009876544"},
    ]


def test_fetch_inbox_reads_comments_skips_the_pages_own_and_malformed(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    server.on("GET", f"/{PAGE}/feed", fixture=("facebook", "feed"))
    server.on("GET", f"/{POST}/comments", fixture=("facebook", "comments"))
    page = provider.fetch_inbox("")
    assert [item.external_id for item in page.items] == [FIRST_COMMENT, "122108476001234567_1183746289003"]
    comment, reply = page.items
    assert comment.kind is InboxKind.COMMENT and comment.author.display_name == "Léa Martin"
    assert comment.created_at == datetime(2026, 11, 20, 10, 15, 3, tzinfo=UTC)
    assert reply.kind is InboxKind.REPLY and reply.reply_context["thread_comment_id"] == FIRST_COMMENT
    assert [skip.external_id for skip in page.skipped] == ["122108476001234567_1183746289004"]
    request = server.sent("GET", f"/{POST}/comments")[0]
    assert request.param("filter") == "stream" and "since" not in request.query


def test_fetch_inbox_with_the_cursor_returns_nothing_twice(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    server.on("GET", f"/{PAGE}/feed", fixture=("facebook", "feed"))
    server.on("GET", f"/{POST}/comments", fixture=("facebook", "comments"))
    first = provider.fetch_inbox("")
    again = provider.fetch_inbox(first.cursor)
    assert again.items == []
    since = server.sent("GET", f"/{POST}/comments")[1].param("since")
    assert since == str(int(datetime(2026, 11, 20, 10, 25, 41, tzinfo=UTC).timestamp()))


def test_reply_to_a_reply_goes_under_the_top_level_comment(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    server.on("GET", f"/{PAGE}/feed", fixture=("facebook", "feed"))
    server.on("GET", f"/{POST}/comments", fixture=("facebook", "comments"))
    server.on("POST", f"/{FIRST_COMMENT}/comments", fixture=("facebook", "comment_reply"))
    reply = provider.fetch_inbox("").items[1]
    published = provider.reply(reply, OutboundPost(text="Avec plaisir !"))
    assert published.remote_id == "122108476001234567_1183746289010"
    assert server.sent("POST", f"/{FIRST_COMMENT}/comments")[0].json() == {"message": "Avec plaisir !"}


def test_hide_unhide_and_delete_a_comment(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{FIRST_COMMENT}", fixture=("facebook", "success"))
    server.on("DELETE", f"/{FIRST_COMMENT}", fixture=("facebook", "success"))
    target = ModerationTarget(reply_context={"comment_id": FIRST_COMMENT})
    provider.moderate(ModerationAction.HIDE, target)
    provider.moderate(ModerationAction.UNHIDE, target)
    provider.moderate(ModerationAction.DELETE, target)
    assert [request.form() for request in server.sent("POST", f"/{FIRST_COMMENT}")] == [
        {"is_hidden": "true"},
        {"is_hidden": "false"},
    ]
    assert len(server.sent("DELETE", f"/{FIRST_COMMENT}")) == 1


def test_delete_a_post(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("DELETE", f"/{POST}", fixture=("facebook", "success"))
    provider.delete(POST)
    assert len(server.sent("DELETE", f"/{POST}")) == 1


def test_recent_posts(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("GET", f"/{PAGE}/posts", fixture=("facebook", "posts"))
    (post,) = provider.recent_posts()
    assert (post.remote_id, post.text) == (POST, "Nouvelle carte d'automne")


def test_metrics(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("GET", f"/{PAGE}", fixture=("facebook", "page_counts"))
    server.on("GET", f"/{POST}", fixture=("facebook", "post_counts"))
    metrics = provider.fetch_metrics([POST])
    assert metrics.followers == 1520
    post = metrics.per_post[0]
    assert (post.reactions, post.replies, post.reposts) == (37, 3, 4)


def test_expired_token_is_auth_revoked(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{PAGE}/feed", status=400, fixture=("facebook", "error_expired_token"))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert caught.value.code == "190/463"
    assert "EAAGpagetoken" not in str(caught.value)


def test_page_rate_limit_uses_the_estimated_time_to_regain_access(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    usage = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 30,
                "estimated_time_to_regain_access": 12,
            }
        ]
    }
    server.on(
        "POST",
        f"/{PAGE}/feed",
        status=400,
        fixture=("facebook", "error_rate_limit"),
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.retry_after == 720


def test_app_rate_limit_without_a_time_to_regain_access(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    app_usage = {"call_count": 100, "total_time": 25, "total_cputime": 25}
    server.on(
        "GET",
        f"/{PAGE}/posts",
        status=403,
        fixture=("facebook", "error_app_limit"),
        headers={"X-App-Usage": json.dumps(app_usage)},
    )
    with pytest.raises(RetryableError) as caught:
        provider.recent_posts()
    assert caught.value.code == "4" and caught.value.retry_after is None


def test_validation_error(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{PAGE}/feed", status=400, fixture=("facebook", "error_validation"))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text=""))
    assert caught.value.reason is PermanentReason.VALIDATION
    assert caught.value.message == "Facebook: (#100) The parameter message is required"


def test_deleted_comment_is_not_found(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("DELETE", "/122108476001234567_1", status=400, fixture=("facebook", "error_missing_object"))
    with pytest.raises(PermanentError) as caught:
        provider.moderate(ModerationAction.DELETE, ModerationTarget(item_id="122108476001234567_1"))
    assert caught.value.reason is PermanentReason.NOT_FOUND


def test_missing_permission_is_forbidden(server: FixtureServer, provider: FacebookProvider) -> None:
    server.on("POST", f"/{FIRST_COMMENT}", status=403, fixture=("facebook", "error_permission"))
    with pytest.raises(PermanentError) as caught:
        provider.moderate(ModerationAction.HIDE, ModerationTarget(item_id=FIRST_COMMENT))
    assert caught.value.reason is PermanentReason.FORBIDDEN


def test_reset_after_sending_a_post_is_an_unknown_outcome(
    server: FixtureServer, provider: FacebookProvider
) -> None:
    server.on("POST", f"/{PAGE}/feed", drop=True)
    with pytest.raises(OutcomeUnknownError):
        provider.publish(OutboundPost(text="Bonjour"))
