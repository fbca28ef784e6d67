"""The inbox sync stores each item exactly once, whatever the fetches repeat, skip or crash on."""

from __future__ import annotations

import pytest

from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Conversation, Message, SyncState
from comptoir.inbox.sync import store_item, sync_channel_inbox
from comptoir.providers.base import (
    InboxKind,
    InboxPage,
    PermanentError,
    PermanentReason,
    RetryableError,
    SkippedItem,
)
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership

from .conftest import ScriptedProvider, item


@pytest.fixture
def channel(owner: Membership) -> Channel:
    channel: Channel = ChannelFactory(workspace=owner.workspace)
    return channel


def test_new_items_are_stored_with_their_contact_and_conversation(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {"": InboxPage(items=[item("$a", text="Bonjour !")], cursor="c1")}
    )
    report = sync_channel_inbox(channel)
    message = Message.objects.get()
    assert (report.stored, report.pages, report.error) == (1, 1, "")
    assert (message.external_id, message.text, message.direction) == ("$a", "Bonjour !", "inbound")
    assert message.contact is not None and message.contact.external_id == "@fan:localhost"
    assert message.conversation.kind == Conversation.Kind.MENTION
    assert message.conversation.subject == "Bonjour !"
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_stored, state.items_skipped) == ("c1", 1, 0)


def test_a_page_fetched_again_is_stored_once(channel: Channel, scripted: dict[int, ScriptedProvider]) -> None:
    # A network that does not move the cursor forward hands the same items over and over.
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[item("$a"), item("$b")], cursor="")})
    sync_channel_inbox(channel)
    sync_channel_inbox(channel)
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["$a", "$b"]
    assert SyncState.objects.get(channel=channel).items_stored == 2


def test_overlapping_pages_are_followed_and_stored_once(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {
            "": InboxPage(items=[item("$a"), item("$b")], cursor="c1", has_more=True),
            "c1": InboxPage(items=[item("$b"), item("$c")], cursor="c2"),
        }
    )
    report = sync_channel_inbox(channel)
    assert scripted[channel.pk].cursors_asked == ["", "c1"]
    assert report.stored == 3
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["$a", "$b", "$c"]
    assert SyncState.objects.get(channel=channel).cursor == "c2"


def test_a_crash_before_the_cursor_is_saved_stores_nothing_and_the_rerun_stores_once(
    channel: Channel, scripted: dict[int, ScriptedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[item("$a"), item("$b")], cursor="c1")})
    SyncState.objects.create(channel=channel)
    stored_when_killed = []
    original_save = SyncState.save

    def crash(self: SyncState, *args: object, **kwargs: object) -> None:
        stored_when_killed.append(Message.objects.count())
        raise RuntimeError("worker killed")

    monkeypatch.setattr(SyncState, "save", crash)
    with pytest.raises(RuntimeError):
        sync_channel_inbox(channel)
    # The items were written, then the cursor failed: the page's transaction took both back.
    assert stored_when_killed == [2]
    assert not Message.objects.exists()
    assert SyncState.objects.get(channel=channel).cursor == ""
    monkeypatch.setattr(SyncState, "save", original_save)
    sync_channel_inbox(channel)
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["$a", "$b"]
    assert SyncState.objects.get(channel=channel).cursor == "c1"


def test_a_cursor_that_does_not_move_stops_the_run(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider({"c1": InboxPage(items=[item("$a")], cursor="c1", has_more=True)})
    SyncState.objects.create(channel=channel, cursor="c1")
    report = sync_channel_inbox(channel)
    assert (report.pages, report.stored) == (1, 1)


def test_items_stored_before_a_lost_cursor_are_not_duplicated(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    # As if a worker had committed the items and died before the cursor: the rerun starts from the old one.
    store_item(channel, item("$a"))
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[item("$a"), item("$b")], cursor="c1")})
    report = sync_channel_inbox(channel)
    assert report.stored == 1
    assert Message.objects.filter(external_id="$a").count() == 1
    assert Conversation.objects.count() == 2


def test_malformed_items_are_counted_and_the_sync_goes_on(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {
            "": InboxPage(
                items=[item("$a")],
                skipped=[SkippedItem("$bad1", "malformed event: 'body'"), SkippedItem("$bad2", "no sender")],
                cursor="c1",
                has_more=True,
            ),
            "c1": InboxPage(items=[item("$b")], cursor="c2"),
        }
    )
    report = sync_channel_inbox(channel)
    assert report.skipped == 2
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["$a", "$b"]
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.items_stored, state.items_skipped) == ("c2", 2, 2)


def test_a_provider_failure_keeps_what_was_stored_and_marks_the_channel(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {
            "": InboxPage(items=[item("$a")], cursor="c1", has_more=True),
            "c1": RetryableError("The Matrix homeserver did not answer."),
        }
    )
    report = sync_channel_inbox(channel)
    assert report.error == "The Matrix homeserver did not answer."
    assert Message.objects.filter(external_id="$a").exists()
    state = SyncState.objects.get(channel=channel)
    assert (state.cursor, state.last_error) == ("c1", "The Matrix homeserver did not answer.")
    channel.refresh_from_db()
    assert channel.status == Channel.Status.FAILING


def test_the_sync_resumes_from_the_saved_cursor(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {"": InboxPage(items=[item("$a")], cursor="c1"), "c1": InboxPage(items=[item("$b")], cursor="c2")}
    )
    sync_channel_inbox(channel)
    sync_channel_inbox(channel)
    assert scripted[channel.pk].cursors_asked == ["", "c1"]
    assert Message.objects.count() == 2


def test_replies_join_their_parents_conversation_and_direct_messages_group_by_person(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {
            "": InboxPage(
                items=[
                    item("$root", text="Vos horaires ?"),
                    item(
                        "$answer",
                        author="@other:localhost",
                        kind=InboxKind.REPLY,
                        parent_id="$root",
                        minutes=5,
                    ),
                    item("$dm1", kind=InboxKind.DIRECT_MESSAGE, thread_id="!dm1", minutes=6),
                    item("$dm2", kind=InboxKind.DIRECT_MESSAGE, thread_id="!dm1", minutes=7),
                    item("$in-thread", kind=InboxKind.REPLY, thread_id="$root", minutes=8),
                ],
                cursor="c1",
            )
        }
    )
    sync_channel_inbox(channel)
    root = Message.objects.get(external_id="$root").conversation
    assert set(root.messages.values_list("external_id", flat=True)) == {"$root", "$answer", "$in-thread"}
    dm = Message.objects.get(external_id="$dm1").conversation
    assert dm.kind == Conversation.Kind.DIRECT_MESSAGE
    assert set(dm.messages.values_list("external_id", flat=True)) == {"$dm1", "$dm2"}
    assert Contact.objects.get(external_id="@fan:localhost").messages.count() == 4
    assert Conversation.objects.count() == 2
    root.refresh_from_db()
    assert root.last_message_at == Message.objects.get(external_id="$in-thread").created_at


def test_a_new_message_reopens_a_done_conversation(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {
            "": InboxPage(items=[item("$a", thread_id="$a")], cursor="c1"),
            "c1": InboxPage(items=[item("$b", thread_id="$a", minutes=3)], cursor="c2"),
        }
    )
    sync_channel_inbox(channel)
    Conversation.objects.update(status=Conversation.Status.DONE)
    sync_channel_inbox(channel)
    assert Conversation.objects.get().status == Conversation.Status.OPEN


def test_only_web_links_are_kept(channel: Channel, scripted: dict[int, ScriptedProvider]) -> None:
    hostile = item("$a")
    hostile = type(hostile)(**{**hostile.__dict__, "url": "javascript:alert(1)"})
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[hostile], cursor="c1")})
    sync_channel_inbox(channel)
    assert Message.objects.get().url == ""


def test_a_revoked_channel_asks_for_reconnection(
    channel: Channel, scripted: dict[int, ScriptedProvider]
) -> None:
    scripted[channel.pk] = ScriptedProvider(
        {"": PermanentError("Token revoked.", reason=PermanentReason.AUTH_REVOKED)}
    )
    sync_channel_inbox(channel)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.RECONNECT
