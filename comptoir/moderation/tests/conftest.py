"""Moderation test helpers: a provider that records moderation calls, classified messages, a webhook receiver."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from comptoir.channels.models import Channel
from comptoir.inbox.models import Message
from comptoir.providers.base import (
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
    Published,
)
from comptoir.testing.factories import ChannelFactory, MessageFactory
from comptoir.workspaces.models import Membership


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Reasons and messages are written in the active language (French by default): assertions read the source
    strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner_client(owner: Membership) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(owner.user)
    return client


class RecordingProvider:
    """Stands for any network: records moderate() and reply() calls; `refuse` makes the next calls fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[ModerationAction, ModerationTarget]] = []
        self.replies: list[str] = []
        self.refuse = False

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        if self.refuse:
            raise PermanentError("The network refused.", reason=PermanentReason.FORBIDDEN)
        self.calls.append((action, target))

    def reply(self, item: Any, post: OutboundPost) -> Published:
        self.replies.append(post.text)
        return Published(remote_ids=[f"reply-{len(self.replies)}"])


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingProvider:
    recording = RecordingProvider()
    monkeypatch.setattr("comptoir.moderation.actions.provider_for", lambda channel: recording)
    monkeypatch.setattr("comptoir.inbox.actions.provider_for", lambda channel: recording)
    return recording


@pytest.fixture
def bluesky_channel(owner: Membership) -> Channel:
    """Bluesky allows hide, delete and ban through its API."""
    channel: Channel = ChannelFactory(workspace=owner.workspace, network="bluesky")
    return channel


@pytest.fixture
def matrix_channel(owner: Membership) -> Channel:
    """Matrix allows delete and ban, not hide."""
    channel: Channel = ChannelFactory(workspace=owner.workspace, network="matrix")
    return channel


def scores(**values: float) -> dict[str, dict[str, float]]:
    """Classifier scores as the pipeline stores them: `spam=0.9` → {"spam": {"spam": 0.9, "not-spam": 0.1}}."""
    result: dict[str, dict[str, float]] = {}
    for name, value in values.items():
        task, _, label = name.partition("__")
        label = label or task
        result.setdefault(task, {})[label] = value
    return result


def message_on(channel: Channel, text: str, **fields: Any) -> Message:
    message: Message = MessageFactory(
        conversation__contact__channel=channel, text=text, **{"language": "fr", **fields}
    )
    return message


@dataclass
class Received:
    path: str
    headers: Mapping[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """A loopback HTTP server answering POSTs with the next status of `statuses` (200 once they run out)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(Received(self.path, dict(self.headers), body))
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def action_types(entries: Sequence[Any]) -> list[tuple[str, str]]:
    return [(entry.action, entry.outcome) for entry in entries]
