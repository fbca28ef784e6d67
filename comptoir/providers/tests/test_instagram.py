"""Instagram provider against a loopback server answering with the Instagram Graph API's documented responses."""

from collections.abc import Iterator

import pytest

from comptoir.providers import instagram
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
from comptoir.providers.instagram import InstagramProvider
from comptoir.providers.tests.http_fixture import FixtureServer, serve

IG = "17841405822304914"
MEDIA = "17920238422030506"
CONTAINER = "17889455560051444"
LATTE = Media(
    b"", "image/jpeg", alt_text="Un latte en forme de cœur", url="https://cdn.comptoir.example/latte.jpg"
)


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    with serve() as fixture_server:
        yield fixture_server


@pytest.fixture
def provider(server: FixtureServer) -> InstagramProvider:
    settings = {"api_base_url": server.url, "allow_private_network": "1", "ig_user_id": IG}
    return InstagramProvider({"access_token": "EAAGpagetoken"}, settings)


def ready_to_publish(server: FixtureServer) -> None:
    server.on("GET", f"/{IG}/content_publishing_limit", fixture=("instagram", "publishing_limit"))
    server.on("POST", f"/{IG}/media", fixture=("instagram", "container"))
    server.on("GET", f"/{CONTAINER}", fixture=("instagram", "container_finished"))
    server.on("POST", f"/{IG}/media_publish", fixture=("instagram", "media_publish"))
    server.on("GET", f"/{MEDIA}", fixture=("instagram", "permalink"))


def test_connect_finds_the_instagram_account_behind_the_page(server: FixtureServer) -> None:
    server.on("GET", "/oauth/access_token", fixture=("instagram", "long_lived_token"))
    server.on("GET", "/me/accounts", fixture=("instagram", "accounts"))
    connection = InstagramProvider.connect(
        {
            "app_id": "1234",
            "app_secret": "app-secret",
            "code": "the-code",
            "redirect_uri": "https://comptoir.example/cb",
            "api_base_url": server.url,
            "allow_private_network": "1",
        }
    )
    assert (connection.account_id, connection.handle) == (IG, "comptoir.cafe")
    assert connection.credentials == {"access_token": "EAAGpagetoken"}
    assert connection.settings["ig_user_id"] == IG and connection.settings["page_id"] == "103620268767329"
    fields = server.sent("GET", "/me/accounts")[0].param("fields")
    assert "instagram_business_account" in fields


def test_publish_one_image_creates_a_container_then_publishes(
    server: FixtureServer, provider: InstagramProvider
) -> None:
    ready_to_publish(server)
    published = provider.publish(OutboundPost(text="Latte art du jour ☕", media=[LATTE]))
    assert published.remote_id == MEDIA
    assert published.url == "https://www.instagram.com/p/C9xYz1aBcDe/"
    assert server.sent("POST", f"/{IG}/media")[0].form() == {
        "image_url": "https://cdn.comptoir.example/latte.jpg",
        "alt_text": "Un latte en forme de cœur",
        "caption": "Latte art du jour ☕",
    }
    assert server.sent("POST", f"/{IG}/media_publish")[0].form() == {"creation_id": CONTAINER}


def test_publish_carousel(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}/content_publishing_limit", fixture=("instagram", "publishing_limit"))
    server.on("POST", f"/{IG}/media", fixture=("instagram", "container_child_1"))
    server.on("POST", f"/{IG}/media", fixture=("instagram", "container_child_2"))
    server.on("POST", f"/{IG}/media", fixture=("instagram", "container_carousel"))
    server.on("GET", "/18000748627392977", fixture=("instagram", "container_finished"))
    server.on("POST", f"/{IG}/media_publish", fixture=("instagram", "media_publish"))
    server.on("GET", f"/{MEDIA}", fixture=("instagram", "permalink"))
    video = Media(b"", "video/mp4", url="https://cdn.comptoir.example/mousse.mp4")
    provider.publish(OutboundPost(text="Deux vues", media=[LATTE, video]))
    first, second, carousel = (request.form() for request in server.sent("POST", f"/{IG}/media"))
    assert first["is_carousel_item"] == "true" and "caption" not in first
    assert second == {
        "video_url": "https://cdn.comptoir.example/mousse.mp4",
        "media_type": "VIDEO",
        "is_carousel_item": "true",
    }
    assert carousel == {
        "media_type": "CAROUSEL",
        "children": "17899506308402767,18193870522147812",
        "caption": "Deux vues",
    }
    assert server.sent("POST", f"/{IG}/media_publish")[0].form() == {"creation_id": "18000748627392977"}


def test_publish_waits_for_the_container(
    server: FixtureServer, provider: InstagramProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instagram, "CONTAINER_POLL_SECONDS", 0.01)
    server.on("GET", f"/{CONTAINER}", fixture=("instagram", "container_in_progress"))
    ready_to_publish(server)
    provider.publish(OutboundPost(text="Patience", media=[LATTE]))
    assert len(server.sent("GET", f"/{CONTAINER}")) == 2
    assert len(server.sent("POST", f"/{IG}/media_publish")) == 1


def ready_except(server: FixtureServer, method: str, path: str) -> None:
    """Everything a publish needs, except the given route, which the test answers itself."""
    ready_to_publish(server)
    server.routes[(method, path)].clear()


def test_failed_container_is_a_validation_error(server: FixtureServer, provider: InstagramProvider) -> None:
    ready_except(server, "GET", f"/{CONTAINER}")
    server.on("GET", f"/{CONTAINER}", fixture=("instagram", "container_error"))
    with pytest.raises(PermanentError, match="Media download has failed") as caught:
        provider.publish(OutboundPost(text="Oups", media=[LATTE]))
    assert caught.value.reason is PermanentReason.VALIDATION
    assert server.sent("POST", f"/{IG}/media_publish") == []


def test_full_quota_stops_before_creating_containers(
    server: FixtureServer, provider: InstagramProvider
) -> None:
    server.on("GET", f"/{IG}/content_publishing_limit", fixture=("instagram", "publishing_limit_full"))
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Encore", media=[LATTE]))
    assert caught.value.code == "daily_cap"
    assert server.sent("POST", f"/{IG}/media") == []


def test_publish_limit_error_from_media_publish_is_retryable(
    server: FixtureServer, provider: InstagramProvider
) -> None:
    ready_except(server, "POST", f"/{IG}/media_publish")
    server.on("POST", f"/{IG}/media_publish", status=400, fixture=("instagram", "error_publish_limit"))
    with pytest.raises(RetryableError) as caught:
        provider.publish(OutboundPost(text="Encore", media=[LATTE]))
    assert caught.value.code == "9/2207042"


def test_media_without_public_url_is_refused(provider: InstagramProvider) -> None:
    with pytest.raises(PermanentError, match="public URL") as caught:
        provider.publish(OutboundPost(text="Local", media=[Media(b"jpeg", "image/jpeg")]))
    assert caught.value.reason is PermanentReason.VALIDATION


def test_invalid_image_url_is_a_validation_error(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}/content_publishing_limit", fixture=("instagram", "publishing_limit"))
    server.on("POST", f"/{IG}/media", status=400, fixture=("instagram", "error_invalid_image"))
    with pytest.raises(PermanentError, match="could not be fetched") as caught:
        provider.publish(OutboundPost(text="Latte", media=[LATTE]))
    assert caught.value.reason is PermanentReason.VALIDATION


def test_reset_during_media_publish_is_an_unknown_outcome(
    server: FixtureServer, provider: InstagramProvider
) -> None:
    ready_except(server, "POST", f"/{IG}/media_publish")
    server.on("POST", f"/{IG}/media_publish", drop=True)
    with pytest.raises(OutcomeUnknownError):
        provider.publish(OutboundPost(text="Latte", media=[LATTE]))


def test_fetch_inbox_reads_comments_and_replies_without_our_own(
    server: FixtureServer, provider: InstagramProvider
) -> None:
    server.on("GET", f"/{IG}/media", fixture=("instagram", "media_list"))
    server.on("GET", f"/{MEDIA}/comments", fixture=("instagram", "comments"))
    page = provider.fetch_inbox("")
    assert [(item.external_id, item.kind) for item in page.items] == [
        ("17870913679156914", InboxKind.COMMENT),
        ("17870913679156916", InboxKind.REPLY),
    ]
    assert page.items[1].reply_context["thread_comment_id"] == "17870913679156914"
    assert page.items[0].author.handle == "lea.martin"
    assert [skip.external_id for skip in page.skipped] == ["17870913679156917"]
    assert provider.fetch_inbox(page.cursor).items == []


def test_reply_goes_under_the_top_level_comment(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}/media", fixture=("instagram", "media_list"))
    server.on("GET", f"/{MEDIA}/comments", fixture=("instagram", "comments"))
    server.on("POST", "/17870913679156914/replies", fixture=("instagram", "comment_reply"))
    question = provider.fetch_inbox("").items[1]
    published = provider.reply(question, OutboundPost(text="Oui, de 9 h à 13 h !"))
    assert published.remote_id == "17873440459141029"
    assert server.sent("POST", "/17870913679156914/replies")[0].form() == {"message": "Oui, de 9 h à 13 h !"}


def test_hide_and_delete_comment(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("POST", "/17870913679156916", fixture=("instagram", "success"))
    server.on("DELETE", "/17870913679156916", fixture=("instagram", "success"))
    target = ModerationTarget(item_id="17870913679156916")
    provider.moderate(ModerationAction.HIDE, target)
    provider.moderate(ModerationAction.UNHIDE, target)
    provider.moderate(ModerationAction.DELETE, target)
    assert [r.form() for r in server.sent("POST", "/17870913679156916")] == [
        {"hide": "true"},
        {"hide": "false"},
    ]
    assert len(server.sent("DELETE", "/17870913679156916")) == 1


def test_deleting_a_post_is_unsupported(provider: InstagramProvider) -> None:
    with pytest.raises(PermanentError) as caught:
        provider.delete(MEDIA)
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_recent_posts(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}/media", fixture=("instagram", "recent_media"))
    (post,) = provider.recent_posts()
    assert (post.remote_id, post.text) == (MEDIA, "Latte art du jour ☕")


def test_metrics_with_insights(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}", fixture=("instagram", "account_counts"))
    server.on("GET", f"/{MEDIA}", fixture=("instagram", "media_counts"))
    server.on("GET", f"/{MEDIA}/insights", fixture=("instagram", "media_insights"))
    metrics = provider.fetch_metrics([MEDIA])
    assert (metrics.followers, metrics.following, metrics.posts) == (2380, 150, 212)
    post = metrics.per_post[0]
    assert (post.reactions, post.replies, post.impressions) == (154, 3, 3120)


def test_expired_token(server: FixtureServer, provider: InstagramProvider) -> None:
    server.on("GET", f"/{IG}/media", status=400, fixture=("instagram", "error_expired_token"))
    with pytest.raises(PermanentError) as caught:
        provider.recent_posts()
    assert caught.value.reason is PermanentReason.AUTH_REVOKED
