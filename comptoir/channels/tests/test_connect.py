"""Connecting channels from the web pages: a form network (RSS), an OAuth network (Mastodon), and refusals."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from comptoir.channels.models import Channel
from comptoir.workspaces.models import AuditEntry, Membership
from tests.peers.mastodon import MastodonState
from tests.peers.web import WebPeer

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Actus de la boulangerie</title>
<link>http://127.0.0.1/</link><description>Nouveautés</description>
<item><title>Galette des rois</title><link>http://127.0.0.1/galette</link><guid>galette-2027</guid>
<pubDate>Mon, 04 Jan 2027 08:00:00 GMT</pubDate><description>La galette est de retour.</description></item>
</channel></rss>"""


@pytest.fixture
def private_networks_allowed(settings: Settings) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = True


def test_connect_a_feed(
    owner: Membership, owner_client: Client, web_peer: WebPeer, private_networks_allowed: None
) -> None:
    url = web_peer.write("actus.xml", FEED)
    response = owner_client.post(
        reverse("channels:connect", args=[owner.workspace.slug, "rss"]), {"url": url}
    )
    assert response.status_code == 302
    channel = Channel.objects.get(workspace=owner.workspace, network="rss")
    assert channel.name == "Actus de la boulangerie"
    page = owner_client.get(reverse("channels:list", args=[owner.workspace.slug])).content.decode()
    assert "Actus de la boulangerie" in page
    assert AuditEntry.objects.filter(object_type="channel", action="create").exists()


def test_private_address_is_refused_by_default(
    owner: Membership, owner_client: Client, web_peer: WebPeer
) -> None:
    url = web_peer.write("interne.xml", FEED)
    response = owner_client.post(
        reverse("channels:connect", args=[owner.workspace.slug, "rss"]), {"url": url}
    )
    assert response.status_code == 200
    assert 'class="errors"' in response.content.decode()
    assert not Channel.objects.exists()


def test_missing_field_is_explained(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("channels:connect", args=[owner.workspace.slug, "matrix"]),
        {
            "homeserver": "https://matrix.example",
            "user_id": "@bot:matrix.example",
            "room": "#c:matrix.example",
        },
    )
    assert response.status_code == 200
    assert "access token" in response.content.decode() or "jeton" in response.content.decode()


def test_unknown_network_is_404(owner: Membership, owner_client: Client) -> None:
    assert (
        owner_client.get(reverse("channels:connect", args=[owner.workspace.slug, "myspace"])).status_code
        == 404
    )


def test_oauth_network_without_operator_app_says_what_to_do(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(reverse("channels:connect", args=[owner.workspace.slug, "x"]))
    assert response.status_code == 200
    assert "COMPTOIR_X_CLIENT_ID" in response.content.decode()


def test_connect_mastodon_through_oauth(
    owner: Membership, owner_client: Client, mastodon_server: MastodonState, private_networks_allowed: None
) -> None:
    start = owner_client.post(
        reverse("channels:connect", args=[owner.workspace.slug, "mastodon"]),
        {"instance": mastodon_server.url},
    )
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == mastodon_server.url
    query = {key: values[0] for key, values in parse_qs(authorize.query).items()}
    code = mastodon_server.approve(query["client_id"], "boulangerie", query["redirect_uri"])
    callback = urlsplit(query["redirect_uri"]).path
    done = owner_client.get(callback, {"code": code, "state": query["state"]})
    assert done["Location"] == reverse("channels:list", args=[owner.workspace.slug])
    channel = Channel.objects.get(network="mastodon")
    assert channel.handle.startswith("boulangerie")
    assert channel.credentials["access_token"]


def test_callback_with_a_forged_state_connects_nothing(owner: Membership, owner_client: Client) -> None:
    response = owner_client.get(
        reverse("channels:oauth_callback", args=["mastodon"]), {"code": "x", "state": "forged"}
    )
    assert response.status_code == 302
    assert not Channel.objects.exists()
