"""A channel: one connected account, page, room, mailbox or source of a workspace, with its health."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.channels import crypto
from comptoir.workspaces.models import Workspace

TOKEN_EXPIRY_WARNING = timedelta(days=7)


class Channel(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Working")
        FAILING = "failing", _("Errors")
        RECONNECT = "reconnect", _("Reconnect needed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    network = models.CharField(_("network"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    account_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    credentials_encrypted = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "account_id"], name="one_channel_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"

    @property
    def credentials(self) -> dict[str, str]:
        return crypto.decrypt(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict[str, str]) -> None:
        self.credentials_encrypted = crypto.encrypt(value)

    @property
    def token_expires_soon(self) -> bool:
        return (
            self.token_expires_at is not None
            and self.token_expires_at - timezone.now() < TOKEN_EXPIRY_WARNING
        )
