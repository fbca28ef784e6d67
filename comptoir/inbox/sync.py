"""The inbox sync: fetch a channel's new items page by page, store each exactly once, thread and classify them.

Fetching is at-least-once (a page may come again after a crash or an overlapping run); storage is exactly-once
(unique channel + external id). A page's items and the cursor after it are committed in one transaction, so a
crash leaves either both or neither, and re-running resumes from the last committed cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from comptoir.channels.actions import provider_for, record_channel_failure, record_channel_success
from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Conversation, Message, SyncState
from comptoir.inbox.sla import Clock
from comptoir.providers.base import Author, InboxItem, InboxKind, InboxPage, ProviderError

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
    new_messages: list[int] = []
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
    classify_messages(new_messages)
    moderate_new_messages(new_messages)
    return report


def moderate_new_messages(message_ids: Sequence[int]) -> None:
    """Runs the workspace's moderation rules on the batch just classified. Imported here because moderation
    builds on the inbox (its actions reply and route through it); a failing rule never undoes the sync."""
    if not message_ids:
        return
    from comptoir.moderation.engine import moderate_messages

    try:
        moderate_messages(message_ids)
    except Exception:
        logger.exception("Moderation rules failed for %d messages", len(message_ids))


@transaction.atomic
def store_page(channel: Channel, page: InboxPage) -> list[int]:
    """Stores the page's items and then its cursor, together; returns the ids of the messages new to us."""
    created_ids = []
    clock = Clock.of(channel.workspace) if page.items else None
    for item in page.items:
        message, created = store_item(channel, item, clock)
        if created:
            created_ids.append(message.id)
    for skipped in page.skipped:
        logger.warning("Channel %s: skipped item %s (%s)", channel.pk, skipped.external_id, skipped.reason)
    state = SyncState.objects.select_for_update().get(channel=channel)
    state.cursor = page.cursor
    state.items_stored += len(created_ids)
    state.items_skipped += len(page.skipped)
    state.save(update_fields=["cursor", "items_stored", "items_skipped"])
    return created_ids


def store_item(channel: Channel, item: InboxItem, clock: Clock | None = None) -> tuple[Message, bool]:
    existing = Message.objects.filter(channel=channel, external_id=item.external_id).first()
    if existing is not None:
        return existing, False
    contact = store_contact(channel, item.author, item)
    conversation = conversation_for(channel, item, contact)
    message, created = Message.objects.get_or_create(
        channel=channel,
        external_id=item.external_id,
        defaults={
            "workspace_id": channel.workspace_id,
            "conversation": conversation,
            "contact": contact,
            "kind": item.kind.value,
            "direction": Message.Direction.INBOUND,
            "text": item.text,
            "created_at": item.created_at,
            "url": web_url(item.url),
            "parent_external_id": item.parent_id[:255],
            "reply_context": dict(item.reply_context),
        },
    )
    if created:
        fields = ["last_message_at", "last_inbound_at"]
        conversation.last_message_at = max(conversation.last_message_at, item.created_at)
        conversation.last_inbound_at = max(conversation.last_inbound_at or item.created_at, item.created_at)
        clock = clock or Clock.of(channel.workspace)
        if conversation.opened_at is None:
            conversation.opened_at = item.created_at
            conversation.first_response_due_at = clock.first_response_due(item.created_at)
            conversation.resolution_due_at = clock.resolution_due(item.created_at)
            fields += ["opened_at", "first_response_due_at", "resolution_due_at"]
        if conversation.status == Conversation.Status.DONE:
            # The person wrote again: the conversation needs someone's attention anew, and the resolution
            # clock starts over from this message.
            conversation.status = Conversation.Status.OPEN
            conversation.resolved_at = None
            conversation.resolution_due_at = clock.resolution_due(item.created_at)
            fields += ["status", "resolved_at", "resolution_due_at"]
        conversation.save(update_fields=sorted(set(fields)))
    return message, created


def store_contact(channel: Channel, author: Author, item: InboxItem) -> Contact:
    contact, created = Contact.objects.get_or_create(
        channel=channel,
        external_id=author.external_id,
        defaults={
            "workspace_id": channel.workspace_id,
            "handle": author.handle[:255],
            "display_name": author.display_name[:255],
            "avatar_url": web_url(author.avatar_url),
            "profile_url": web_url(author.profile_url),
            "first_seen": item.created_at,
            "last_seen": item.created_at,
        },
    )
    if not created:
        # Keep the newest non-empty profile the network gave us; an item without a name must not erase it.
        profile = {
            "handle": author.handle[:255],
            "display_name": author.display_name[:255],
            "avatar_url": web_url(author.avatar_url),
            "profile_url": web_url(author.profile_url),
        }
        for name, value in profile.items():
            if value:
                setattr(contact, name, value)
        contact.first_seen = min(contact.first_seen, item.created_at)
        contact.last_seen = max(contact.last_seen, item.created_at)
        contact.save()
    return contact


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
    if item.kind is InboxKind.DIRECT_MESSAGE:
        key = f"dm:{item.author.external_id}"
    else:
        key = item.thread_id or item.external_id
    conversation, _created = Conversation.objects.get_or_create(
        channel=channel,
        external_thread_id=key[:255],
        defaults={
            "workspace_id": channel.workspace_id,
            "kind": CONVERSATION_KINDS.get(item.kind, Conversation.Kind.COMMENT_THREAD),
            "subject": (item.title or item.text.strip().split("\n", 1)[0])[:255],
            "contact": contact,
            "last_message_at": item.created_at,
        },
    )
    return conversation


def classify_messages(message_ids: Sequence[int]) -> int:
    """Fills language, sentiment... of new inbound messages; returns how many. The classifier is optional:
    when it is missing or fails, the messages stay unclassified and the sync is not affected."""
    messages = list(
        Message.objects.filter(
            id__in=message_ids, direction=Message.Direction.INBOUND, classified_at=None
        ).select_related("workspace")
    )
    if not messages:
        return 0
    try:
        from comptoir import nlp
    except ImportError:
        logger.info("comptoir.nlp is not available: %d messages left unclassified", len(messages))
        return 0
    languages = list(messages[0].workspace.languages) or ["fr"]
    try:
        results = nlp.classify(
            [message.text for message in messages], languages=languages, fallback_language=languages[0]
        )
    # The classifier reads model files and third-party libraries; whatever goes wrong there must not undo a
    # sync whose messages are already stored.
    except Exception:
        logger.exception("Classification failed for %d messages", len(messages))
        return 0
    if len(results) != len(messages):
        logger.error("The classifier answered %d results for %d messages", len(results), len(messages))
        return 0
    now = timezone.now()
    # One UPDATE per message in one transaction: bulk_update's CASE … WHEN over a JSON column costs five times
    # more CPU per row (measured with bench/ingest.py).
    with transaction.atomic():
        for message, result in zip(messages, results, strict=True):
            Message.objects.filter(pk=message.pk).update(
                language=result.language[:8],
                sentiment=result.sentiment[:16],
                offensive=result.offensive,
                hate=result.hate,
                spam=result.spam,
                intent=result.intent[:32],
                classification_scores=result.scores,
                classified_at=now,
            )
    return len(messages)
