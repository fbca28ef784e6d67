"""Read paths for the inbox, always scoped to a workspace: the filtered list, one conversation, a contact's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from comptoir.inbox.models import Contact, Conversation, Message, OutboundReply
from comptoir.workspaces.models import Workspace


@dataclass(frozen=True)
class InboxFilters:
    channel: int | None = None
    kind: str = ""
    status: str = ""
    assignee: int | None = None
    unassigned: bool = False
    language: str = ""
    sentiment: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""


def conversations_of(workspace: Workspace) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace=workspace)


def filtered_conversations(workspace: Workspace, filters: InboxFilters) -> QuerySet[Conversation]:
    """The inbox list. Language, sentiment and text match any message of the conversation; the text search is
    a case-insensitive substring match (full-text indexes come later)."""
    conversations = conversations_of(workspace).select_related("channel", "contact", "assignee")
    if filters.channel is not None:
        conversations = conversations.filter(channel_id=filters.channel)
    if filters.kind:
        conversations = conversations.filter(kind=filters.kind)
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.unassigned:
        conversations = conversations.filter(assignee=None)
    elif filters.assignee is not None:
        conversations = conversations.filter(assignee_id=filters.assignee)
    zone = workspace.zone
    if filters.since is not None:
        conversations = conversations.filter(
            last_message_at__gte=datetime.combine(filters.since, time.min, tzinfo=zone)
        )
    if filters.until is not None:
        conversations = conversations.filter(
            last_message_at__lte=datetime.combine(filters.until, time.max, tzinfo=zone)
        )
    if filters.language:
        conversations = conversations.filter(_has_message(language=filters.language))
    if filters.sentiment:
        conversations = conversations.filter(_has_message(sentiment=filters.sentiment))
    if filters.text:
        conversations = conversations.filter(
            _has_message(text__icontains=filters.text) | Q(subject__icontains=filters.text)
        )
    return conversations


def _has_message(**lookup: str) -> Exists:
    return Exists(Message.objects.filter(conversation=OuterRef("pk"), **lookup))


def conversation_of(workspace: Workspace, conversation_id: int) -> Conversation:
    conversation = (
        conversations_of(workspace)
        .select_related("channel", "contact", "assignee")
        .filter(id=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("contact", "author")


def message_of(conversation: Conversation, message_id: int) -> Message:
    message = messages_of(conversation).filter(id=message_id).first()
    if message is None:
        raise Http404("No such message.")
    return message


def replies_of(conversation: Conversation) -> QuerySet[OutboundReply]:
    return OutboundReply.objects.filter(conversation=conversation).select_related("author")


def other_conversations_of(contact: Contact, conversation: Conversation) -> QuerySet[Conversation]:
    """The contact's history: every other conversation they wrote in on this channel."""
    return (
        Conversation.objects.filter(workspace=conversation.workspace, messages__contact=contact)
        .exclude(pk=conversation.pk)
        .distinct()
        .order_by("-last_message_at")
    )
