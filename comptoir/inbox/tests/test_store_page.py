"""Storing a page in bulk gives what storing its items one by one gave: each message once, contacts and
conversations upserted, SLA clocks started, the cursor saved with the page, new messages searchable."""

from __future__ import annotations

import pytest

from comptoir.channels.models import Channel
from comptoir.inbox import sync
from comptoir.inbox.models import Contact, Conversation, Message, SyncState
from comptoir.inbox.search import search_conversations
from comptoir.inbox.sla import Clock
from comptoir.inbox.sync import store_page
from comptoir.providers.base import Author, InboxItem, InboxKind, InboxPage, SkippedItem
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership

from .conftest import item


@pytest.fixture
def channel(owner: Membership) -> Channel:
    channel: Channel = ChannelFactory(workspace=owner.workspace)
    SyncState.objects.create(channel=channel)
    return channel


def stored_ids() -> list[str]:
    return sorted(Message.objects.values_list("external_id", flat=True))


def test_duplicates_inside_a_page_and_against_stored_rows_are_stored_once(channel: Channel) -> None:
    first = store_page(channel, InboxPage(items=[item("$a"), item("$b")], cursor="c1"))
    # "$b" is stored already, "$c" comes twice in the page: its first occurrence is the one kept.
    again = store_page(
        channel,
        InboxPage(items=[item("$b"), item("$c", text="premier"), item("$c", text="second")], cursor="c2"),
    )
    assert len(first) == 2
    assert [message.pk for message in again] == [Message.objects.get(external_id="$c").pk]
    assert stored_ids() == ["$a", "$b", "$c"]
    assert Message.objects.get(external_id="$c").text == "premier"
    assert store_page(channel, InboxPage(items=[item("$a"), item("$c")], cursor="c3")) == []
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_stored) == ("c3", 3)


def test_new_messages_come_back_classified_as_stored(channel: Channel) -> None:
    """The rules run on the returned instances without reading them again: they must hold what was written."""
    created = store_page(
        channel,
        InboxPage(items=[item("$a", text="Votre service client est nul, je suis furieux")], cursor="c1"),
    )
    stored = Message.objects.get(external_id="$a")
    assert stored.classified_at is not None and stored.language == "fr"
    returned = created[0]
    for field in (
        "pk",
        "text",
        "created_at",
        "contact_id",
        "conversation_id",
        "workspace_id",
        "language",
        "sentiment",
        "offensive",
        "intent",
        "classification_scores",
        "classified_at",
        "reply_context",
    ):
        assert getattr(returned, field) == getattr(stored, field), field


def test_a_malformed_item_in_the_middle_of_a_page_is_logged_and_skipped(
    channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    page = InboxPage(
        items=[item("$a"), item("$c", minutes=2)], skipped=[SkippedItem("$b", "no sender")], cursor="c1"
    )
    assert len(store_page(channel, page)) == 2
    assert stored_ids() == ["$a", "$c"]
    assert "skipped item $b (no sender)" in caplog.text
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_stored, state.items_skipped) == ("c1", 2, 1)


def test_rows_stored_by_another_writer_meanwhile_send_the_page_item_by_item(
    channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_page(channel, InboxPage(items=[item("$a")], cursor="c1"))
    # As if another sync stored "$a" between the bulk path's read and its insert: the insert collides.
    monkeypatch.setattr(sync, "stored_external_ids", lambda _channel, _ids: set())
    created = store_page(channel, InboxPage(items=[item("$a"), item("$b", minutes=1)], cursor="c2"))
    assert [message.pk for message in created] == [Message.objects.get(external_id="$b").pk]
    assert stored_ids() == ["$a", "$b"]
    assert Contact.objects.count() == 1
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_stored) == ("c2", 2)


def test_contacts_keep_their_newest_profile_and_widen_their_seen_interval(channel: Channel) -> None:
    store_page(channel, InboxPage(items=[item("$a", minutes=10)], cursor="c1"))
    nameless = InboxItem(
        external_id="$c",
        kind=InboxKind.MENTION,
        author=Author(external_id="@fan:localhost", handle="", display_name=""),
        text="sans nom",
        created_at=item("$c", minutes=30).created_at,
    )
    renamed = item("$b", minutes=5)
    renamed = InboxItem(
        **{
            **renamed.__dict__,
            "author": Author(external_id="@fan:localhost", handle="fan", display_name="Fan"),
        }
    )
    store_page(channel, InboxPage(items=[renamed, nameless], cursor="c2"))
    contact = Contact.objects.get()
    assert (contact.display_name, contact.handle) == ("Fan", "fan")
    assert contact.first_seen == renamed.created_at
    assert contact.last_seen == nameless.created_at


def test_sla_clocks_start_on_new_conversations_and_restart_on_reopened_ones(channel: Channel) -> None:
    store_page(channel, InboxPage(items=[item("$a", thread_id="$t")], cursor="c1"))
    conversation = Conversation.objects.get()
    assert conversation.opened_at == item("$a").created_at
    assert conversation.first_response_due_at is not None and conversation.resolution_due_at is not None
    Conversation.objects.update(status=Conversation.Status.DONE, resolved_at=conversation.opened_at)
    later = [item("$b", thread_id="$t", minutes=60 * 24), item("$c", thread_id="$t", minutes=60 * 25)]
    store_page(channel, InboxPage(items=later, cursor="c2"))
    reopened = Conversation.objects.get()
    assert (reopened.status, reopened.resolved_at) == (Conversation.Status.OPEN, None)
    # The resolution clock starts over from the first message that reopened it, as one by one.
    assert reopened.resolution_due_at == Clock.of(channel.workspace).resolution_due(later[0].created_at)
    assert reopened.opened_at == conversation.opened_at
    assert reopened.last_message_at == reopened.last_inbound_at == later[1].created_at


def test_a_reply_whose_parent_comes_earlier_in_the_same_page_joins_its_conversation(channel: Channel) -> None:
    page = InboxPage(
        items=[
            item("$root"),
            item("$reply", kind=InboxKind.REPLY, parent_id="$root", author="@other:localhost", minutes=1),
        ],
        cursor="c1",
    )
    store_page(channel, page)
    assert Conversation.objects.count() == 1
    assert Contact.objects.count() == 2


def test_messages_stored_in_bulk_are_found_by_search(channel: Channel) -> None:
    store_page(
        channel,
        InboxPage(items=[item("$a", text="Ma commande est arrivée cassée"), item("$b")], cursor="c1"),
    )
    found = search_conversations(channel.workspace, "cassée")
    assert [conversation.pk for conversation in found] == [
        Message.objects.get(external_id="$a").conversation_id
    ]


def test_a_page_that_fails_half_way_leaves_nothing_written(
    channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_page(channel, InboxPage(items=[item("$a", thread_id="$t")], cursor="c1"))

    def failing_insert(*args: object) -> list[int]:
        raise RuntimeError("disk full")

    # The new contact and conversation are inserted before the messages fail.
    monkeypatch.setattr(sync, "insert_messages", failing_insert)
    page = InboxPage(
        items=[item("$b", thread_id="$t", minutes=5), item("$c", author="@new:localhost", thread_id="$u")],
        cursor="c2",
    )
    with pytest.raises(RuntimeError):
        store_page(channel, page)
    assert stored_ids() == ["$a"]
    assert Contact.objects.count() == 1 and Conversation.objects.count() == 1
    assert Conversation.objects.get().last_message_at == item("$a").created_at
    assert SyncState.objects.get(channel=channel).cursor == "c1"
