"""Bluesky (AT Protocol) provider: rich-text posts, images and threads; notifications as inbox; moderation."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from atproto import Client, Session, SessionEvent, models
from atproto_client import utils as client_utils
from atproto_client.client.session import get_session_pds_endpoint
from atproto_client.exceptions import (
    BadRequestError,
    LoginRequiredError,
    ModelError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.models.common import XrpcError
from atproto_client.models.utils import get_response_model
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError, InvalidAtUriError
from atproto_core.uri import AtUri

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
from comptoir.providers.http import DEFAULT_TIMEOUT, allow_private_from, guarded_client
from comptoir.providers.networks import CAPABILITIES

logger = logging.getLogger(__name__)

DEFAULT_SERVICE = "https://bsky.social"
WEB_URL = "https://bsky.app"
POST_COLLECTION = "app.bsky.feed.post"
THREADGATE_COLLECTION = "app.bsky.feed.threadgate"
BLOCK_COLLECTION = "app.bsky.graph.block"
# An extra record field (Lexicon records are open): the publisher's reconciler finds a post by it.
IDEMPOTENCY_FIELD = "comptoirIdempotencyKey"
INBOX_REASONS = {"mention": InboxKind.MENTION, "quote": InboxKind.MENTION, "reply": InboxKind.REPLY}
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"})
NOT_FOUND_ERRORS = frozenset({"RecordNotFound", "NotFound", "ProfileNotFound", "ActorNotFound"})
# A report reason that starts with one of these words ("spam: sells followers") files it under that type.
REPORT_REASONS = {
    "spam": "com.atproto.moderation.defs#reasonSpam",
    "violation": "com.atproto.moderation.defs#reasonViolation",
    "misleading": "com.atproto.moderation.defs#reasonMisleading",
    "sexual": "com.atproto.moderation.defs#reasonSexual",
    "rude": "com.atproto.moderation.defs#reasonRude",
}
MAX_NOTIFICATION_PAGES = 10
POSTS_PER_LOOKUP = 25  # app.bsky.feed.getPosts accepts at most 25 URIs


class _GuardedRequest(Request):  # type: ignore[misc]  # atproto ships no type information
    """The SDK's HTTP layer on Comptoir's SSRF-guarded client: the PDS URL is entered by a user."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.close()  # the plain client the SDK just opened
        self._client: httpx.Client = guarded_client(allow_private=allow_private, timeout=DEFAULT_TIMEOUT)
        self._allow_private = allow_private

    def _new_instance(self) -> _GuardedRequest:
        return type(self)(self._allow_private)


def _new_client(base_url: str, settings: Mapping[str, str]) -> Client:
    return Client(base_url=base_url, request=_GuardedRequest(allow_private_from(settings)))


def _xrpc_error(error: RequestErrorBase) -> tuple[str, str]:
    content = error.response.content if error.response is not None else None
    if isinstance(content, XrpcError):
        return content.error, content.message or ""
    return "", ""


def _request_error(error: RequestErrorBase, *, write: bool) -> ProviderError:
    """The typed error an SDK failure means; `write` says whether the call may have changed something."""
    if error.response is None:
        cause = error.__cause__
        if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout) or not write:
            return RetryableError("Bluesky could not be reached.", code=type(cause).__name__)
        return OutcomeUnknownError("Bluesky did not answer after receiving the request.")
    status = error.response.status_code
    name, detail = _xrpc_error(error)
    message = f"Bluesky refused the request ({status} {name}{': ' + detail if detail else ''})."
    if isinstance(error, RateLimitExceededError):
        retry_after = error.retry_after
        if retry_after is None and error.reset_at is not None:
            retry_after = max(0.0, (error.reset_at - datetime.now(UTC)).total_seconds())
        return RetryableError(
            "Bluesky is rate limiting this account.", retry_after=retry_after, status=status, code=name
        )
    if name in AUTH_ERRORS or status == 401:
        return PermanentError(message, reason=PermanentReason.AUTH_REVOKED, status=status, code=name)
    if status == 403:
        return PermanentError(message, reason=PermanentReason.FORBIDDEN, status=status, code=name)
    if status == 404 or name in NOT_FOUND_ERRORS:
        return PermanentError(message, reason=PermanentReason.NOT_FOUND, status=status, code=name)
    if status in (400, 413):
        return PermanentError(message, reason=PermanentReason.VALIDATION, status=status, code=name)
    if status >= 500 and status != 503 and write:
        return OutcomeUnknownError(message, status=status, code=name)
    return RetryableError(message, status=status, code=name)


@contextlib.contextmanager
def _mapped_errors(*, write: bool = False) -> Iterator[None]:
    try:
        yield
    except ProviderError:
        raise
    except RequestErrorBase as error:
        raise _request_error(error, write=write) from error
    except LoginRequiredError as error:
        raise PermanentError(
            "The Bluesky session is missing; reconnect the channel.", reason=PermanentReason.AUTH_REVOKED
        ) from error
    except (ModelError, AtProtocolError) as error:
        if write:
            raise OutcomeUnknownError("Bluesky answered with something unexpected.") from error
        raise RetryableError("Bluesky answered with something unexpected.") from error


def build_facets(
    text: str, resolve_handle: Callable[[str], str | None]
) -> list[models.AppBskyRichtextFacet.Main]:
    """Links, hashtags and mentions of `text`, indexed in UTF-8 bytes as the lexicon requires. Detection is
    the SDK's port of the official client's; a mention whose handle does not resolve stays plain text."""
    facets = client_utils.facet_detection.detect_facets(text)
    for mention in client_utils.facet_detection.detect_mentions(text):
        did = resolve_handle(mention.handle.lower())
        if did:
            facets.append(
                models.AppBskyRichtextFacet.Main(
                    features=[models.AppBskyRichtextFacet.Mention(did=did)],
                    index=models.AppBskyRichtextFacet.ByteSlice(
                        byte_start=mention.byte_start, byte_end=mention.byte_end
                    ),
                )
            )
    return sorted(facets, key=lambda facet: facet.index.byte_start)


@dataclass(frozen=True)
class InboxCursor:
    """Notifications are ordered by indexedAt: keep the newest time seen and the URIs seen at that time."""

    indexed_at: datetime | None = None
    uris: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str) -> InboxCursor:
        if not cursor:
            return cls()
        data = json.loads(cursor)
        return cls(datetime.fromisoformat(data["indexed_at"]), frozenset(data["uris"]))

    def dump(self) -> str:
        if self.indexed_at is None:
            return ""
        return json.dumps({"indexed_at": self.indexed_at.isoformat(), "uris": sorted(self.uris)})

    def is_seen(self, uri: str, indexed_at: datetime) -> bool:
        if self.indexed_at is None:
            return False
        return indexed_at < self.indexed_at or (indexed_at == self.indexed_at and uri in self.uris)

    def advance(self, uri: str, indexed_at: datetime) -> InboxCursor:
        if self.indexed_at is None or indexed_at > self.indexed_at:
            return InboxCursor(indexed_at, frozenset({uri}))
        if indexed_at == self.indexed_at:
            return InboxCursor(indexed_at, self.uris | {uri})
        return self


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"missing '{key}'")
    return value


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ValueError(f"missing '{key}'")
    return value


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def post_url(uri: str) -> str:
    at_uri = AtUri.from_str(uri)
    return f"{WEB_URL}/profile/{at_uri.host}/post/{at_uri.rkey}"


def inbox_item(post: Mapping[str, Any], kind: InboxKind) -> InboxItem:
    """An InboxItem from a post view or a notification (both carry uri, cid, author, record, indexedAt);
    ValueError when a field the inbox relies on is missing."""
    uri, cid = _text(post, "uri"), _text(post, "cid")
    author, record = _object(post, "author"), _object(post, "record")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("missing 'text'")
    reply = record.get("reply")
    if isinstance(reply, dict):
        parent, root = _object(reply, "parent"), _object(reply, "root")
        parent_uri, root_uri, root_cid = _text(parent, "uri"), _text(root, "uri"), _text(root, "cid")
    else:
        parent_uri, root_uri, root_cid = "", uri, cid
    created = record.get("createdAt") or post.get("indexedAt")
    did, handle = _text(author, "did"), str(author.get("handle") or "")
    return InboxItem(
        external_id=uri,
        kind=kind,
        author=Author(
            external_id=did,
            handle=handle,
            display_name=str(author.get("displayName") or ""),
            avatar_url=str(author.get("avatar") or ""),
            profile_url=f"{WEB_URL}/profile/{handle or did}",
        ),
        text=text,
        created_at=_time(str(created)),
        thread_id=root_uri,
        parent_id=parent_uri,
        url=post_url(uri),
        reply_context={"uri": uri, "cid": cid, "root_uri": root_uri, "root_cid": root_cid, "author_did": did},
    )


def _credentials(session: Session) -> dict[str, str]:
    return {
        "did": session.did,
        "handle": session.handle,
        "access_jwt": session.access_jwt,
        "refresh_jwt": session.refresh_jwt,
        "pds_endpoint": session.pds_endpoint or "",
    }


def _access_expiry(session: Session) -> datetime | None:
    expiry = session.access_jwt_payload.exp
    return datetime.fromtimestamp(expiry, UTC) if expiry else None


class BlueskyProvider(Provider):
    """One Bluesky account. Credentials are the session tokens, never the app password: the SDK renews the
    access token when it nears expiry and `self.credentials` then holds the new tokens to store."""

    network = "bluesky"
    capabilities = CAPABILITIES["bluesky"]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        super().__init__(credentials, settings)
        self._client: Client | None = None

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        service = (params.get("service") or DEFAULT_SERVICE).rstrip("/")
        handle = params.get("handle", "").strip().lstrip("@")
        password = params.get("app_password") or params.get("password") or ""
        if not handle or not password:
            raise PermanentError(
                "A handle and an app password are required.", reason=PermanentReason.VALIDATION
            )
        settings = {key: params[key] for key in ("allow_private_network",) if key in params}
        settings["service"] = service
        client = _new_client(service, settings)
        with _mapped_errors():
            client.login(handle, password, fetch_bsky_profile=False)
        return cls._connection(client, settings)

    @staticmethod
    def _connection(client: Client, settings: Mapping[str, str]) -> Connection:
        session = Session.decode(client.export_session_string())
        display_name, avatar = session.handle, ""
        with _mapped_errors():
            try:
                profile = client.get_profile(session.did)
                display_name, avatar = profile.display_name or session.handle, profile.avatar or ""
            except BadRequestError:
                # The AppView indexes a new account a moment after the PDS creates it; the handle will do.
                logger.info("No Bluesky profile yet for %s", session.did)
        return Connection(
            account_id=session.did,
            display_name=display_name,
            handle=session.handle,
            credentials=_credentials(session),
            settings=dict(settings),
            expires_at=_access_expiry(session),
            avatar_url=avatar,
        )

    def refresh_credentials(self) -> Connection:
        client = _new_client(self._base_url, self.settings)
        with _mapped_errors():
            refreshed = client.com.atproto.server.refresh_session(
                headers={"Authorization": f"Bearer {self.credentials['refresh_jwt']}"}
            )
        session = Session(
            refreshed.handle,
            refreshed.did,
            refreshed.access_jwt,
            refreshed.refresh_jwt,
            get_session_pds_endpoint(refreshed) or self._base_url,
        )
        client.login(session_string=session.encode(), fetch_bsky_profile=False)
        self.credentials = _credentials(session)
        self._client = None
        return self._connection(client, self.settings)

    @property
    def _base_url(self) -> str:
        return self.credentials.get("pds_endpoint") or self.settings.get("service") or DEFAULT_SERVICE

    @property
    def did(self) -> str:
        return self.credentials["did"]

    @property
    def client(self) -> Client:
        if self._client is None:
            client = _new_client(self._base_url, self.settings)
            session = Session(
                self.credentials["handle"],
                self.did,
                self.credentials["access_jwt"],
                self.credentials["refresh_jwt"],
                self._base_url,
            )
            client.on_session_change(self._store_session)
            with _mapped_errors():
                client.login(session_string=session.encode(), fetch_bsky_profile=False)
            self._client = client
        return self._client

    def _store_session(self, event: SessionEvent, session: Session) -> None:
        if event is SessionEvent.REFRESH:
            self.credentials = _credentials(session)

    # Publishing

    def publish(self, post: OutboundPost) -> Published:
        return self._send_thread([post, *post.thread], reply_to=None)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        context = item.reply_context
        try:
            parent = models.ComAtprotoRepoStrongRef.Main(uri=context["uri"], cid=context["cid"])
            root = models.ComAtprotoRepoStrongRef.Main(uri=context["root_uri"], cid=context["root_cid"])
        except KeyError as missing:
            raise PermanentError(
                f"The item lacks {missing} to reply to it on Bluesky.", reason=PermanentReason.VALIDATION
            ) from None
        return self._send_thread(
            [post, *post.thread], reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root)
        )

    def _send_thread(
        self, parts: Sequence[OutboundPost], reply_to: models.AppBskyFeedPost.ReplyRef | None
    ) -> Published:
        # Everything that can be refused before sending (facets, blobs, sizes) is prepared first, so a thread
        # is either refused whole or sent part after part.
        records = [self._record(part) for part in parts]
        uris: list[str] = []
        for record in records:
            try:
                with _mapped_errors(write=True):
                    created = self.client.app.bsky.feed.post.create(
                        self.did, record.model_copy(update={"reply": reply_to})
                    )
            except ProviderError as error:
                if not uris:
                    raise
                raise OutcomeUnknownError(
                    f"The thread stopped after {len(uris)} of {len(records)} parts (last: {uris[-1]}): "
                    f"{error.message}"
                ) from error
            ref = models.ComAtprotoRepoStrongRef.Main(uri=created.uri, cid=created.cid)
            root = reply_to.root if reply_to else ref
            reply_to = models.AppBskyFeedPost.ReplyRef(parent=ref, root=root)
            uris.append(created.uri)
        return Published(remote_ids=uris, url=post_url(uris[0]), published_at=datetime.now(UTC))

    def _record(self, post: OutboundPost) -> models.AppBskyFeedPost.Record:
        text = post.text
        if post.link and post.link not in text:
            text = f"{text} {post.link}" if text else post.link
        with _mapped_errors():
            facets = build_facets(text, self._resolve_handle)
            embed = self._embed(post.media)
        extra = {IDEMPOTENCY_FIELD: post.idempotency_key} if post.idempotency_key else {}
        return models.AppBskyFeedPost.Record(
            created_at=self.client.get_current_time_iso(),
            text=text,
            facets=facets or None,
            embed=embed,
            **extra,
        )

    def _resolve_handle(self, handle: str) -> str | None:
        try:
            did: str = self.client.resolve_handle(handle).did
        except BadRequestError:
            return None
        return did

    def _embed(
        self, media: Sequence[Media]
    ) -> models.AppBskyEmbedImages.Main | models.AppBskyEmbedVideo.Main | None:
        rules = self.capabilities.media
        images = [item for item in media if item.mime_type in rules.image_types]
        videos = [item for item in media if item.mime_type in rules.video_types]
        if len(images) + len(videos) != len(media):
            raise PermanentError(
                "Bluesky does not take this kind of media.", reason=PermanentReason.VALIDATION
            )
        if (images and videos) or len(images) > rules.max_images or len(videos) > rules.max_videos:
            raise PermanentError(
                f"Bluesky takes up to {rules.max_images} images or {rules.max_videos} video.",
                reason=PermanentReason.VALIDATION,
            )
        for item in media:
            limit = rules.max_image_bytes if item.mime_type in rules.image_types else rules.max_video_bytes
            if len(item.content) > limit:
                raise PermanentError(
                    f"{item.filename} is larger than Bluesky's {limit:,} bytes.",
                    reason=PermanentReason.VALIDATION,
                )
            if len(item.alt_text) > rules.alt_text_limit:
                raise PermanentError(
                    f"The alt text of {item.filename} is longer than {rules.alt_text_limit}.",
                    reason=PermanentReason.VALIDATION,
                )
        if videos:
            video = videos[0]
            return models.AppBskyEmbedVideo.Main(
                video=self._upload(video), alt=video.alt_text or None, aspect_ratio=_aspect_ratio(video)
            )
        if images:
            return models.AppBskyEmbedImages.Main(
                images=[
                    models.AppBskyEmbedImages.Image(
                        alt=image.alt_text, image=self._upload(image), aspect_ratio=_aspect_ratio(image)
                    )
                    for image in images
                ]
            )
        return None

    def _upload(self, media: Media) -> models.BlobRef:
        # The SDK's upload_blob hands the bytes to httpx as `data=`, which httpx deprecates; `content=` is the
        # same request.
        response = self.client.invoke_procedure(
            "com.atproto.repo.uploadBlob", content=media.content, headers={"Content-Type": media.mime_type}
        )
        blob: models.BlobRef = get_response_model(response, models.ComAtprotoRepoUploadBlob.Response).blob
        return blob

    def delete(self, remote_id: str) -> None:
        self._check_own(remote_id, "delete")
        with _mapped_errors(write=True):
            self.client.delete_post(remote_id)

    def _check_own(self, uri: str, action: str) -> AtUri:
        try:
            at_uri = AtUri.from_str(uri)
        except InvalidAtUriError:
            at_uri = None
        if (
            at_uri is None
            or not uri.startswith("at://")
            or at_uri.collection != POST_COLLECTION
            or not at_uri.rkey
        ):
            raise PermanentError(f"'{uri}' is not a Bluesky post.", reason=PermanentReason.VALIDATION)
        if at_uri.host != self.did:
            raise PermanentError(
                f"Bluesky only lets an account {action} its own posts.", reason=PermanentReason.FORBIDDEN
            )
        return at_uri

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        with _mapped_errors():
            response = self.client.invoke_query(
                "app.bsky.feed.getAuthorFeed",
                params=models.AppBskyFeedGetAuthorFeed.Params(
                    actor=self.did, limit=min(limit, 100), filter="posts_with_replies"
                ),
            )
        posts: list[RemotePost] = []
        for entry in _list(response.content, "feed"):
            try:
                post, uri = _object(entry, "post"), _text(_object(entry, "post"), "uri")
                record = _object(post, "record")
                # A repost of someone else's post shows in the author feed too; it is not ours to reconcile.
                if entry.get("reason") or _object(post, "author").get("did") != self.did:
                    continue
                created = record.get("createdAt") or post.get("indexedAt")
                posts.append(
                    RemotePost(
                        remote_id=uri,
                        text=str(record.get("text", "")),
                        created_at=_time(created) if isinstance(created, str) else None,
                        url=post_url(uri),
                        idempotency_key=str(record.get(IDEMPOTENCY_FIELD, "")),
                    )
                )
            except (ValueError, TypeError, AttributeError) as error:
                logger.warning("Skipping a malformed post of the Bluesky author feed: %s", error)
        return posts

    # Inbox

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        try:
            since = InboxCursor.parse(cursor)
        except (ValueError, KeyError, TypeError) as error:
            raise PermanentError(
                "The Bluesky inbox cursor is unreadable.",
                reason=PermanentReason.VALIDATION,
            ) from error
        newest = since
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        page_cursor: str | None = None
        for _ in range(MAX_NOTIFICATION_PAGES):
            with _mapped_errors():
                response = self.client.invoke_query(
                    "app.bsky.notification.listNotifications",
                    params=models.AppBskyNotificationListNotifications.Params(limit=50, cursor=page_cursor),
                )
            reached_seen = False
            for notification in _list(response.content, "notifications"):
                uri = str(notification.get("uri", "")) if isinstance(notification, dict) else ""
                try:
                    indexed_at = _time(_text(notification, "indexedAt"))
                    if since.is_seen(uri, indexed_at):
                        reached_seen = True
                        continue
                    newest = newest.advance(uri, indexed_at)
                    kind = INBOX_REASONS.get(str(notification.get("reason")))
                    if kind is not None:  # likes, reposts and follows are counted in metrics, not answered
                        items.append(inbox_item(notification, kind))
                except (ValueError, TypeError, AttributeError) as error:
                    logger.warning("Skipping a malformed Bluesky notification %s: %s", uri, error)
                    skipped.append(SkippedItem(external_id=uri, reason=str(error)))
            page_cursor = response.content.get("cursor") if isinstance(response.content, dict) else None
            # The first sync takes one page of recent notifications; later ones read back to the cursor.
            if reached_seen or not page_cursor or since.indexed_at is None:
                break
        else:
            logger.warning(
                "Bluesky inbox of %s: more than %d pages since the last sync, older notifications skipped",
                self.did,
                MAX_NOTIFICATION_PAGES,
            )
        items.reverse()
        return InboxPage(items=items, cursor=newest.dump(), skipped=skipped)

    def search(self, query: str, cursor: str = "") -> InboxPage:
        with _mapped_errors():
            response = self.client.invoke_query(
                "app.bsky.feed.searchPosts",
                params=models.AppBskyFeedSearchPosts.Params(q=query, cursor=cursor or None, limit=50),
            )
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        for post in _list(response.content, "posts"):
            try:
                items.append(inbox_item(post, InboxKind.MESSAGE))
            except (ValueError, TypeError, AttributeError) as error:
                logger.warning("Skipping a malformed Bluesky search result: %s", error)
                skipped.append(SkippedItem(external_id=str(post.get("uri", "")), reason=str(error)))
        next_cursor = response.content.get("cursor") if isinstance(response.content, dict) else None
        return InboxPage(
            items=items, cursor=str(next_cursor or ""), skipped=skipped, has_more=bool(next_cursor)
        )

    # Moderation

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        context = target.reply_context
        item_uri = target.item_id or context.get("uri", "")
        author = target.author_id or context.get("author_did", "")
        if action is ModerationAction.DELETE:
            self.delete(item_uri)
        elif action in (ModerationAction.HIDE, ModerationAction.UNHIDE):
            self._set_hidden(item_uri, context.get("root_uri", ""), hidden=action is ModerationAction.HIDE)
        elif action is ModerationAction.MUTE:
            with _mapped_errors(write=True):
                self.client.mute(_required(author, "author"))
        elif action is ModerationAction.UNMUTE:
            with _mapped_errors(write=True):
                self.client.unmute(_required(author, "author"))
        elif action is ModerationAction.BAN:
            self._block(_required(author, "author"))
        elif action is ModerationAction.UNBAN:
            self._unblock(_required(author, "author"))
        elif action is ModerationAction.REPORT:
            self._report(
                item_uri,
                context.get("cid", "") if item_uri == context.get("uri") else "",
                author,
                target.reason,
            )
        else:
            super().moderate(action, target)

    def _set_hidden(self, reply_uri: str, root_uri: str, *, hidden: bool) -> None:
        """Hidden replies live in the threadgate of the thread's root post, whose record key it shares."""
        _required(reply_uri, "reply")
        root = self._check_own(_required(root_uri, "thread root"), "hide replies under")
        with _mapped_errors():
            try:
                gate = self.client.app.bsky.feed.threadgate.get(self.did, root.rkey).value
            except BadRequestError as error:
                if _xrpc_error(error)[0] not in NOT_FOUND_ERRORS:
                    raise
                gate = models.AppBskyFeedThreadgate.Record(
                    post=root_uri, created_at=self.client.get_current_time_iso()
                )
        current = set(gate.hidden_replies or [])
        wanted = current | {reply_uri} if hidden else current - {reply_uri}
        if wanted == current:
            return
        with _mapped_errors(write=True):
            self.client.com.atproto.repo.put_record(
                models.ComAtprotoRepoPutRecord.Data(
                    repo=self.did,
                    collection=THREADGATE_COLLECTION,
                    rkey=root.rkey,
                    record=gate.model_copy(update={"hidden_replies": sorted(wanted)}),
                )
            )

    def _blocks_of(self, subject: str) -> list[str]:
        """URIs of this account's block records on `subject` (blocks are public records in the repo)."""
        uris: list[str] = []
        cursor: str | None = None
        with _mapped_errors():
            while True:
                page = self.client.app.bsky.graph.block.list(self.did, cursor=cursor, limit=100)
                uris += [uri for uri, record in page.records.items() if record.subject == subject]
                cursor = page.cursor
                if not cursor or not page.records:
                    return uris

    def _block(self, subject: str) -> None:
        if self._blocks_of(subject):
            return
        with _mapped_errors(write=True):
            self.client.app.bsky.graph.block.create(
                self.did,
                models.AppBskyGraphBlock.Record(
                    subject=subject, created_at=self.client.get_current_time_iso()
                ),
            )

    def _unblock(self, subject: str) -> None:
        for uri in self._blocks_of(subject):
            with _mapped_errors(write=True):
                self.client.app.bsky.graph.block.delete(self.did, AtUri.from_str(uri).rkey)

    def _report(self, uri: str, cid: str, author: str, reason: str) -> None:
        subject: models.ComAtprotoRepoStrongRef.Main | models.ComAtprotoAdminDefs.RepoRef
        if uri and cid:
            subject = models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)
        else:
            subject = models.ComAtprotoAdminDefs.RepoRef(did=_required(author, "author or post"))
        reason_type = REPORT_REASONS.get(
            reason.split(":", 1)[0].strip().lower(), "com.atproto.moderation.defs#reasonOther"
        )
        with _mapped_errors(write=True):
            self.client.com.atproto.moderation.create_report(
                models.ComAtprotoModerationCreateReport.Data(
                    reason_type=reason_type, reason=reason or None, subject=subject
                )
            )

    # Metrics

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        with _mapped_errors():
            profile = self.client.get_profile(self.did)
            per_post: list[PostMetrics] = []
            for start in range(0, len(remote_ids), POSTS_PER_LOOKUP):
                found = self.client.get_posts(list(remote_ids[start : start + POSTS_PER_LOOKUP])).posts
                per_post += [
                    PostMetrics(
                        remote_id=post.uri,
                        reactions=post.like_count or 0,
                        replies=post.reply_count or 0,
                        reposts=(post.repost_count or 0) + (post.quote_count or 0),
                    )
                    for post in found
                ]
        return ProfileMetrics(
            followers=profile.followers_count,
            following=profile.follows_count,
            posts=profile.posts_count,
            per_post=per_post,
        )


def _list(content: object, key: str) -> list[Any]:
    value = content.get(key) if isinstance(content, dict) else None
    return value if isinstance(value, list) else []


def _required(value: str, what: str) -> str:
    if not value:
        raise PermanentError(f"The {what} to act on is missing.", reason=PermanentReason.VALIDATION)
    return value


def _aspect_ratio(media: Media) -> models.AppBskyEmbedDefs.AspectRatio | None:
    if media.width and media.height:
        return models.AppBskyEmbedDefs.AspectRatio(width=media.width, height=media.height)
    return None
