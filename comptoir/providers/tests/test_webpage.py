"""A web page watched as a source: article text extracted, announced again only when it changes."""

from __future__ import annotations

import uuid

import pytest

from comptoir.providers.base import InboxKind
from comptoir.providers.webpage import WebPageProvider
from tests.peers.web import WebPeer

pytestmark = pytest.mark.peers

PARAGRAPHS = [
    "Acme annonce aujourd'hui Widget 2.0, une refonte complète de son produit phare attendue depuis longtemps.",
    "La nouvelle version consomme deux fois moins d'énergie et se recharge en moins d'une heure, selon l'équipe.",
    "Les premiers clients recevront leur commande dès la semaine prochaine, sans frais de livraison en France.",
]


def page(paragraphs: list[str], menu: str = "Accueil Produits Contact") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>Acme lance Widget 2.0</title><meta name='author' content='Jane Doe'></head><body>"
        f"<nav><a href='/'>{menu}</a></nav><article><h1>Acme lance Widget 2.0</h1>{body}</article>"
        "<aside>Publicité : achetez maintenant</aside><footer>© Acme 2026 — mentions légales</footer></body></html>"
    )


def provider_for(web_peer: WebPeer, name: str) -> WebPageProvider:
    connection = WebPageProvider.connect({"url": web_peer.url(name), "allow_private_network": "1"})
    return WebPageProvider(connection.credentials, connection.settings)


def test_article_text_is_extracted_without_navigation_or_footer(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.html"
    web_peer.write(name, page(PARAGRAPHS))
    [item] = provider_for(web_peer, name).fetch_inbox("").items
    assert item.kind is InboxKind.ARTICLE
    assert item.title == "Acme lance Widget 2.0"
    for paragraph in PARAGRAPHS:
        assert paragraph in item.text
    assert "Produits" not in item.text
    assert "mentions légales" not in item.text


def test_unchanged_page_yields_nothing_and_changed_article_yields_one(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.html"
    web_peer.write(name, page(PARAGRAPHS))
    provider = provider_for(web_peer, name)
    first = provider.fetch_inbox("")
    assert provider.fetch_inbox(first.cursor).items == []

    web_peer.write(name, page(PARAGRAPHS, menu="Accueil Boutique Contact"))
    cosmetic = provider.fetch_inbox(first.cursor)
    assert cosmetic.items == []

    added = (
        "Mise à jour : la précommande est ouverte à tous les clients dès ce soir, dans la limite des stocks."
    )
    web_peer.write(name, page([*PARAGRAPHS, added]))
    [item] = provider.fetch_inbox(cosmetic.cursor).items
    assert added in item.text
    assert item.external_id != first.items[0].external_id


def test_page_without_article_is_skipped(web_peer: WebPeer) -> None:
    name = f"{uuid.uuid4().hex}.html"
    web_peer.write(name, page(PARAGRAPHS))
    provider = provider_for(web_peer, name)
    web_peer.write(name, "<html><body></body></html>")
    result = provider.fetch_inbox("")
    assert result.items == []
    assert len(result.skipped) == 1
