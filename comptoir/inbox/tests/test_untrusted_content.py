"""Inbound content is untrusted: markup in message texts, contact names and e-mail subjects renders inert in
the list, the conversation page and the contact panel; so do team-written labels and saved replies."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Conversation
from comptoir.testing.factories import ConversationFactory, LabelFactory, MessageFactory, SavedReplyFactory
from comptoir.workspaces.models import Membership

SCRIPT = '<script>alert("pwned")</script>'
IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE = SCRIPT + IMAGE


def assert_inert(body: str) -> None:
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.fixture
def hostile(owner: Membership) -> Conversation:
    """An e-mail thread whose subject, sender name and text all carry markup, from a contact with history."""
    conversation: Conversation = ConversationFactory(
        contact__channel__workspace=owner.workspace,
        contact__display_name=HOSTILE,
        contact__handle=HOSTILE,
        kind=Conversation.Kind.EMAIL_THREAD,
        subject=HOSTILE,
    )
    MessageFactory(conversation=conversation, text=HOSTILE + " colis")
    earlier = ConversationFactory(contact=conversation.contact, subject="Earlier " + HOSTILE)
    MessageFactory(conversation=earlier, text="hello")
    label = LabelFactory(workspace=owner.workspace, name=IMAGE[:60])
    conversation.labels.add(label)
    return conversation


def test_the_list_renders_hostile_content_inert(
    owner: Membership, owner_client: Client, hostile: Conversation
) -> None:
    body = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug])).content.decode()
    assert_inert(body)
    assert "<img src=x onerror" not in body


def test_a_search_result_renders_hostile_content_inert(
    owner: Membership, owner_client: Client, hostile: Conversation
) -> None:
    response = owner_client.get(reverse("inbox:inbox", args=[owner.workspace.slug]), {"q": "colis"})
    assert [row.conversation for row in response.context["rows"]] == [hostile]
    assert_inert(response.content.decode())


def test_the_conversation_page_renders_hostile_content_inert(
    owner: Membership, owner_client: Client, hostile: Conversation
) -> None:
    SavedReplyFactory(workspace=owner.workspace, title=HOSTILE[:120], body="Bonjour {{ name }}")
    url = reverse("inbox:conversation", args=[owner.workspace.slug, hostile.id])
    body = owner_client.get(url).content.decode()
    assert_inert(body)
    # The saved reply filled with the hostile name sits in an attribute, escaped there too.
    assert 'data-text="Bonjour &lt;script&gt;' in body


def test_the_contact_panel_renders_hostile_content_inert(
    owner: Membership, owner_client: Client, hostile: Conversation
) -> None:
    url = reverse("inbox:conversation", args=[owner.workspace.slug, hostile.id])
    body = owner_client.get(url).content.decode()
    panel = body.split('data-testid="contact-panel"', 1)[1].split("</aside>", 1)[0]
    assert "Earlier &lt;script&gt;" in panel
    assert "<script>" not in panel and "<img src=x" not in panel
