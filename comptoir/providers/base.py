"""The one interface every network module implements: typed data in and out, typed errors, declared capabilities.

Providers never touch the database or Django settings: a channel hands them its decrypted credentials and
settings, and they hand back plain dataclasses. Everything a caller may need to decide (retry, give up,
reconcile) is carried by the exception type, never by parsing a message.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from comptoir.providers.capabilities import Capabilities


class ProviderError(Exception):
    """Base of every provider failure. `message` is safe to show a user: it never contains a secret."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class RetryableError(ProviderError):
    """Nothing was accepted by the network (rate limit, 5xx before send, connection refused): safe to retry."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class PermanentReason(enum.StrEnum):
    VALIDATION = "validation"
    AUTH_REVOKED = "auth_revoked"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    UNSUPPORTED = "unsupported"


class PermanentError(ProviderError):
    """Retrying will not help until a person acts (fix the content, reconnect the channel...)."""

    def __init__(
        self, message: str, *, reason: PermanentReason, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.reason = reason


class OutcomeUnknownError(ProviderError):
    """The request may have been accepted (timeout or reset after sending): never retry blindly, reconcile."""


@dataclass(frozen=True)
class Connection:
    """What a successful connect or credential refresh yields; `credentials` is stored encrypted by the caller."""

    account_id: str
    display_name: str
    handle: str
    credentials: Mapping[str, str]
    settings: Mapping[str, str] = field(default_factory=dict)
    expires_at: datetime | None = None
    avatar_url: str = ""


@dataclass(frozen=True)
class Media:
    """An image (or video) ready to upload: the caller has already made the network's rendition."""

    content: bytes
    mime_type: str
    alt_text: str = ""
    width: int | None = None
    height: int | None = None
    filename: str = "media"
    # A public URL serving `content`, for networks that fetch media themselves (Instagram's Content Publishing
    # API only takes image_url/video_url).
    url: str = ""


@dataclass(frozen=True)
class OutboundPost:
    """A post, reply or thread part to send. `idempotency_key` is embedded where the network allows it so the
    publisher's reconciler can recognise the post when reading the channel back."""

    text: str
    media: Sequence[Media] = ()
    link: str = ""
    idempotency_key: str = ""
    thread: Sequence[OutboundPost] = ()
    subject: str = ""


@dataclass(frozen=True)
class Published:
    """The network accepted the post: `remote_ids` holds one id per thread part, the first is the post itself."""

    remote_ids: Sequence[str]
    url: str = ""
    published_at: datetime | None = None

    @property
    def remote_id(self) -> str:
        return self.remote_ids[0]


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str = ""
    display_name: str = ""
    avatar_url: str = ""
    profile_url: str = ""


class InboxKind(enum.StrEnum):
    COMMENT = "comment"
    MENTION = "mention"
    REPLY = "reply"
    DIRECT_MESSAGE = "direct_message"
    EMAIL = "email"
    ARTICLE = "article"
    MESSAGE = "message"


@dataclass(frozen=True)
class InboxItem:
    """One inbound message. `reply_context` holds what the provider needs later to answer it (stored verbatim)."""

    external_id: str
    kind: InboxKind
    author: Author
    text: str
    created_at: datetime
    thread_id: str = ""
    parent_id: str = ""
    url: str = ""
    title: str = ""
    reply_context: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SkippedItem:
    """A malformed payload that was logged and skipped; the sync goes on without it."""

    external_id: str
    reason: str


@dataclass(frozen=True)
class InboxPage:
    """Items newer than the cursor given, and the cursor to pass next time (resumable after a crash)."""

    items: Sequence[InboxItem]
    cursor: str
    skipped: Sequence[SkippedItem] = ()
    has_more: bool = False


@dataclass(frozen=True)
class RemotePost:
    """A post read back from the channel, used by the publisher's reconciler and by metrics."""

    remote_id: str
    text: str
    created_at: datetime | None = None
    url: str = ""
    idempotency_key: str = (
        ""  # read back where the network stores it with the post (e.g. a Bluesky record field)
    )


@dataclass(frozen=True)
class PostMetrics:
    remote_id: str
    reactions: int = 0
    replies: int = 0
    reposts: int = 0
    impressions: int | None = None


@dataclass(frozen=True)
class ProfileMetrics:
    followers: int | None
    following: int | None = None
    posts: int | None = None
    per_post: Sequence[PostMetrics] = ()


class ModerationAction(enum.StrEnum):
    HIDE = "hide"
    UNHIDE = "unhide"
    DELETE = "delete"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    MUTE = "mute"
    UNMUTE = "unmute"
    REPORT = "report"


@dataclass(frozen=True)
class ModerationTarget:
    """What to act on: an item (hide/delete/report) or its author (ban/mute/kick)."""

    item_id: str = ""
    author_id: str = ""
    reason: str = ""
    reply_context: Mapping[str, str] = field(default_factory=dict)


class Provider(abc.ABC):
    """One connected account on one network. Subclasses set `network` and `capabilities` and implement the
    methods; an operation the network does not allow raises PermanentError(reason=UNSUPPORTED), and the
    capability matrix says so beforehand so the UI never offers it."""

    network: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, credentials: Mapping[str, str], settings: Mapping[str, str]) -> None:
        self.credentials = credentials
        self.settings = settings

    @classmethod
    @abc.abstractmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """Check the parameters a person entered (or an OAuth code exchange) and return the connection."""

    def refresh_credentials(self) -> Connection | None:
        """Renew short-lived tokens; None when the network's credentials do not expire."""
        return None

    @abc.abstractmethod
    def publish(self, post: OutboundPost) -> Published: ...

    @abc.abstractmethod
    def delete(self, remote_id: str) -> None: ...

    @abc.abstractmethod
    def fetch_inbox(self, cursor: str = "") -> InboxPage: ...

    @abc.abstractmethod
    def reply(self, item: InboxItem, post: OutboundPost) -> Published: ...

    @abc.abstractmethod
    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]: ...

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        raise PermanentError(
            f"{self.network} does not allow '{action}' through its API.", reason=PermanentReason.UNSUPPORTED
        )

    def fetch_metrics(self, remote_ids: Sequence[str] = ()) -> ProfileMetrics:
        raise PermanentError(f"{self.network} gives no metrics.", reason=PermanentReason.UNSUPPORTED)

    def search(self, query: str, cursor: str = "") -> InboxPage:
        raise PermanentError(f"{self.network} has no search.", reason=PermanentReason.UNSUPPORTED)
