"""RSS/Atom provider: a feed is a read-only source of articles, polled with conditional GET."""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn

import feedparser
import lxml.html
from lxml import etree

from comptoir.providers.base import (
    Author,
    Connection,
    InboxItem,
    InboxKind,
    InboxPage,
    OutboundPost,
    PermanentError,
    PermanentReason,
    Provider,
    Published,
    RemotePost,
    SkippedItem,
)
from comptoir.providers.http import ALLOW_PRIVATE_SETTING, Fetched, allow_private_from, fetch_if_changed
from comptoir.providers.networks import CAPABILITIES

logger = logging.getLogger(__name__)

# Entry ids remembered in the cursor: more than any feed keeps, so an entry is never announced twice.
SEEN_LIMIT = 500
BLOCK_TAGS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML fragment: scripts and styles dropped, blocks on their own lines."""
    if not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return html.strip()
    for element in root.iter("script", "style", "head", "title"):
        element.drop_tree()
    for element in root.iter(*BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


class ReadOnlyProvider(Provider):
    """Sources that are only read (feeds, web pages): every outbound operation is refused the same way."""

    def _unsupported(self) -> NoReturn:
        raise PermanentError(f"{self.network} is a read-only source.", reason=PermanentReason.UNSUPPORTED)

    def publish(self, post: OutboundPost) -> Published:
        self._unsupported()

    def delete(self, remote_id: str) -> None:
        self._unsupported()

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        self._unsupported()

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        return []

    @property
    def url(self) -> str:
        return self.settings["url"]

    @staticmethod
    def source_settings(params: Mapping[str, str], url: str) -> dict[str, str]:
        settings = {"url": url}
        if allow_private_from(params):
            settings[ALLOW_PRIVATE_SETTING] = "1"
        return settings


def _parse(fetched: Fetched) -> Any:
    # feedparser is given the bytes, never the URL: fetching is ours, through the SSRF guard.
    return feedparser.parse(
        fetched.content,
        response_headers={"content-type": fetched.content_type, "content-location": fetched.url},
    )


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    html = contents[0].get("value", "") if contents else entry.get("summary", "")
    return html_to_text(str(html or ""))


class FeedProvider(ReadOnlyProvider):
    network = "rss"
    capabilities = CAPABILITIES["rss"]

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        url = params["url"].strip()
        fetched = fetch_if_changed(url, allow_private=allow_private_from(params))
        assert fetched is not None  # no validators were sent, so there is no 304
        parsed = _parse(fetched)
        if not parsed.get("version"):
            raise PermanentError(
                "This address is not an RSS or Atom feed.", reason=PermanentReason.VALIDATION
            )
        title = str(parsed.feed.get("title") or url)
        return Connection(
            account_id=url,
            display_name=title,
            handle=url,
            credentials={},
            settings=cls.source_settings(params, url),
            avatar_url=str((parsed.feed.get("image") or {}).get("href", "")),
        )

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        """New entries since the cursor, which holds the HTTP validators and the ids already announced."""
        state = json.loads(cursor) if cursor else {}
        seen: list[str] = list(state.get("seen", []))
        fetched = fetch_if_changed(
            self.url,
            etag=state.get("etag", ""),
            last_modified=state.get("modified", ""),
            allow_private=allow_private_from(self.settings),
        )
        if fetched is None:
            return InboxPage(items=[], cursor=cursor)
        parsed = _parse(fetched)
        if not parsed.get("version"):
            logger.warning("Feed %s did not parse: %s", self.url, parsed.get("bozo_exception"))
            raise PermanentError("The feed is no longer RSS or Atom.", reason=PermanentReason.VALIDATION)
        items: list[InboxItem] = []
        skipped: list[SkippedItem] = []
        fetched_at = datetime.now(UTC)
        for entry in parsed.entries:
            link = str(entry.get("link") or "")
            title = html_to_text(str(entry.get("title") or ""))
            entry_id = str(entry.get("id") or link)
            if not entry_id or not (title or link):
                digest = hashlib.sha256(repr(sorted(entry.items())).encode()).hexdigest()[:16]
                logger.warning("Skipping feed entry without id, link or title in %s", self.url)
                skipped.append(
                    SkippedItem(external_id=entry_id or digest, reason="entry has no link or title")
                )
                continue
            if entry_id in seen:
                continue
            seen.append(entry_id)
            author = str(entry.get("author") or "")
            items.append(
                InboxItem(
                    external_id=entry_id,
                    kind=InboxKind.ARTICLE,
                    author=Author(external_id=author or self.url, display_name=author),
                    text=_entry_text(entry),
                    created_at=_entry_time(entry) or fetched_at,
                    url=link,
                    title=title,
                    reply_context={"url": link},
                )
            )
        next_state = {"etag": fetched.etag, "modified": fetched.last_modified, "seen": seen[-SEEN_LIMIT:]}
        return InboxPage(items=items, cursor=json.dumps(next_state), skipped=skipped)
