"""The inbox list: one list across channels, narrowed by filters and a text search; inbound text stays inert."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Conversation
from comptoir.testing.factories import ChannelFactory, ConversationFactory, MembershipFactory, MessageFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

SCRIPT = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def listed(client: Client, owner: Membership, **filters: str) -> set[str]:
    response = client.get(
        reverse("inbox:inbox", args=[owner.workspace.slug]), filters, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return {c.subject for c in response.context["conversations"]}


def conversation(owner: Membership, subject: str, **fields: object) -> Conversation:
    found: Conversation = ConversationFactory(
        contact__channel__workspace=owner.workspace, subject=subject, **fields
    )
    return found


def test_conversations_of_every_channel_are_listed(owner: Membership, owner_client: Client) -> None:
    conversation(owner, "Sur Matrix")
    conversation(owner, "Sur Mastodon", contact__channel__network="mastodon")
    ConversationFactory(subject="Autre marque")
    assert listed(owner_client, owner) == {"Sur Matrix", "Sur Mastodon"}


def test_filters_by_channel_kind_status_and_assignee(owner: Membership, owner_client: Client) -> None:
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR)
    first = conversation(owner, "Premier", kind=Conversation.Kind.DIRECT_MESSAGE)
    conversation(owner, "Assigné", status=Conversation.Status.PENDING, assignee=moderator.user)
    assert listed(owner_client, owner, channel=str(first.channel_id)) == {"Premier"}
    assert listed(owner_client, owner, kind="direct_message") == {"Premier"}
    assert listed(owner_client, owner, status="pending") == {"Assigné"}
    assert listed(owner_client, owner, assignee=str(moderator.user_id)) == {"Assigné"}
    assert listed(owner_client, owner, assignee="none") == {"Premier"}


def test_filters_by_language_sentiment_and_date(owner: Membership, owner_client: Client) -> None:
    english = conversation(owner, "English", last_message_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    MessageFactory(conversation=english, language="en", sentiment="positive")
    french = conversation(owner, "Français", last_message_at=datetime(2026, 3, 5, 12, tzinfo=UTC))
    MessageFactory(conversation=french, language="fr", sentiment="negative")
    assert listed(owner_client, owner, language="fr") == {"Français"}
    assert listed(owner_client, owner, sentiment="positive") == {"English"}
    assert listed(owner_client, owner, since="2026-03-02") == {"Français"}
    assert listed(owner_client, owner, until="2026-03-02") == {"English"}


def test_text_search_matches_messages_and_subjects(owner: Membership, owner_client: Client) -> None:
    delivery = conversation(owner, "Question")
    MessageFactory(conversation=delivery, text="Ma LIVRAISON est en retard")
    conversation(owner, "Livraison offerte ?")
    conversation(owner, "Horaires")
    assert listed(owner_client, owner, q="livraison") == {"Question", "Livraison offerte ?"}


def test_a_full_visit_renders_the_page_and_an_htmx_one_the_list(
    owner: Membership, owner_client: Client
) -> None:
    conversation(owner, "Bonjour")
    url = reverse("inbox:inbox", args=[owner.workspace.slug])
    assert b"inbox-filters" in owner_client.get(url).content
    partial = owner_client.get(url, headers={"HX-Request": "true"}).content
    assert b"inbox-filters" not in partial and b"Bonjour" in partial


def test_inbound_html_is_escaped_in_the_list(owner: Membership, owner_client: Client) -> None:
    hostile = conversation(owner, SCRIPT, contact__display_name=SCRIPT)
    MessageFactory(conversation=hostile, text=SCRIPT)
    body = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug])).content.decode()
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in body


def test_the_list_stays_within_the_workspace_with_a_foreign_channel_filter(
    owner: Membership, owner_client: Client
) -> None:
    foreign = ChannelFactory()
    ConversationFactory(contact__channel=foreign, subject="Ailleurs")
    assert listed(owner_client, owner, channel=str(foreign.id)) == set()
