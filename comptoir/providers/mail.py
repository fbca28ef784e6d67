"""E-mail provider: a support mailbox read over IMAP, answered over SMTP in the customer's thread."""

from __future__ import annotations

import imaplib
import json
import logging
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, make_msgid, parseaddr
from typing import NoReturn

from imap_tools import AND, H, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage, MailMessageFlags
from imap_tools.errors import ImapToolsError, MailboxLoginError
from imap_tools.mailbox import BaseMailBox

from comptoir.providers.base import (
    Author,
    Connection,
    InboxItem,
    InboxKind,
    InboxPage,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    Provider,
    Published,
    RemotePost,
    RetryableError,
    SkippedItem,
)
from comptoir.providers.feeds import html_to_text
from comptoir.providers.http import ALLOW_PRIVATE_SETTING, allow_private_from, resolve_public
from comptoir.providers.networks import CAPABILITIES

logger = logging.getLogger(__name__)

TIMEOUT = 30
FIRST_SYNC_LIMIT = 50
BATCH_LIMIT = 200
DEFAULT_PORTS = {
    ("imap", "ssl"): 993,
    ("imap", "starttls"): 143,
    ("imap", "none"): 143,
    ("smtp", "ssl"): 465,
    ("smtp", "starttls"): 587,
    ("smtp", "none"): 25,
}
# display_name is the sender name customers see ("Support Acme").
SETTING_KEYS = (
    "address",
    "display_name",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_user",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
)


def _endpoint(settings: Mapping[str, str], protocol: str) -> tuple[str, int, str]:
    """Host, port and security of IMAP or SMTP, the host vetted like any user-supplied address."""
    security = settings.get(f"{protocol}_security", "ssl" if protocol == "imap" else "starttls")
    if (protocol, security) not in DEFAULT_PORTS:
        raise PermanentError(
            f"Unknown {protocol.upper()} security '{security}'.", reason=PermanentReason.VALIDATION
        )
    host = settings[f"{protocol}_host"]
    port = int(settings.get(f"{protocol}_port") or DEFAULT_PORTS[(protocol, security)])
    try:
        resolve_public(host, port, allow_private=allow_private_from(settings))
    except OSError:
        raise RetryableError(f"Cannot resolve {host}.") from None
    return host, port, security


@contextmanager
def _imap(settings: Mapping[str, str], credentials: Mapping[str, str]) -> Iterator[BaseMailBox]:
    host, port, security = _endpoint(settings, "imap")
    try:
        if security == "ssl":
            mailbox: BaseMailBox = MailBox(
                host, port, timeout=TIMEOUT, ssl_context=ssl.create_default_context()
            )
        elif security == "starttls":
            mailbox = MailBoxStartTls(host, port, timeout=TIMEOUT, ssl_context=ssl.create_default_context())
        else:
            mailbox = MailBoxUnencrypted(host, port, timeout=TIMEOUT)
        mailbox.login(settings.get("imap_user") or settings["address"], credentials["imap_password"])
    except MailboxLoginError:
        raise PermanentError(
            "The IMAP server refused the login.", reason=PermanentReason.AUTH_REVOKED
        ) from None
    except (OSError, imaplib.IMAP4.error, ImapToolsError) as exc:
        raise RetryableError(f"Could not reach the IMAP server {host}: {type(exc).__name__}.") from None
    try:
        yield mailbox
    except (OSError, imaplib.IMAP4.error, ImapToolsError) as exc:
        # Reads and mailbox moves can be repeated safely, so an interrupted session is worth a retry.
        raise RetryableError(f"The IMAP session with {host} failed: {type(exc).__name__}.") from None
    finally:
        try:
            mailbox.logout()
        except (OSError, imaplib.IMAP4.error, ImapToolsError):
            logger.debug("IMAP logout from %s failed", host)


@contextmanager
def _smtp(settings: Mapping[str, str], credentials: Mapping[str, str]) -> Iterator[smtplib.SMTP]:
    """An authenticated SMTP session; failures before any message is sent are retryable or permanent."""
    host, port, security = _endpoint(settings, "smtp")
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=TIMEOUT)
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if credentials.get("smtp_password"):
            client.login(settings.get("smtp_user") or settings["address"], credentials["smtp_password"])
    except smtplib.SMTPAuthenticationError:
        raise PermanentError(
            "The SMTP server refused the login.", reason=PermanentReason.AUTH_REVOKED
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise RetryableError(f"Could not reach the SMTP server {host}: {type(exc).__name__}.") from None
    try:
        yield client
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def _first_id(value: str) -> str:
    ids = value.split()
    return ids[0] if ids else ""


def _message_item(message: MailMessage, uidvalidity: int) -> InboxItem:
    """Build the inbox item; raises ValueError for a message nobody could answer (no sender)."""
    headers = message.obj
    name, sender = parseaddr(str(headers.get("From", "")))
    if "@" not in sender:
        raise ValueError("no sender address")
    reply_to = [address for _, address in getaddresses([str(headers.get("Reply-To", ""))]) if "@" in address]
    message_id = str(headers.get("Message-ID", "")).strip() or f"<uid-{uidvalidity}-{message.uid}@comptoir>"
    references = " ".join(str(headers.get("References", "")).split())
    in_reply_to = _first_id(str(headers.get("In-Reply-To", "")))
    # The thread is named by its first message: References lists ancestors oldest first (RFC 5322 3.6.4).
    thread_id = _first_id(references) or in_reply_to or message_id
    text = message.text.strip() or html_to_text(message.html)
    created_at = message.date if message.date.year > 1900 else datetime.now(UTC)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    subject = message.subject
    return InboxItem(
        external_id=message_id,
        kind=InboxKind.EMAIL,
        author=Author(external_id=sender.lower(), handle=sender, display_name=name),
        text=text,
        created_at=created_at,
        thread_id=thread_id,
        parent_id=in_reply_to,
        title=subject,
        reply_context={
            "message_id": message_id,
            "references": references or in_reply_to,
            "subject": subject,
            "reply_to": reply_to[0] if reply_to else sender,
            "uid": str(message.uid),
            "uidvalidity": str(uidvalidity),
        },
    )


class MailProvider(Provider):
    network = "email"
    capabilities = CAPABILITIES["email"]

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        """Check both the IMAP and SMTP logins; only the passwords go to credentials."""
        settings = {key: params[key].strip() for key in SETTING_KEYS if params.get(key)}
        if allow_private_from(params):
            settings[ALLOW_PRIVATE_SETTING] = "1"
        credentials = {
            "imap_password": params["imap_password"],
            "smtp_password": params.get("smtp_password", params["imap_password"]),
        }
        try:
            with _imap(settings, credentials):
                pass
            with _smtp(settings, credentials):
                pass
        except PermanentError as exc:
            if exc.reason is PermanentReason.AUTH_REVOKED:
                raise PermanentError(exc.message, reason=PermanentReason.VALIDATION) from None
            raise
        address = settings["address"]
        return Connection(
            account_id=address.lower(),
            display_name=address,
            handle=address,
            credentials=credentials,
            settings=settings,
        )

    def publish(self, post: OutboundPost) -> Published:
        self._unsupported("An e-mail channel answers customers; it does not publish.")

    def delete(self, remote_id: str) -> None:
        self._unsupported("A sent e-mail cannot be taken back.")

    def _unsupported(self, message: str) -> NoReturn:
        raise PermanentError(message, reason=PermanentReason.UNSUPPORTED)

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        """Messages with a UID above the cursor's; a changed UIDVALIDITY means UIDs were renumbered, so the
        mailbox is read again as on a first sync (duplicates are absorbed by the store's unique key)."""
        state = json.loads(cursor) if cursor else {}
        with _imap(self.settings, self.credentials) as mailbox:
            status = mailbox.folder.status("INBOX", ["UIDVALIDITY", "UIDNEXT"])
            uidvalidity = int(status["UIDVALIDITY"])
            mailbox.folder.set("INBOX")
            last = int(state.get("uid", 0)) if state.get("uidvalidity") == uidvalidity else 0
            uids = sorted(int(uid) for uid in mailbox.uids(f"UID {last + 1}:*") if int(uid) > last)
            if not last:
                uids = uids[-FIRST_SYNC_LIMIT:]
            batch = uids[:BATCH_LIMIT]
            items: list[InboxItem] = []
            skipped: list[SkippedItem] = []
            if batch:
                criteria = AND(uid=[str(uid) for uid in batch])
                for message in mailbox.fetch(criteria, mark_seen=False, bulk=True):
                    try:
                        items.append(_message_item(message, uidvalidity))
                    except (ValueError, TypeError, LookupError, AttributeError) as exc:
                        logger.warning("Skipping malformed e-mail UID %s: %s", message.uid, exc)
                        skipped.append(
                            SkippedItem(external_id=f"uid:{uidvalidity}:{message.uid}", reason=str(exc))
                        )
            next_uid = batch[-1] if batch else last
        return InboxPage(
            items=items,
            cursor=json.dumps({"uidvalidity": uidvalidity, "uid": next_uid}),
            skipped=skipped,
            has_more=len(uids) > len(batch),
        )

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        """Answer in the customer's thread; the Message-ID is derived from the idempotency key so the
        reconciler finds the answer in Sent, and a copy goes to Sent as mail clients do."""
        context = item.reply_context
        address = self.settings["address"]
        domain = address.rsplit("@", 1)[-1]
        message = EmailMessage()
        message["From"] = formataddr((self.settings.get("display_name", ""), address))
        message["To"] = context["reply_to"]
        subject = context.get("subject", "")
        message["Subject"] = post.subject or (
            subject if subject.lower().startswith("re:") else f"Re: {subject}"
        )
        message["In-Reply-To"] = context["message_id"]
        message["References"] = f"{context.get('references', '')} {context['message_id']}".strip()
        message_id = (
            f"<{post.idempotency_key}@{domain}>" if post.idempotency_key else make_msgid(domain=domain)
        )
        message["Message-ID"] = message_id
        message["Date"] = datetime.now(UTC)
        message.set_content(post.text)
        for media in post.media:
            maintype, _, subtype = media.mime_type.partition("/")
            message.add_attachment(media.content, maintype=maintype, subtype=subtype, filename=media.filename)
        self._send(message)
        self._copy_to_sent(message)
        return Published(remote_ids=[message_id], published_at=datetime.now(UTC))

    def _send(self, message: EmailMessage) -> None:
        with _smtp(self.settings, self.credentials) as client:
            try:
                refused = client.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                raise PermanentError(
                    "The recipient address was refused.", reason=PermanentReason.VALIDATION
                ) from None
            except smtplib.SMTPResponseException as exc:
                # 4xx: the server did not take the message and says to try later; 5xx: it never will.
                if 400 <= exc.smtp_code < 500:
                    raise RetryableError(f"The SMTP server deferred the message ({exc.smtp_code}).") from None
                raise PermanentError(
                    f"The SMTP server rejected the message ({exc.smtp_code}).",
                    reason=PermanentReason.VALIDATION,
                    status=exc.smtp_code,
                ) from None
            except (OSError, smtplib.SMTPServerDisconnected):
                raise OutcomeUnknownError("The SMTP connection broke while sending the message.") from None
            if refused:
                raise PermanentError("Some recipients were refused.", reason=PermanentReason.VALIDATION)

    def _copy_to_sent(self, message: EmailMessage) -> None:
        try:
            with _imap(self.settings, self.credentials) as mailbox:
                sent = self._special_folder(mailbox, "\\Sent")
                if sent:
                    mailbox.append(message.as_bytes(), sent, dt=None, flag_set=[MailMessageFlags.SEEN])
        except (RetryableError, PermanentError) as exc:
            # The answer is already delivered; a missing copy must not turn into a failed (and resent) reply.
            logger.warning("Reply sent but not copied to Sent: %s", exc.message)

    @staticmethod
    def _special_folder(mailbox: BaseMailBox, flag: str) -> str:
        for folder in mailbox.folder.list():
            if flag in folder.flags:
                return str(folder.name)
        return ""

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        with _imap(self.settings, self.credentials) as mailbox:
            sent = self._special_folder(mailbox, "\\Sent")
            if not sent:
                return []
            mailbox.folder.set(sent)
            messages = mailbox.fetch(limit=limit, reverse=True, mark_seen=False, bulk=True)
            return [
                RemotePost(
                    remote_id=str(m.obj.get("Message-ID", "")).strip(),
                    text=m.text,
                    created_at=m.date if m.date.tzinfo else None,
                )
                for m in messages
            ]

    def moderate(self, action: ModerationAction, target: ModerationTarget) -> None:
        """DELETE moves the message to Trash, or flags and expunges it where there is no Trash."""
        if action is not ModerationAction.DELETE:
            super().moderate(action, target)
        message_id = target.reply_context.get("message_id", target.item_id)
        with _imap(self.settings, self.credentials) as mailbox:
            mailbox.folder.set("INBOX")
            uids = mailbox.uids(AND(header=H("Message-ID", message_id)))
            if not uids:
                raise PermanentError(
                    "The e-mail is no longer in the inbox.", reason=PermanentReason.NOT_FOUND
                )
            trash = self._special_folder(mailbox, "\\Trash")
            if trash:
                mailbox.move(uids, trash)
            else:
                mailbox.delete(uids)
