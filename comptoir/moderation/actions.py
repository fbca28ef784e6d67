"""Every moderation change: rules saved, actions taken on messages (by rules or people), undo, queue decisions."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.actions import provider_for
from comptoir.inbox.actions import send_reply
from comptoir.inbox.models import (
    Conversation,
    Department,
    Label,
    Message,
    OutboundReply,
    Referral,
    SavedReply,
)
from comptoir.inbox.routing import do_route
from comptoir.inbox.rows import Among, insert_prepared, insert_rows, prepare_rows
from comptoir.moderation.jobs import deliver_routed_message, deliver_routed_messages
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.moderation.rules import ACTION_TARGETS, ACTION_TYPES
from comptoir.providers.base import ModerationAction, ModerationTarget, ProviderError
from comptoir.providers.networks import CAPABILITIES
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Membership, Workspace
from comptoir.workspaces.permissions import Permission

RULE_FIELDS = ["name", "position", "enabled", "match", "stop", "conditions", "actions"]
NETWORK_ACTIONS = {
    "hide": ModerationAction.HIDE,
    "delete": ModerationAction.DELETE,
    "ban": ModerationAction.BAN,
}
UNDO_ACTIONS = {"hide": ModerationAction.UNHIDE, "ban": ModerationAction.UNBAN}
# Nothing brings these back: the network has no "undelete", a sent message or e-mail cannot be recalled.
IRREVERSIBLE = {"delete", "reply", "route"}


# Rules ---------------------------------------------------------------------------------------------------


def check_action_targets(workspace: Workspace, actions: list[dict[str, Any]]) -> None:
    """Every object an action names belongs to the workspace (a forged form cannot reach another tenant's)."""
    models: dict[str, Any] = {
        "label": Label.objects.filter(workspace=workspace),
        "reply": SavedReply.objects.filter(workspace=workspace),
        "route": Department.objects.filter(workspace=workspace),
    }
    for action in actions:
        kind = action["type"]
        if kind == "assign":
            membership = Membership.objects.filter(workspace=workspace, user_id=action["user"]).first()
            if membership is None or not membership.allows(Permission.REPLY_INBOX):
                raise ValidationError(_("Conversations go to team members who may reply."))
        elif kind in models and not models[kind].filter(pk=action[ACTION_TARGETS[kind]]).exists():
            raise ValidationError(
                _("Choose the target of “%(action)s” again.") % {"action": ACTION_TYPES[kind]}
            )


def _check_rule(
    workspace: Workspace,
    name: str,
    conditions: list[dict[str, Any]],
    actions: list[dict[str, Any]],
    pk: int | None,
) -> None:
    if not name.strip():
        raise ValidationError(_("Give the rule a name."))
    if Rule.objects.filter(workspace=workspace, name=name.strip()).exclude(pk=pk or 0).exists():
        raise ValidationError(_("A rule with this name already exists."))
    if not conditions:
        raise ValidationError(_("A rule needs at least one condition."))
    if not actions:
        raise ValidationError(_("A rule needs at least one action."))
    check_action_targets(workspace, actions)


@transaction.atomic
def do_save_rule(workspace: Workspace, actor: User, rule: Rule | None, fields: dict[str, Any]) -> Rule:
    """Creates or updates a rule; `fields` holds RULE_FIELDS, conditions and actions already checked one by one."""
    _check_rule(workspace, fields["name"], fields["conditions"], fields["actions"], rule.pk if rule else None)
    before = audit.snapshot(rule, RULE_FIELDS) if rule else {}
    if rule is None:
        rule = Rule(workspace=workspace)
        if fields.get("position") is None:
            last = Rule.objects.filter(workspace=workspace).aggregate(last=Max("position"))["last"]
            fields["position"] = (last or 0) + 10
    for name in RULE_FIELDS:
        if fields.get(name) is not None:
            setattr(rule, name, fields[name])
    rule.name = rule.name.strip()
    rule.save()
    after = audit.snapshot(rule, RULE_FIELDS)
    action = AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE
    audit.record(workspace, actor, action, rule, audit.changed(before, after))
    return rule


@transaction.atomic
def do_delete_rule(rule: Rule, actor: User) -> None:
    audit.record(rule.workspace, actor, AuditEntry.Action.DELETE, rule)
    rule.delete()


@transaction.atomic
def do_toggle_rule(rule: Rule, actor: User) -> Rule:
    rule.enabled = not rule.enabled
    rule.save(update_fields=["enabled", "updated_at"])
    audit.record(
        rule.workspace, actor, AuditEntry.Action.UPDATE, rule, {"enabled": [not rule.enabled, rule.enabled]}
    )
    return rule


# Acting on messages --------------------------------------------------------------------------------------


# What an action came to: its outcome, a detail for the log, and what undoing it needs.
Result = tuple[str, str, dict[str, Any]]
DONE, SKIPPED, FAILED = ActionLog.Outcome.DONE, ActionLog.Outcome.SKIPPED, ActionLog.Outcome.FAILED
SETTLED_BY = {
    "hide": QueueItem.Status.HIDDEN,
    "delete": QueueItem.Status.DELETED,
    "ban": QueueItem.Status.BANNED,
}


def _network_action(message: Message, action: ModerationAction, reason: str) -> tuple[str, str]:
    """Asks the network; the outcome and the detail to log. Networks without the capability are not called."""
    channel = message.channel
    capabilities = CAPABILITIES.get(channel.network)
    if capabilities is None or action.value not in capabilities.moderation:
        label = capabilities.label if capabilities else channel.network
        return SKIPPED, _("%(network)s does not allow “%(action)s” through its API.") % {
            "network": label,
            "action": action.value,
        }
    contact = message.contact
    target = ModerationTarget(
        item_id=message.external_id,
        author_id=contact.external_id if contact else "",
        reason=reason[:200],
        reply_context=dict(message.reply_context),
    )
    try:
        provider_for(channel).moderate(action, target)
    except ProviderError as error:
        return FAILED, error.message
    return DONE, ""


def apply_action(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> ActionLog:
    """Takes one action on a message and logs it with its outcome; a refused action is logged, never raised."""
    kind = action["type"]
    if kind in NETWORK_ACTIONS:
        outcome, detail = _network_action(message, NETWORK_ACTIONS[kind], reason)
        if outcome == DONE:
            QueueItem.objects.filter(message=message, status=QueueItem.Status.PENDING).update(
                status=SETTLED_BY[kind], decided_at=timezone.now(), decided_by=actor
            )
        result: Result = (outcome, detail, {})
    else:
        result = ACTIONS[kind](message, action, reason, rule, actor)
    outcome, detail, payload = result
    return ActionLog.objects.create(
        workspace_id=message.workspace_id,
        rule=rule,
        message=message,
        conversation_id=message.conversation_id,
        contact_id=message.contact_id,
        actor=actor,
        action=kind,
        reason=reason[:500],
        outcome=outcome,
        detail=detail[:500],
        payload=payload,
    )


def _label(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> Result:
    label = Label.objects.filter(workspace_id=message.workspace_id, pk=action["label"]).first()
    if label is None:
        return FAILED, _("The label no longer exists."), {}
    conversation = message.conversation
    if conversation.labels.filter(pk=label.pk).exists():
        return SKIPPED, _("Already labelled “%(label)s”.") % {"label": label.name}, {}
    conversation.labels.add(label)
    return DONE, label.name, {"label": label.pk}


def _assign(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> Result:
    membership = (
        Membership.objects.filter(workspace_id=message.workspace_id, user_id=action["user"])
        .select_related("user")
        .first()
    )
    if membership is None or not membership.allows(Permission.REPLY_INBOX):
        return FAILED, _("This person can no longer reply in the inbox."), {}
    previous = message.conversation.assignee_id
    Conversation.objects.filter(pk=message.conversation_id).update(assignee=membership.user)
    return DONE, str(membership.user), {"previous": previous, "user": membership.user_id}


def _queue(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> Result:
    item, created = QueueItem.objects.get_or_create(
        message=message, defaults={"workspace_id": message.workspace_id, "rule": rule, "reason": reason[:500]}
    )
    if not created:
        if item.status != QueueItem.Status.REMOVED:
            return SKIPPED, _("Already in the queue."), {}
        QueueItem.objects.filter(pk=item.pk).update(
            status=QueueItem.Status.PENDING, reason=reason[:500], rule=rule
        )
    return DONE, "", {"queue_item": item.pk}


def _auto_reply(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> Result:
    """Through the inbox's ledger: the reply row is written first, then sent (and retried) like a person's."""
    saved = SavedReply.objects.filter(workspace_id=message.workspace_id, pk=action["saved_reply"]).first()
    if saved is None:
        return FAILED, _("The saved reply no longer exists."), {}
    if OutboundReply.objects.filter(in_reply_to=message).exists():
        return SKIPPED, _("This message already has a reply."), {}
    contact = message.contact
    name = str(contact) if contact else ""
    text = saved.body.replace("{{ first_name }}", name.split(" ")[0]).replace("{{ name }}", name)
    with transaction.atomic():
        reply = OutboundReply.objects.create(
            workspace_id=message.workspace_id,
            conversation_id=message.conversation_id,
            in_reply_to=message,
            author=actor,
            text=text,
            idempotency_key=uuid.uuid4().hex,
            retry_at=timezone.now(),
        )
        audit.record_create(reply.workspace, actor, reply, ["conversation", "in_reply_to", "text"])
    send_reply(reply)
    reply.refresh_from_db()
    # A reply waiting for a retry is on its way: the ledger's job sends it.
    sent = reply.state in (OutboundReply.State.SENT, OutboundReply.State.PENDING)
    return (DONE if sent else FAILED), reply.error or saved.title, {"reply": reply.pk}


def _route(
    message: Message, action: dict[str, Any], reason: str, rule: Rule | None, actor: User | None
) -> Result:
    department = Department.objects.filter(workspace_id=message.workspace_id, pk=action["department"]).first()
    if department is None:
        return FAILED, _("The department no longer exists."), {}
    referral = do_route(message, department, actor, reason, deliver=False)
    deliver_routed_message(referral.pk)
    referral.refresh_from_db()
    outcome = FAILED if referral.delivery == Referral.Delivery.FAILED else DONE
    return outcome, f"{department.name} {referral.last_error}".strip(), {"referral": referral.pk}


ACTIONS: dict[str, Callable[[Message, dict[str, Any], str, Rule | None, User | None], Result]] = {
    "label": _label,
    "assign": _assign,
    "queue": _queue,
    "reply": _auto_reply,
    "route": _route,
}


def count_rule_outcomes(rule_id: int, matches: int, actions: int) -> None:
    Rule.objects.filter(pk=rule_id).update(
        matches_count=F("matches_count") + matches, actions_count=F("actions_count") + actions
    )


# Undo ----------------------------------------------------------------------------------------------------


def do_undo(entry: ActionLog, actor: User) -> ActionLog:
    """Reverses a done action: unhide, unban, remove the label, restore the assignee, take out of the queue."""
    if entry.undone_at is not None:
        raise ValidationError(_("This action was already undone."))
    if entry.outcome != ActionLog.Outcome.DONE:
        raise ValidationError(_("Only actions that were carried out can be undone."))
    if entry.action in IRREVERSIBLE:
        raise ValidationError(
            {
                "delete": _("A deleted message cannot be brought back: the network deletes it for good."),
                "reply": _("A sent reply cannot be recalled; delete it on the network if needed."),
                "route": _("A routed message was already sent to the department and cannot be recalled."),
            }[entry.action]
        )
    message = entry.message
    if entry.action in UNDO_ACTIONS:
        outcome, detail = _network_action(message, UNDO_ACTIONS[entry.action], _("Undone in Comptoir"))
        if outcome != ActionLog.Outcome.DONE:
            raise ValidationError(_("The network refused to undo it: %(error)s") % {"error": detail})
    with transaction.atomic():
        conversation = message.conversation
        if entry.action == "label":
            conversation.labels.remove(entry.payload["label"])
        elif entry.action == "assign":
            Conversation.objects.filter(pk=conversation.pk, assignee_id=entry.payload["user"]).update(
                assignee_id=entry.payload["previous"]
            )
        elif entry.action == "queue":
            QueueItem.objects.filter(pk=entry.payload["queue_item"]).update(
                status=QueueItem.Status.REMOVED, decided_at=timezone.now(), decided_by=actor
            )
        elif entry.action in ("hide", "ban"):
            # The message is back: a moderator looks at it again.
            QueueItem.objects.filter(message=message).exclude(status=QueueItem.Status.PENDING).update(
                status=QueueItem.Status.PENDING, decided_at=None, decided_by=None
            )
        entry.undone_at = timezone.now()
        entry.undone_by = actor
        entry.save(update_fields=["undone_at", "undone_by"])
        if entry.rule_id is not None:
            Rule.objects.filter(pk=entry.rule_id).update(undone_count=F("undone_count") + 1)
        audit.record(entry.workspace, actor, AuditEntry.Action.UPDATE, entry, {"undone": [False, True]})
    return entry


# The queue -----------------------------------------------------------------------------------------------

DECISIONS = {"keep", "hide", "delete", "ban"}


def do_decide(item: QueueItem, actor: User, decision: str) -> ActionLog | None:
    """A moderator's decision on a queued message; network actions are logged like a rule's."""
    if decision not in DECISIONS:
        raise ValidationError(_("Unknown decision “%(decision)s”.") % {"decision": decision})
    if decision == "keep":
        with transaction.atomic():
            QueueItem.objects.filter(pk=item.pk).update(
                status=QueueItem.Status.KEPT, decided_at=timezone.now(), decided_by=actor
            )
            audit.record(
                item.workspace, actor, AuditEntry.Action.UPDATE, item, {"status": [item.status, "kept"]}
            )
        return None
    message = Message.objects.select_related("channel", "contact", "conversation").get(pk=item.message_id)
    entry = apply_action(message, {"type": decision}, _("Moderator's decision"), None, actor)
    audit.record(item.workspace, actor, AuditEntry.Action.UPDATE, item, {"decision": [item.status, decision]})
    if entry.outcome != ActionLog.Outcome.DONE:
        raise ValidationError(entry.detail)
    return entry


# Rule actions on a batch ---------------------------------------------------------------------------------


@dataclass(slots=True)
class QueuedMessage:
    """A message's queue item as the batch sees it; `pk` is None until `flush` inserts it."""

    pk: int | None
    message_id: int
    status: str
    rule_id: int | None = None
    reason: str = ""
    decided_at: datetime | None = None


@dataclass(slots=True)
class RoutedMessage:
    """A referral as the batch makes it, the row `do_route` would create; `pk` is None until `flush` inserts
    it. Plain values: a Referral instance per routed message cost more than the rest of its routing."""

    workspace_id: int
    department: Department
    conversation_id: int
    message_id: int
    reason: str
    retry_at: datetime
    created_at: datetime
    pk: int | None = None

    def row(self) -> tuple[Any, ...]:
        """The values in REFERRAL_COLUMNS order (nobody routed it: a rule did)."""
        return (
            self.workspace_id,
            self.department.pk,
            self.conversation_id,
            self.message_id,
            None,
            self.reason,
            self.retry_at,
            self.created_at,
        )

    def audit_row(self) -> tuple[Any, ...]:
        """Its audit entry in AUDIT_COLUMNS order, as `audit.record` writes a referral's creation."""
        created = {
            "department": str(self.department.pk),
            "message": str(self.message_id),
            "reason": self.reason,
        }
        return (
            self.workspace_id,
            "system",
            AuditEntry.Action.CREATE,
            Referral._meta.model_name or "referral",
            str(self.pk),
            f"{self.department} ← #{self.message_id}"[:200],
            audit.changed({}, created),
        )


@dataclass(slots=True)
class LogEntry:
    """An action log entry of the batch, written at `flush`; the queue item or referral it names, if any."""

    message: Message
    rule_id: int
    action: str
    reason: str
    outcome: str
    detail: str
    payload: dict[str, Any]
    pending: QueuedMessage | RoutedMessage | None = None
    pk: int = 0  # once written


LOG_COLUMNS = [
    "workspace_id",
    "rule_id",
    "message_id",
    "conversation_id",
    "contact_id",
    "action",
    "reason",
    "outcome",
    "detail",
    "payload",
]
QUEUE_COLUMNS = ["workspace_id", "message_id", "rule_id", "reason", "status", "decided_at"]
REFERRAL_COLUMNS = [
    "workspace_id",
    "department_id",
    "conversation_id",
    "message_id",
    "routed_by_id",
    "reason",
    "retry_at",
    "created_at",
]
AUDIT_COLUMNS = [
    "workspace_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
]


class ActionBatch:
    """Rule actions on a batch of new messages, taken in order with the outcomes `apply_action` would give one by
    one, but with the cheap writes gathered: label links, queue items, referrals (with their audit entries) and
    log entries go to the database in one statement each at `flush`, as plain rows (before: three to ten
    queries per action, then a model instance per row). What they depend on (labels, departments, links and
    queue items already there) is read once and then kept in memory, so a second rule labelling the same
    conversation or queueing the same message sees the first one's effect, as before. Network calls, replies
    and assignments still happen at once, in order; routed messages are delivered by one background task per
    batch."""

    def __init__(self, workspace_id: int, messages: list[Message]) -> None:
        self.workspace_id = workspace_id
        self.labels = {label.pk: label for label in Label.objects.filter(workspace_id=workspace_id)}
        self.departments = {
            department.pk: department for department in Department.objects.filter(workspace_id=workspace_id)
        }
        self.through = Conversation.labels.through
        self.labelled = set(
            self.through.objects.filter(
                Among(F("conversation_id"), list({message.conversation_id for message in messages}))
            ).values_list("conversation_id", "label_id")
        )
        self.queue = {
            message_id: QueuedMessage(pk, message_id, status)
            for pk, message_id, status in QueueItem.objects.filter(
                Among(F("message_id"), [message.pk for message in messages])
            ).values_list("pk", "message_id", "status")
        }
        self.new_links: list[tuple[int, int]] = []
        self.new_items: list[QueuedMessage] = []
        self.new_referrals: list[RoutedMessage] = []
        self.entries: list[LogEntry] = []

    def apply(self, message: Message, action: dict[str, Any], reason: str, rule: Rule) -> LogEntry:
        kind = action["type"]
        pending: QueuedMessage | RoutedMessage | None = None
        if kind in NETWORK_ACTIONS:
            outcome, detail = _network_action(message, NETWORK_ACTIONS[kind], reason)
            if outcome == DONE:
                self._settle(message, kind)
            result: Result = (outcome, detail, {})
        elif kind == "label":
            result = self._label(message, action)
        elif kind == "queue":
            result, pending = self._queue(message, reason, rule)
        elif kind == "route":
            result, pending = self._route(message, action, reason)
        else:
            result = ACTIONS[kind](message, action, reason, rule, None)
        outcome, detail, payload = result
        entry = LogEntry(message, rule.pk, kind, reason[:500], outcome, detail[:500], payload, pending)
        self.entries.append(entry)
        return entry

    def _settle(self, message: Message, kind: str) -> None:
        """A message hidden, deleted or banned leaves the queue (as `apply_action` does)."""
        item = self.queue.get(message.pk)
        if item is None or item.status != QueueItem.Status.PENDING:
            return
        item.status, item.decided_at = SETTLED_BY[kind], timezone.now()
        if item.pk is not None:  # queued before this batch: written now (rare: the messages are new)
            QueueItem.objects.filter(pk=item.pk, status=QueueItem.Status.PENDING).update(
                status=item.status, decided_at=item.decided_at, decided_by=None
            )

    def _label(self, message: Message, action: dict[str, Any]) -> Result:
        label = self.labels.get(action["label"])
        if label is None:
            return FAILED, _("The label no longer exists."), {}
        key = (message.conversation_id, label.pk)
        if key in self.labelled:
            return SKIPPED, _("Already labelled “%(label)s”.") % {"label": label.name}, {}
        self.labelled.add(key)
        self.new_links.append(key)
        return DONE, label.name, {"label": label.pk}

    def _queue(self, message: Message, reason: str, rule: Rule) -> tuple[Result, QueuedMessage | None]:
        item = self.queue.get(message.pk)
        if item is None:
            item = QueuedMessage(None, message.pk, QueueItem.Status.PENDING, rule.pk, reason[:500])
            self.queue[message.pk] = item
            self.new_items.append(item)
            return (DONE, "", {}), item
        # Only a stored item can have been removed; one queued by this batch is pending or settled.
        if item.pk is None or item.status != QueueItem.Status.REMOVED:
            return (SKIPPED, _("Already in the queue."), {}), None
        item.status, item.reason, item.rule_id = QueueItem.Status.PENDING, reason[:500], rule.pk
        QueueItem.objects.filter(pk=item.pk).update(status=item.status, reason=item.reason, rule=rule)
        return (DONE, "", {"queue_item": item.pk}), None

    def _route(
        self, message: Message, action: dict[str, Any], reason: str
    ) -> tuple[Result, RoutedMessage | None]:
        """`do_route` without delivering: the referral is written at `flush`, delivered after it."""
        department = self.departments.get(action["department"])
        if department is None:
            return (FAILED, _("The department no longer exists."), {}), None
        now = timezone.now()
        referral = RoutedMessage(
            message.workspace_id, department, message.conversation_id, message.pk, reason[:500], now, now
        )
        self.new_referrals.append(referral)
        return (DONE, department.name, {}), referral

    def flush(self) -> list[LogEntry]:
        """Writes what the actions gathered, in one transaction (queue items and referrals first: the log's
        payloads name them), then hands the referrals to delivery and logs the deliveries that failed at once
        (only when deliveries run inline, as in tests). Returns the log entries, with their final outcomes."""
        entries = self.entries
        # The log rows are prepared before the transaction (on SQLite, outside the write lock other workers
        # wait for); only the payloads naming a queue item or referral are set in it, once those have ids.
        log_rows = prepare_rows(ActionLog, LOG_COLUMNS, [log_row(entry) for entry in entries])
        with transaction.atomic():
            self._insert_queue_items()
            self._insert_referrals()
            pending = []
            for index, entry in enumerate(entries):
                if isinstance(entry.pending, QueuedMessage):
                    entry.payload = {"queue_item": entry.pending.pk}
                elif isinstance(entry.pending, RoutedMessage):
                    entry.payload = {"referral": entry.pending.pk}
                else:
                    continue
                pending.append((index, entry.payload))
            log_rows.set("payload", pending)
            # A person may have added the same label meanwhile: the link exists, which is what was wanted.
            insert_rows(self.through, ["conversation_id", "label_id"], self.new_links, ignore_conflicts=True)
            ids = insert_prepared(log_rows)
            for entry, pk in zip(entries, ids, strict=True):
                entry.pk = pk
        referrals = {referral.pk: referral for referral in self.new_referrals if referral.pk is not None}
        self.new_items, self.new_links, self.new_referrals, self.entries = [], [], [], []
        if referrals:
            self._deliver(referrals, entries)
        return entries

    def _insert_queue_items(self) -> None:
        rows = [
            (self.workspace_id, item.message_id, item.rule_id, item.reason, item.status, item.decided_at)
            for item in self.new_items
        ]
        for item, pk in zip(self.new_items, insert_rows(QueueItem, QUEUE_COLUMNS, rows), strict=True):
            item.pk = pk

    def _insert_referrals(self) -> None:
        """The referrals and their audit entries, as `do_route` records them."""
        referrals = self.new_referrals
        ids = insert_rows(Referral, REFERRAL_COLUMNS, [referral.row() for referral in referrals])
        for referral, pk in zip(referrals, ids, strict=True):
            referral.pk = pk
        insert_rows(AuditEntry, AUDIT_COLUMNS, [referral.audit_row() for referral in referrals])

    def _deliver(self, referrals: dict[int, RoutedMessage], entries: list[LogEntry]) -> None:
        deliver_routed_messages(list(referrals))
        # Queued (production): nothing happened yet and nothing changes. Inline: what `_route` would have logged.
        states = {
            pk: (delivery, last_error)
            for pk, delivery, last_error in Referral.objects.filter(pk__in=list(referrals)).values_list(
                "pk", "delivery", "last_error"
            )
        }
        for entry in entries:
            referral_id = entry.payload.get("referral") if entry.action == "route" else None
            if referral_id not in states:
                continue
            delivery, last_error = states[referral_id]
            outcome = FAILED if delivery == Referral.Delivery.FAILED else DONE
            detail = f"{referrals[referral_id].department.name} {last_error}".strip()[:500]
            if (outcome, detail) != (entry.outcome, entry.detail):
                entry.outcome, entry.detail = outcome, detail
                ActionLog.objects.filter(pk=entry.pk).update(outcome=outcome, detail=detail)


def log_row(entry: LogEntry) -> tuple[Any, ...]:
    """The entry's values in LOG_COLUMNS order."""
    message = entry.message
    return (
        message.workspace_id,
        entry.rule_id,
        message.pk,
        message.conversation_id,
        message.contact_id,
        entry.action,
        entry.reason,
        entry.outcome,
        entry.detail,
        entry.payload,
    )
