"""Every change a person makes in the inbox: replies (through the ledger), status, assignment, labels, notes,
and the workspace's labels, saved replies and SLA targets."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.actions import provider_for, record_channel_failure
from comptoir.inbox.models import Conversation, Label, Message, Note, OutboundReply, SavedReply, SlaPolicy
from comptoir.inbox.saved_replies import check_variables
from comptoir.inbox.sync import web_url
from comptoir.providers.base import (
    Author,
    InboxItem,
    InboxKind,
    OutboundPost,
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    ProviderError,
    Published,
    RetryableError,
)
from comptoir.system.backoff import retry_delay
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Membership, Workspace
from comptoir.workspaces.permissions import Permission

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_DELAY = timedelta(seconds=30)
RETRY_DELAY_CAP = timedelta(minutes=30)
# A claimed reply still pending after this long lost its worker during the call: its outcome is unknown.
STALLED_AFTER = timedelta(minutes=10)


def inbox_item_of(message: Message) -> InboxItem:
    """The provider's view of a stored message, rebuilt from what the sync kept (reply_context verbatim)."""
    contact = message.contact
    return InboxItem(
        external_id=message.external_id,
        kind=InboxKind(message.kind),
        author=Author(
            external_id=contact.external_id if contact else "",
            handle=contact.handle if contact else "",
            display_name=contact.display_name if contact else "",
        ),
        text=message.text,
        created_at=message.created_at,
        thread_id=message.conversation.external_thread_id,
        parent_id=message.parent_external_id,
        url=message.url,
        reply_context=dict(message.reply_context),
    )


def do_reply(conversation: Conversation, message: Message, author: User, text: str) -> OutboundReply:
    """Writes the ledger row first (so no call goes unrecorded), then sends it at once."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write something to reply."))
    if message.conversation_id != conversation.id or message.direction != Message.Direction.INBOUND:
        raise ValidationError(_("Replies answer a received message of this conversation."))
    with transaction.atomic():
        reply = OutboundReply.objects.create(
            workspace=conversation.workspace,
            conversation=conversation,
            in_reply_to=message,
            author=author,
            text=text,
            idempotency_key=uuid.uuid4().hex,
            retry_at=timezone.now(),
        )
        audit.record_create(conversation.workspace, author, reply, ["conversation", "in_reply_to", "text"])
    send_reply(reply)
    reply.refresh_from_db()
    return reply


def claim_reply(reply: OutboundReply) -> bool:
    """Takes the reply for one attempt; exactly one worker wins (the filtered UPDATE changes one row or none)."""
    now = timezone.now()
    claimed = OutboundReply.objects.filter(
        pk=reply.pk, state=OutboundReply.State.PENDING, retry_at__isnull=False, retry_at__lte=now
    ).update(retry_at=None, attempts=F("attempts") + 1, last_attempt_at=now)
    if claimed:
        reply.refresh_from_db()
    return claimed == 1


def send_reply(reply: OutboundReply) -> None:
    if not claim_reply(reply):
        return
    message = Message.objects.select_related("conversation", "contact", "channel").get(
        pk=reply.in_reply_to_id
    )
    channel = message.channel
    post = OutboundPost(text=reply.text, idempotency_key=reply.idempotency_key)
    try:
        published = provider_for(channel).reply(inbox_item_of(message), post)
    except RetryableError as error:
        if reply.attempts >= MAX_ATTEMPTS:
            _finish(reply, OutboundReply.State.FAILED, error.message)
        else:
            delay = retry_delay(reply.attempts, error.retry_after, FIRST_RETRY_DELAY, RETRY_DELAY_CAP)
            OutboundReply.objects.filter(pk=reply.pk).update(
                retry_at=timezone.now() + delay, error=error.message[:500]
            )
    except PermanentError as error:
        _finish(reply, OutboundReply.State.FAILED, error.message)
        # Refused content says nothing about the channel; a revoked token means someone must reconnect it.
        if error.reason is PermanentReason.AUTH_REVOKED:
            record_channel_failure(channel, error)
    except OutcomeUnknownError as error:
        # The network may have posted it: resending could answer the person twice.
        _finish(reply, OutboundReply.State.UNKNOWN, error.message)
    except ProviderError as error:
        # An error that does not say whether the network took the reply counts as unknown, never as unsent.
        _finish(reply, OutboundReply.State.UNKNOWN, error.message)
    else:
        record_sent_reply(reply, message, published)


def _finish(reply: OutboundReply, state: OutboundReply.State, error: str) -> None:
    OutboundReply.objects.filter(pk=reply.pk).update(state=state, error=error[:500], retry_at=None)


def record_sent_reply(reply: OutboundReply, message: Message, published: Published) -> None:
    """Stores the remote id the moment the network accepts, then shows the reply in the conversation."""
    now = timezone.now()
    OutboundReply.objects.filter(pk=reply.pk).update(
        state=OutboundReply.State.SENT,
        remote_id=published.remote_id[:255],
        remote_url=published.url[:500],
        sent_at=now,
        error="",
    )
    created_at = published.published_at or now
    conversation = message.conversation
    with transaction.atomic():
        Message.objects.get_or_create(
            channel=message.channel,
            external_id=published.remote_id,
            defaults={
                "workspace_id": message.workspace_id,
                "conversation": conversation,
                "kind": message.kind,
                "direction": Message.Direction.OUTBOUND,
                "text": reply.text,
                "created_at": created_at,
                "url": web_url(published.url),
                "parent_external_id": message.external_id,
                "author_id": reply.author_id,
            },
        )
        Conversation.objects.filter(pk=conversation.pk, last_message_at__lt=created_at).update(
            last_message_at=created_at
        )
        # The first response's SLA clock stops at the first reply the network accepted.
        Conversation.objects.filter(pk=conversation.pk, first_response_at=None).update(
            first_response_at=created_at, first_response_by_id=reply.author_id
        )


def resend_due_replies() -> None:
    """Sends replies whose retry time has come; a reply whose worker died mid-call becomes `unknown`."""
    now = timezone.now()
    OutboundReply.objects.filter(
        state=OutboundReply.State.PENDING, retry_at=None, last_attempt_at__lt=now - STALLED_AFTER
    ).update(state=OutboundReply.State.UNKNOWN, error="The sending worker stopped during the call.")
    for reply in OutboundReply.objects.filter(state=OutboundReply.State.PENDING, retry_at__lte=now):
        send_reply(reply)


@transaction.atomic
def do_change_status(conversation: Conversation, actor: User, status: str) -> Conversation:
    if status not in Conversation.Status.values:
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    old = conversation.status
    if old != status:
        conversation.status = status
        # Done stops the resolution clock; reopening lets it run again against the same due time.
        conversation.resolved_at = timezone.now() if status == Conversation.Status.DONE else None
        conversation.save(update_fields=["status", "resolved_at"])
        audit.record(
            conversation.workspace, actor, AuditEntry.Action.UPDATE, conversation, {"status": [old, status]}
        )
    return conversation


@transaction.atomic
def do_assign(conversation: Conversation, actor: User, assignee: User | None) -> Conversation:
    if assignee is not None:
        membership = Membership.objects.filter(workspace=conversation.workspace, user=assignee).first()
        if membership is None or not membership.allows(Permission.REPLY_INBOX):
            raise ValidationError(_("Conversations go to team members who may reply."))
    old = conversation.assignee
    if old != assignee:
        conversation.assignee = assignee
        conversation.save(update_fields=["assignee"])
        audit.record(
            conversation.workspace,
            actor,
            AuditEntry.Action.UPDATE,
            conversation,
            {"assignee": [old.email if old else None, assignee.email if assignee else None]},
        )
    return conversation


@transaction.atomic
def do_add_note(conversation: Conversation, actor: User, text: str) -> Note:
    text = text.strip()
    if not text:
        raise ValidationError(_("A note cannot be empty."))
    note = Note.objects.create(
        workspace=conversation.workspace, conversation=conversation, author=actor, text=text
    )
    audit.record_create(conversation.workspace, actor, note, ["conversation", "text"])
    return note


@transaction.atomic
def do_add_label(conversation: Conversation, actor: User, label: Label) -> Conversation:
    if label.workspace_id != conversation.workspace_id:
        raise ValidationError(_("This label belongs to another workspace."))
    if not conversation.labels.filter(pk=label.pk).exists():
        conversation.labels.add(label)
        audit.record(
            conversation.workspace,
            actor,
            AuditEntry.Action.UPDATE,
            conversation,
            {"labels": [None, label.name]},
        )
    return conversation


@transaction.atomic
def do_remove_label(conversation: Conversation, actor: User, label: Label) -> Conversation:
    if conversation.labels.filter(pk=label.pk).exists():
        conversation.labels.remove(label)
        audit.record(
            conversation.workspace,
            actor,
            AuditEntry.Action.UPDATE,
            conversation,
            {"labels": [label.name, None]},
        )
    return conversation


def check_label(workspace_id: int, name: str, color: str, exclude: int | None = None) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise ValidationError(_("A label needs a name."))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
        raise ValidationError(_("A colour is written #rrggbb."))
    same_name = Label.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise ValidationError(_("A label with this name already exists."))
    return name, color.lower()


@transaction.atomic
def do_create_label(workspace: Workspace, actor: User, name: str, color: str) -> Label:
    name, color = check_label(workspace.pk, name, color)
    label = Label.objects.create(workspace=workspace, name=name, color=color)
    audit.record_create(workspace, actor, label, ["name", "color"])
    return label


@transaction.atomic
def do_update_label(label: Label, actor: User, name: str, color: str) -> Label:
    name, color = check_label(label.workspace_id, name, color, exclude=label.pk)
    before = audit.snapshot(label, ["name", "color"])
    label.name, label.color = name, color
    label.save(update_fields=["name", "color"])
    changes = audit.changed(before, audit.snapshot(label, ["name", "color"]))
    if changes:
        audit.record(label.workspace, actor, AuditEntry.Action.UPDATE, label, changes)
    return label


@transaction.atomic
def do_delete_label(label: Label, actor: User) -> None:
    audit.record(label.workspace, actor, AuditEntry.Action.DELETE, label, {"name": [label.name, None]})
    label.delete()


def check_saved_reply(
    workspace_id: int, title: str, body: str, exclude: int | None = None
) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise ValidationError(_("A saved reply needs a title and a text."))
    check_variables(body)
    same_title = SavedReply.objects.filter(workspace_id=workspace_id, title__iexact=title)
    if exclude is not None:
        same_title = same_title.exclude(pk=exclude)
    if same_title.exists():
        raise ValidationError(_("A saved reply with this title already exists."))
    return title, body


SAVED_REPLY_FIELDS = ["title", "body", "language", "shortcut"]


@transaction.atomic
def do_create_saved_reply(
    workspace: Workspace, actor: User, title: str, body: str, language: str = "", shortcut: str = ""
) -> SavedReply:
    title, body = check_saved_reply(workspace.pk, title, body)
    saved = SavedReply.objects.create(
        workspace=workspace, title=title, body=body, language=language, shortcut=shortcut.strip()
    )
    audit.record_create(workspace, actor, saved, SAVED_REPLY_FIELDS)
    return saved


@transaction.atomic
def do_update_saved_reply(
    saved: SavedReply, actor: User, title: str, body: str, language: str = "", shortcut: str = ""
) -> SavedReply:
    title, body = check_saved_reply(saved.workspace_id, title, body, exclude=saved.pk)
    before = audit.snapshot(saved, SAVED_REPLY_FIELDS)
    saved.title, saved.body, saved.language, saved.shortcut = title, body, language, shortcut.strip()
    saved.save()
    changes = audit.changed(before, audit.snapshot(saved, SAVED_REPLY_FIELDS))
    if changes:
        audit.record(saved.workspace, actor, AuditEntry.Action.UPDATE, saved, changes)
    return saved


@transaction.atomic
def do_delete_saved_reply(saved: SavedReply, actor: User) -> None:
    audit.record(saved.workspace, actor, AuditEntry.Action.DELETE, saved, {"title": [saved.title, None]})
    saved.delete()


SLA_FIELDS = ["first_response_minutes", "resolution_minutes", "holidays"]


@transaction.atomic
def do_set_sla_policy(
    workspace: Workspace,
    actor: User,
    first_response_minutes: int,
    resolution_minutes: int,
    holidays: list[date],
) -> SlaPolicy:
    """Saves the targets; they apply to clocks that start from now on (due times already set stay)."""
    if first_response_minutes <= 0 or resolution_minutes <= 0:
        raise ValidationError(_("Targets are positive durations."))
    policy, _created = SlaPolicy.objects.get_or_create(workspace=workspace)
    before = audit.snapshot(policy, SLA_FIELDS)
    policy.first_response_minutes = first_response_minutes
    policy.resolution_minutes = resolution_minutes
    policy.holidays = sorted({day.isoformat() for day in holidays})
    policy.save()
    changes = audit.changed(before, audit.snapshot(policy, SLA_FIELDS))
    if changes:
        audit.record(workspace, actor, AuditEntry.Action.UPDATE, policy, changes)
    return policy
