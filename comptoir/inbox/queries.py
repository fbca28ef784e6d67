"""Read paths for the inbox, always scoped to a workspace: the filtered list, one conversation, a contact's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from comptoir.inbox import search
from comptoir.inbox.models import Contact, Conversation, Label, Message, OutboundReply, SavedReply
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
    label: int | None = None
    sla_breached: bool = False


def conversations_of(workspace: Workspace) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace=workspace)


def filtered_conversations(
    workspace: Workspace, filters: InboxFilters, now: datetime | None = None
) -> QuerySet[Conversation]:
    """The inbox list, newest first. Language, sentiment and text match any message of the conversation; the
    text goes through the full-text search (comptoir.inbox.search)."""
    conversations = (
        conversations_of(workspace)
        .select_related("channel", "contact", "assignee")
        .prefetch_related("labels")
        .order_by("-last_message_at", "-id")
    )
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
    if filters.label is not None:
        conversations = conversations.filter(labels__id=filters.label)
    if filters.sla_breached:
        conversations = conversations.filter(sla_breached(now or timezone.now()))
    if filters.text:
        conversations = conversations.filter(search.matching(workspace, filters.text))
    return conversations


def sla_breached(now: datetime) -> Q:
    """Conversations that missed a target: answered or resolved late, or still waiting past the due time."""
    return (
        Q(first_response_at=None, first_response_due_at__lt=now)
        | Q(first_response_at__gt=F("first_response_due_at"))
        | Q(resolved_at=None, resolution_due_at__lt=now)
        | Q(resolved_at__gt=F("resolution_due_at"))
    )


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
    """The contact's history: every other conversation they opened or wrote in on this channel."""
    wrote_in = Message.objects.filter(conversation=OuterRef("pk"), contact=contact)
    return (
        Conversation.objects.filter(workspace=conversation.workspace)
        .filter(Q(contact=contact) | Exists(wrote_in))
        .exclude(pk=conversation.pk)
        .select_related("channel")
        .order_by("-last_message_at", "-id")
    )


def conversations_by_ids(workspace: Workspace, ids: list[int]) -> QuerySet[Conversation]:
    """The conversations a bulk action names; ids of other workspaces simply do not match."""
    return conversations_of(workspace).filter(id__in=ids).select_related("workspace")


def labels_of(workspace: Workspace) -> QuerySet[Label]:
    return Label.objects.filter(workspace=workspace)


def label_of(workspace: Workspace, label_id: int) -> Label:
    label = labels_of(workspace).filter(id=label_id).first()
    if label is None:
        raise Http404("No such label.")
    return label


def saved_replies_of(workspace: Workspace) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(workspace=workspace)


def saved_reply_of(workspace: Workspace, saved_reply_id: int) -> SavedReply:
    saved = saved_replies_of(workspace).filter(id=saved_reply_id).first()
    if saved is None:
        raise Http404("No such saved reply.")
    return saved
