"""On a real local AT Protocol network: a Bluesky mention is received, classified and answered from the inbox."""

from __future__ import annotations

import pytest
from atproto import Client as AtprotoClient
from django.test import Client
from django.urls import reverse

from comptoir.channels.actions import do_connect_channel
from comptoir.inbox.models import Message, OutboundReply
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.moderation.models import ActionLog, Rule
from comptoir.moderation.rules import check_condition
from comptoir.providers.bluesky import BlueskyProvider
from comptoir.providers.tests.test_bluesky import wait_for
from comptoir.workspaces.models import Membership
from tests.peers.bluesky import BlueskyNetwork

pytestmark = pytest.mark.peers


def test_a_bluesky_mention_is_received_classified_and_answered_from_the_inbox(
    owner: Membership, owner_client: Client, bluesky_network: BlueskyNetwork
) -> None:
    brand_handle, brand_password, _brand_did = bluesky_network.create_account("fournil")
    fan_handle, fan_password, _fan_did = bluesky_network.create_account("cliente")
    fan = AtprotoClient(base_url=bluesky_network.pds_url)
    fan.login(fan_handle, fan_password)
    connection = BlueskyProvider.connect(
        {
            "service": bluesky_network.pds_url,
            "handle": brand_handle,
            "app_password": brand_password,
            "allow_private_network": "1",
        }
    )
    channel = do_connect_channel(owner.workspace, owner.user, "bluesky", connection)
    Rule.objects.create(
        workspace=owner.workspace,
        name="Questions en français",
        conditions=[check_condition("language", "", "fr")],
        actions=[{"type": "queue"}],
    )
    text = f"@{brand_handle} Bonjour, est-ce que vous livrez à Montreuil le samedi ?"
    mention = fan.send_post(text, facets=fan.detect_facets(text))

    wait_for(bluesky_network, lambda: sync_channel_inbox(channel).stored, "the mention in the inbox")

    message = Message.objects.get(external_id=mention.uri)
    assert message.kind == "mention"
    assert message.classified_at is not None
    assert message.language == "fr"
    assert message.sentiment in {"negative", "neutral", "positive"}
    assert ActionLog.objects.get(message=message).reason.startswith("Questions en français: language fr")

    response = owner_client.post(
        reverse("inbox:reply", args=[owner.workspace.slug, message.conversation_id]),
        {"message": message.id, "text": "Oui, le samedi matin !"},
    )
    assert response.status_code == 302
    reply = OutboundReply.objects.get()
    assert reply.state == OutboundReply.State.SENT, reply.error
    replies = wait_for(
        bluesky_network,
        lambda: fan.get_post_thread(mention.uri).thread.replies,
        "the brand's answer under the mention",
    )
    assert [(post.post.uri, post.post.record.text) for post in replies] == [
        (reply.remote_id, "Oui, le samedi matin !")
    ]
