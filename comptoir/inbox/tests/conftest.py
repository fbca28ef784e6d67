"""A scripted provider for the inbox tests: pages answered by cursor, as a network would, with no network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from comptoir.channels.models import Channel
from comptoir.providers.base import (
    Author,
    Connection,
    InboxItem,
    InboxKind,
    InboxPage,
    OutboundPost,
    ProviderError,
    Published,
    RemotePost,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def item(
    external_id: str,
    *,
    author: str = "@fan:localhost",
    kind: InboxKind = InboxKind.MENTION,
    text: str = "",
    thread_id: str = "",
    parent_id: str = "",
    minutes: int = 0,
) -> InboxItem:
    return InboxItem(
        external_id=external_id,
        kind=kind,
        author=Author(external_id=author, handle=author, display_name=author.strip("@").split(":")[0]),
        text=text or f"Message {external_id}",
        created_at=START + timedelta(minutes=minutes),
        thread_id=thread_id,
        parent_id=parent_id,
        url=f"https://matrix.to/#/!room/{external_id}",
        reply_context={"event_id": external_id},
    )


class ScriptedProvider:
    """Answers fetch_inbox(cursor) from `pages`; an exception in place of a page is raised for that cursor."""

    def __init__(self, pages: Mapping[str, InboxPage | ProviderError]) -> None:
        self.pages = dict(pages)
        self.cursors_asked: list[str] = []

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        self.cursors_asked.append(cursor)
        page = self.pages[cursor]
        if isinstance(page, ProviderError):
            raise page
        return page

    # The rest of the interface is never called by the sync.
    def connect(self, params: Mapping[str, str]) -> Connection:
        raise AssertionError("not used")

    def publish(self, post: OutboundPost) -> Published:
        raise AssertionError("not used")

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        raise AssertionError("not used")

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        raise AssertionError("not used")


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> dict[int, ScriptedProvider]:
    """Maps channel id → its scripted provider; the sync asks provider_for and gets the script."""
    providers: dict[int, ScriptedProvider] = {}

    def provider_for(channel: Channel) -> ScriptedProvider:
        return providers[channel.pk]

    monkeypatch.setattr("comptoir.inbox.sync.provider_for", provider_for)
    return providers
