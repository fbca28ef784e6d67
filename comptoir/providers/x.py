"""X (Twitter) through API v2: OAuth 2.0 with PKCE, posts and threads, mentions, hidden replies, public metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
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
    build_url,
    carried_settings,
    error_body,
    oauth_token_failure,
    publish_thread,
    seconds_until,
)

logger = logging.getLogger(__name__)

API_BASE_URL = "https://api.x.com"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
SCOPES = "tweet.read tweet.write tweet.moderate.write users.read media.write offline.access"
TWEET_FIELDS = "created_at,author_id,conversation_id,referenced_tweets,in_reply_to_user_id"
# Mentions come newest first and paginate towards since_id; reading every page keeps the cursor honest, and
# the bound keeps one sync from spending the 15-minute quota (180 requests) on a storm of mentions.
MAX_MENTION_PAGES = 10
CHUNK_BYTES = 4 * 1024 * 1024
MEDIA_PROCESSING_DEADLINE = 120.0


def describe_failure(response: httpx.Response) -> ApiFailure:
    """X answers errors as RFC 7807 problem details ({"title", "detail", "type", "status", "errors"})."""
    token_failure = oauth_token_failure(response, "X")
    if token_failure is not None:
        return token_failure
    body = error_body(response)
    detail = str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict) and errors[0].get("message"):
        detail = f"{detail} {errors[0]['message']}"
    problem = str(body.get("type", ""))
    if response.status_code == 429:
        # x-rate-limit-reset is the 15-minute window; the 24-hour post cap has its own reset header.
        reset = response.headers.get("x-rate-limit-reset")
        if response.headers.get("x-user-limit-24hour-remaining") == "0":
            reset = response.headers.get("x-user-limit-24hour-reset", reset)
        return ApiFailure(
            f"X: {detail}", code="rate_limited", rate_limited=True, retry_after=seconds_until(reset)
        )
    if "duplicate content" in detail:
        return ApiFailure(f"X: {detail}", code="duplicate", reason=PermanentReason.VALIDATION)
    return ApiFailure(f"X: {detail}", code=problem.rsplit("/", 1)[-1])


class XProvider(Provider):
    """One X account, acting with a user's OAuth 2.0 token (settings hold its user id)."""

    network = "x"
    capabilities = CAPABILITIES["x"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self.api = _api(settings, credentials.get("access_token", ""))
        self.user_id = settings.get("user_id", "")

    @classmethod
    def authorization_url(cls, client_id: str, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the person; pair `code_challenge` with the verifier of oauth.pkce_pair()."""
        return build_url(
            AUTHORIZE_URL,
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            },
        )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """Exchange the authorization code: params client_id, code, code_verifier, redirect_uri
        (client_secret for confidential clients)."""
        missing = [
            key for key in ("client_id", "code", "code_verifier", "redirect_uri") if not params.get(key)
        ]
        if missing:
            raise PermanentError(f"Missing {', '.join(missing)}.", reason=PermanentReason.VALIDATION)
        settings = carried_settings(params)
        grant = {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": params["redirect_uri"],
            "code_verifier": params["code_verifier"],
        }
        return _token_connection(settings, params, grant)

    def refresh_credentials(self) -> Connection:
        """Access tokens last two hours; the refresh token is rotated at each use, so store the new one."""
        if not self.credentials.get("refresh_token"):
            raise PermanentError("X gave no refresh token; reconnect.", reason=PermanentReason.AUTH_REVOKED)
        grant = {"grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"]}
        return _token_connection(dict(self.settings), self.credentials, grant)

    def publish(self, post: OutboundPost) -> Published:
        remote_ids = publish_thread(post, self._send)
        return Published(remote_ids=remote_ids, url=self._url(remote_ids[0]), published_at=datetime.now(UTC))

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        remote_ids = publish_thread(post, self._send, first_parent=item.reply_context.get("tweet_id", ""))
        return Published(remote_ids=remote_ids, url=self._url(remote_ids[0]), published_at=datetime.now(UTC))

    def delete(self, remote_id: str) -> None:
        self.api.json("DELETE", f"/2/tweets/{remote_id}")

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        params: dict[str, str | int] = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name,profile_image_url",
        }
        if cursor:
            params["since_id"] = cursor
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        newest = cursor
        for page_number in range(MAX_MENTION_PAGES):
            body = self.api.json("GET", f"/2/users/{self._user_id()}/mentions", params=params)
            meta = body.get("meta") or {}
            if page_number == 0 and meta.get("newest_id"):
                newest = str(meta["newest_id"])
            users = {user.get("id"): user for user in (body.get("includes") or {}).get("users", [])}
            for tweet in body.get("data") or []:
                try:
                    items.append(self._inbox_item(tweet, users))
                except (KeyError, TypeError, ValueError) as exc:
                    logger.warning("Skipping a malformed X mention: %s", exc)
                    skipped.append(SkippedItem(str(tweet.get("id", "")), f"malformed mention: {exc}"))
            next_token = meta.get("next_token")
            # A first sync takes the latest page only; later ones read every page back to the cursor.
            if not next_token or not cursor:
                break
            params["pagination_token"] = str(next_token)
        else:
            logger.warning("More than %d pages of X mentions; older ones are left out.", MAX_MENTION_PAGES)
        items.sort(key=lambda item: int(item.external_id))
        return InboxPage(items=items, cursor=newest, skipped=skipped)

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        body = self.api.json(
            "GET",
            f"/2/users/{self._user_id()}/tweets",
            params={"max_results": max(5, min(limit, 100)), "tweet.fields": "created_at"},
        )
        return [
            RemotePost(
                remote_id=str(tweet["id"]),
                text=str(tweet.get("text", "")),
                created_at=_parse_time(tweet.get("created_at")),
                url=self._url(str(tweet["id"])),
            )
            for tweet in (body.get("data") or [])[:limit]
        ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        tweet_id = target.reply_context.get("tweet_id") or target.item_id
        if action in (ModerationAction.HIDE, ModerationAction.UNHIDE):
            # Only replies to the account's own conversations can be hidden; X answers 403 otherwise.
            self.api.json(
                "PUT", f"/2/tweets/{tweet_id}/hidden", json={"hidden": action is ModerationAction.HIDE}
            )
        elif action is ModerationAction.DELETE:
            self.delete(tweet_id)
        else:
            super().moderate(action, target)

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        user = self.api.json("GET", "/2/users/me", params={"user.fields": "public_metrics"})["data"]
        counts = user.get("public_metrics") or {}
        per_post: list[PostMetrics] = []
        # GET /2/tweets takes up to 100 ids per call.
        for start in range(0, len(remote_ids), 100):
            ids = ",".join(remote_ids[start : start + 100])
            body = self.api.json("GET", "/2/tweets", params={"ids": ids, "tweet.fields": "public_metrics"})
            for tweet in body.get("data") or []:
                metrics = tweet.get("public_metrics") or {}
                per_post.append(
                    PostMetrics(
                        remote_id=str(tweet["id"]),
                        reactions=int(metrics.get("like_count", 0)),
                        replies=int(metrics.get("reply_count", 0)),
                        reposts=int(metrics.get("retweet_count", 0)) + int(metrics.get("quote_count", 0)),
                        impressions=metrics.get("impression_count"),
                    )
                )
        return ProfileMetrics(
            followers=counts.get("followers_count"),
            following=counts.get("following_count"),
            posts=counts.get("tweet_count"),
            per_post=per_post,
        )

    def _send(self, post: OutboundPost, in_reply_to: str) -> str:
        payload: dict[str, Any] = {"text": post.text}
        if post.media:
            payload["media"] = {"media_ids": [self._upload(media) for media in post.media]}
        if in_reply_to:
            payload["reply"] = {"in_reply_to_tweet_id": in_reply_to}
        return str(self.api.json("POST", "/2/tweets", json=payload)["data"]["id"])

    def _upload(self, media: Media) -> str:
        if media.mime_type.startswith("video/"):
            media_id = self._upload_chunked(media)
        else:
            category = "tweet_gif" if media.mime_type == "image/gif" else "tweet_image"
            body = self.api.json(
                "POST",
                "/2/media/upload",
                data={"media_category": category, "media_type": media.mime_type},
                files={"media": (media.filename, media.content, media.mime_type)},
                # An upload creates nothing visible: retrying after a timeout only wastes an unused media id.
                idempotent=True,
            )
            media_id = str(body["data"]["id"])
        if media.alt_text:
            self.api.json(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text}}},
                idempotent=True,
            )
        return media_id

    def _upload_chunked(self, media: Media) -> str:
        init = {
            "command": "INIT",
            "media_type": media.mime_type,
            "total_bytes": str(len(media.content)),
            "media_category": "tweet_video",
        }
        media_id = str(self.api.json("POST", "/2/media/upload", data=init, idempotent=True)["data"]["id"])
        for index, start in enumerate(range(0, len(media.content), CHUNK_BYTES)):
            self.api.request(
                "POST",
                "/2/media/upload",
                data={"command": "APPEND", "media_id": media_id, "segment_index": str(index)},
                files={"media": (media.filename, media.content[start : start + CHUNK_BYTES])},
                idempotent=True,
            )
        body = self.api.json(
            "POST", "/2/media/upload", data={"command": "FINALIZE", "media_id": media_id}, idempotent=True
        )
        deadline = time.monotonic() + MEDIA_PROCESSING_DEADLINE
        info = body["data"].get("processing_info")
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() > deadline:
                raise PermanentError(
                    "X took too long to process the video.", reason=PermanentReason.VALIDATION
                )
            time.sleep(float(info.get("check_after_secs", 1)))
            status = self.api.json(
                "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id}
            )
            info = status["data"].get("processing_info")
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise PermanentError(
                f"X could not process the video: {error.get('message', 'unknown error')}",
                reason=PermanentReason.VALIDATION,
            )
        return media_id

    def _inbox_item(self, tweet: Mapping[str, Any], users: Mapping[Any, Any]) -> InboxItem:
        author_id = str(tweet["author_id"])
        user = users.get(author_id) or {}
        references = tweet.get("referenced_tweets") or []
        parent = next((ref["id"] for ref in references if ref.get("type") == "replied_to"), "")
        created_at = _parse_time(tweet["created_at"])
        if created_at is None:
            raise ValueError("no creation time")
        handle = str(user.get("username", ""))
        return InboxItem(
            external_id=str(tweet["id"]),
            kind=InboxKind.REPLY if parent else InboxKind.MENTION,
            author=Author(
                external_id=author_id,
                handle=handle,
                display_name=str(user.get("name", "")),
                avatar_url=str(user.get("profile_image_url", "")),
                profile_url=f"https://x.com/{handle}" if handle else "",
            ),
            text=str(tweet["text"]),
            created_at=created_at,
            thread_id=str(tweet.get("conversation_id", "")),
            parent_id=str(parent),
            url=f"https://x.com/{handle or 'i'}/status/{tweet['id']}",
            reply_context={"tweet_id": str(tweet["id"]), "author_id": author_id},
        )

    def _user_id(self) -> str:
        if not self.user_id:
            self.user_id = str(self.api.json("GET", "/2/users/me")["data"]["id"])
        return self.user_id

    def _url(self, tweet_id: str) -> str:
        return f"https://x.com/i/status/{tweet_id}"


def _api(settings: Mapping[str, str], access_token: str) -> JsonApi:
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    return JsonApi(
        settings.get(API_BASE_URL_SETTING) or API_BASE_URL,
        settings=settings,
        describe_failure=describe_failure,
        headers=headers,
    )


def _token_connection(
    settings: dict[str, str], client: Mapping[str, str], grant: Mapping[str, str]
) -> Connection:
    """POST /2/oauth2/token, then read the account the token belongs to."""
    client_id = client.get("client_id", "")
    client_secret = client.get("client_secret", "")
    # Confidential clients authenticate with HTTP Basic; public ones send client_id in the body.
    auth = (client_id, client_secret) if client_secret else None
    form = {**grant, "client_id": client_id}
    api = _api(settings, "")
    try:
        token = api.json("POST", "/2/oauth2/token", data=form, auth=auth, idempotent=True)
    finally:
        api.close()
    access_token = str(token["access_token"])
    user_api = _api(settings, access_token)
    try:
        user = user_api.json("GET", "/2/users/me", params={"user.fields": "profile_image_url"})["data"]
    finally:
        user_api.close()
    credentials = {"access_token": access_token, "client_id": client_id}
    if client_secret:
        credentials["client_secret"] = client_secret
    if token.get("refresh_token"):
        credentials["refresh_token"] = str(token["refresh_token"])
    expires_in = token.get("expires_in")
    return Connection(
        account_id=str(user["id"]),
        display_name=str(user.get("name", "")),
        handle=str(user.get("username", "")),
        credentials=credentials,
        settings={**settings, "user_id": str(user["id"])},
        expires_at=datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None,
        avatar_url=str(user.get("profile_image_url", "")),
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
