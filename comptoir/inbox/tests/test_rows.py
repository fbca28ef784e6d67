"""Raw bulk writes store what the ORM would: ids in the order given, defaults for the columns left out, JSON and
dates that read back equal, duplicates refused (or skipped when asked) without leaving half a batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import IntegrityError, connection
from django.db.models import F, Q, signals
from django.test.utils import CaptureQueriesContext

from comptoir.inbox.models import Conversation, Label, Message
from comptoir.inbox.rows import (
    Among,
    column_adapter,
    insert_prepared,
    insert_rows,
    loaded_instances,
    prepare_rows,
    update_rows,
)
from comptoir.testing.factories import ConversationFactory, LabelFactory

pytestmark = pytest.mark.django_db

WRITTEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def message_rows(conversation: Conversation, *external_ids: str) -> list[tuple[object, ...]]:
    return [
        (
            conversation.workspace_id,
            conversation.channel_id,
            conversation.pk,
            conversation.contact_id,
            external_id,
            "mention",
            f"Texte {external_id}",
            WRITTEN,
            {"event_id": external_id},
        )
        for external_id in external_ids
    ]


MESSAGE_NAMES = [
    "workspace_id",
    "channel_id",
    "conversation_id",
    "contact_id",
    "external_id",
    "kind",
    "text",
    "created_at",
    "reply_context",
]


def test_inserted_rows_come_back_in_order_with_the_defaults_of_the_columns_left_out() -> None:
    conversation: Conversation = ConversationFactory()
    ids = insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$a", "$b", "$c"))
    messages = list(Message.objects.filter(pk__in=ids))
    assert [Message.objects.get(pk=pk).external_id for pk in ids] == ["$a", "$b", "$c"]
    first = messages[0]
    assert (first.workspace_id, first.conversation_id) == (conversation.workspace_id, conversation.pk)
    assert first.created_at == WRITTEN and first.reply_context == {"event_id": first.external_id}
    assert first.direction == Message.Direction.INBOUND and first.language == ""
    assert first.classification_scores is None and first.received_at is not None


def test_the_statements_are_seen_by_query_logging() -> None:
    conversation: Conversation = ConversationFactory()
    with CaptureQueriesContext(connection) as captured:
        insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$a", "$b"))
    statements = [query["sql"].split(" ")[0] for query in captured.captured_queries]
    assert statements == ["SAVEPOINT", "INSERT", "RELEASE"]


def test_a_duplicate_refuses_the_whole_batch() -> None:
    conversation: Conversation = ConversationFactory()
    insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$a"))
    with pytest.raises(IntegrityError):
        insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$b", "$a"))
    assert list(Message.objects.values_list("external_id", flat=True)) == ["$a"]


def test_conflicting_rows_are_skipped_when_asked() -> None:
    conversation: Conversation = ConversationFactory()
    label: Label = LabelFactory(workspace=conversation.workspace)
    other: Label = LabelFactory(workspace=conversation.workspace)
    conversation.labels.add(label)
    through = Conversation.labels.through
    rows = [(conversation.pk, label.pk), (conversation.pk, other.pk)]
    assert insert_rows(through, ["conversation_id", "label_id"], rows, ignore_conflicts=True) == []
    assert set(conversation.labels.all()) == {label, other}


def test_updated_json_and_dates_read_back_equal() -> None:
    conversation: Conversation = ConversationFactory()
    first, second = insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$a", "$b"))
    paris = timezone(timedelta(hours=1))
    scores = {"spam": {"spam": 0.125, "ham": 0.875}}
    update_rows(
        Message,
        ["classification_scores", "classified_at", "spam"],
        [
            (first, {"classification_scores": scores, "classified_at": WRITTEN, "spam": False}),
            (
                second,
                {"classification_scores": None, "classified_at": WRITTEN.astimezone(paris), "spam": None},
            ),
        ],
    )
    one, two = Message.objects.filter(pk__in=[first, second]).order_by("pk")
    assert (one.classification_scores, one.classified_at, one.spam) == (scores, WRITTEN, False)
    assert (two.classification_scores, two.classified_at, two.spam) == (None, WRITTEN, None)
    assert Message.objects.filter(classification_scores__isnull=True).get() == two


@pytest.mark.parametrize(
    "value",
    [
        WRITTEN,
        WRITTEN.replace(microsecond=123),
        WRITTEN.astimezone(timezone(timedelta(hours=-5))),
    ],
)
def test_dates_are_adapted_as_the_backend_adapts_them(value: datetime) -> None:
    field = Message._meta.get_field("created_at")
    adapter = column_adapter(field, connection)  # type: ignore[arg-type]
    expected = connection.ops.adapt_datetimefield_value(value)
    assert (adapter(value) if adapter else value) == expected


def test_among_matches_ids_and_strings_as_in_does_and_nothing_for_an_empty_list() -> None:
    conversation: Conversation = ConversationFactory()
    ids = insert_rows(Message, MESSAGE_NAMES, message_rows(conversation, "$a", "$b", 'l\'été "x"'))
    wanted = ["$b", 'l\'été "x"', "$missing"]
    by_text = Message.objects.filter(Among(F("external_id"), wanted), conversation=conversation)
    assert sorted(by_text.values_list("external_id", flat=True)) == sorted(
        Message.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
    )
    assert set(Message.objects.filter(Among(F("pk"), [ids[0], ids[2], 0])).values_list("pk", flat=True)) == {
        ids[0],
        ids[2],
    }
    assert not Message.objects.filter(Among(F("pk"), [])).exists()
    # An empty list in one branch of an OR leaves the other branch standing.
    either = Message.objects.filter(Q(Among(F("pk"), [])) | Q(Among(F("external_id"), ["$a"])))
    assert list(either.values_list("pk", flat=True)) == [ids[0]]


def test_prepared_rows_take_the_ids_known_later_then_insert_like_insert_rows() -> None:
    conversation: Conversation = ConversationFactory()
    rows = [list(row) for row in message_rows(conversation, "$a", "$b")]
    for row in rows:
        row[2] = None  # the conversation, known only later
    prepared = prepare_rows(Message, MESSAGE_NAMES, rows)
    prepared.fill("conversation_id", [conversation.pk, conversation.pk])
    prepared.set("reply_context", [(1, {"event_id": "changed"})])
    ids = insert_prepared(prepared)
    second = Message.objects.get(pk=ids[1])
    assert second.conversation_id == conversation.pk and second.reply_context == {"event_id": "changed"}
    assert Message.objects.get(pk=ids[0]).reply_context == {"event_id": "$a"}


@pytest.mark.parametrize("listened", [False, True])
def test_loaded_instances_behave_like_those_read_back_with_only(listened: bool) -> None:
    conversation: Conversation = ConversationFactory()
    rows = message_rows(conversation, "$a", "$b")
    ids = insert_rows(Message, MESSAGE_NAMES, rows)
    seen: list[Message] = []

    def built(sender: type[Message], instance: Message, **kwargs: object) -> None:
        seen.append(instance)

    if listened:  # a post_init receiver must see every instance: the regular path is taken
        signals.post_init.connect(built, sender=Message)
    try:
        loaded = loaded_instances(
            Message,
            "default",
            ["id", *MESSAGE_NAMES],
            [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
        )
    finally:
        signals.post_init.disconnect(built, sender=Message)
    read = list(Message.objects.only(*MESSAGE_NAMES).filter(pk__in=ids).order_by("pk"))
    assert seen == (loaded if listened else [])
    for mine, theirs in zip(loaded, read, strict=True):
        assert mine == theirs and not mine._state.adding and mine._state.db == "default"
        assert mine.get_deferred_fields() == theirs.get_deferred_fields()
        assert {name: getattr(mine, name) for name in MESSAGE_NAMES} == {
            name: getattr(theirs, name) for name in MESSAGE_NAMES
        }
        # A deferred field is read from the database on first use, and relations resolve from the ids.
        assert mine.language == theirs.language and mine.conversation == conversation
    loaded[0].text = "Changé"
    loaded[0].save(update_fields=["text"])
    assert Message.objects.get(pk=ids[0]).text == "Changé"
