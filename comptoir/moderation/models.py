"""Moderation rules, the log of every automatic action, and the moderation queue."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import person_on_record
from comptoir.inbox.models import Contact, Conversation, Message
from comptoir.workspaces.models import Workspace


class Rule(models.Model):
    """Conditions on a message (all or any of them) and the actions taken when they hold, in `position` order.

    `conditions` and `actions` are lists of plain dicts checked by comptoir.moderation.rules when saved."""

    class Match(models.TextChoices):
        ALL = "all", _("All conditions")
        ANY = "any", _("Any condition")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="moderation_rules")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    stop = models.BooleanField(_("stop after this rule"), default=False)
    conditions = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    matches_count = models.PositiveIntegerField(default=0)
    actions_count = models.PositiveIntegerField(default=0)
    undone_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_rule_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class ActionLog(models.Model):
    """One action taken on a message, by a rule or by a person from the queue, with why and what came of it."""

    class Outcome(models.TextChoices):
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Not possible")
        FAILED = "failed", _("Failed")

    # The log grows by an entry or two per moderated message: no index of its own for the workspace (the
    # (workspace, created_at) one leads with it) nor for the date, and the people's only over rows naming one.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="moderation_log", db_index=False
    )
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="log")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="moderation_log")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=20)
    reason = models.CharField(_("reason"), max_length=500)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    # What undoing needs: the label added, the previous assignee, the queue item...
    payload = models.JSONField(default=dict, blank=True)
    actor = person_on_record()
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = person_on_record()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="moderation_log_actor"),
            models.Index(
                fields=["undone_by"], condition=Q(undone_by__isnull=False), name="moderation_log_undone_by"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.message_id}: {self.outcome}"


class QueueItem(models.Model):
    """A message waiting for a moderator's decision, sent by a rule or by an unsure classifier."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        KEPT = "kept", _("Kept")
        HIDDEN = "hidden", _("Hidden")
        DELETED = "deleted", _("Deleted")
        BANNED = "banned", _("Author banned")
        REMOVED = "removed", _("Removed from the queue")

    # Indexed by the (workspace, status, created_at) index below, and the decider's only where there is one.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="moderation_queue", db_index=False
    )
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="queue_item")
    rule = models.ForeignKey(Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = person_on_record()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status", "-created_at"]),
            models.Index(
                fields=["decided_by"],
                condition=Q(decided_by__isnull=False),
                name="moderation_queue_decided_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.reason[:60]}"
