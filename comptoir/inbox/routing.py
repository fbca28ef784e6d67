"""Feedback routing: departments, sending a message to one (e-mail and/or signed webhook), and its answer.

A department needs no Comptoir account: every referral carries a signed token; the link built from it opens a
page where the department reads the message and posts an answer and a status, and the same token signs a JSON
callback URL for systems that answer by themselves. Webhook bodies are signed with the department's secret:
`X-Comptoir-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (see docs/moderation.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels import crypto
from comptoir.inbox.models import Department, Message, Referral
from comptoir.providers.base import OutcomeUnknownError, PermanentError, ProviderError, RetryableError
from comptoir.providers.http import (
    BlockedAddressError,
    check_response,
    guarded_client,
    resolve_public,
    transport_errors,
)
from comptoir.system.backoff import retry_delay
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Comptoir-Signature"
TOKEN_SALT = "comptoir.inbox.referral"  # noqa: S105 - a signing namespace, not a secret
MAX_ATTEMPTS = 6
FIRST_RETRY_DELAY = timedelta(minutes=1)
RETRY_DELAY_CAP = timedelta(hours=1)
DEPARTMENT_FIELDS = ["name", "email", "webhook_url"]


class DeliveryError(Exception):
    """Delivering a referral failed; `retryable` says whether another attempt may succeed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


# Departments ---------------------------------------------------------------------------------------------


def check_webhook_url(url: str) -> str:
    """Only http(s) URLs whose host resolves to public addresses (unless the operator allows private ones)."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("The webhook URL must start with https:// or http://."))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        resolve_public(parts.hostname, port, allow_private=settings.ALLOW_PRIVATE_NETWORKS)
    except BlockedAddressError:
        raise ValidationError(
            _("%(host)s is a private or local address; webhooks only go to public servers.")
            % {"host": parts.hostname}
        ) from None
    except OSError:
        raise ValidationError(_("The host %(host)s cannot be found.") % {"host": parts.hostname}) from None
    return url


def webhook_secret(department: Department) -> str:
    if not department.webhook_secret_encrypted:
        return ""
    return crypto.decrypt(department.webhook_secret_encrypted).get("secret", "")


def _check_department(workspace: Workspace, name: str, email: str, webhook_url: str, pk: int | None) -> None:
    if not name.strip():
        raise ValidationError(_("Give the department a name."))
    if not email and not webhook_url:
        raise ValidationError(_("Give an e-mail address, a webhook URL, or both."))
    if Department.objects.filter(workspace=workspace, name=name.strip()).exclude(pk=pk or 0).exists():
        raise ValidationError(_("A department with this name already exists."))


@transaction.atomic
def do_create_department(
    workspace: Workspace, actor: User, name: str, email: str, webhook_url: str
) -> Department:
    webhook_url = check_webhook_url(webhook_url)
    _check_department(workspace, name, email, webhook_url, None)
    department = Department.objects.create(
        workspace=workspace,
        name=name.strip(),
        email=email,
        webhook_url=webhook_url,
        webhook_secret_encrypted=crypto.encrypt({"secret": secrets.token_urlsafe(32)}),
    )
    audit.record_create(workspace, actor, department, DEPARTMENT_FIELDS)
    return department


@transaction.atomic
def do_update_department(
    department: Department, actor: User, name: str, email: str, webhook_url: str, new_secret: bool = False
) -> Department:
    webhook_url = check_webhook_url(webhook_url)
    _check_department(department.workspace, name, email, webhook_url, department.pk)
    before = audit.snapshot(department, DEPARTMENT_FIELDS)
    department.name, department.email, department.webhook_url = name.strip(), email, webhook_url
    if new_secret:
        department.webhook_secret_encrypted = crypto.encrypt({"secret": secrets.token_urlsafe(32)})
    department.save()
    changes = audit.changed(before, audit.snapshot(department, DEPARTMENT_FIELDS))
    if new_secret:
        changes["webhook_secret"] = ["…", "…"]
    audit.record(department.workspace, actor, AuditEntry.Action.UPDATE, department, changes)
    return department


@transaction.atomic
def do_delete_department(department: Department, actor: User) -> None:
    audit.record(department.workspace, actor, AuditEntry.Action.DELETE, department)
    department.delete()


# Referrals -----------------------------------------------------------------------------------------------


def referral_token(referral: Referral) -> str:
    """Stable for a referral, so every link sent for it stays the same; forging one needs SECRET_KEY."""
    return signing.Signer(salt=TOKEN_SALT).sign(str(referral.pk))


def referral_from_token(token: str) -> Referral | None:
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Referral.objects.select_related("department", "message", "message__contact", "conversation__channel")
        .filter(pk=pk)
        .first()
    )


def answer_url(referral: Referral) -> str:
    return f"{settings.COMPTOIR_BASE_URL}{reverse('moderation:referral_answer', args=[referral_token(referral)])}"


def callback_url(referral: Referral) -> str:
    return f"{settings.COMPTOIR_BASE_URL}{reverse('moderation:referral_callback', args=[referral_token(referral)])}"


def conversation_url(referral: Referral) -> str:
    path = reverse("inbox:conversation", args=[referral.workspace.slug, referral.conversation_id])
    return f"{settings.COMPTOIR_BASE_URL}{path}"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload_of(referral: Referral) -> dict[str, Any]:
    """What the department receives: the message, who wrote it where, and the links to answer."""
    message = referral.message
    contact = message.contact
    return {
        "id": referral.pk,
        "department": referral.department.name,
        "workspace": referral.workspace.name,
        "reason": referral.reason,
        "text": message.text,
        "author": str(contact) if contact else "",
        "author_handle": contact.handle if contact else "",
        "channel": referral.conversation.channel.name,
        "network": referral.conversation.channel.network,
        "written_at": message.created_at.isoformat(),
        "message_url": message.url,
        "conversation_url": conversation_url(referral),
        "answer_url": answer_url(referral),
        "callback_url": callback_url(referral),
    }


def do_route(
    message: Message, department: Department, actor: User | None, reason: str = "", deliver: bool = True
) -> Referral:
    """Creates the referral (audited), then delivers it at once unless `deliver` is false (the caller queues the
    delivery); a failed delivery is retried by a job."""
    if department.workspace_id != message.workspace_id:
        raise ValidationError(_("Choose a department of this workspace."))
    with transaction.atomic():
        referral = Referral.objects.create(
            workspace_id=message.workspace_id,
            department=department,
            conversation_id=message.conversation_id,
            message=message,
            routed_by=actor,
            reason=reason[:500],
            retry_at=timezone.now(),
        )
        audit.record_create(referral.workspace, actor, referral, ["department", "message", "reason"])
    if deliver:
        deliver_referral(referral)
        referral.refresh_from_db()
    return referral


def claim_referral(referral: Referral) -> bool:
    """One worker per attempt: the filtered UPDATE changes one row or none."""
    now = timezone.now()
    claimed = Referral.objects.filter(
        pk=referral.pk, delivery=Referral.Delivery.PENDING, retry_at__isnull=False, retry_at__lte=now
    ).update(retry_at=None, attempts=F("attempts") + 1)
    if claimed:
        referral.refresh_from_db()
    return claimed == 1


def deliver_referral(referral: Referral) -> None:
    if not claim_referral(referral):
        return
    referral = Referral.objects.select_related(
        "workspace", "department", "message__contact", "conversation__channel"
    ).get(pk=referral.pk)
    try:
        payload = payload_of(referral)
        if referral.department.email and referral.emailed_at is None:
            _send_email(referral, payload)
            Referral.objects.filter(pk=referral.pk).update(emailed_at=timezone.now())
        if referral.department.webhook_url:
            _post_webhook(referral, payload)
    except DeliveryError as error:
        if error.retryable and referral.attempts < MAX_ATTEMPTS:
            delay = retry_delay(referral.attempts, None, FIRST_RETRY_DELAY, RETRY_DELAY_CAP)
            Referral.objects.filter(pk=referral.pk).update(
                retry_at=timezone.now() + delay, last_error=error.message[:500]
            )
        else:
            Referral.objects.filter(pk=referral.pk).update(
                delivery=Referral.Delivery.FAILED, last_error=error.message[:500]
            )
        return
    Referral.objects.filter(pk=referral.pk).update(
        delivery=Referral.Delivery.SENT, sent_at=timezone.now(), last_error=""
    )


def _send_email(referral: Referral, payload: dict[str, Any]) -> None:
    subject = _("[Comptoir] %(department)s: message from %(author)s") % {
        "department": payload["department"],
        "author": payload["author"] or _("someone"),
    }
    lines = [
        _("A message was routed to your department by %(workspace)s.") % {"workspace": payload["workspace"]},
        "",
        _("From: %(author)s %(handle)s") % {"author": payload["author"], "handle": payload["author_handle"]},
        _("Channel: %(channel)s (%(network)s)") % payload,
        _("Written at: %(written_at)s") % payload,
        "",
        payload["text"],
        "",
        _("Answer and give a status here: %(url)s") % {"url": payload["answer_url"]},
        _("Conversation in Comptoir (team members): %(url)s") % {"url": payload["conversation_url"]},
    ]
    if payload["message_url"]:
        lines.append(_("On the network: %(url)s") % {"url": payload["message_url"]})
    email = EmailMessage(
        subject=subject.replace("\n", " ")[:200],
        body="\n".join(lines),
        to=[referral.department.email],
        headers={"X-Comptoir-Referral": str(referral.pk)},
    )
    try:
        email.send()
    except OSError as error:
        message = _("The e-mail could not be sent: %(error)s") % {"error": error}
        raise DeliveryError(message, retryable=True) from None


def _post_webhook(referral: Referral, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    secret = webhook_secret(referral.department)
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body)
    try:
        with (
            guarded_client(allow_private=settings.ALLOW_PRIVATE_NETWORKS, follow_redirects=False) as client,
            transport_errors(idempotent=True),
        ):
            check_response(client.post(referral.department.webhook_url, content=body, headers=headers))
    except (RetryableError, OutcomeUnknownError) as error:
        # The receiver deduplicates on "id" (documented), so a resend after a timeout is harmless.
        raise DeliveryError(error.message, retryable=True) from None
    except PermanentError as error:
        raise DeliveryError(error.message, retryable=False) from None
    except ProviderError as error:
        raise DeliveryError(error.message, retryable=True) from None


def resend_due_referrals() -> int:
    due = list(Referral.objects.filter(delivery=Referral.Delivery.PENDING, retry_at__lte=timezone.now()))
    for referral in due:
        deliver_referral(referral)
    return len(due)


@transaction.atomic
def do_answer_referral(referral: Referral, status: str, text: str) -> Referral:
    """The department's answer (from the page or the callback); the CM sees it on the conversation."""
    if status not in {choice for choice in Referral.Answer.values if choice}:
        raise ValidationError(_("The status is acknowledged, in_progress or resolved."))
    text = text.strip()
    if len(text) > 20_000:
        raise ValidationError(_("The answer is too long (20,000 characters at most)."))
    before = audit.snapshot(referral, ["answer_status", "answer_text"])
    referral.answer_status = status
    if text:
        referral.answer_text = text
    referral.answered_at = timezone.now()
    referral.save(update_fields=["answer_status", "answer_text", "answered_at"])
    audit.record(
        referral.workspace,
        None,
        AuditEntry.Action.UPDATE,
        referral,
        audit.changed(before, audit.snapshot(referral, ["answer_status", "answer_text"])),
        actor_label=_("department %(name)s") % {"name": referral.department.name},
    )
    return referral
