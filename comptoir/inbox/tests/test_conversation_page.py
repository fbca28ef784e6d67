"""A conversation: its messages, the contact's other conversations, and the team's status, assignment and notes."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.inbox.models import Conversation, Note
from comptoir.testing.factories import ConversationFactory, MembershipFactory, MessageFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role

SCRIPT = '<script>alert("pwned")</script>'


def make_conversation(owner: Membership, **fields: object) -> Conversation:
    found: Conversation = ConversationFactory(contact__channel__workspace=owner.workspace, **fields)
    return found


def page(client: Client, conversation: Conversation) -> str:
    response = client.get(reverse("inbox:conversation", args=[conversation.workspace.slug, conversation.id]))
    assert response.status_code == 200
    return response.content.decode()


def test_inbound_html_is_escaped_in_the_conversation(owner: Membership, owner_client: Client) -> None:
    conversation = make_conversation(
        owner, subject=SCRIPT, contact__display_name=SCRIPT, contact__handle=SCRIPT
    )
    MessageFactory(conversation=conversation, text=f"Bonjour\n{SCRIPT}", url="https://example.test/post")
    body = page(owner_client, conversation)
    assert "<script>alert" not in body
    assert body.count("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;") >= 3


def test_the_contact_panel_shows_their_other_conversations(owner: Membership, owner_client: Client) -> None:
    conversation = make_conversation(owner, subject="Aujourd'hui")
    MessageFactory(conversation=conversation)
    earlier = ConversationFactory(contact=conversation.contact, subject="La semaine dernière")
    MessageFactory(conversation=earlier, contact=conversation.contact)
    ConversationFactory(contact__channel=conversation.channel, subject="Quelqu'un d'autre")
    response = owner_client.get(reverse("inbox:conversation", args=[owner.workspace.slug, conversation.id]))
    assert [c.subject for c in response.context["history"]] == ["La semaine dernière"]


def test_status_change_is_saved_and_audited(owner: Membership, owner_client: Client) -> None:
    conversation = make_conversation(owner)
    url = reverse("inbox:status", args=[owner.workspace.slug, conversation.id])
    assert owner_client.post(url, {"status": "done"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.DONE
    entry = AuditEntry.objects.get(object_type="conversation")
    assert (entry.actor, entry.changes) == (owner.user, {"status": ["open", "done"]})


def test_assignment_goes_to_members_who_may_reply(owner: Membership, owner_client: Client) -> None:
    conversation = make_conversation(owner)
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR)
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    url = reverse("inbox:assign", args=[owner.workspace.slug, conversation.id])
    owner_client.post(url, {"assignee": str(analyst.user_id)})
    conversation.refresh_from_db()
    assert conversation.assignee is None
    owner_client.post(url, {"assignee": str(moderator.user_id)})
    conversation.refresh_from_db()
    assert conversation.assignee == moderator.user
    entry = AuditEntry.objects.get(object_type="conversation")
    assert entry.changes == {"assignee": [None, moderator.user.email]}


def test_internal_notes_are_kept_and_audited(owner: Membership, owner_client: Client) -> None:
    conversation = make_conversation(owner)
    url = reverse("inbox:add_note", args=[owner.workspace.slug, conversation.id])
    owner_client.post(url, {"text": "Client fidèle, le rappeler."})
    note = Note.objects.get()
    assert (note.conversation, note.author, note.text) == (
        conversation,
        owner.user,
        "Client fidèle, le rappeler.",
    )
    assert AuditEntry.objects.filter(object_type="note", object_id=str(note.id)).exists()
    assert "Client fidèle, le rappeler." in page(owner_client, conversation)


def test_an_analyst_reads_but_gets_no_reply_form(owner: Membership) -> None:
    conversation = make_conversation(owner)
    MessageFactory(conversation=conversation)
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    body = page(client, conversation)
    assert 'name="text"' not in body
    url = reverse("inbox:reply", args=[owner.workspace.slug, conversation.id])
    assert client.post(url, {"message": "1", "text": "x"}).status_code == 403
