"""LinkedIn organization pages through the Community Management API: 3-legged OAuth, posts with images and
video, comments and replies, comment deletion, follower statistics."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

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
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    PostMetrics,
    ProfileMetrics,
    Provider,
    Published,
    RemotePost,
    SkippedItem,
)
from comptoir.providers.http import retry_after_seconds
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.oauth import (
    API_BASE_URL_SETTING,
    OAUTH_BASE_URL_SETTING,
    ApiFailure,
    JsonApi,
    TimeCursor,
    build_url,
    carried_settings,
    choose_account,
    error_body,
    oauth_token_failure,
)

logger = logging.getLogger(__name__)

API_BASE_URL = "https://api.linkedin.com/rest"
OAUTH_BASE_URL = "https://www.linkedin.com/oauth/v2"
# Versioned APIs live about a year; settings can move to a newer one without a release.
LINKEDIN_VERSION = "202610"
VERSION_SETTING = "linkedin_version"
SCOPES = "r_organization_social w_organization_social rw_organization_admin"
INBOX_POSTS = 10
# "little text" reserves these characters; unescaped, LinkedIn truncates the commentary at the first one.
_LITTLE_TEXT_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")


def little_text(text: str) -> str:
    """Commentary in LinkedIn's little text format: reserved characters escaped with a backslash."""
    return _LITTLE_TEXT_RESERVED.sub(r"\\\1", text)


def describe_failure(response: httpx.Response) -> ApiFailure:
    """LinkedIn errors: {"status", "serviceErrorCode", "code", "message"}; the token endpoint speaks RFC 6749."""
    token_failure = oauth_token_failure(response, "LinkedIn")
    if token_failure is not None:
        return token_failure
    body = error_body(response)
    code = str(body.get("code") or body.get("serviceErrorCode") or response.status_code)
    message = f"LinkedIn: {body.get('message') or f'HTTP {response.status_code}'}"
    if response.status_code == 429:
        # No Retry-After in practice: LinkedIn's quotas are daily and reset at midnight UTC.
        retry_after = retry_after_seconds(response.headers.get("Retry-After")) or _seconds_to_utc_midnight()
        return ApiFailure(message, code=code, rate_limited=True, retry_after=retry_after)
    if code in {"EXPIRED_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN", "INVALID_ACCESS_TOKEN"}:
        return ApiFailure(message, code=code, auth_revoked=True)
    return ApiFailure(message, code=code)


def _seconds_to_utc_midnight() -> float:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


def _urn(value: str) -> str:
    """A URN as a path segment or query value (Rest.li 2.0 wants ':' and friends percent-encoded)."""
    return quote(value, safe="")


class LinkedInProvider(Provider):
    """One LinkedIn organization page, acting through an administrator's member token."""

    network = "linkedin"
    capabilities = CAPABILITIES["linkedin"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self.api = _api(settings, credentials.get("access_token", ""))
        self.organization = settings.get("organization_urn", "")

    @classmethod
    def authorization_url(cls, client_id: str, redirect_uri: str, state: str, scopes: str = SCOPES) -> str:
        return build_url(
            f"{OAUTH_BASE_URL}/authorization",
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": scopes,
            },
        )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """params: client_id, client_secret, code, redirect_uri; organization_id when the member administers
        several pages."""
        required = ("client_id", "client_secret", "code", "redirect_uri")
        missing = [key for key in required if not params.get(key)]
        if missing:
            raise PermanentError(f"Missing {', '.join(missing)}.", reason=PermanentReason.VALIDATION)
        settings = carried_settings(params)
        grant = {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": params["redirect_uri"],
        }
        token = _token(settings, params, grant)
        api = _api(settings, str(token["access_token"]))
        try:
            acls = api.json(
                "GET",
                "/organizationAcls",
                params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
            ).get("elements", [])
            organizations = [
                {"id": str(urn).rsplit(":", 1)[-1], "urn": str(urn)}
                for urn in (acl.get("organization") or acl.get("organizationTarget") for acl in acls)
                if urn
            ]
            chosen = choose_account(organizations, params.get("organization_id", ""), "LinkedIn page")
            organization = api.json("GET", f"/organizations/{chosen['id']}")
        finally:
            api.close()
        return Connection(
            account_id=chosen["urn"],
            display_name=str(organization.get("localizedName", "")),
            handle=str(organization.get("vanityName", "")),
            credentials=_credentials(token, params),
            settings={**settings, "organization_urn": chosen["urn"]},
            expires_at=_expiry(token),
        )

    def refresh_credentials(self) -> Connection | None:
        """Renew with the refresh token. LinkedIn grants refresh tokens to approved partners only; without one
        there is nothing to renew and the channel's expires_at tells the person when to reconnect."""
        if not self.credentials.get("refresh_token"):
            return None
        grant = {"grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"]}
        token = _token(self.settings, self.credentials, grant)
        return Connection(
            account_id=self.organization,
            display_name="",
            handle="",
            credentials=_credentials(token, self.credentials),
            settings=dict(self.settings),
            expires_at=_expiry(token),
        )

    def publish(self, post: OutboundPost) -> Published:
        body: dict[str, Any] = {
            "author": self.organization,
            "commentary": little_text(post.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(post)
        if content:
            body["content"] = content
        response = self.api.request("POST", "/posts", json=body)
        urn = _created_id(response)
        return Published(
            remote_ids=[urn],
            url=f"https://www.linkedin.com/feed/update/{urn}/",
            published_at=datetime.now(UTC),
        )

    def delete(self, remote_id: str) -> None:
        self.api.request("DELETE", f"/posts/{_urn(remote_id)}")

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        since = TimeCursor.parse(cursor)
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        seen: list[tuple[str, float]] = []
        for post in self._posts(INBOX_POSTS):
            post_urn = str(post["id"])
            comments = self.api.json(
                "GET", f"/socialActions/{_urn(post_urn)}/comments", params={"count": 100}
            )
            for comment in comments.get("elements", []):
                try:
                    item = self._inbox_item(comment, post_urn)
                except (KeyError, TypeError, ValueError) as exc:
                    logger.warning("Skipping a malformed LinkedIn comment: %s", exc)
                    skipped.append(
                        SkippedItem(str(comment.get("commentUrn", "")), f"malformed comment: {exc}")
                    )
                    continue
                created = item.created_at.timestamp()
                seen.append((item.external_id, created))
                if since.is_new(item.external_id, created) and item.author.external_id != self.organization:
                    items.append(item)
        items.sort(key=lambda item: item.created_at)
        return InboxPage(items=items, cursor=since.advance(seen).serialize() or cursor, skipped=skipped)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        post_urn = item.reply_context["post_urn"]
        payload = {
            "actor": self.organization,
            "object": post_urn,
            "message": {"text": post.text},
            "parentComment": item.reply_context["comment_urn"],
        }
        response = self.api.request("POST", f"/socialActions/{_urn(post_urn)}/comments", json=payload)
        return Published(remote_ids=[_created_id(response)], published_at=datetime.now(UTC))

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        return [
            RemotePost(
                remote_id=str(post["id"]),
                text=str(post.get("commentary", "")),
                created_at=_from_millis(post.get("createdAt")),
                url=f"https://www.linkedin.com/feed/update/{post['id']}/",
            )
            for post in self._posts(limit)
        ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        if action is not ModerationAction.DELETE:
            super().moderate(action, target)
            return
        context = target.reply_context
        # An organization may delete comments on its own posts, acting as itself.
        path = f"/socialActions/{_urn(context['post_urn'])}/comments/{_urn(context['comment_id'])}"
        self.api.request("DELETE", f"{path}?actor={_urn(self.organization)}")

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        statistics = self.api.json(
            "GET",
            f"/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={_urn(self.organization)}",
        ).get("elements", [])
        followers: int | None = None
        if statistics:
            # Lifetime counts are split by association (employees, everyone else); their sum is the total.
            groups = statistics[0].get("followerCountsByAssociationType", [])
            followers = sum(
                int(counts.get("organicFollowerCount", 0)) + int(counts.get("paidFollowerCount", 0))
                for counts in (group.get("followerCounts") or {} for group in groups)
            )
        per_post = []
        for remote_id in remote_ids:
            social = self.api.json("GET", f"/socialActions/{_urn(remote_id)}")
            per_post.append(
                PostMetrics(
                    remote_id=remote_id,
                    reactions=int((social.get("likesSummary") or {}).get("totalLikes", 0)),
                    replies=int((social.get("commentsSummary") or {}).get("aggregatedTotalComments", 0)),
                )
            )
        return ProfileMetrics(followers=followers, per_post=per_post)

    def _posts(self, count: int) -> list[dict[str, Any]]:
        query = f"q=author&author={_urn(self.organization)}&count={min(count, 100)}&sortBy=LAST_MODIFIED"
        elements: list[dict[str, Any]] = self.api.json("GET", f"/posts?{query}").get("elements", [])
        return elements

    def _content(self, post: OutboundPost) -> dict[str, Any] | None:
        images = [media for media in post.media if media.mime_type.startswith("image/")]
        videos = [media for media in post.media if media.mime_type.startswith("video/")]
        if videos and (images or len(videos) > 1):
            raise PermanentError(
                "A LinkedIn post holds images or one video.", reason=PermanentReason.VALIDATION
            )
        if videos:
            return {
                "media": {"id": self._upload_video(videos[0]), "title": post.subject or videos[0].filename}
            }
        if len(images) == 1:
            return {"media": {"id": self._upload_image(images[0]), "altText": images[0].alt_text}}
        if images:
            return {
                "multiImage": {
                    "images": [
                        {"id": self._upload_image(image), "altText": image.alt_text} for image in images
                    ]
                }
            }
        if post.link:
            return {"article": {"source": post.link, "title": post.subject or post.link}}
        return None

    def _upload_image(self, image: Media) -> str:
        init = self.api.json(
            "POST",
            "/images?action=initializeUpload",
            json={"initializeUploadRequest": {"owner": self.organization}},
            # An image that no post references is never shown: uploading again after a timeout is harmless.
            idempotent=True,
        )["value"]
        self.api.request("PUT", str(init["uploadUrl"]), content=image.content)
        return str(init["image"])

    def _upload_video(self, video: Media) -> str:
        init = self.api.json(
            "POST",
            "/videos?action=initializeUpload",
            json={
                "initializeUploadRequest": {
                    "owner": self.organization,
                    "fileSizeBytes": len(video.content),
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
            idempotent=True,
        )["value"]
        part_ids = []
        for part in init["uploadInstructions"]:
            chunk = video.content[int(part["firstByte"]) : int(part["lastByte"]) + 1]
            uploaded = self.api.request("PUT", str(part["uploadUrl"]), content=chunk)
            part_ids.append(uploaded.headers.get("etag", ""))
        self.api.request(
            "POST",
            "/videos?action=finalizeUpload",
            json={
                "finalizeUploadRequest": {
                    "video": init["video"],
                    "uploadToken": init.get("uploadToken", ""),
                    "uploadedPartIds": part_ids,
                }
            },
            idempotent=True,
        )
        return str(init["video"])

    def _inbox_item(self, comment: Mapping[str, Any], post_urn: str) -> InboxItem:
        created = _from_millis((comment.get("created") or {}).get("time"))
        if created is None:
            raise ValueError("no creation time")
        comment_urn = str(comment["commentUrn"])
        parent = str(comment.get("parentComment") or "")
        return InboxItem(
            external_id=comment_urn,
            kind=InboxKind.REPLY if parent else InboxKind.COMMENT,
            author=Author(external_id=str(comment["actor"])),
            text=str((comment.get("message") or {}).get("text", "")),
            created_at=created,
            thread_id=post_urn,
            parent_id=parent,
            url=f"https://www.linkedin.com/feed/update/{post_urn}/",
            reply_context={
                "post_urn": post_urn,
                "comment_urn": comment_urn,
                "comment_id": str(comment.get("id") or comment_urn),
            },
        )


def _created_id(response: httpx.Response) -> str:
    """Rest.li names a created entity in the x-restli-id header (comments also echo it as commentUrn)."""
    created: str = response.headers.get("x-restli-id", "")
    if not created and response.content:
        try:
            created = str(response.json().get("commentUrn", ""))
        except (ValueError, AttributeError):
            created = ""
    if not created:
        # Accepted (2xx) but unnamed: the reconciler must find it by reading the page back.
        raise OutcomeUnknownError("LinkedIn accepted the request but did not say what it created.")
    return created


def _api(settings: Mapping[str, str], access_token: str, base_url: str = "") -> JsonApi:
    headers = {
        "LinkedIn-Version": settings.get(VERSION_SETTING) or LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
    return JsonApi(
        base_url or settings.get(API_BASE_URL_SETTING) or API_BASE_URL,
        settings=settings,
        describe_failure=describe_failure,
        headers=headers,
    )


def _token(
    settings: Mapping[str, str], client: Mapping[str, str], grant: Mapping[str, str]
) -> dict[str, Any]:
    api = _api(settings, "", base_url=settings.get(OAUTH_BASE_URL_SETTING) or OAUTH_BASE_URL)
    form = {
        **grant,
        "client_id": client.get("client_id", ""),
        "client_secret": client.get("client_secret", ""),
    }
    try:
        token: dict[str, Any] = api.json("POST", "/accessToken", data=form, idempotent=True)
    finally:
        api.close()
    return token


def _credentials(token: Mapping[str, Any], client: Mapping[str, str]) -> dict[str, str]:
    credentials = {
        "access_token": str(token["access_token"]),
        "client_id": client.get("client_id", ""),
        "client_secret": client.get("client_secret", ""),
    }
    refresh = token.get("refresh_token") or client.get("refresh_token")
    if refresh:
        credentials["refresh_token"] = str(refresh)
    return credentials


def _expiry(token: Mapping[str, Any]) -> datetime | None:
    seconds = token.get("expires_in")
    return datetime.now(UTC) + timedelta(seconds=int(seconds)) if seconds else None


def _from_millis(value: Any) -> datetime | None:
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)
