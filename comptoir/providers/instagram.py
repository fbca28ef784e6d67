"""Instagram professional accounts through the Instagram Graph API (Facebook Login): two-step publishing with
containers and carousels, the 24-hour publishing quota, comments and replies, hiding, insights."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from comptoir.providers.base import (
    Author,
    Connection,
    InboxItem,
    InboxKind,
    InboxPage,
    Media,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
    PostMetrics,
    ProfileMetrics,
    Provider,
    ProviderError,
    Published,
    RemotePost,
    RetryableError,
    SkippedItem,
)
from comptoir.providers.facebook import (
    exchange_login_code,
    graph_api,
    login_url,
    managed_pages,
    parse_graph_time,
)
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.oauth import TimeCursor, carried_settings, choose_account

logger = logging.getLogger(__name__)

SCOPES = (
    "instagram_basic,instagram_content_publish,instagram_manage_comments,instagram_manage_insights,"
    "pages_show_list,pages_read_engagement,business_management"
)
PAGE_FIELDS = "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}"
COMMENT_FIELDS = (
    "id,text,timestamp,username,from{id,username},replies{id,text,timestamp,username,from{id,username}}"
)
INBOX_MEDIA = 10
CONTAINER_DEADLINE = 120.0
CONTAINER_POLL_SECONDS = 2.0


class InstagramProvider(Provider):
    """One Instagram professional account linked to a Page; calls use that Page's (non-expiring) token."""

    network = "instagram"
    capabilities = CAPABILITIES["instagram"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self.api = graph_api(settings, credentials.get("access_token", ""), "Instagram")
        self.user_id = settings.get("ig_user_id", "")

    @classmethod
    def authorization_url(cls, app_id: str, redirect_uri: str, state: str) -> str:
        return login_url(app_id, redirect_uri, state, SCOPES)

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """params: app_id, app_secret, code, redirect_uri; page_id when several Pages have an Instagram account."""
        settings = carried_settings(params)
        user_token = exchange_login_code(params, settings, "Instagram")
        pages = [
            page
            for page in managed_pages(settings, user_token, PAGE_FIELDS, "Instagram")
            if page.get("instagram_business_account")
        ]
        page = choose_account(pages, params.get("page_id", ""), "Page with an Instagram professional account")
        account = page["instagram_business_account"]
        return Connection(
            account_id=str(account["id"]),
            display_name=str(account.get("name") or account.get("username", "")),
            handle=str(account.get("username", "")),
            credentials={"access_token": str(page["access_token"])},
            settings={**settings, "ig_user_id": str(account["id"]), "page_id": str(page["id"])},
            avatar_url=str(account.get("profile_picture_url", "")),
        )

    def publish(self, post: OutboundPost) -> Published:
        if not post.media:
            raise PermanentError(
                "An Instagram post needs a photo or a video.", reason=PermanentReason.VALIDATION
            )
        if not all(media.url for media in post.media):
            raise PermanentError(
                "Instagram fetches media from a public URL, and this media has none.",
                reason=PermanentReason.VALIDATION,
            )
        self._check_quota()
        if len(post.media) == 1:
            container = self._container(post.media[0], caption=post.text)
        else:
            children = ",".join(self._container(media, carousel_item=True) for media in post.media)
            container = self._create({"media_type": "CAROUSEL", "children": children, "caption": post.text})
        self._wait_until_ready(container)
        # The only irreversible call: a timeout here may have published, so it is never retried blindly.
        media_id = str(
            self.api.json("POST", f"/{self.user_id}/media_publish", data={"creation_id": container})["id"]
        )
        return Published(remote_ids=[media_id], url=self._permalink(media_id), published_at=datetime.now(UTC))

    def delete(self, remote_id: str) -> None:
        raise PermanentError(
            "Instagram's API cannot delete a post; delete it in the Instagram app.",
            reason=PermanentReason.UNSUPPORTED,
        )

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        since = TimeCursor.parse(cursor)
        media_list = self.api.json(
            "GET", f"/{self.user_id}/media", params={"fields": "id,timestamp", "limit": INBOX_MEDIA}
        ).get("data", [])
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        seen: list[tuple[str, float]] = []
        for media in media_list:
            # The comments edge has no `since` filter: the cursor filters here.
            comments = self.api.json(
                "GET", f"/{media['id']}/comments", params={"fields": COMMENT_FIELDS, "limit": 50}
            ).get("data", [])
            for comment in comments:
                replies = (comment.get("replies") or {}).get("data", [])
                for entry, parent in [
                    (comment, ""),
                    *((reply, str(comment.get("id", ""))) for reply in replies),
                ]:
                    try:
                        created = parse_graph_time(entry.get("timestamp"))
                        item = self._inbox_item(entry, created, str(media["id"]), parent)
                    except (KeyError, TypeError, ValueError) as exc:
                        logger.warning("Skipping a malformed Instagram comment: %s", exc)
                        skipped.append(SkippedItem(str(entry.get("id", "")), f"malformed comment: {exc}"))
                        continue
                    seen.append((item.external_id, created.timestamp()))
                    if (
                        since.is_new(item.external_id, created.timestamp())
                        and item.author.external_id != self.user_id
                    ):
                        items.append(item)
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=since.advance(seen).serialize() or cursor, skipped=skipped)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        # Instagram threads have two levels: answers always go under the top-level comment.
        target = item.reply_context.get("thread_comment_id") or item.external_id
        body = self.api.json("POST", f"/{target}/replies", data={"message": post.text})
        return Published(remote_ids=[str(body["id"])], published_at=datetime.now(UTC))

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        body = self.api.json(
            "GET",
            f"/{self.user_id}/media",
            params={"fields": "id,caption,timestamp,permalink", "limit": min(limit, 100)},
        )
        return [
            RemotePost(
                remote_id=str(media["id"]),
                text=str(media.get("caption", "")),
                created_at=parse_graph_time(media.get("timestamp")),
                url=str(media.get("permalink", "")),
            )
            for media in body.get("data", [])
        ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        comment_id = target.item_id or target.reply_context.get("comment_id", "")
        if action in (ModerationAction.HIDE, ModerationAction.UNHIDE):
            hide = "true" if action is ModerationAction.HIDE else "false"
            self.api.json("POST", f"/{comment_id}", data={"hide": hide}, idempotent=True)
        elif action is ModerationAction.DELETE:
            self.api.json("DELETE", f"/{comment_id}")
        else:
            super().moderate(action, target)

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        account = self.api.json(
            "GET", f"/{self.user_id}", params={"fields": "followers_count,follows_count,media_count"}
        )
        per_post = []
        for remote_id in remote_ids:
            counts = self.api.json("GET", f"/{remote_id}", params={"fields": "like_count,comments_count"})
            insights = self.api.json("GET", f"/{remote_id}/insights", params={"metric": "views"}).get(
                "data", []
            )
            views = next(
                (
                    entry["values"][0]["value"]
                    for entry in insights
                    if entry.get("name") == "views" and entry.get("values")
                ),
                None,
            )
            per_post.append(
                PostMetrics(
                    remote_id=remote_id,
                    reactions=int(counts.get("like_count", 0)),
                    replies=int(counts.get("comments_count", 0)),
                    impressions=views,
                )
            )
        return ProfileMetrics(
            followers=account.get("followers_count"),
            following=account.get("follows_count"),
            posts=account.get("media_count"),
            per_post=per_post,
        )

    def _check_quota(self) -> None:
        """Refuse before creating containers when the 24-hour moving window is full (media_publish would)."""
        body = self.api.json(
            "GET", f"/{self.user_id}/content_publishing_limit", params={"fields": "quota_usage,config"}
        )
        usage = (body.get("data") or [{}])[0]
        total = (usage.get("config") or {}).get("quota_total", self.capabilities.daily_post_cap)
        if total is not None and int(usage.get("quota_usage", 0)) >= int(total):
            raise RetryableError(
                f"Instagram allows {total} posts per 24 hours through the API and this account has reached it.",
                code="daily_cap",
            )

    def _container(self, media: Media, *, caption: str = "", carousel_item: bool = False) -> str:
        fields: dict[str, str] = {}
        if media.mime_type.startswith("video/"):
            fields.update(video_url=media.url, media_type="VIDEO" if carousel_item else "REELS")
        else:
            fields["image_url"] = media.url
            if media.alt_text:
                fields["alt_text"] = media.alt_text
        if carousel_item:
            fields["is_carousel_item"] = "true"
        elif caption:
            fields["caption"] = caption
        return self._create(fields)

    def _create(self, fields: Mapping[str, str]) -> str:
        # An unpublished container expires after 24 hours and shows nowhere: creating it again is harmless.
        return str(self.api.json("POST", f"/{self.user_id}/media", data=dict(fields), idempotent=True)["id"])

    def _wait_until_ready(self, container: str) -> None:
        deadline = time.monotonic() + CONTAINER_DEADLINE
        while True:
            status = self.api.json("GET", f"/{container}", params={"fields": "status_code,status"})
            code = status.get("status_code")
            if code in ("FINISHED", "PUBLISHED"):
                return
            if code in ("ERROR", "EXPIRED"):
                raise PermanentError(
                    f"Instagram could not prepare the media ({status.get('status') or code}).",
                    reason=PermanentReason.VALIDATION,
                )
            if time.monotonic() > deadline:
                raise RetryableError("Instagram is still processing the media.", retry_after=60.0)
            time.sleep(CONTAINER_POLL_SECONDS)

    def _permalink(self, media_id: str) -> str:
        # The post is out: failing to read its link must not turn a success into an error.
        try:
            return str(
                self.api.json("GET", f"/{media_id}", params={"fields": "permalink"}).get("permalink", "")
            )
        except ProviderError:
            logger.warning("Published Instagram media %s but could not read its permalink.", media_id)
            return ""

    def _inbox_item(
        self, entry: Mapping[str, Any], created: datetime, media_id: str, parent: str
    ) -> InboxItem:
        author = entry.get("from") or {}
        username = str(author.get("username") or entry.get("username", ""))
        comment_id = str(entry["id"])
        return InboxItem(
            external_id=comment_id,
            kind=InboxKind.REPLY if parent else InboxKind.COMMENT,
            author=Author(
                external_id=str(author.get("id", "")),
                handle=username,
                profile_url=f"https://www.instagram.com/{username}/" if username else "",
            ),
            text=str(entry.get("text", "")),
            created_at=created,
            thread_id=media_id,
            parent_id=parent,
            reply_context={
                "comment_id": comment_id,
                "thread_comment_id": parent or comment_id,
                "media_id": media_id,
            },
        )
