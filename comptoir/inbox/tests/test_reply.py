"""Replies go through the ledger: sent with the remote id kept, retried when retryable, never resent blindly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.models import Channel
from comptoir.inbox.actions import do_reply, resend_due_replies
from comptoir.inbox.models import Conversation, Message, OutboundReply
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.providers.base import InboxItem, OutboundPost, OutcomeUnknownError, Published
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import AuditEntry, Membership
from tests.peers.mastodon import MastodonState


@pytest.fixture
def channel(owner: Membership, mastodon_server: MastodonState) -> Channel:
    channel: Channel = ChannelFactory(
        workspace=owner.workspace,
        network="mastodon",
        settings={"instance": mastodon_server.url, "allow_private_network": "1"},
    )
    channel.credentials = {"access_token": mastodon_server.token_for("boulangerie")}
    channel.save()
    return channel


@pytest.fixture
def question(channel: Channel, mastodon_server: MastodonState) -> dict[str, Any]:
    """A fan's public mention of the brand, already synced into the inbox."""
    fan = mastodon_server.account("fan")
    status = mastodon_server.post_status(fan, "@boulangerie Ouvert dimanche ?")
    assert sync_channel_inbox(channel).stored == 1
    return status


def inbound(question: dict[str, Any]) -> Message:
    return Message.objects.select_related("conversation").get(external_id=question["id"])


def statuses_replying_to(server: MastodonState, status_id: str) -> list[dict[str, Any]]:
    return [s for s in server.statuses.values() if s["in_reply_to_id"] == status_id]


def test_a_reply_is_sent_recorded_and_shown_in_the_conversation(
    owner: Membership, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui, de 8 h à 13 h !")
    [sent] = statuses_replying_to(mastodon_server, question["id"])
    assert (reply.state, reply.remote_id, reply.attempts) == (OutboundReply.State.SENT, sent["id"], 1)
    assert sent["text"] == "@fan Oui, de 8 h à 13 h !"
    outbound = Message.objects.get(external_id=sent["id"])
    assert (outbound.direction, outbound.conversation_id, outbound.author) == (
        Message.Direction.OUTBOUND,
        message.conversation_id,
        owner.user,
    )
    assert AuditEntry.objects.filter(object_type="outboundreply", object_id=str(reply.id)).exists()


def test_a_rate_limited_reply_waits_and_is_sent_on_retry(
    owner: Membership, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    mastodon_server.fail_next(
        "POST", "/api/v1/statuses", 429, {"error": "Too many requests"}, **{"X-RateLimit-Reset": reset}
    )
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui !")
    assert reply.state == OutboundReply.State.PENDING
    assert reply.retry_at is not None and reply.retry_at > timezone.now() + timedelta(minutes=4)
    assert reply.error == "The Mastodon server is rate limiting us."
    assert statuses_replying_to(mastodon_server, question["id"]) == []
    resend_due_replies()  # not due yet
    assert OutboundReply.objects.get().state == OutboundReply.State.PENDING
    OutboundReply.objects.update(retry_at=timezone.now())
    resend_due_replies()
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == (OutboundReply.State.SENT, 2)
    assert len(statuses_replying_to(mastodon_server, question["id"])) == 1


def test_a_refused_reply_fails_with_the_networks_reason(
    owner: Membership, channel: Channel, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    mastodon_server.fail_next(
        "POST", "/api/v1/statuses", 422, {"error": "Validation failed: Text character limit of 500 exceeded"}
    )
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui !")
    assert reply.state == OutboundReply.State.FAILED
    assert "character limit" in reply.error
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE
    OutboundReply.objects.update(retry_at=timezone.now())
    resend_due_replies()
    assert statuses_replying_to(mastodon_server, question["id"]) == []


def test_a_revoked_token_fails_the_reply_and_asks_for_reconnection(
    owner: Membership, channel: Channel, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    mastodon_server.fail_next("POST", "/api/v1/statuses", 401, {"error": "The access token is invalid"})
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui !")
    assert reply.state == OutboundReply.State.FAILED
    channel.refresh_from_db()
    assert channel.status == Channel.Status.RECONNECT


def test_a_server_error_is_retried_with_the_same_key_and_posts_once(
    owner: Membership, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    # The Idempotency-Key makes the POST safe to repeat: Mastodon answers a repeat with the first status.
    mastodon_server.fail_next("POST", "/api/v1/statuses", 500, {"error": "Internal server error"})
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui !")
    assert reply.state == OutboundReply.State.PENDING
    OutboundReply.objects.update(retry_at=timezone.now())
    resend_due_replies()
    resend_due_replies()
    reply.refresh_from_db()
    assert (reply.state, reply.attempts) == (OutboundReply.State.SENT, 2)
    assert len(statuses_replying_to(mastodon_server, question["id"])) == 1


class AnswerLost:
    """A provider whose reply reached the network but whose answer was lost (a reset after sending)."""

    def __init__(self) -> None:
        self.calls = 0

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        self.calls += 1
        raise OutcomeUnknownError("The Mastodon server did not answer after receiving the request.")


def test_an_unknown_outcome_is_never_resent(
    owner: Membership, question: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mastodon keyed replies are always safe to retry, so the lost answer is played by a provider double.
    provider = AnswerLost()
    monkeypatch.setattr("comptoir.inbox.actions.provider_for", lambda channel: provider)
    message = inbound(question)
    reply = do_reply(message.conversation, message, owner.user, "Oui !")
    assert reply.state == OutboundReply.State.UNKNOWN
    OutboundReply.objects.update(retry_at=timezone.now())
    resend_due_replies()
    reply.refresh_from_db()
    assert (reply.state, reply.attempts, provider.calls) == (OutboundReply.State.UNKNOWN, 1, 1)


def test_a_reply_whose_worker_died_mid_call_becomes_unknown(
    owner: Membership, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    message = inbound(question)
    reply = OutboundReply.objects.create(
        workspace=owner.workspace,
        conversation=message.conversation,
        in_reply_to=message,
        author=owner.user,
        text="Oui !",
        idempotency_key="k1",
        attempts=1,
        last_attempt_at=timezone.now() - timedelta(hours=1),
    )
    resend_due_replies()
    reply.refresh_from_db()
    assert reply.state == OutboundReply.State.UNKNOWN
    assert statuses_replying_to(mastodon_server, question["id"]) == []


def test_an_empty_reply_is_refused_before_any_call(owner: Membership, question: dict[str, Any]) -> None:
    message = inbound(question)
    with pytest.raises(ValidationError):
        do_reply(message.conversation, message, owner.user, "   ")
    assert not OutboundReply.objects.exists()


def test_the_reply_form_sends_through_the_provider(
    owner: Membership, owner_client: Client, mastodon_server: MastodonState, question: dict[str, Any]
) -> None:
    message = inbound(question)
    url = reverse("inbox:reply", args=[owner.workspace.slug, message.conversation_id])
    response = owner_client.post(url, {"message": message.id, "text": "Bien sûr !"})
    assert response.status_code == 302
    assert [s["text"] for s in statuses_replying_to(mastodon_server, question["id"])] == ["@fan Bien sûr !"]
    page = owner_client.get(response["Location"])
    assert "Bien sûr !" in page.content.decode()
    assert Conversation.objects.get().messages.count() == 2
