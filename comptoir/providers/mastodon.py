"""Mastodon through Mastodon.py: OAuth app + code flow, statuses and threads, mentions and DMs, blocks, reports."""

from __future__ import annotations

import contextlib
import html
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonIllegalArgumentError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

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
    ProviderError,
    Published,
    RemotePost,
    RetryableError,
    SkippedItem,
)
from comptoir.providers.http import USER_AGENT, BlockedAddressError, allow_private_from, resolve_public
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.oauth import build_url, carried_settings, publish_thread
from comptoir.providers.text_length import count_length

logger = logging.getLogger(__name__)

SCOPES = ["read", "write"]
REQUEST_TIMEOUT = 20.0
# The documented maximum page size of GET /api/v1/notifications.
NOTIFICATIONS_PAGE = 80
# Pinning the version keeps Mastodon.py from probing /api/v1/instance before every session.
ASSUMED_SERVER_VERSION = "4.3.0"
MEDIA_PROCESSING_DEADLINE = 120.0


class MastodonProvider(Provider):
    """One account on one Mastodon server; settings hold the server URL and its live text limits."""

    network = "mastodon"
    capabilities = CAPABILITIES["mastodon"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self.api = _client(settings, access_token=credentials.get("access_token"))
        self.account_id = settings.get("account_id", "")

    @classmethod
    def register_app(cls, instance: str, redirect_uri: str, settings: Mapping[str, str]) -> tuple[str, str]:
        """Register Comptoir on the server (POST /api/v1/apps): the client id and secret for `connect`."""
        with _mapped_errors(None, idempotent=True):
            client_id, client_secret = Mastodon.create_app(
                "Comptoir",
                scopes=SCOPES,
                redirect_uris=redirect_uri,
                website="https://comptoir.social",
                api_base_url=_base_url(instance),
                request_timeout=REQUEST_TIMEOUT,
                session=_session(settings),
                user_agent=USER_AGENT,
            )
        return str(client_id), str(client_secret)

    @classmethod
    def authorization_url(cls, instance: str, client_id: str, redirect_uri: str, state: str) -> str:
        """Where to send the person to approve access (GET /oauth/authorize)."""
        return build_url(
            f"{_base_url(instance)}/oauth/authorize",
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
            },
        )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """Exchange the code: params instance, client_id, client_secret, code, redirect_uri."""
        required = ("instance", "client_id", "client_secret", "code", "redirect_uri")
        missing = [key for key in required if not params.get(key)]
        if missing:
            raise PermanentError(f"Missing {', '.join(missing)}.", reason=PermanentReason.VALIDATION)
        instance = _base_url(params["instance"])
        settings = {**carried_settings(params), "instance": instance}
        api = _client(settings, client_id=params["client_id"], client_secret=params["client_secret"])
        with _mapped_errors(api, idempotent=True):
            try:
                access_token = api.log_in(
                    code=params["code"],
                    redirect_uri=params["redirect_uri"],
                    scopes=SCOPES,
                    allow_http=allow_private_from(settings),
                )
            except MastodonIllegalArgumentError:
                # Mastodon.py folds every token-endpoint refusal (expired code, wrong redirect) into this error.
                raise PermanentError(
                    "The Mastodon server refused the authorisation code; connect again.",
                    reason=PermanentReason.AUTH_REVOKED,
                ) from None
            account: Any = api.account_verify_credentials()
            instance_info: Any = api.instance_v2()
        statuses = ((instance_info.get("configuration") or {}).get("statuses")) or {}
        limits = {
            key: str(statuses[key])
            for key in ("max_characters", "characters_reserved_per_url")
            if isinstance(statuses.get(key), int)
        }
        return Connection(
            account_id=str(account["id"]),
            display_name=str(account.get("display_name") or account["username"]),
            handle=f"{account['username']}@{urlsplit(instance).netloc}",
            credentials={
                "access_token": str(access_token),
                "client_id": params["client_id"],
                "client_secret": params["client_secret"],
            },
            settings={**settings, **limits, "account_id": str(account["id"])},
            avatar_url=str(account.get("avatar") or ""),
        )

    def publish(self, post: OutboundPost) -> Published:
        parts = [post, *post.thread]
        for part in parts:
            self._check_length(part.text)
        remote_ids = publish_thread(post, self._sender(post.idempotency_key, visibility="public"))
        return Published(
            remote_ids=remote_ids, url=self._url_of(remote_ids[0]), published_at=datetime.now(UTC)
        )

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        context = item.reply_context
        acct = context.get("acct", "")
        # Mastodon only notifies (and, for a DM, only addresses) the accounts mentioned in the text.
        text = post.text if not acct or f"@{acct}" in post.text else f"@{acct} {post.text}"
        addressed = OutboundPost(
            text=text, media=post.media, thread=post.thread, idempotency_key=post.idempotency_key
        )
        self._check_length(addressed.text)
        visibility = "direct" if context.get("visibility") == "direct" else "public"
        send = self._sender(post.idempotency_key, visibility=visibility)
        remote_ids = publish_thread(addressed, send, first_parent=context.get("status_id", ""))
        return Published(
            remote_ids=remote_ids, url=self._url_of(remote_ids[0]), published_at=datetime.now(UTC)
        )

    def delete(self, remote_id: str) -> None:
        with _mapped_errors(self.api, idempotent=True):
            self.api.status_delete(remote_id)

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        # min_id pages forward from the cursor without gaps (since_id would return the newest page and skip
        # whatever lies between); an empty cursor takes the latest page.
        with _mapped_errors(self.api, idempotent=True):
            notifications: Any = self.api.notifications(
                types=["mention"], min_id=cursor or None, limit=NOTIFICATIONS_PAGE
            )
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        newest = cursor
        for notification in notifications:
            notification_id = str(notification.get("id", ""))
            if notification_id and (not newest or _id_after(notification_id, newest)):
                newest = notification_id
            try:
                items.append(self._inbox_item(notification))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                logger.warning("Skipping a malformed Mastodon notification %s: %s", notification_id, exc)
                skipped.append(SkippedItem(notification_id, f"malformed notification: {exc}"))
        items.sort(key=lambda item: int(item.reply_context["notification_id"]))
        has_more = bool(cursor) and len(notifications) >= NOTIFICATIONS_PAGE
        return InboxPage(items=items, cursor=newest, skipped=skipped, has_more=has_more)

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        with _mapped_errors(self.api, idempotent=True):
            statuses: Any = self.api.account_statuses(self._account_id(), limit=min(limit, 40))
        return [
            RemotePost(
                remote_id=str(status["id"]),
                text=html_to_text(status.get("content") or ""),
                created_at=_as_datetime(status.get("created_at")),
                url=str(status.get("url") or ""),
            )
            for status in statuses
        ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        status_id = target.item_id or target.reply_context.get("status_id", "")
        account_id = target.author_id or target.reply_context.get("account_id", "")
        with _mapped_errors(self.api, idempotent=True):
            if action is ModerationAction.DELETE:
                # Mastodon lets an account delete only its own statuses; others answer 404/403.
                self.api.status_delete(status_id)
            elif action is ModerationAction.BAN:
                self.api.account_block(account_id)
            elif action is ModerationAction.UNBAN:
                self.api.account_unblock(account_id)
            elif action is ModerationAction.MUTE:
                self.api.account_mute(account_id)
            elif action is ModerationAction.UNMUTE:
                self.api.account_unmute(account_id)
            elif action is ModerationAction.REPORT:
                remote = "@" in target.reply_context.get("acct", "")
                self.api.report(
                    account_id,
                    status_ids=[status_id] if status_id else None,
                    comment=target.reason or None,
                    # A remote account's own server moderates it: forward the report there too.
                    forward=remote,
                )
            else:
                super().moderate(action, target)

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        with _mapped_errors(self.api, idempotent=True):
            account: Any = self.api.account_verify_credentials()
            per_post: list[PostMetrics] = []
            for remote_id in remote_ids:
                try:
                    status: Any = self.api.status(remote_id)
                except MastodonNotFoundError:
                    logger.info("Mastodon status %s is gone; no metrics for it.", remote_id)
                    continue
                per_post.append(
                    PostMetrics(
                        remote_id=remote_id,
                        reactions=int(status.get("favourites_count") or 0),
                        replies=int(status.get("replies_count") or 0),
                        reposts=int(status.get("reblogs_count") or 0),
                    )
                )
        return ProfileMetrics(
            followers=account.get("followers_count"),
            following=account.get("following_count"),
            posts=account.get("statuses_count"),
            per_post=per_post,
        )

    def _sender(self, idempotency_key: str, *, visibility: str) -> Callable[[OutboundPost, str], str]:
        counter = iter(range(1_000))

        def send(part: OutboundPost, in_reply_to: str) -> str:
            index = next(counter)
            # Mastodon keeps Idempotency-Key for an hour: a retried POST returns the first status, not a twin.
            key = f"{idempotency_key}-{index}" if idempotency_key else None
            # An attachment no status uses is never shown: uploads are safe to retry.
            with _mapped_errors(self.api, idempotent=True):
                media_ids = [self._upload(media) for media in part.media]
            with _mapped_errors(self.api, idempotent=bool(key)):
                status: Any = self.api.status_post(
                    part.text,
                    in_reply_to_id=in_reply_to or None,
                    media_ids=media_ids or None,
                    visibility=visibility,
                    idempotency_key=key,
                )
            return str(status["id"])

        return send

    def _upload(self, media: Media) -> str:
        attachment: Any = self.api.media_post(
            media.content,
            mime_type=media.mime_type,
            description=media.alt_text or None,
            file_name=media.filename,
        )
        # POST /api/v2/media answers 202 with url null while a video is transcoded; a status may only
        # reference it once processed.
        deadline = time.monotonic() + MEDIA_PROCESSING_DEADLINE
        while attachment.get("url") is None:
            if time.monotonic() > deadline:
                raise PermanentError(
                    "The Mastodon server took too long to process the media.",
                    reason=PermanentReason.VALIDATION,
                )
            time.sleep(1.0)
            attachment = self.api.media(attachment["id"])
        return str(attachment["id"])

    def _check_length(self, text: str) -> None:
        limit = int(self.settings.get("max_characters") or self.capabilities.text_limit)
        link_length = int(
            self.settings.get("characters_reserved_per_url") or self.capabilities.link_length or 23
        )
        length = count_length(text, self.capabilities.length_rule, link_length)
        if length > limit:
            raise PermanentError(
                f"The text counts {length} characters; this Mastodon server allows {limit}.",
                reason=PermanentReason.VALIDATION,
            )

    def _inbox_item(self, notification: Any) -> InboxItem:
        status = notification["status"]
        account = status["account"]
        created_at = _as_datetime(status["created_at"])
        if created_at is None:
            raise ValueError("no creation time")
        if status.get("visibility") == "direct":
            kind = InboxKind.DIRECT_MESSAGE
        elif (
            status.get("in_reply_to_account_id")
            and str(status["in_reply_to_account_id"]) == self._account_id()
        ):
            kind = InboxKind.REPLY
        else:
            kind = InboxKind.MENTION
        return InboxItem(
            external_id=str(status["id"]),
            kind=kind,
            author=Author(
                external_id=str(account["id"]),
                handle=str(account["acct"]),
                display_name=str(account.get("display_name") or account["username"]),
                avatar_url=str(account.get("avatar") or ""),
                profile_url=str(account.get("url") or ""),
            ),
            text=html_to_text(str(status["content"])),
            created_at=created_at,
            thread_id=str(status.get("in_reply_to_id") or status["id"]),
            parent_id=str(status.get("in_reply_to_id") or ""),
            url=str(status.get("url") or status.get("uri") or ""),
            reply_context={
                "notification_id": str(notification["id"]),
                "status_id": str(status["id"]),
                "account_id": str(account["id"]),
                "acct": str(account["acct"]),
                "visibility": str(status.get("visibility") or "public"),
            },
        )

    def _account_id(self) -> str:
        if not self.account_id:
            with _mapped_errors(self.api, idempotent=True):
                self.account_id = str(self.api.account_verify_credentials()["id"])
        return self.account_id

    def _url_of(self, status_id: str) -> str:
        return f"{self.settings.get('instance', '')}/statuses/{status_id}"


def html_to_text(content: str) -> str:
    """Mastodon serves status content as sanitised HTML (<p>, <br>, <a>, <span>): keep its text and line breaks."""
    text = re.sub(r"<br\s*/?>", "\n", content, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


class _UnresolvableHostError(requests.exceptions.ConnectionError):
    """The server's name did not resolve: nothing was sent."""


class _GuardedAdapter(requests.adapters.HTTPAdapter):
    """Mastodon.py speaks `requests`, not httpx: vet every hop (redirects included) against the SSRF guard."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.allow_private = allow_private

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(str(request.url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            resolve_public(parts.hostname or "", port, allow_private=self.allow_private)
        except OSError as exc:
            raise _UnresolvableHostError(f"Cannot resolve {parts.hostname}.") from exc
        return super().send(request, *args, **kwargs)


def _session(settings: Mapping[str, str]) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(allow_private_from(settings))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _client(
    settings: Mapping[str, str],
    *,
    access_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
) -> Mastodon:
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        access_token=access_token,
        api_base_url=_base_url(settings.get("instance", "")),
        # "throw": a 429 becomes an error the publisher schedules around, instead of a sleeping worker.
        ratelimit_method="throw",
        request_timeout=REQUEST_TIMEOUT,
        mastodon_version=ASSUMED_SERVER_VERSION,
        # "created" with a given version: trust it, never probe (with "none" Mastodon.py assumes 1.0.0).
        version_check_mode="created",
        session=_session(settings),
        user_agent=USER_AGENT,
    )


def _base_url(instance: str) -> str:
    instance = instance.strip().rstrip("/")
    if instance and "://" not in instance:
        instance = f"https://{instance}"
    return instance


def _id_after(candidate: str, current: str) -> bool:
    # Mastodon ids are numeric strings (snowflakes): compare them as numbers, not text.
    if candidate.isdigit() and current.isdigit():
        return int(candidate) > int(current)
    return candidate > current


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


@contextlib.contextmanager
def _mapped_errors(api: Mastodon | None, *, idempotent: bool) -> Iterator[None]:
    """Mastodon.py's exceptions as the typed errors the publisher acts on. Messages carry the server's
    own error text ({"error": "..."}), never the request (whose URL or body may hold a token)."""
    try:
        yield
    except ProviderError:
        raise
    except MastodonRatelimitError:
        # Mastodon.py has parsed X-RateLimit-Reset (an ISO date) into an epoch before raising.
        reset = getattr(api, "ratelimit_reset", None)
        retry_after = max(0.0, float(reset) - time.time()) if reset else None
        raise RetryableError("The Mastodon server is rate limiting us.", retry_after=retry_after) from None
    except MastodonNetworkError as exc:
        cause = exc.__context__
        if isinstance(cause, BlockedAddressError) or isinstance(
            getattr(cause, "__context__", None), BlockedAddressError
        ):
            raise PermanentError(
                "This Mastodon server is on a private address.", reason=PermanentReason.VALIDATION
            ) from None
        if idempotent or _failed_before_sending(cause):
            raise RetryableError("Could not reach the Mastodon server.") from None
        raise OutcomeUnknownError("The Mastodon server did not answer after receiving the request.") from None
    except MastodonServerError as exc:
        status = _status_of(exc)
        if idempotent or status == 503:
            raise RetryableError(f"The Mastodon server answered {status}.", status=status) from None
        raise OutcomeUnknownError(f"The Mastodon server answered {status}.", status=status) from None
    except MastodonAPIError as exc:
        status = _status_of(exc)
        reason = {
            401: PermanentReason.AUTH_REVOKED,
            403: PermanentReason.FORBIDDEN,
            404: PermanentReason.NOT_FOUND,
            410: PermanentReason.NOT_FOUND,
        }.get(status or 0, PermanentReason.VALIDATION)
        if isinstance(exc, MastodonUnauthorizedError):
            reason = PermanentReason.AUTH_REVOKED
        raise PermanentError(f"Mastodon: {_message_of(exc)}", reason=reason, status=status) from None
    except MastodonIllegalArgumentError as exc:
        raise PermanentError(f"Mastodon: {exc}", reason=PermanentReason.VALIDATION) from None
    except MastodonError as exc:
        raise PermanentError(f"Mastodon: {type(exc).__name__}", reason=PermanentReason.VALIDATION) from None


def _failed_before_sending(cause: BaseException | None) -> bool:
    """requests folds "connection refused" and "reset after sending" into ConnectionError; only the first,
    a failure to open the connection, proves the request never left."""
    if isinstance(cause, requests.exceptions.ConnectTimeout | _UnresolvableHostError):
        return True
    if not isinstance(cause, requests.exceptions.ConnectionError) or not cause.args:
        return False
    # urllib3's MaxRetryError carries the underlying failure as `reason`.
    reason = getattr(cause.args[0], "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError)


def _status_of(exc: MastodonAPIError) -> int | None:
    return exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None


def _message_of(exc: MastodonAPIError) -> str:
    if len(exc.args) > 3 and exc.args[3]:
        return str(exc.args[3])
    return str(exc.args[0]) if exc.args else "unknown error"
