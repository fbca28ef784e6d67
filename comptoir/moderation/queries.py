"""Read paths for moderation, always scoped to a workspace: rules, the queue, the action log, departments."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from comptoir.inbox.models import Department, Referral
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.workspaces.models import Workspace


def rules_of(workspace: Workspace) -> QuerySet[Rule]:
    return Rule.objects.filter(workspace=workspace)


def rule_of(workspace: Workspace, rule_id: int) -> Rule:
    rule = rules_of(workspace).filter(pk=rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def queue_of(workspace: Workspace, status: str = "", channel: int | None = None) -> QuerySet[QueueItem]:
    items = QueueItem.objects.filter(workspace=workspace).select_related(
        "message__contact", "message__channel", "rule", "decided_by"
    )
    if status:
        items = items.filter(status=status)
    if channel is not None:
        items = items.filter(message__channel_id=channel)
    return items


def queue_item_of(workspace: Workspace, item_id: int) -> QueueItem:
    item = QueueItem.objects.filter(workspace=workspace, pk=item_id).select_related("message").first()
    if item is None:
        raise Http404("No such queue item.")
    return item


def log_of(workspace: Workspace, rule: int | None = None, action: str = "") -> QuerySet[ActionLog]:
    entries = ActionLog.objects.filter(workspace=workspace).select_related(
        "rule", "message", "contact", "actor", "undone_by"
    )
    if rule is not None:
        entries = entries.filter(rule_id=rule)
    if action:
        entries = entries.filter(action=action)
    return entries


def log_entry_of(workspace: Workspace, entry_id: int) -> ActionLog:
    entry = (
        ActionLog.objects.filter(workspace=workspace, pk=entry_id)
        .select_related("message__channel", "message__contact", "message__conversation")
        .first()
    )
    if entry is None:
        raise Http404("No such action.")
    return entry


def departments_of(workspace: Workspace) -> QuerySet[Department]:
    return Department.objects.filter(workspace=workspace)


def department_of(workspace: Workspace, department_id: int) -> Department:
    department = departments_of(workspace).filter(pk=department_id).first()
    if department is None:
        raise Http404("No such department.")
    return department


def referrals_of_conversation(workspace: Workspace, conversation_id: int) -> QuerySet[Referral]:
    return Referral.objects.filter(workspace=workspace, conversation_id=conversation_id).select_related(
        "department"
    )
