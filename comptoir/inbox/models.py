"""Contacts, conversations and messages from every channel, each channel's sync cursor, and the reply ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.accounts.models import person_on_record
from comptoir.channels.models import Channel
from comptoir.workspaces.models import Workspace


class Contact(models.Model):
    """A person as one channel knows them; their history is the conversations they wrote in."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=255)
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["display_name", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="one_contact_per_channel_account")
        ]

    def __str__(self) -> str:
        return self.display_name or self.handle or self.external_id


class Label(models.Model):
    """A tag the team (or a moderation rule) puts on conversations, e.g. "SAV", "Presse", "Lead"."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_label_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class SavedReply(models.Model):
    """A reply written once and reused; `{{ first_name }}`-style variables are filled at use."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    shortcut = models.CharField(_("shortcut"), max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "title"], name="one_saved_reply_title_per_workspace")
        ]

    def __str__(self) -> str:
        return self.title


class SlaPolicy(models.Model):
    """A workspace's service-level targets, counted in its business hours (Workspace.business_hours)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="sla_policy")
    first_response_minutes = models.PositiveIntegerField(
        _("first response target (business minutes)"), default=240
    )
    # Two business days of the default 9:00-18:00 week.
    resolution_minutes = models.PositiveIntegerField(_("resolution target (business minutes)"), default=1080)
    # Local dates (ISO "YYYY-MM-DD") on which the team does not work, whatever the weekly hours say.
    holidays = models.JSONField(_("holidays"), default=list, blank=True)

    def __str__(self) -> str:
        return f"SLA of {self.workspace}"


class Department(models.Model):
    """A team outside the CM's (customer service, press, HR…) that feedback is routed to, by e-mail or by a
    signed webhook."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(_("name"), max_length=80)
    email = models.EmailField(_("e-mail address"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    # Fernet-encrypted (comptoir.channels.crypto), used to sign webhook bodies with HMAC-SHA256.
    webhook_secret_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_department_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    class Kind(models.TextChoices):
        COMMENT_THREAD = "comment_thread", _("Comment thread")
        MENTION = "mention", _("Mention")
        DIRECT_MESSAGE = "direct_message", _("Direct message")
        EMAIL_THREAD = "email_thread", _("E-mail thread")
        ARTICLE = "article", _("Article")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    # No index of their own: the unique (channel, thread) and the (workspace, …) indexes below lead with them.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="conversations", db_index=False
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="conversations", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What ties later messages to this conversation: the network's thread id, or the first message's id.
    external_thread_id = models.CharField(max_length=255)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    labels = models.ManyToManyField(Label, related_name="conversations", blank=True)
    # Indexed with the workspace below (every query names one): an index of its own was one more to rewrite at
    # each message a sync stores, for no query.
    last_message_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    # SLA clocks (comptoir.inbox.sla). `opened_at` is when the person first wrote, `last_inbound_at` when they
    # last did (a network's reply window counts from it); due times are fixed when a clock starts, from the
    # workspace's targets and business hours at that moment. Empty on conversations older than the clocks.
    opened_at = models.DateTimeField(null=True, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_thread_id"], name="one_conversation_per_thread"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-last_message_at"]),
            # The default inbox list: a workspace's conversations, newest first, a page at a time.
            models.Index(fields=["workspace", "-last_message_at", "-id"], name="inbox_conv_ws_newest"),
        ]

    def __str__(self) -> str:
        return self.subject[:80] or f"{self.get_kind_display()} #{self.pk}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Received")
        OUTBOUND = "outbound", _("Sent")

    # Every index is paid on every insert of the sync: none for these two, which the unique (channel,
    # external id) and the (workspace, …) indexes below lead with.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages", db_index=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    external_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(help_text="When the network says it was written.")
    received_at = models.DateTimeField(default=timezone.now)
    url = models.URLField(max_length=500, blank=True)
    parent_external_id = models.CharField(max_length=255, blank=True)
    reply_context = models.JSONField(default=dict, blank=True)
    # Who sent an outbound message; empty on the inbound ones, which the partial index below leaves out.
    author = person_on_record()
    # Filled by the classifier right after the sync; empty until then (or when it is not installed).
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=16, blank=True)
    offensive = models.BooleanField(null=True)
    hate = models.BooleanField(null=True)
    spam = models.BooleanField(null=True)
    intent = models.CharField(max_length=32, blank=True)
    classification_scores = models.JSONField(null=True, blank=True)
    classified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Exactly-once storage: a fetch may bring a message again, the database keeps it once.
            models.UniqueConstraint(fields=["channel", "external_id"], name="one_message_per_channel_id")
        ]
        indexes = [
            models.Index(fields=["workspace", "language", "sentiment"]),
            # A workspace's newest messages first: what search walks before it falls back to its index.
            models.Index(fields=["workspace", "-id"], name="inbox_msg_ws_newest"),
            # What deleting a person looks up (to empty `author`).
            models.Index(fields=["author"], condition=Q(author__isnull=False), name="inbox_msg_author"),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class SyncState(models.Model):
    """Where a channel's inbox sync stands: the cursor to resume from and what the last runs did."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="sync_state")
    cursor = models.TextField(blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    items_stored = models.PositiveIntegerField(default=0)
    items_skipped = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.channel} @ {self.cursor[:20]}"


class Note(models.Model):
    """An internal note on a conversation: seen by the team, never sent to the network."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_notes")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class OutboundReply(models.Model):
    """The ledger of one reply: written before the network is called, so no attempt goes unrecorded."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Outcome unknown")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="outbound_replies")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    in_reply_to = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    idempotency_key = models.CharField(max_length=64, unique=True)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # Set while the reply waits for an attempt; cleared when a worker claims it, so a claimed reply whose worker
    # died mid-call is recognisable (pending, no retry time) and goes to `unknown` instead of being resent.
    retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.state}: {self.text[:60]}"


class Referral(models.Model):
    """A message routed to a department (by a rule or a person), its delivery, and the department's answer.

    The department reaches the answer page through a signed link (comptoir.inbox.routing), so it needs no account.
    """

    class Delivery(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    class Answer(models.TextChoices):
        NONE = "", _("No answer yet")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="referrals")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="referrals")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="referrals")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="referrals")
    routed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set once the e-mail went out, so a retry for a failed webhook does not mail the department twice.
    emailed_at = models.DateTimeField(null=True, blank=True)
    answer_status = models.CharField(max_length=15, choices=Answer.choices, default=Answer.NONE, blank=True)
    answer_text = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.department} ← #{self.message_id}"
