"""Workspaces (one brand or client each), their members and roles, invitations and the audit log."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.workspaces.permissions import Permission, Role, role_allows

LANGUAGE_CHOICES = [
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pt", _("Portuguese")),
]
ROLE_CHOICES = [
    (Role.OWNER.value, _("Owner")),
    (Role.ADMIN.value, _("Administrator")),
    (Role.EDITOR.value, _("Editor")),
    (Role.MODERATOR.value, _("Moderator")),
    (Role.ANALYST.value, _("Analyst")),
    (Role.REVIEWER.value, _("Reviewer")),
]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def default_business_hours() -> dict[str, list[list[str]]]:
    return {day: [["09:00", "18:00"]] if day not in {"sat", "sun"} else [] for day in WEEKDAYS}


def default_languages() -> list[str]:
    return ["fr"]


class Workspace(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    languages = models.JSONField(_("languages"), default=default_languages)
    country = models.CharField(_("country"), max_length=2, default="FR")
    business_hours = models.JSONField(_("business hours"), default=default_business_hours)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_open_at(self, moment: datetime) -> bool:
        """Whether `moment` falls within business hours, read in the workspace's own time zone."""
        local = moment.astimezone(self.zone)
        for start, end in self.business_hours.get(WEEKDAYS[local.weekday()], []):
            if time.fromisoformat(start) <= local.time() < time.fromisoformat(end):
                return True
        return False


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")]
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"

    def allows(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


class Invitation(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """One create, update or delete: who did it, when, to what, and which fields changed from what to what."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="audit_entries", null=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["workspace", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_repr}"

    def changes_display(self) -> list[tuple[str, Any, Any]]:
        return [(field, values[0], values[1]) for field, values in sorted(self.changes.items())]
