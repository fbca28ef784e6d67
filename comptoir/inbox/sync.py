"""The inbox sync: fetch a channel's new items page by page, store each exactly once, thread and classify them.

Fetching is at-least-once (a page may come again after a crash or an overlapping run); storage is exactly-once
(unique channel + external id). A page's items and the cursor after it are committed in one transaction, so a
crash leaves either both or neither, and re-running resumes from the last committed cursor.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from comptoir.channels.actions import provider_for, record_channel_failure, record_channel_success
from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Conversation, Message, SyncState
from comptoir.inbox.rows import (
    Among,
    PreparedRows,
    insert_prepared,
    insert_rows,
    loaded_instances,
    prepare_rows,
    update_rows,
)
from comptoir.inbox.sla import Clock
from comptoir.providers.base import Author, InboxItem, InboxKind, InboxPage, ProviderError
from comptoir.workspaces.models import Workspace

logger = logging.getLogger(__name__)

# A run stops after this many pages and the next run resumes from the saved cursor, so one busy channel cannot
# hold a worker for ever.
MAX_PAGES = 20

CONVERSATION_KINDS: dict[InboxKind, Conversation.Kind] = {
    InboxKind.COMMENT: Conversation.Kind.COMMENT_THREAD,
    InboxKind.REPLY: Conversation.Kind.COMMENT_THREAD,
    # A public room message opens a thread that others answer in, like a comment under a post.
    InboxKind.MESSAGE: Conversation.Kind.COMMENT_THREAD,
    InboxKind.MENTION: Conversation.Kind.MENTION,
    InboxKind.DIRECT_MESSAGE: Conversation.Kind.DIRECT_MESSAGE,
    InboxKind.EMAIL: Conversation.Kind.EMAIL_THREAD,
    InboxKind.ARTICLE: Conversation.Kind.ARTICLE,
}


def web_url(value: str) -> str:
    """Links from the network end up in href attributes: only http(s) ones are kept (never javascript:)."""
    return value[:500] if value.startswith(("https://", "http://")) else ""


@dataclass
class SyncReport:
    pages: int = 0
    stored: int = 0
    skipped: int = 0
    error: str = ""


def sync_channel_inbox(channel: Channel) -> SyncReport:
    """Brings the channel's inbox up to date; a provider failure is recorded on the channel, never raised."""
    SyncState.objects.get_or_create(channel=channel)
    report = SyncReport()
    new_messages: list[Message] = []
    try:
        provider = provider_for(channel)
        for _page in range(MAX_PAGES):
            cursor = SyncState.objects.get(channel=channel).cursor
            page = provider.fetch_inbox(cursor)
            new_messages += store_page(channel, page)
            report.pages += 1
            report.stored = len(new_messages)
            report.skipped += len(page.skipped)
            # A cursor that does not move would fetch the same page again: stop and let the next run retry.
            if not page.has_more or page.cursor == cursor:
                break
    except ProviderError as error:
        report.error = error.message
        record_channel_failure(channel, error)
    else:
        record_channel_success(channel)
    SyncState.objects.filter(channel=channel).update(
        last_sync_at=timezone.now(), last_error=report.error[:500]
    )
    moderate_new_messages(classify_stragglers(new_messages))
    return report


def classify_stragglers(messages: list[Message]) -> list[Message]:
    """The pages' messages with those stored unclassified (a concurrent write sent their page item by item, or
    the classifier failed) classified now and read again."""
    unclassified = [message.pk for message in messages if message.classified_at is None]
    if not unclassified or not classify_messages(unclassified):
        return messages
    fresh = Message.objects.in_bulk(unclassified)
    return [fresh.get(message.pk, message) for message in messages]


def moderate_new_messages(messages: Sequence[Message]) -> None:
    """Runs the workspace's moderation rules on the batch just classified. Imported here because moderation
    builds on the inbox (its actions reply and route through it); a failing rule never undoes the sync."""
    if not messages:
        return
    from comptoir.moderation.engine import moderate_batch

    try:
        moderate_batch(messages)
    except Exception:
        logger.exception("Moderation rules failed for %d messages", len(messages))


def store_page(channel: Channel, page: InboxPage) -> list[Message]:
    """Stores the page's items and then its cursor, together; returns the messages new to us, as stored.

    What needs no lock is done outside the write transaction: reading what is stored already, classifying the
    new items and preparing their rows before it, building the returned instances after it. On SQLite that is
    time the database's write lock, which the other workers' pages wait for, is not held."""
    firsts = first_occurrences(page.items)
    stored = stored_external_ids(channel, list(firsts))
    new_items = [item for external_id, item in firsts.items() if external_id not in stored]
    new = NewMessages.prepare(channel, new_items, classify_items(channel, new_items))
    created = save_page(channel, page, new)
    return new.messages() if created is None else created


@transaction.atomic
def save_page(channel: Channel, page: InboxPage, new: NewMessages) -> list[Message] | None:
    """Writes the page: its new messages in bulk (None is returned: they are `new`'s), or item by item when a
    concurrent writer stored some of them meanwhile (the messages new to us are returned)."""
    created: list[Message] | None = None
    try:
        # A savepoint: should another writer store one of these rows since `stored` was read, the unique
        # constraints refuse the batch, and the page goes again through the item-by-item path, whose
        # get_or_create settles every race one row at a time.
        with transaction.atomic():
            store_items(channel, new)
        stored_count = len(new.items)
    except IntegrityError:
        logger.info("Channel %s: a concurrent write; storing the page item by item", channel.pk)
        clock = Clock.of(channel.workspace)
        created = []
        for item in page.items:
            message, is_new = store_item(channel, item, clock)
            if is_new:
                created.append(message)
        stored_count = len(created)
    for skipped in page.skipped:
        logger.warning("Channel %s: skipped item %s (%s)", channel.pk, skipped.external_id, skipped.reason)
    state = SyncState.objects.select_for_update().get(channel=channel)
    state.cursor = page.cursor
    state.items_stored += stored_count
    state.items_skipped += len(page.skipped)
    state.save(update_fields=["cursor", "items_stored", "items_skipped"])
    return created


def first_occurrences(items: Sequence[InboxItem]) -> dict[str, InboxItem]:
    """An id given twice in a page is stored once, from its first occurrence, as storing one by one would."""
    firsts: dict[str, InboxItem] = {}
    for item in items:
        firsts.setdefault(item.external_id, item)
    return firsts


@dataclass
class NewMessages:
    """A page's messages not stored yet, as rows: built, classified (when the classifier could) and adapted for
    the database ahead of the write transaction, which only fills in their contact and conversation ids (known
    once those are stored) and their own ids."""

    items: list[InboxItem]
    names: list[str]
    values: list[list[Any]]
    rows: PreparedRows
    ids: list[int] = field(default_factory=list)

    @classmethod
    def prepare(
        cls, channel: Channel, items: list[InboxItem], classified: dict[str, dict[str, Any]]
    ) -> NewMessages:
        names: list[str] = []
        values = []
        for item in items:
            fields = message_fields(channel, item, None, None)
            fields.update(classified.get(item.external_id, UNCLASSIFIED))
            names = ["channel_id", "external_id", *fields]
            values.append([channel.pk, item.external_id, *fields.values()])
        return cls(items, names, values, prepare_rows(Message, names, values))

    def fill(self, name: str, column: list[int | None]) -> None:
        index = self.names.index(name)
        for row, value in zip(self.values, column, strict=True):
            row[index] = value
        self.rows.fill(name, column)

    def messages(self) -> list[Message]:
        """Model instances built from the values written (the moderation rules read them next), not read back:
        the columns not written are deferred, as with `.only()`."""
        rows = ([pk, *values] for pk, values in zip(self.ids, self.values, strict=True))
        return loaded_instances(Message, self.rows.alias, ["id", *self.names], rows)


def store_items(channel: Channel, new: NewMessages) -> None:
    """The bulk form of `store_item` over a page's new messages, with the same outcome as storing them one by
    one in order: a few queries per page instead of five or six per item, and plain rows instead of model
    instances (building and compiling those cost more than the database's own work)."""
    if not new.items:
        return
    clock = Clock.of(channel.workspace)
    contacts = page_contacts(channel, new.items)
    conversations = page_conversations(channel, new.items, contacts)
    changed_contacts: set[int] = set()
    changed_conversations: dict[int, set[str]] = defaultdict(set)
    for item, conversation in zip(new.items, conversations, strict=True):
        contact = contacts[item.author.external_id]
        if update_contact(contact, item.author, item) and contact.pk is not None:
            changed_contacts.add(contact.pk)
        fields = update_conversation(conversation, item, clock)
        if conversation.pk is not None:
            changed_conversations[conversation.pk] |= fields
    insert_contacts(channel, [contact for contact in contacts.values() if contact.pk is None])
    # A conversation comes once per message of the page: inserted or written back once.
    unique = list({id(conversation): conversation for conversation in conversations}.values())
    insert_conversations(channel, [conversation for conversation in unique if conversation.pk is None])
    insert_messages(new, conversations, contacts)
    update_rows(
        Contact,
        CONTACT_FIELDS,
        [(contact.pk, contact.values()) for contact in contacts.values() if contact.pk in changed_contacts],
    )
    save_changed_conversations(unique, changed_conversations)


def stored_external_ids(channel: Channel, external_ids: list[str]) -> set[str]:
    return set(
        Message.objects.filter(Among(F("external_id"), external_ids), channel=channel).values_list(
            "external_id", flat=True
        )
    )


CONTACT_FIELDS = ["handle", "display_name", "avatar_url", "profile_url", "first_seen", "last_seen"]
# What a new inbound message may change on its conversation (see `update_conversation`).
CLOCK_FIELDS = [
    "status",
    "last_message_at",
    "last_inbound_at",
    "opened_at",
    "first_response_due_at",
    "resolution_due_at",
    "resolved_at",
]


@dataclass(slots=True)
class ContactRow:
    """A contact of the page as plain values; `pk` is None until it is inserted."""

    pk: int | None
    external_id: str
    handle: str
    display_name: str
    avatar_url: str
    profile_url: str
    first_seen: datetime
    last_seen: datetime

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTACT_FIELDS}


@dataclass(slots=True)
class ConversationRow:
    """A conversation of the page as its clocks; a new one (`pk` None until inserted) keeps the item that opens
    it and its author, which give its kind, subject and contact."""

    pk: int | None
    external_thread_id: str
    status: str
    last_message_at: datetime
    last_inbound_at: datetime | None = None
    opened_at: datetime | None = None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    resolved_at: datetime | None = None
    opening: InboxItem | None = None
    contact: ContactRow | None = None

    def values(self, fields: Sequence[str] = CLOCK_FIELDS) -> dict[str, Any]:
        return {name: getattr(self, name) for name in fields}


def page_contacts(channel: Channel, items: Sequence[InboxItem]) -> dict[str, ContactRow]:
    """The page's authors by external id, read in one query; those we do not know yet are built (not saved)
    from their first item, like get_or_create's defaults."""
    firsts: dict[str, InboxItem] = {}
    for item in items:
        firsts.setdefault(item.author.external_id, item)
    names = ["external_id", "pk", *CONTACT_FIELDS]
    stored = Contact.objects.filter(Among(F("external_id"), list(firsts)), channel=channel).values_list(
        *names
    )
    contacts = {row[0]: ContactRow(**dict(zip(names, row, strict=True))) for row in stored}
    for external_id, item in firsts.items():
        if external_id not in contacts:
            contacts[external_id] = ContactRow(
                None,
                external_id,
                **author_profile(item.author),
                first_seen=item.created_at,
                last_seen=item.created_at,
            )
    return contacts


def page_conversations(
    channel: Channel, items: Sequence[InboxItem], contacts: dict[str, ContactRow]
) -> list[ConversationRow]:
    """Each new item's conversation, as `conversation_for` would find it with the items before it stored: its
    parent's (stored earlier, or earlier in the page), else its thread's, read or built (not saved)."""
    parent_ids = {item.parent_id for item in items if item.parent_id}
    parents = dict(
        Message.objects.filter(Among(F("external_id"), list(parent_ids)), channel=channel).values_list(
            "external_id", "conversation_id"
        )
        if parent_ids
        else []
    )
    keys = {thread_key(item) for item in items}
    # The clocks `update_conversation` reads; those it only sets are not converted for nothing.
    names = ["pk", "external_thread_id", "status", "last_message_at", "last_inbound_at", "opened_at"]
    known = Conversation.objects.filter(
        Q(Among(F("external_thread_id"), list(keys))) | Q(Among(F("pk"), list(set(parents.values())))),
        channel=channel,
    ).values_list(*names)
    by_key = {row[1]: ConversationRow(**dict(zip(names, row, strict=True))) for row in known}
    by_pk = {conversation.pk: conversation for conversation in by_key.values()}
    in_page: dict[str, ConversationRow] = {}
    conversations = []
    for item in items:
        conversation = None
        if item.parent_id:
            if item.parent_id in parents:
                conversation = by_pk[parents[item.parent_id]]
            else:
                conversation = in_page.get(item.parent_id)
        if conversation is None:
            key = thread_key(item)
            conversation = by_key.get(key)
            if conversation is None:
                conversation = ConversationRow(
                    None,
                    key,
                    Conversation.Status.OPEN,
                    item.created_at,
                    opening=item,
                    contact=contacts[item.author.external_id],
                )
                by_key[key] = conversation
        in_page[item.external_id] = conversation
        conversations.append(conversation)
    return conversations


def insert_contacts(channel: Channel, contacts: Sequence[ContactRow]) -> None:
    rows = [
        (channel.workspace_id, channel.pk, contact.external_id, *contact.values().values())
        for contact in contacts
    ]
    ids = insert_rows(Contact, ["workspace_id", "channel_id", "external_id", *CONTACT_FIELDS], rows)
    for contact, pk in zip(contacts, ids, strict=True):
        contact.pk = pk


def insert_conversations(channel: Channel, conversations: Sequence[ConversationRow]) -> None:
    """New conversations with their state after the page: kind, subject and contact from the opening item."""
    opening_fields = ["workspace_id", "kind", "subject", "contact_id"]
    names = ["channel_id", "external_thread_id", *CLOCK_FIELDS, *opening_fields]
    rows = []
    for conversation in conversations:
        assert conversation.opening is not None and conversation.contact is not None
        opening = conversation_defaults(channel, conversation.opening, conversation.contact.pk)
        clocks = conversation.values().values()
        rows.append(
            (
                channel.pk,
                conversation.external_thread_id,
                *clocks,
                *(opening[name] for name in opening_fields),
            )
        )
    for conversation, pk in zip(conversations, insert_rows(Conversation, names, rows), strict=True):
        conversation.pk = pk


def insert_messages(
    new: NewMessages, conversations: Sequence[ConversationRow], contacts: dict[str, ContactRow]
) -> None:
    new.fill("conversation_id", [conversation.pk for conversation in conversations])
    new.fill("contact_id", [contacts[item.author.external_id].pk for item in new.items])
    new.ids = insert_prepared(new.rows)


def save_changed_conversations(
    conversations: Sequence[ConversationRow], changed: dict[int, set[str]]
) -> None:
    """Writes back the stored conversations the page changed: only the fields each changed, as
    `save(update_fields=…)` would (a person may have changed the others meanwhile), one UPDATE per set of fields."""
    groups: dict[frozenset[str], list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for conversation in conversations:
        if conversation.pk in changed:
            fields = frozenset(changed[conversation.pk])
            groups[fields].append((conversation.pk, conversation.values(sorted(fields))))
    for fields, group in groups.items():
        update_rows(Conversation, sorted(fields), group)


def store_item(channel: Channel, item: InboxItem, clock: Clock | None = None) -> tuple[Message, bool]:
    """One item, one row at a time: the path a page takes when a concurrent writer got in the way."""
    existing = Message.objects.filter(channel=channel, external_id=item.external_id).first()
    if existing is not None:
        return existing, False
    contact = store_contact(channel, item.author, item)
    conversation = conversation_for(channel, item, contact)
    message, created = Message.objects.get_or_create(
        channel=channel,
        external_id=item.external_id,
        defaults=message_fields(channel, item, conversation.pk, contact.pk),
    )
    if created:
        fields = update_conversation(conversation, item, clock or Clock.of(channel.workspace))
        conversation.save(update_fields=sorted(fields))
    return message, created


def message_fields(
    channel: Channel, item: InboxItem, conversation_id: int | None, contact_id: int | None
) -> dict[str, Any]:
    return {
        "workspace_id": channel.workspace_id,
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "kind": item.kind.value,
        "direction": Message.Direction.INBOUND,
        "text": item.text,
        "created_at": item.created_at,
        "url": web_url(item.url),
        "parent_external_id": item.parent_id[:255],
        "reply_context": dict(item.reply_context),
    }


def update_conversation(
    conversation: Conversation | ConversationRow, item: InboxItem, clock: Clock
) -> set[str]:
    """What a new inbound message does to its conversation (in memory); returns the fields it changed."""
    fields = {"last_message_at", "last_inbound_at"}
    conversation.last_message_at = max(conversation.last_message_at, item.created_at)
    conversation.last_inbound_at = max(conversation.last_inbound_at or item.created_at, item.created_at)
    if conversation.opened_at is None:
        conversation.opened_at = item.created_at
        conversation.first_response_due_at = clock.first_response_due(item.created_at)
        conversation.resolution_due_at = clock.resolution_due(item.created_at)
        fields |= {"opened_at", "first_response_due_at", "resolution_due_at"}
    if conversation.status == Conversation.Status.DONE:
        # The person wrote again: the conversation needs someone's attention anew, and the resolution
        # clock starts over from this message.
        conversation.status = Conversation.Status.OPEN
        conversation.resolved_at = None
        conversation.resolution_due_at = clock.resolution_due(item.created_at)
        fields |= {"status", "resolved_at", "resolution_due_at"}
    return fields


def author_profile(author: Author) -> dict[str, str]:
    return {
        "handle": author.handle[:255],
        "display_name": author.display_name[:255],
        "avatar_url": web_url(author.avatar_url),
        "profile_url": web_url(author.profile_url),
    }


def contact_fields(channel: Channel, author: Author, item: InboxItem) -> dict[str, Any]:
    return {
        "workspace_id": channel.workspace_id,
        **author_profile(author),
        "first_seen": item.created_at,
        "last_seen": item.created_at,
    }


def update_contact(contact: Contact | ContactRow, author: Author, item: InboxItem) -> bool:
    """Keeps the newest non-empty profile the network gave us (an item without a name must not erase it) and
    widens the seen interval; in memory, returns whether anything changed."""
    before = [getattr(contact, name) for name in CONTACT_FIELDS]
    for name, value in author_profile(author).items():
        if value:
            setattr(contact, name, value)
    contact.first_seen = min(contact.first_seen, item.created_at)
    contact.last_seen = max(contact.last_seen, item.created_at)
    return before != [getattr(contact, name) for name in CONTACT_FIELDS]


def store_contact(channel: Channel, author: Author, item: InboxItem) -> Contact:
    contact, created = Contact.objects.get_or_create(
        channel=channel, external_id=author.external_id, defaults=contact_fields(channel, author, item)
    )
    if not created:
        update_contact(contact, author, item)
        contact.save()
    return contact


def thread_key(item: InboxItem) -> str:
    """What ties an item to a conversation when it has no stored parent; direct messages group by person."""
    if item.kind is InboxKind.DIRECT_MESSAGE:
        key = f"dm:{item.author.external_id}"
    else:
        key = item.thread_id or item.external_id
    return key[:255]


def conversation_defaults(channel: Channel, item: InboxItem, contact_id: int | None) -> dict[str, Any]:
    return {
        "workspace_id": channel.workspace_id,
        "kind": CONVERSATION_KINDS.get(item.kind, Conversation.Kind.COMMENT_THREAD),
        "subject": (item.title or item.text.strip().split("\n", 1)[0])[:255],
        "contact_id": contact_id,
        "last_message_at": item.created_at,
    }


def conversation_for(channel: Channel, item: InboxItem, contact: Contact) -> Conversation:
    """The conversation an item belongs to: its parent's, else its thread's; direct messages group by person."""
    if item.parent_id:
        parent = (
            Message.objects.filter(channel=channel, external_id=item.parent_id)
            .select_related("conversation")
            .first()
        )
        if parent is not None:
            return parent.conversation
    conversation, _created = Conversation.objects.get_or_create(
        channel=channel,
        external_thread_id=thread_key(item),
        defaults=conversation_defaults(channel, item, contact.pk),
    )
    return conversation


def classify_messages(message_ids: Sequence[int]) -> int:
    """Fills language, sentiment... of stored inbound messages not classified yet; returns how many."""
    messages = list(
        Message.objects.filter(
            id__in=message_ids, direction=Message.Direction.INBOUND, classified_at=None
        ).values_list("id", "text", "workspace_id")
    )
    if not messages:
        return 0
    workspace = Workspace.objects.only("languages").get(pk=messages[0][2])
    values = classification_values(workspace, [text for _id, text, _workspace in messages])
    if values is None:
        return 0
    write_classifications(list(zip([message_id for message_id, _text, _ws in messages], values, strict=True)))
    return len(messages)


def classify_items(channel: Channel, items: Sequence[InboxItem]) -> dict[str, dict[str, Any]]:
    """The classification columns of a page's new items, by external id (empty when the classifier fails)."""
    values = classification_values(channel.workspace, [item.text for item in items])
    if values is None:
        return {}
    return {item.external_id: fields for item, fields in zip(items, values, strict=True)}


def classification_values(workspace: Workspace, texts: list[str]) -> list[dict[str, Any]] | None:
    """The classification columns of each text, or None when it cannot be had. The classifier is optional:
    when it is missing or fails, the messages stay unclassified and the sync is not affected."""
    if not texts:
        return []
    try:
        from comptoir import nlp
    except ImportError:
        logger.info("comptoir.nlp is not available: %d messages left unclassified", len(texts))
        return None
    languages = list(workspace.languages) or ["fr"]
    try:
        results = nlp.classify(texts, languages=languages, fallback_language=languages[0])
    # The classifier reads model files and third-party libraries; whatever goes wrong there must not undo a
    # sync whose messages are stored or about to be.
    except Exception:
        logger.exception("Classification failed for %d messages", len(texts))
        return None
    if len(results) != len(texts):
        logger.error("The classifier answered %d results for %d messages", len(results), len(texts))
        return None
    now = timezone.now()
    return [
        {
            "language": result.language[:8],
            "sentiment": result.sentiment[:16],
            "offensive": result.offensive,
            "hate": result.hate,
            "spam": result.spam,
            "intent": result.intent[:32],
            "classification_scores": result.scores,
            "classified_at": now,
        }
        for result in results
    ]


CLASSIFICATION_FIELDS = [
    "language",
    "sentiment",
    "offensive",
    "hate",
    "spam",
    "intent",
    "classification_scores",
    "classified_at",
]
# The classification columns of a message the classifier could not read (the model's defaults).
UNCLASSIFIED: dict[str, Any] = {
    "language": "",
    "sentiment": "",
    "offensive": None,
    "hate": None,
    "spam": None,
    "intent": "",
    "classification_scores": None,
    "classified_at": None,
}


def write_classifications(rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """The classifier's results, one prepared UPDATE sent for every message: bulk_update's CASE … WHEN over the
    JSON column costs five times more CPU per row than the ORM's one query per row, and this much less."""
    update_rows(Message, CLASSIFICATION_FIELDS, rows)
