"""Posts, their per-channel targets with the publisher's state machine, and the ledger of publish attempts."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.channels.models import Channel
from comptoir.workspaces.models import Membership, Workspace


class Pillar(models.Model):
    """A content pillar of the editorial line, with the share of posts the team aims to give it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    # Checked because templates put it in a style attribute.
    color = models.CharField(
        _("colour"),
        max_length=7,
        default="#4f6df5",
        help_text=_("A hex colour, e.g. #4f6df5."),
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Choose a colour such as #4f6df5."))],
    )
    target_share = models.PositiveSmallIntegerField(
        _("target share (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"],
                name="one_pillar_name_per_workspace",
                violation_error_message=_("A pillar of this name already exists."),
            )
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

    @property
    def is_image(self) -> bool:
        return self.kind == self.Kind.IMAGE


def rendition_upload_to(instance: MediaRendition, filename: str) -> str:
    return f"renditions/{instance.media.workspace_id}/{instance.media.public_token.hex}/{filename}"


class MediaRendition(models.Model):
    """An image resized and cropped for one network's preset (providers.networks.IMAGE_PRESETS), kept so that
    every publication and Instagram's own fetch get the very same bytes."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="renditions")
    preset = models.CharField(max_length=20)
    file = models.FileField(upload_to=rendition_upload_to, max_length=300)
    mime_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveBigIntegerField()
    # The focal point the crop was computed for: moving it makes this rendition stale.
    focal_x = models.FloatField()
    focal_y = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["media", "preset"]
        constraints = [models.UniqueConstraint(fields=["media", "preset"], name="one_rendition_per_preset")]

    def __str__(self) -> str:
        return f"{self.media} [{self.preset}]"


class ToneRules(models.Model):
    """The workspace's tone of voice, checked as warnings in the composer (editorial.check_tone)."""

    class EmojiPolicy(models.TextChoices):
        NONE = "none", _("No emoji")
        LIMITED = "limited", _("A few emoji at most")
        FREE = "free", _("Emoji as you like")

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="tone_rules")
    forbidden = models.TextField(
        _("forbidden words and expressions"), blank=True, help_text=_("One per line; case does not matter.")
    )
    required = models.TextField(
        _("required mentions and hashtags"),
        blank=True,
        help_text=_(
            "One per line. Start a line with a network and a colon (mastodon: @lemoine) to ask for it on "
            "that network only."
        ),
    )
    emoji_policy = models.CharField(
        _("emoji"), max_length=8, choices=EmojiPolicy.choices, default=EmojiPolicy.FREE
    )
    emoji_max = models.PositiveSmallIntegerField(_("most emoji in a post"), default=3)
    languages = models.JSONField(_("expected languages"), default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.workspace} tone"


class LinkTracking(models.Model):
    """UTM parameters added to a post's links at publish time: source = network, medium and campaign here
    (a post may name its own campaign)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="link_tracking")
    enabled = models.BooleanField(_("add UTM parameters to links"), default=False)
    medium = models.CharField(_("utm_medium"), max_length=60, default="social")
    campaign = models.CharField(
        _("default utm_campaign"), max_length=100, blank=True, help_text=_("Used when a post names none.")
    )

    def __str__(self) -> str:
        return f"{self.workspace} UTM"


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
    utm_campaign = models.CharField(
        _("utm_campaign"),
        max_length=100,
        blank=True,
        help_text=_("Names the campaign in the links' UTM parameters; empty takes the workspace's default."),
    )
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


class ApprovalPolicy(models.Model):
    """Whether a workspace's posts must be approved before anyone can schedule them (off when no row exists)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="approval_policy")
    approval_required = models.BooleanField(_("approval required before scheduling"), default=False)

    def __str__(self) -> str:
        return f"{self.workspace}: {self.approval_required}"

    @staticmethod
    def required_for(workspace: Workspace) -> bool:
        return ApprovalPolicy.objects.filter(workspace=workspace, approval_required=True).exists()

    @staticmethod
    def check_may_schedule_unapproved(workspace: Workspace) -> None:
        if ApprovalPolicy.required_for(workspace):
            raise ValidationError(
                _(
                    "This workspace requires approval before scheduling: keep the post as a draft and "
                    "submit it for review."
                )
            )


class ReviewLink(models.Model):
    """An expiring link through which someone without an account reviews one post; only the token's hash is
    stored, so a leaked database does not leak working links."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_links")
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("for whom"), max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.post} ← {self.label or self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ReviewEvent(models.Model):
    """One step of a post's review thread: a submission, a comment or a decision, by a member or through a
    review link (then `actor` is empty and `actor_name` is the name the reviewer typed)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        RESUBMITTED = "resubmitted", _("Sent back to review after an edit")
        COMMENTED = "commented", _("Commented")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    review_link = models.ForeignKey(
        ReviewLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    actor_name = models.CharField(max_length=150)
    comment = models.TextField(_("comment"), blank=True)
    # Chosen by the author at submission; nobody chosen means every member who may approve is asked.
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["post", "created_at"])]

    def __str__(self) -> str:
        return f"{self.post}: {self.kind} by {self.actor_name}"

    @property
    def is_decision(self) -> bool:
        return self.kind in DECISIONS


DECISIONS = frozenset(
    {ReviewEvent.Kind.APPROVED, ReviewEvent.Kind.CHANGES_REQUESTED, ReviewEvent.Kind.REJECTED}
)


# Calendar: campaigns, queue slots, recurring posts and private iCal feeds ---------------------------------


class Campaign(models.Model):
    """A period the team plans around (a sale, a launch, a season), shown as a key date on the calendar."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    color = models.CharField(
        _("colour"), max_length=7, default="#e0823d", help_text=_("A hex colour, e.g. #e0823d.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day cannot come before the first.")})


class QueueSlot(models.Model):
    """A weekly moment (weekday and wall-clock time in the workspace's zone) when a channel likes to post."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="queue_slots")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    local_time = models.TimeField(_("time"))

    class Meta:
        ordering = ["channel", "weekday", "local_time"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "weekday", "local_time"], name="one_slot_per_moment")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.get_weekday_display()} {self.local_time:%H:%M}"


class Recurrence(models.Model):
    """Repeats a post by an RFC 5545 rule read in `time_zone`, so 09:00 stays 09:00 on the clock across DST.

    The source post is the pattern: each occurrence is a copy of it (title, pillar, media, one target per
    channel with the same text), created ahead of time by the `materialise_recurring_posts` job."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="recurrences")
    source_post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="recurrences")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rule = models.CharField(_("repeat rule"), max_length=300)
    # The first occurrence as a wall clock in `time_zone`: the rule expands wall-clock times, not instants.
    starts_local = models.CharField(max_length=19)
    time_zone = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source_post} ({self.rule})"


class Occurrence(models.Model):
    """One materialised occurrence of a recurrence; the unique pair makes materialising idempotent."""

    recurrence = models.ForeignKey(Recurrence, on_delete=models.CASCADE, related_name="occurrences")
    occurs_at = models.DateTimeField()
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="occurrence")

    class Meta:
        ordering = ["occurs_at"]
        constraints = [
            models.UniqueConstraint(fields=["recurrence", "occurs_at"], name="one_post_per_occurrence")
        ]

    def __str__(self) -> str:
        return f"{self.recurrence} @ {self.occurs_at:%Y-%m-%d %H:%M}"


class CalendarFeed(models.Model):
    """A member's private iCal address; only the token's hash is stored, so a database leak reveals no feed."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.membership} iCal"
