"""RSS and Atom feeds served on loopback: parsing, conditional GET, new entries, malformed entries."""

from __future__ import annotations

import json
import uuid

import pytest

from comptoir.providers.base import InboxKind, OutboundPost, PermanentError, PermanentReason
from comptoir.providers.feeds import FeedProvider
from comptoir.providers.http import BlockedAddressError
from tests.peers.web import WebPeer

pytestmark = pytest.mark.peers

ALLOW = {"allow_private_network": "1"}


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Blog Acme</title>'
        "<link>https://acme.example/</link><description>Nouvelles</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def rss_item(number: int) -> str:
    return (
        f"<item><title>Article {number}</title><link>https://acme.example/{number}</link>"
        f"<guid>https://acme.example/{number}</guid><author>jane@acme.example (Jane)</author>"
        f"<pubDate>Fri, 20 Nov 2026 10:0{number}:00 GMT</pubDate>"
        f"<description>&lt;p&gt;Corps &lt;b&gt;{number}&lt;/b&gt;&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</description>"
        "</item>"
    )


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Acme</title><id>urn:acme</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title>Première</title><id>urn:acme:1</id><link href="https://acme.example/a1"/>
<updated>2026-11-20T10:00:00Z</updated><author><name>Jane Doe</name></author>
<content type="html">&lt;p&gt;Texte complet&lt;/p&gt;</content></entry>
</feed>"""


def provider_for(web_peer: WebPeer, name: str) -> FeedProvider:
    connection = FeedProvider.connect({"url": web_peer.url(name), **ALLOW})
    return FeedProvider(connection.credentials, connection.settings)


def test_rss_entries_become_articles(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.xml"
    web_peer.write(name, rss(rss_item(1), rss_item(2)))
    connection = FeedProvider.connect({"url": web_peer.url(name), **ALLOW})
    assert connection.display_name == "Blog Acme"
    page = FeedProvider(connection.credentials, connection.settings).fetch_inbox("")
    assert [item.title for item in page.items] == ["Article 1", "Article 2"]
    first = page.items[0]
    assert first.kind is InboxKind.ARTICLE
    assert first.url == "https://acme.example/1"
    assert first.text == "Corps 1"
    assert first.created_at.isoformat() == "2026-11-20T10:01:00+00:00"
    assert "Jane" in first.author.display_name


def test_atom_entries_become_articles(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.atom"
    web_peer.write(name, ATOM)
    [item] = provider_for(web_peer, name).fetch_inbox("").items
    assert (item.external_id, item.title, item.text, item.author.display_name) == (
        "urn:acme:1",
        "Première",
        "Texte complet",
        "Jane Doe",
    )
    assert item.url == "https://acme.example/a1"


def test_unchanged_feed_is_a_304_and_a_new_entry_yields_one_item(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.xml"
    web_peer.write(name, rss(rss_item(1)))
    provider = provider_for(web_peer, name)
    first = provider.fetch_inbox("")
    second = provider.fetch_inbox(first.cursor)
    assert second.items == []
    assert second.cursor == first.cursor
    assert web_peer.requests_for(name)[-1]["If-None-Match"] == json.loads(first.cursor)["etag"]
    assert web_peer.statuses_for(name)[-1] == 304

    web_peer.write(name, rss(rss_item(2), rss_item(1)))
    third = provider.fetch_inbox(second.cursor)
    assert [item.title for item in third.items] == ["Article 2"]
    assert provider.fetch_inbox(third.cursor).items == []


def test_malformed_entries_are_skipped(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.xml"
    web_peer.write(name, rss("<item><description>ni titre ni lien</description></item>", rss_item(3)))
    page = provider_for(web_peer, name).fetch_inbox("")
    assert [item.title for item in page.items] == ["Article 3"]
    assert len(page.skipped) == 1


def test_a_page_that_is_not_a_feed_is_refused(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.html"
    web_peer.write(name, "<html><body><p>pas un flux</p></body></html>")
    with pytest.raises(PermanentError) as caught:
        FeedProvider.connect({"url": web_peer.url(name), **ALLOW})
    assert caught.value.reason is PermanentReason.VALIDATION


def test_a_feed_on_a_private_address_is_refused_by_default(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.xml"
    web_peer.write(name, rss(rss_item(1)))
    with pytest.raises(BlockedAddressError):
        FeedProvider.connect({"url": web_peer.url(name)})


def test_feeds_cannot_publish(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.xml"
    web_peer.write(name, rss(rss_item(1)))
    with pytest.raises(PermanentError) as caught:
        provider_for(web_peer, name).publish(OutboundPost(text="non"))
    assert caught.value.reason is PermanentReason.UNSUPPORTED
