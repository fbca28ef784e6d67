"""LinkedIn provider against a loopback server answering with the Community Management API's documented
responses."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

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
from comptoir.providers.linkedin import LinkedInProvider, little_text
from comptoir.providers.tests.http_fixture import FixtureServer, load_fixture, serve

ORG = "urn:li:organization:2414183"
POST = "urn:li:share:7250000000000000001"
QUESTION = "urn:li:comment:(urn:li:activity:7250000000000000001,7250000000000000101)"
COMMENTS_PATH = f"/rest/socialActions/{quote(POST, safe='')}/comments"


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve() as fixture_server:
        yield fixture_server


@pytest.fixture
def provider(server: FixtureServer) -> LinkedInProvider:
    settings = {"api_base_url": f"{server.url}/rest", "allow_private_network": "1", "organization_urn": ORG}
    return LinkedInProvider({"access_token": "AQUvlL", "client_id": "cid", "client_secret": "cs"}, settings)


def with_upload_urls(server: FixtureServer, name: str) -> dict[str, object]:
    body = json.dumps(load_fixture("linkedin", name)).replace("UPLOAD_URL", f"{server.url}/dms-uploads/part")
    loaded: dict[str, object] = json.loads(body)
    return loaded


def test_little_text_escapes_reserved_characters() -> None:
    assert little_text("Soirée #jazz (jeudi) @Comptoir_Café ~ 5*") == (
        "Soirée \\#jazz \\(jeudi\\) \\@Comptoir\\_Café \\~ 5\\*"
    )


def test_authorization_url() -> None:
    url = LinkedInProvider.authorization_url("cid", "https://comptoir.example/cb", "st4te")
    assert url.startswith("https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=cid&")
    assert "w_organization_social" in url


def test_connect_exchanges_the_code_and_finds_the_administered_page(server: FixtureServer) -> None:
    server.on("POST", "/oauth/v2/accessToken", fixture=("linkedin", "token"))
    server.on("GET", "/rest/organizationAcls", fixture=("linkedin", "organization_acls"))
    server.on("GET", "/rest/organizations/2414183", fixture=("linkedin", "organization"))
    connection = LinkedInProvider.connect(
        {
            "client_id": "cid",
            "client_secret": "cs",
            "code": "the-code",
            "redirect_uri": "https://comptoir.example/cb",
            "api_base_url": f"{server.url}/rest",
            "oauth_base_url": f"{server.url}/oauth/v2",
            "allow_private_network": "1",
        }
    )
    assert server.sent("POST", "/oauth/v2/accessToken")[0].form() == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "redirect_uri": "https://comptoir.example/cb",
        "client_id": "cid",
        "client_secret": "cs",
    }
    acl_request = server.sent("GET", "/rest/organizationAcls")[0]
    assert acl_request.headers["Authorization"] == "Bearer AQUvlL_DYEzvT2wz1QJiEPeLioeA"
    assert acl_request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert acl_request.headers["LinkedIn-Version"].isdigit()
    assert (connection.account_id, connection.display_name, connection.handle) == (
        ORG,
        "Comptoir Café",
        "comptoir-cafe",
    )
    assert connection.settings["organization_urn"] == ORG
    assert connection.expires_at is not None and (connection.expires_at - datetime.now(UTC)).days == 59


def test_connect_with_an_expired_code(server: FixtureServer) -> None:
    server.on("POST", "/oauth/v2/accessToken", status=400, fixture=("linkedin", "token_invalid_code"))
    with pytest.raises(PermanentError) as caught:
        LinkedInProvider.connect(
            {
                "client_id": "cid",
                "client_secret": "cs",
                "code": "old",
                "redirect_uri": "https://comptoir.example/cb",
                "oauth_base_url": f"{server.url}/oauth/v2",
                "allow_private_network": "1",
            }
        )
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert "cs" not in caught.value.message.split()


def test_refresh_without_refresh_token_has_nothing_to_renew(provider: LinkedInProvider) -> None:
    assert provider.refresh_credentials() is None


def test_refresh_with_refresh_token(server: FixtureServer) -> None:
    server.on("POST", "/oauth/v2/accessToken", fixture=("linkedin", "token_refreshed"))
    settings = {
        "oauth_base_url": f"{server.url}/oauth/v2",
        "allow_private_network": "1",
        "organization_urn": ORG,
    }
    provider = LinkedInProvider(
        {"access_token": "old", "refresh_token": "AQWold", "client_id": "cid"}, settings
    )
    connection = provider.refresh_credentials()
    assert connection is not None
    assert connection.credentials["access_token"] == "AQXnewtoken"
    assert connection.credentials["refresh_token"] == "AQWnewrefresh"
    assert server.sent("POST", "/oauth/v2/accessToken")[0].form()["grant_type"] == "refresh_token"


def test_publish_text_as_the_organization(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("POST", "/rest/posts", status=201, headers={"x-restli-id": POST})
    published = provider.publish(OutboundPost(text="Soirée #jazz jeudi"))
    assert published.remote_id == POST
    assert published.url == f"https://www.linkedin.com/feed/update/{POST}/"
    body = server.sent("POST", "/rest/posts")[0].json()
    assert body["author"] == ORG
    assert body["commentary"] == "Soirée \\#jazz jeudi"
    assert body["lifecycleState"] == "PUBLISHED" and body["visibility"] == "PUBLIC"
    assert "content" not in body


def test_post_accepted_without_an_id_is_an_unknown_outcome(
    server: FixtureServer, provider: LinkedInProvider
) -> None:
    server.on("POST", "/rest/posts", status=201)
    with pytest.raises(OutcomeUnknownError):
        provider.publish(OutboundPost(text="Bonjour"))


def test_publish_image_initializes_uploads_then_posts(
    server: FixtureServer, provider: LinkedInProvider
) -> None:
    server.on("POST", "/rest/images", with_upload_urls(server, "image_upload"))
    server.on("PUT", "/dms-uploads/part", status=201)
    server.on("POST", "/rest/posts", status=201, headers={"x-restli-id": POST})
    image = Media(b"\x89PNG data", "image/png", alt_text="La terrasse")
    provider.publish(OutboundPost(text="Terrasse ouverte", media=[image]))
    init = server.sent("POST", "/rest/images")[0]
    assert init.param("action") == "initializeUpload"
    assert init.json() == {"initializeUploadRequest": {"owner": ORG}}
    assert server.sent("PUT", "/dms-uploads/part")[0].body == b"\x89PNG data"
    assert server.sent("POST", "/rest/posts")[0].json()["content"] == {
        "media": {"id": "urn:li:image:C4E10AQFoyyAjHPMQuQ", "altText": "La terrasse"}
    }


def test_publish_video_uploads_parts_and_finalizes(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("POST", "/rest/videos", with_upload_urls(server, "video_upload"))
    server.on("PUT", "/dms-uploads/part_1", status=200, headers={"ETag": "etag-1"})
    server.on("PUT", "/dms-uploads/part_2", status=200, headers={"ETag": "etag-2"})
    server.on("POST", "/rest/posts", status=201, headers={"x-restli-id": POST})
    provider.publish(
        OutboundPost(text="Visite", media=[Media(b"abcdef", "video/mp4", filename="visite.mp4")])
    )
    assert server.sent("PUT", "/dms-uploads/part_1")[0].body == b"abcd"
    assert server.sent("PUT", "/dms-uploads/part_2")[0].body == b"ef"
    finalize = server.sent("POST", "/rest/videos")[1]
    assert finalize.param("action") == "finalizeUpload"
    assert finalize.json()["finalizeUploadRequest"]["uploadedPartIds"] == ["etag-1", "etag-2"]


def test_fetch_inbox_reads_comments_without_the_organizations_own(
    server: FixtureServer, provider: LinkedInProvider
) -> None:
    server.on("GET", "/rest/posts", fixture=("linkedin", "posts"))
    server.on("GET", COMMENTS_PATH, fixture=("linkedin", "comments"))
    page = provider.fetch_inbox("")
    (question,) = page.items
    assert question.external_id == QUESTION and question.kind is InboxKind.COMMENT
    assert question.text == "Vous recrutez des baristas ?"
    assert question.author.external_id == "urn:li:person:ABC123"
    assert question.created_at == datetime(2025, 11, 20, 9, 30, tzinfo=UTC)
    assert len(page.skipped) == 1
    posts_request = server.sent("GET", "/rest/posts")[0]
    assert posts_request.param("author") == ORG and posts_request.param("q") == "author"
    assert provider.fetch_inbox(page.cursor).items == []


def test_reply_is_a_nested_comment_by_the_organization(
    server: FixtureServer, provider: LinkedInProvider
) -> None:
    server.on("GET", "/rest/posts", fixture=("linkedin", "posts"))
    server.on("GET", COMMENTS_PATH, fixture=("linkedin", "comments"))
    server.on("POST", COMMENTS_PATH, status=201, fixture=("linkedin", "comment_created"))
    question = provider.fetch_inbox("").items[0]
    published = provider.reply(question, OutboundPost(text="Envoyez votre CV !"))
    assert published.remote_id.endswith("7250000000000000110)")
    assert server.sent("POST", COMMENTS_PATH)[0].json() == {
        "actor": ORG,
        "object": POST,
        "message": {"text": "Envoyez votre CV !"},
        "parentComment": QUESTION,
    }


def test_delete_a_comment_as_the_organization(server: FixtureServer, provider: LinkedInProvider) -> None:
    path = f"{COMMENTS_PATH}/7250000000000000101"
    server.on("DELETE", path, status=204)
    target = ModerationTarget(reply_context={"post_urn": POST, "comment_id": "7250000000000000101"})
    provider.moderate(ModerationAction.DELETE, target)
    assert server.sent("DELETE", path)[0].param("actor") == ORG


def test_hide_is_unsupported(provider: LinkedInProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.moderate(ModerationAction.HIDE, ModerationTarget(item_id=QUESTION))
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_delete_post(server: FixtureServer, provider: LinkedInProvider) -> None:
    path = f"/rest/posts/{quote(POST, safe='')}"
    server.on("DELETE", path, status=204)
    provider.delete(POST)
    assert len(server.sent("DELETE", path)) == 1


def test_recent_posts(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("GET", "/rest/posts", fixture=("linkedin", "posts"))
    (post,) = provider.recent_posts()
    assert (post.remote_id, post.text) == (POST, "Nouvelle carte d'automne")


def test_metrics(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on(
        "GET", "/rest/organizationalEntityFollowerStatistics", fixture=("linkedin", "follower_statistics")
    )
    server.on("GET", f"/rest/socialActions/{quote(POST, safe='')}", fixture=("linkedin", "social_actions"))
    metrics = provider.fetch_metrics([POST])
    assert metrics.followers == 18 + 1402 + 37
    assert (metrics.per_post[0].reactions, metrics.per_post[0].replies) == (41, 3)


@pytest.mark.parametrize("fixture", ["error_revoked", "error_expired"])
def test_revoked_or_expired_token(server: FixtureServer, provider: LinkedInProvider, fixture: str) -> None:
    server.on("POST", "/rest/posts", status=401, fixture=("linkedin", fixture))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
    assert caught.value.code in {"REVOKED_ACCESS_TOKEN", "EXPIRED_ACCESS_TOKEN"}


def test_daily_throttle_waits_until_utc_midnight(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("POST", "/rest/posts", status=429, fixture=("linkedin", "error_throttled"))
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    now = datetime.now(UTC)
    to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    assert caught.value.retry_after is not None and abs(caught.value.retry_after - to_midnight) < 5


def test_validation_error(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("POST", "/rest/posts", status=422, fixture=("linkedin", "error_validation"))
    with pytest.raises(PermanentError, match="Maximum length is 3000") as caught:
        provider.publish(OutboundPost(text="x" * 3001))
    assert caught.value.reason is PermanentReason.VALIDATION


def test_missing_permission_is_forbidden(server: FixtureServer, provider: LinkedInProvider) -> None:
    server.on("POST", "/rest/posts", status=403, fixture=("linkedin", "error_forbidden"))
    with pytest.raises(PermanentError) as caught:
        provider.publish(OutboundPost(text="Bonjour"))
    assert caught.value.reason is PermanentReason.FORBIDDEN
