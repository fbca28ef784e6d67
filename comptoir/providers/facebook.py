"""Facebook Pages through the Graph API: Facebook Login page tokens, posts and photos, comments, hiding, insights.

The Graph plumbing here (login code exchange, error codes) serves instagram.py too: both networks sit behind the
same Graph API and Facebook Login.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

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
    Published,
    RemotePost,
    SkippedItem,
)
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.oauth import (
    API_BASE_URL_SETTING,
    ApiFailure,
    JsonApi,
    TimeCursor,
    build_url,
    carried_settings,
    choose_account,
    error_body,
)

logger = logging.getLogger(__name__)

GRAPH_VERSION = "v24.0"
GRAPH_BASE_URL = f"https://graph.facebook.com/{GRAPH_VERSION}"
LOGIN_DIALOG_URL = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
PAGE_SCOPES = (
    "pages_show_list,pages_read_engagement,pages_read_user_content,pages_manage_posts,"
    "pages_manage_engagement,read_insights"
)
# Graph API error codes ("Handling Errors" and "Rate Limiting" pages).
RATE_LIMIT_CODES = {4, 9, 17, 32, 613, *range(80001, 80015)}
AUTH_CODES = {102, 190}
PERMISSION_CODES = {3, 10, 368, *range(200, 300)}
TRANSIENT_CODES = {1, 2}
DUPLICATE_POST_CODE = 506
OBJECT_MISSING_SUBCODE = 33
# Comments are read on the page's latest posts: older posts rarely get new comments, and webhooks cover them.
INBOX_POSTS = 10
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url"


def graph_failure_describer(label: str) -> Callable[[httpx.Response], ApiFailure]:
    """Map {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}} bodies to ApiFailure."""

    def describe(response: httpx.Response) -> ApiFailure:
        error = error_body(response).get("error")
        if not isinstance(error, dict):
            return ApiFailure(f"{label} answered {response.status_code}.")
        code = int(error.get("code") or 0)
        subcode = int(error.get("error_subcode") or 0)
        text = str(error.get("error_user_msg") or error.get("message") or f"error {code}")
        message = f"{label}: {text}"
        code_text = f"{code}/{subcode}" if subcode else str(code)
        if code in RATE_LIMIT_CODES:
            return ApiFailure(
                message, code=code_text, rate_limited=True, retry_after=_regain_access(response)
            )
        if code in AUTH_CODES:
            return ApiFailure(message, code=code_text, auth_revoked=True)
        if code in TRANSIENT_CODES or error.get("is_transient") is True:
            return ApiFailure(message, code=code_text, transient=True)
        if code in PERMISSION_CODES:
            return ApiFailure(message, code=code_text, reason=PermanentReason.FORBIDDEN)
        if code == 100 and subcode == OBJECT_MISSING_SUBCODE:
            return ApiFailure(message, code=code_text, reason=PermanentReason.NOT_FOUND)
        if code == DUPLICATE_POST_CODE:
            return ApiFailure(message, code="duplicate", reason=PermanentReason.VALIDATION)
        return ApiFailure(message, code=code_text, reason=PermanentReason.VALIDATION)

    return describe


def _regain_access(response: httpx.Response) -> float | None:
    """Graph sends no Retry-After; its usage headers give estimated_time_to_regain_access in minutes."""
    minutes: list[float] = []
    for header in ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage"):
        try:
            usage = json.loads(response.headers.get(header, "") or "null")
        except json.JSONDecodeError:
            continue
        if not isinstance(usage, dict):
            continue
        # X-Business-Use-Case-Usage maps object ids to lists of entries; X-App-Usage is one flat entry.
        entries = [entry for group in usage.values() if isinstance(group, list) for entry in group]
        entries.append(usage)
        minutes += [
            float(entry.get("estimated_time_to_regain_access") or 0)
            for entry in entries
            if isinstance(entry, dict)
        ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def graph_api(settings: Mapping[str, str], access_token: str, label: str) -> JsonApi:
    # The token travels in the Authorization header, never in the URL that logs and errors may show.
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return JsonApi(
        settings.get(API_BASE_URL_SETTING) or GRAPH_BASE_URL,
        settings=settings,
        describe_failure=graph_failure_describer(label),
        headers=headers,
    )


def login_url(app_id: str, redirect_uri: str, state: str, scopes: str) -> str:
    """The Facebook Login dialog for a Page-management permission set."""
    return build_url(
        LOGIN_DIALOG_URL,
        {
            "client_id": app_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": scopes,
            "response_type": "code",
        },
    )


def exchange_login_code(params: Mapping[str, str], settings: Mapping[str, str], label: str) -> str:
    """Code -> short-lived user token -> long-lived user token (about 60 days). Page tokens obtained with a
    long-lived user token do not expire, which is what a channel needs."""
    missing = [key for key in ("app_id", "app_secret", "code", "redirect_uri") if not params.get(key)]
    if missing:
        raise PermanentError(f"Missing {', '.join(missing)}.", reason=PermanentReason.VALIDATION)
    api = graph_api(settings, "", label)
    try:
        short = api.json(
            "GET",
            "/oauth/access_token",
            params={
                "client_id": params["app_id"],
                "client_secret": params["app_secret"],
                "redirect_uri": params["redirect_uri"],
                "code": params["code"],
            },
        )
        long_lived = api.json(
            "GET",
            "/oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": params["app_id"],
                "client_secret": params["app_secret"],
                "fb_exchange_token": short["access_token"],
            },
        )
    finally:
        api.close()
    return str(long_lived["access_token"])


def managed_pages(
    settings: Mapping[str, str], user_token: str, fields: str, label: str
) -> list[dict[str, Any]]:
    """GET /me/accounts: the Pages the person manages, each with its Page access token."""
    api = graph_api(settings, user_token, label)
    try:
        pages: list[dict[str, Any]] = api.json("GET", "/me/accounts", params={"fields": fields}).get(
            "data", []
        )
    finally:
        api.close()
    return pages


def parse_graph_time(value: Any) -> datetime:
    """Graph timestamps look like 2024-05-01T09:30:00+0000."""
    if not isinstance(value, str) or not value:
        raise ValueError("no timestamp")
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


class FacebookProvider(Provider):
    """One Facebook Page, acting with its Page access token (settings hold the page id)."""

    network = "facebook"
    capabilities = CAPABILITIES["facebook"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self.api = graph_api(settings, credentials.get("page_access_token", ""), "Facebook")
        self.page_id = settings.get("page_id", "")

    @classmethod
    def authorization_url(cls, app_id: str, redirect_uri: str, state: str) -> str:
        return login_url(app_id, redirect_uri, state, PAGE_SCOPES)

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """params: app_id, app_secret, code, redirect_uri, and page_id when the person manages several Pages."""
        settings = carried_settings(params)
        user_token = exchange_login_code(params, settings, "Facebook")
        pages = managed_pages(settings, user_token, "id,name,access_token,picture{url}", "Facebook")
        page = choose_account(pages, params.get("page_id", ""), "Facebook Page")
        return Connection(
            account_id=str(page["id"]),
            display_name=str(page.get("name", "")),
            handle=str(page.get("name", "")),
            credentials={"page_access_token": str(page["access_token"])},
            settings={**settings, "page_id": str(page["id"])},
            avatar_url=str(((page.get("picture") or {}).get("data") or {}).get("url", "")),
        )

    def publish(self, post: OutboundPost) -> Published:
        images = [media for media in post.media if media.mime_type.startswith("image/")]
        videos = [media for media in post.media if media.mime_type.startswith("video/")]
        if videos and (images or len(videos) > 1):
            raise PermanentError(
                "A Facebook post holds photos or one video, not both.", reason=PermanentReason.VALIDATION
            )
        if videos:
            body = self.api.json(
                "POST",
                f"/{self.page_id}/videos",
                data={"description": post.text},
                files={"source": (videos[0].filename, videos[0].content, videos[0].mime_type)},
            )
            remote_id = str(body["id"])
        elif len(images) == 1:
            body = self.api.json(
                "POST",
                f"/{self.page_id}/photos",
                data={"message": post.text},
                files={"source": (images[0].filename, images[0].content, images[0].mime_type)},
            )
            remote_id = str(body.get("post_id") or body["id"])
        else:
            payload: dict[str, Any] = {"message": post.text}
            if post.link:
                payload["link"] = post.link
            if images:
                # Several photos: upload each unpublished, then attach them all to one feed post.
                payload["attached_media"] = [
                    {"media_fbid": self._unpublished_photo(image)} for image in images
                ]
            remote_id = str(self.api.json("POST", f"/{self.page_id}/feed", json=payload)["id"])
        return Published(
            remote_ids=[remote_id],
            url=f"https://www.facebook.com/{remote_id}",
            published_at=datetime.now(UTC),
        )

    def delete(self, remote_id: str) -> None:
        self.api.json("DELETE", f"/{remote_id}")

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        since = TimeCursor.parse(cursor)
        posts = self.api.json(
            "GET", f"/{self.page_id}/feed", params={"fields": "id,created_time", "limit": INBOX_POSTS}
        ).get("data", [])
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        seen: list[tuple[str, float]] = []
        for post in posts:
            params: dict[str, str | int] = {
                "filter": "stream",
                "order": "chronological",
                "fields": COMMENT_FIELDS,
                "limit": 100,
            }
            if since.time:
                params["since"] = int(since.time)
            for comment in self.api.json("GET", f"/{post['id']}/comments", params=params).get("data", []):
                try:
                    created = parse_graph_time(comment.get("created_time"))
                    comment_id = str(comment["id"])
                except (KeyError, TypeError, ValueError) as exc:
                    logger.warning("Skipping a malformed Facebook comment: %s", exc)
                    skipped.append(SkippedItem(str(comment.get("id", "")), f"malformed comment: {exc}"))
                    continue
                seen.append((comment_id, created.timestamp()))
                author = comment.get("from") or {}
                # The Page's own answers come back in the stream; they are ours, not the inbox's.
                if not since.is_new(comment_id, created.timestamp()) or str(author.get("id")) == self.page_id:
                    continue
                items.append(self._inbox_item(comment, created, str(post["id"])))
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=since.advance(seen).serialize() or cursor, skipped=skipped)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        # Facebook threads have two levels: an answer to a reply goes under the top-level comment.
        target = item.reply_context.get("thread_comment_id") or item.external_id
        payload: dict[str, Any] = {"message": post.text}
        if post.media:
            payload["attachment_id"] = self._unpublished_photo(post.media[0])
        body = self.api.json("POST", f"/{target}/comments", json=payload)
        return Published(remote_ids=[str(body["id"])], published_at=datetime.now(UTC))

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        body = self.api.json(
            "GET",
            f"/{self.page_id}/posts",
            params={"fields": "id,message,created_time,permalink_url", "limit": min(limit, 100)},
        )
        return [
            RemotePost(
                remote_id=str(post["id"]),
                text=str(post.get("message", "")),
                created_at=parse_graph_time(post.get("created_time")),
                url=str(post.get("permalink_url", "")),
            )
            for post in body.get("data", [])
        ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        comment_id = target.item_id or target.reply_context.get("comment_id", "")
        if action in (ModerationAction.HIDE, ModerationAction.UNHIDE):
            hidden = "true" if action is ModerationAction.HIDE else "false"
            self.api.json("POST", f"/{comment_id}", data={"is_hidden": hidden}, idempotent=True)
        elif action is ModerationAction.DELETE:
            self.api.json("DELETE", f"/{comment_id}")
        else:
            super().moderate(action, target)

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        page = self.api.json("GET", f"/{self.page_id}", params={"fields": "followers_count,fan_count"})
        per_post = []
        fields = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
        for remote_id in remote_ids:
            post = self.api.json("GET", f"/{remote_id}", params={"fields": fields})
            per_post.append(
                PostMetrics(
                    remote_id=remote_id,
                    reactions=int(((post.get("reactions") or {}).get("summary") or {}).get("total_count", 0)),
                    replies=int(((post.get("comments") or {}).get("summary") or {}).get("total_count", 0)),
                    reposts=int((post.get("shares") or {}).get("count", 0)),
                )
            )
        return ProfileMetrics(followers=page.get("followers_count"), per_post=per_post)

    def _unpublished_photo(self, image: Media) -> str:
        body = self.api.json(
            "POST",
            f"/{self.page_id}/photos",
            data={"published": "false"},
            files={"source": (image.filename, image.content, image.mime_type)},
            # An unpublished photo is invisible; a retry after a timeout leaves at most an unused upload.
            idempotent=True,
        )
        return str(body["id"])

    def _inbox_item(self, comment: Mapping[str, Any], created: datetime, post_id: str) -> InboxItem:
        author = comment.get("from") or {}
        parent = str((comment.get("parent") or {}).get("id", ""))
        return InboxItem(
            external_id=str(comment["id"]),
            kind=InboxKind.REPLY if parent else InboxKind.COMMENT,
            author=Author(external_id=str(author.get("id", "")), display_name=str(author.get("name", ""))),
            text=str(comment.get("message", "")),
            created_at=created,
            thread_id=post_id,
            parent_id=parent,
            url=str(comment.get("permalink_url", "")),
            reply_context={
                "comment_id": str(comment["id"]),
                "thread_comment_id": parent or str(comment["id"]),
                "post_id": post_id,
            },
        )
