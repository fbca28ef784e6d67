"""Matrix provider: a channel is one room, driven through matrix-nio on a fresh event loop for each call."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    RoomGetStateEventResponse,
    RoomResolveAliasResponse,
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
    ProfileMetrics,
    Provider,
    Published,
    RemotePost,
    RetryableError,
    SkippedItem,
)
from comptoir.providers.http import (
    ALLOW_PRIVATE_SETTING,
    BlockedAddressError,
    allow_private_from,
    is_public_address,
    retry_after_seconds,
)
from comptoir.providers.networks import CAPABILITIES

logger = logging.getLogger(__name__)

T = TypeVar("T")

# nio would otherwise retry timeouts and 429s forever inside one call; the publisher decides about retries.
CLIENT_CONFIG = AsyncClientConfig(
    max_limit_exceeded=0, max_timeouts=0, request_timeout=30, encryption_enabled=False, store=None
)
INBOX_LIMIT = 50
GAP_PAGES = 5
SYNC_FILTER = {
    "presence": {"not_types": ["*"]},
    "account_data": {"types": ["m.direct"]},
    "room": {
        "timeline": {"limit": INBOX_LIMIT, "types": ["m.room.message", "m.room.encrypted"]},
        "state": {"types": ["m.room.member"], "lazy_load_members": True},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
MODERATION_ACTIONS = frozenset(
    {
        ModerationAction.DELETE,
        ModerationAction.KICK,
        ModerationAction.BAN,
        ModerationAction.UNBAN,
        ModerationAction.REPORT,
    }
)
PERMANENT_ERRCODES = {
    "M_UNKNOWN_TOKEN": PermanentReason.AUTH_REVOKED,
    "M_MISSING_TOKEN": PermanentReason.AUTH_REVOKED,
    "M_USER_DEACTIVATED": PermanentReason.AUTH_REVOKED,
    "M_FORBIDDEN": PermanentReason.FORBIDDEN,
    "M_NOT_FOUND": PermanentReason.NOT_FOUND,
    "M_UNRECOGNIZED": PermanentReason.UNSUPPORTED,
}


class _GuardedResolver(AbstractResolver):
    """aiohttp resolver applying the SSRF guard of comptoir.providers.http to every host nio dials."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        if not self.allow_private and not all(is_public_address(result["host"]) for result in results):
            raise BlockedAddressError(host)
        return results

    async def close(self) -> None:
        await self.inner.close()


def _guard_literal_addresses(allow_private: bool) -> aiohttp.TraceConfig:
    """aiohttp skips the resolver for IP literals, so those are vetted per request and per redirect."""

    def check(host: str | None) -> None:
        try:
            ipaddress.ip_address(host or "")
        except ValueError:
            return
        if not allow_private and not is_public_address(host or ""):
            raise BlockedAddressError(host or "")

    async def on_start(_: aiohttp.ClientSession, __: SimpleNamespace, params: Any) -> None:
        check(params.url.host)

    async def on_redirect(_: aiohttp.ClientSession, __: SimpleNamespace, params: Any) -> None:
        location = params.response.headers.get("Location", "")
        check(urlsplit(urljoin(str(params.url), location)).hostname)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_redirect.append(on_redirect)
    return trace


def _new_client(homeserver: str, allow_private: bool, user_id: str = "") -> AsyncClient:
    client = AsyncClient(homeserver.rstrip("/"), user_id, config=CLIENT_CONFIG)
    client.client_session = aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=CLIENT_CONFIG.request_timeout),
        connector=aiohttp.TCPConnector(resolver=_GuardedResolver(allow_private)),
        trace_configs=[_guard_literal_addresses(allow_private)],
    )
    return client


def _run(
    homeserver: str,
    allow_private: bool,
    call: Callable[[AsyncClient], Awaitable[T]],
    *,
    idempotent: bool,
    user_id: str = "",
    access_token: str = "",
    device_id: str = "",
) -> T:
    """Run one provider operation on a private loop, turning transport failures into typed errors."""

    async def main() -> T:
        client = _new_client(homeserver, allow_private, user_id)
        if access_token:
            client.restore_login(user_id, device_id, access_token)
        try:
            return await call(client)
        finally:
            await client.close()

    try:
        return asyncio.run(main())
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError):
        raise RetryableError("Could not reach the Matrix homeserver.") from None
    except (aiohttp.ClientError, TimeoutError):
        if idempotent:
            raise RetryableError("The Matrix homeserver did not answer.") from None
        raise OutcomeUnknownError(
            "The Matrix homeserver did not answer after receiving the request."
        ) from None


def _checked(response: T, *, idempotent: bool = True) -> T:
    """Raise the typed error an nio error response stands for; the message never carries the token."""
    if not isinstance(response, ErrorResponse):
        return response
    errcode = str(response.status_code or "")
    status = response.transport_response.status if response.transport_response is not None else None
    message = f"Matrix homeserver refused the request ({errcode or status}): {response.message}"
    if errcode == "M_LIMIT_EXCEEDED" or status == 429:
        retry_after = response.retry_after_ms / 1000 if response.retry_after_ms else None
        if retry_after is None and response.transport_response is not None:
            # Since Matrix 1.10 servers say it in the Retry-After header; retry_after_ms is deprecated.
            retry_after = retry_after_seconds(response.transport_response.headers.get("Retry-After"))
        raise RetryableError(message, retry_after=retry_after, status=status, code=errcode)
    if errcode in PERMANENT_ERRCODES:
        raise PermanentError(message, reason=PERMANENT_ERRCODES[errcode], status=status, code=errcode)
    if status is not None and status >= 500:
        if idempotent or status == 503:
            raise RetryableError(message, status=status, code=errcode)
        raise OutcomeUnknownError(message, status=status, code=errcode)
    raise PermanentError(message, reason=PermanentReason.VALIDATION, status=status, code=errcode)


async def _api(
    client: AsyncClient,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    idempotent: bool = True,
) -> dict[str, Any]:
    """Client-server calls nio has no method for (filtered sync, relations, reports, account data)."""
    headers = {"Authorization": f"Bearer {client.access_token}", "Content-Type": "application/json"}
    data = json.dumps(body) if body is not None else None
    response = await client.send(method, path, data, headers)
    try:
        payload = await response.json(content_type=None)
    except (aiohttp.ContentTypeError, json.JSONDecodeError, UnicodeDecodeError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if response.status >= 400:
        error = ErrorResponse(payload.get("error", ""), payload.get("errcode"), payload.get("retry_after_ms"))
        error.transport_response = response
        _checked(error, idempotent=idempotent)
    return payload


def _q(value: str) -> str:
    return quote(value, safe="")


def _timestamp(event: Mapping[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(event["origin_server_ts"]) / 1000, UTC)


class MatrixProvider(Provider):
    network = "matrix"
    capabilities = CAPABILITIES["matrix"]

    @property
    def homeserver(self) -> str:
        return self.settings["homeserver"]

    @property
    def room_id(self) -> str:
        return self.settings["room_id"]

    @property
    def user_id(self) -> str:
        return self.settings["user_id"]

    def _call(self, call: Callable[[AsyncClient], Awaitable[T]], *, idempotent: bool = True) -> T:
        return _run(
            self.homeserver,
            allow_private_from(self.settings),
            call,
            idempotent=idempotent,
            user_id=self.user_id,
            access_token=self.credentials["access_token"],
            device_id=self.credentials.get("device_id", ""),
        )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """Log in (password or access token), join the room, and keep the token and device, never the
        password."""
        homeserver = params["homeserver"].rstrip("/")
        allow_private = allow_private_from(params)
        room = params["room"].strip()

        async def call(client: AsyncClient) -> Connection:
            if params.get("password"):
                client.user = params["user_id"]
                _checked(await client.login(params["password"], device_name="Comptoir"))
            else:
                client.access_token = params["access_token"]
                whoami = _checked(await client.whoami())
                client.restore_login(whoami.user_id, whoami.device_id or "", params["access_token"])
            room_id = room
            if room.startswith("#"):
                resolved = _checked(await client.room_resolve_alias(room))
                assert isinstance(resolved, RoomResolveAliasResponse)
                room_id = resolved.room_id
            _checked(await client.join(room_id))
            name = await client.room_get_state_event(room_id, "m.room.name")
            display_name = room
            if isinstance(name, RoomGetStateEventResponse):
                display_name = str(name.content.get("name") or room)
            settings = {"homeserver": homeserver, "user_id": client.user_id, "room_id": room_id}
            if allow_private:
                settings[ALLOW_PRIVATE_SETTING] = "1"
            return Connection(
                account_id=room_id,
                display_name=display_name,
                handle=room,
                credentials={"access_token": client.access_token, "device_id": client.device_id or ""},
                settings=settings,
            )

        try:
            return _run(homeserver, allow_private, call, idempotent=True)
        except PermanentError as exc:
            if exc.code == "M_FORBIDDEN" and params.get("password"):
                raise PermanentError(
                    "The homeserver refused this user and password.",
                    reason=PermanentReason.VALIDATION,
                    status=exc.status,
                    code=exc.code,
                ) from None
            raise

    # Publishing -------------------------------------------------------------------------------------------

    def publish(self, post: OutboundPost) -> Published:
        return self._call(lambda client: self._send_post(client, post), idempotent=False)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        room_id = item.reply_context.get("room_id", self.room_id)
        event_id = item.reply_context.get("event_id", item.external_id)
        relation: dict[str, Any] = {"m.in_reply_to": {"event_id": event_id}}
        thread_root = item.reply_context.get("thread_root", "")
        if thread_root:
            relation = {
                "rel_type": "m.thread",
                "event_id": thread_root,
                "is_falling_back": False,
                "m.in_reply_to": {"event_id": event_id},
            }
        return self._call(
            lambda client: self._send_post(client, post, room_id=room_id, relation=relation), idempotent=False
        )

    async def _send_post(
        self,
        client: AsyncClient,
        post: OutboundPost,
        *,
        room_id: str = "",
        relation: dict[str, Any] | None = None,
    ) -> Published:
        """Each part is one text event followed by its images (m.reference to it, so delete finds them);
        parts after the first form an m.thread under the first. The idempotency key becomes the transaction
        id, which the homeserver deduplicates, so a resend after an unknown outcome cannot double-post."""
        room_id = room_id or self.room_id
        key = post.idempotency_key or uuid.uuid4().hex
        remote_ids: list[str] = []
        for index, part in enumerate([post, *post.thread]):
            part_relation = relation
            if index:
                part_relation = {
                    "rel_type": "m.thread",
                    "event_id": remote_ids[0],
                    "is_falling_back": True,
                    "m.in_reply_to": {"event_id": remote_ids[-1]},
                }
            events = [self._text_content(part)] if part.text or part.link else []
            for media in part.media:
                events.append(await self._image_content(client, media))
            part_ids: list[str] = []
            for number, content in enumerate(events):
                if part_ids:
                    content["m.relates_to"] = {"rel_type": "m.reference", "event_id": part_ids[0]}
                elif part_relation:
                    content["m.relates_to"] = part_relation
                response = _checked(
                    await client.room_send(
                        room_id, "m.room.message", content, tx_id=f"{key}-{index}-{number}"
                    ),
                    idempotent=False,
                )
                part_ids.append(response.event_id)
            if not part_ids:
                raise PermanentError(
                    "A Matrix message needs text or an image.", reason=PermanentReason.VALIDATION
                )
            remote_ids.append(part_ids[0])
        return Published(
            remote_ids=remote_ids,
            url=f"https://matrix.to/#/{room_id}/{remote_ids[0]}",
            published_at=datetime.now(UTC),
        )

    @staticmethod
    def _text_content(part: OutboundPost) -> dict[str, Any]:
        body = part.text if not part.link or part.link in part.text else f"{part.text}\n{part.link}".strip()
        return {"msgtype": "m.text", "body": body}

    async def _image_content(self, client: AsyncClient, media: Media) -> dict[str, Any]:
        upload, _ = await client.upload(
            lambda *_: media.content,
            content_type=media.mime_type,
            filename=media.filename,
            filesize=len(media.content),
        )
        content_uri = _checked(upload).content_uri
        info: dict[str, Any] = {"mimetype": media.mime_type, "size": len(media.content)}
        if media.width and media.height:
            info.update(w=media.width, h=media.height)
        msgtype = "m.video" if media.mime_type.startswith("video/") else "m.image"
        # Without a separate `filename`, `body` is the media's text alternative (the spec's alt text).
        return {
            "msgtype": msgtype,
            "body": media.alt_text or media.filename,
            "url": content_uri,
            "info": info,
        }

    def delete(self, remote_id: str) -> None:
        async def call(client: AsyncClient) -> None:
            path = (
                f"/_matrix/client/v1/rooms/{_q(self.room_id)}/relations/{_q(remote_id)}/m.reference?limit=50"
            )
            related = (await _api(client, "GET", path)).get("chunk", [])
            for event_id in [remote_id, *(event.get("event_id", "") for event in related)]:
                if event_id:
                    _checked(await client.room_redact(self.room_id, event_id, tx_id=f"redact-{event_id}"))

        self._call(call)

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        async def call(client: AsyncClient) -> list[RemotePost]:
            event_filter = {"senders": [self.user_id], "types": ["m.room.message"]}
            query = urlencode({"dir": "b", "limit": limit, "filter": json.dumps(event_filter)})
            page = await _api(client, "GET", f"/_matrix/client/v3/rooms/{_q(self.room_id)}/messages?{query}")
            posts = []
            for event in page.get("chunk", []):
                content = event.get("content") or {}
                if (
                    "body" not in content
                    or (content.get("m.relates_to") or {}).get("rel_type") == "m.reference"
                ):
                    continue
                posts.append(
                    RemotePost(
                        remote_id=event["event_id"],
                        text=str(content["body"]),
                        created_at=_timestamp(event),
                        url=f"https://matrix.to/#/{self.room_id}/{event['event_id']}",
                    )
                )
            return posts

        return self._call(call)

    # Inbox ------------------------------------------------------------------------------------------------

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        """Messages of the channel room, and of the direct rooms the account is in, since the sync token."""
        return self._call(lambda client: self._fetch_inbox(client, cursor))

    async def _sync(self, client: AsyncClient, since: str) -> dict[str, Any]:
        query = {"timeout": "0", "filter": json.dumps(SYNC_FILTER)}
        if since:
            query["since"] = since
        return await _api(client, "GET", f"/_matrix/client/v3/sync?{urlencode(query)}")

    async def _fetch_inbox(self, client: AsyncClient, cursor: str) -> InboxPage:
        sync = await self._sync(client, cursor)
        direct_rooms = await self._direct_rooms(client)
        if await self._accept_direct_invites(client, sync, direct_rooms):
            # Newly joined direct rooms arrive with their recent history in the next sync: take it now.
            later = await self._sync(client, sync["next_batch"])
            for room_id, room in later.get("rooms", {}).get("join", {}).items():
                sync.setdefault("rooms", {}).setdefault("join", {})[room_id] = room
            sync["next_batch"] = later["next_batch"]
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        has_more = False
        for room_id, room in sync.get("rooms", {}).get("join", {}).items():
            if room_id != self.room_id and room_id not in direct_rooms:
                continue
            timeline = room.get("timeline", {})
            events = list(timeline.get("events", []))
            if cursor and timeline.get("limited") and timeline.get("prev_batch"):
                missing, complete = await self._fill_gap(client, room_id, timeline["prev_batch"], cursor)
                events = missing + events
                has_more = has_more or not complete
            names = self._member_names(room)
            for event in events:
                self._collect(event, room_id, room_id in direct_rooms, names, items, skipped)
        return InboxPage(items=items, cursor=str(sync["next_batch"]), skipped=skipped, has_more=has_more)

    async def _fill_gap(
        self, client: AsyncClient, room_id: str, prev_batch: str, since: str
    ) -> tuple[list[dict[str, Any]], bool]:
        """A limited timeline skipped events between the cursor and prev_batch; /messages accepts the sync
        token as its `to` bound, so the gap is read back, bounded to a few pages."""
        collected: list[dict[str, Any]] = []
        start = prev_batch
        for _ in range(GAP_PAGES):
            query = urlencode(
                {
                    "from": start,
                    "to": since,
                    "dir": "b",
                    "limit": 100,
                    "filter": json.dumps({"types": ["m.room.message", "m.room.encrypted"]}),
                }
            )
            page = await _api(client, "GET", f"/_matrix/client/v3/rooms/{_q(room_id)}/messages?{query}")
            collected.extend(page.get("chunk", []))
            if not page.get("end") or not page.get("chunk"):
                return list(reversed(collected)), True
            start = page["end"]
        return list(reversed(collected)), False

    async def _direct_rooms(self, client: AsyncClient) -> set[str]:
        try:
            direct = await _api(
                client, "GET", f"/_matrix/client/v3/user/{_q(self.user_id)}/account_data/m.direct"
            )
        except PermanentError as exc:
            if exc.reason is PermanentReason.NOT_FOUND:
                return set()
            raise
        return {room for rooms in direct.values() if isinstance(rooms, list) for room in rooms}

    async def _accept_direct_invites(
        self, client: AsyncClient, sync: Mapping[str, Any], direct: set[str]
    ) -> bool:
        """Join invitations flagged is_direct and record them in m.direct, as the spec asks clients to do."""
        accepted: dict[str, str] = {}
        for room_id, room in sync.get("rooms", {}).get("invite", {}).items():
            for event in room.get("invite_state", {}).get("events", []):
                content = event.get("content") or {}
                if (
                    event.get("type") == "m.room.member"
                    and event.get("state_key") == self.user_id
                    and content.get("is_direct")
                ):
                    _checked(await client.join(room_id))
                    accepted[room_id] = str(event.get("sender", ""))
        if not accepted:
            return False
        path = f"/_matrix/client/v3/user/{_q(self.user_id)}/account_data/m.direct"
        try:
            mapping = await _api(client, "GET", path)
        except PermanentError as exc:
            if exc.reason is not PermanentReason.NOT_FOUND:
                raise
            mapping = {}
        for room_id, inviter in accepted.items():
            mapping.setdefault(inviter, []).append(room_id)
        await _api(client, "PUT", path, mapping)
        direct.update(accepted)
        return True

    @staticmethod
    def _member_names(room: Mapping[str, Any]) -> dict[str, str]:
        names = {}
        for event in room.get("state", {}).get("events", []):
            if event.get("type") == "m.room.member" and isinstance(event.get("content"), dict):
                names[str(event.get("state_key"))] = str(event["content"].get("displayname") or "")
        return names

    def _collect(
        self,
        event: Mapping[str, Any],
        room_id: str,
        direct: bool,
        names: Mapping[str, str],
        items: list[InboxItem],
        skipped: list[SkippedItem],
    ) -> None:
        event_id = str(event.get("event_id", ""))
        sender = event.get("sender")
        if sender == self.user_id:
            return
        content = event.get("content")
        if event.get("type") == "m.room.encrypted":
            skipped.append(SkippedItem(event_id, "end-to-end encrypted message (not supported)"))
            return
        if not isinstance(content, dict) or not content:
            return  # redacted: nothing left to read
        try:
            body = content["body"]
            if not isinstance(body, str) or not isinstance(sender, str) or not event_id:
                raise TypeError("body, sender and event_id must be strings")
            created_at = _timestamp(event)
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            logger.warning("Skipping malformed Matrix event %s in %s: %s", event_id, room_id, exc)
            skipped.append(SkippedItem(event_id, f"malformed event: {exc}"))
            return
        relates: dict[str, Any] = content.get("m.relates_to") or {}
        if not isinstance(relates, dict):
            relates = {}
        parent = str((relates.get("m.in_reply_to") or {}).get("event_id", ""))
        thread_root = str(relates.get("event_id", "")) if relates.get("rel_type") == "m.thread" else ""
        mentioned = self.user_id in ((content.get("m.mentions") or {}).get("user_ids") or []) or (
            self.user_id in body
        )
        if direct:
            kind = InboxKind.DIRECT_MESSAGE
        elif parent or thread_root:
            kind = InboxKind.REPLY
        elif mentioned:
            kind = InboxKind.MENTION
        else:
            kind = InboxKind.MESSAGE
        context = {"room_id": room_id, "event_id": event_id, "sender": sender}
        if thread_root:
            context["thread_root"] = thread_root
        items.append(
            InboxItem(
                external_id=event_id,
                kind=kind,
                author=Author(
                    external_id=sender,
                    handle=sender,
                    display_name=names.get(sender, ""),
                    profile_url=f"https://matrix.to/#/{sender}",
                ),
                text=body,
                created_at=created_at,
                thread_id=thread_root or (room_id if direct else ""),
                parent_id=parent or thread_root,
                url=f"https://matrix.to/#/{room_id}/{event_id}",
                reply_context=context,
            )
        )

    # Moderation and metrics -------------------------------------------------------------------------------

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        """Redactions, kicks, bans and reports; hiding and muting have no room-level equivalent."""
        if action not in MODERATION_ACTIONS:
            super().moderate(action, target)
        room_id = target.reply_context.get("room_id", self.room_id)
        user_id = target.author_id or target.reply_context.get("sender", "")
        reason = target.reason or None

        async def call(client: AsyncClient) -> None:
            if action is ModerationAction.DELETE:
                _checked(
                    await client.room_redact(
                        room_id, target.item_id, reason=reason, tx_id=f"redact-{target.item_id}"
                    )
                )
            elif action is ModerationAction.KICK:
                _checked(await client.room_kick(room_id, user_id, reason=reason))
            elif action is ModerationAction.BAN:
                _checked(await client.room_ban(room_id, user_id, reason=reason))
            elif action is ModerationAction.UNBAN:
                _checked(await client.room_unban(room_id, user_id))
            elif action is ModerationAction.REPORT:
                path = f"/_matrix/client/v3/rooms/{_q(room_id)}/report/{_q(target.item_id)}"
                await _api(client, "POST", path, {"reason": target.reason or "Reported from Comptoir"})

        if action in (ModerationAction.KICK, ModerationAction.BAN, ModerationAction.UNBAN) and not user_id:
            raise PermanentError("Say which user to act on.", reason=PermanentReason.VALIDATION)
        self._call(call)

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        async def call(client: AsyncClient) -> ProfileMetrics:
            members = await _api(client, "GET", f"/_matrix/client/v3/rooms/{_q(self.room_id)}/joined_members")
            joined = members.get("joined", {})
            # The account itself is a member, not a follower.
            return ProfileMetrics(followers=max(0, len(joined) - (self.user_id in joined)))

        return self._call(call)
