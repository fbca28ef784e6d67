"""Posts, their per-channel targets with the publisher's state machine, and the ledger of publish attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.channels.models import Channel
from comptoir.workspaces.models import Workspace


class Pillar(models.Model):
    """A content pillar of the editorial line, with the share of posts the team aims to give it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    color = models.CharField(
        _("colour"), max_length=7, default="#4f6df5", help_text=_("A hex colour, e.g. #4f6df5.")
    )
    target_share = models.PositiveSmallIntegerField(
        _("target share (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_pillar_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


def media_upload_to(instance: Media, filename: str) -> str:
    return f"media/{instance.workspace_id}/{uuid.uuid4().hex}/{filename}"


class Media(models.Model):
    """An uploaded image or video of the workspace's library; renditions per network are derived from it."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="media")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to=media_upload_to, max_length=300)
    original_name = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    alt_text = models.TextField(_("alt text"), blank=True)
    # Where the picture's subject is, as fractions of width and height; crops keep it in frame.
    focal_x = models.FloatField(default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    focal_y = models.FloatField(default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    # Unguessable part of the public URL that networks fetching media themselves (Instagram) are given.
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or str(self.file.name)


class Post(models.Model):
    """What the team writes once; each channel it goes to is a PostTarget with its own variant."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    pillar = models.ForeignKey(
        Pillar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("pillar"),
    )
    media = models.ManyToManyField(Media, through="PostMedia", related_name="posts", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("Only the team sees it."))
    internal_note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PostTarget(models.Model):
    """One post on one channel. Only the publisher moves a target past `scheduled`, one conditional UPDATE at
    a time, so two workers can never both hold it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        CLAIMED = "claimed", _("Publishing")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Checking the network")
        MISSED = "missed", _("Missed")

    class FailureReason(models.TextChoices):
        VALIDATION = "validation", _("Refused by the network")
        AUTH_REVOKED = "auth_revoked", _("Channel needs reconnecting")
        FORBIDDEN = "forbidden", _("Not allowed by the network")
        NOT_FOUND = "not_found", _("Not found on the network")
        UNSUPPORTED = "unsupported", _("Not supported by the network")
        RATE_LIMITED = "rate_limited", _("Rate limited")
        NETWORK = "network", _("Network unreachable")
        UNKNOWN_OUTCOME = "unknown_outcome", _("No answer from the network")
        MISSED = "missed", _("Too late to publish")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="post_targets")
    text = models.TextField(_("text"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    due_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=20, choices=FailureReason.choices, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Fixed for the target's whole life: every attempt and the reconciler use the same key.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["post", "channel"], name="one_target_per_channel")]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"

    def clean(self) -> None:
        if self.channel.workspace_id != self.post.workspace_id:
            raise ValidationError(_("A post can only go to its own workspace's channels."))


class PostMedia(models.Model):
    """A medium attached to a post, in order; each target gets the rendition its network needs."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    media = models.ForeignKey(Media, on_delete=models.PROTECT, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["post", "media"], name="one_attachment_per_media")]

    def __str__(self) -> str:
        return f"{self.post} #{self.position}: {self.media}"


class PublishAttempt(models.Model):
    """One call to a network's publish endpoint, written before the call and completed after it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Sending")
        PUBLISHED = "published", _("Published")
        RETRY = "retry", _("Will retry")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("No answer")

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempts_made")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=120)
    request_id = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    remote_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_summary = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.target} @ {self.started_at:%Y-%m-%d %H:%M:%S} ({self.outcome})"
