"""E-mail provider against real Postfix and Dovecot: inbox by UID cursor, threaded replies, skips, deletion."""

from __future__ import annotations

import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from imap_tools import AND, MailBoxUnencrypted, MailMessage

from comptoir.providers.base import (
    InboxItem,
    InboxKind,
    InboxPage,
    ModerationAction,
    ModerationTarget,
    OutboundPost,
    PermanentError,
    PermanentReason,
)
from comptoir.providers.http import BlockedAddressError
from comptoir.providers.mail import MailProvider
from tests.peers.mail import MailPeer, MailUser

pytestmark = pytest.mark.peers


@dataclass
class Desk:
    server: MailPeer
    support: MailUser
    customer: MailUser
    provider: MailProvider

    def customer_writes(self, subject: str, text: str = "", html: str = "", **headers: str) -> str:
        message = EmailMessage()
        message["From"] = f"Client Dupont <{self.customer.address}>"
        message["To"] = self.support.address
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="example.test")
        for name, value in headers.items():
            message[name.replace("_", "-")] = value
        if text:
            message.set_content(text)
        if html:
            message.add_alternative(html, subtype="html") if text else message.set_content(
                html, subtype="html"
            )
        with smtplib.SMTP(self.server.host, self.server.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        return str(message["Message-ID"])

    def mailbox(self, user: MailUser) -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.server.host, self.server.imap_port).login(user.address, user.password)


def params(server: MailPeer, user: MailUser, **overrides: str) -> dict[str, str]:
    return {
        "address": user.address,
        "imap_host": server.host,
        "imap_port": str(server.imap_port),
        "imap_security": "none",
        "imap_user": user.address,
        "imap_password": user.password,
        "smtp_host": server.host,
        "smtp_port": str(server.smtp_port),
        "smtp_security": "none",
        "smtp_password": "",
        "display_name": "Support Acme",
        "allow_private_network": "1",
        **overrides,
    }


@pytest.fixture
def desk(mail_server: MailPeer) -> Desk:
    support, customer = mail_server.add_user("support"), mail_server.add_user("client")
    connection = MailProvider.connect(params(mail_server, support))
    return Desk(mail_server, support, customer, MailProvider(connection.credentials, connection.settings))


def wait_for_items(desk: Desk, cursor: str, count: int = 1) -> InboxPage:
    """Postfix hands mail to Dovecot asynchronously: poll the provider itself, with a deadline."""
    deadline = time.monotonic() + 15
    while True:
        page = desk.provider.fetch_inbox(cursor)
        if len(page.items) + len(page.skipped) >= count or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def wait_for_message(desk: Desk, user: MailUser, subject: str) -> MailMessage:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with desk.mailbox(user) as mailbox:
            found = list(mailbox.fetch(AND(subject=subject), mark_seen=False))
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no message '{subject}' for {user.address}")


def test_customer_email_becomes_an_inbox_item(desk: Desk) -> None:
    message_id = desk.customer_writes("Commande jamais arrivée", "Ma commande 1234 n'est pas arrivée.")
    page = wait_for_items(desk, "")
    [item] = page.items
    assert item.kind is InboxKind.EMAIL
    assert item.external_id == message_id
    assert item.thread_id == message_id
    assert item.title == "Commande jamais arrivée"
    assert item.text == "Ma commande 1234 n'est pas arrivée."
    assert (item.author.handle, item.author.display_name) == (desk.customer.address, "Client Dupont")
    assert desk.provider.fetch_inbox(page.cursor).items == []


def test_reply_reaches_the_customer_in_the_same_thread(desk: Desk) -> None:
    original = desk.customer_writes("Facture", "Pouvez-vous m'envoyer la facture ?")
    page = wait_for_items(desk, "")
    [item] = page.items

    published = desk.provider.reply(item, OutboundPost(text="La voici.", idempotency_key="reply-facture-1"))

    received = wait_for_message(desk, desk.customer, "Re: Facture")
    assert received.headers["in-reply-to"] == (original,)
    assert original in received.headers["references"][0].split()
    assert received.headers["message-id"] == (published.remote_id,)
    assert received.text.strip() == "La voici."
    assert received.from_values is not None and received.from_values.name == "Support Acme"
    assert published.remote_id.startswith("<reply-facture-1@")
    assert [post.remote_id for post in desk.provider.recent_posts()] == [published.remote_id]

    desk.customer_writes(
        "Re: Facture",
        "Merci !",
        In_Reply_To=published.remote_id,
        References=f"{original} {published.remote_id}",
    )
    [follow_up] = wait_for_items(desk, page.cursor).items
    assert follow_up.thread_id == original
    assert follow_up.parent_id == published.remote_id


def test_html_only_email_is_read_as_sanitised_text(desk: Desk) -> None:
    desk.customer_writes(
        "HTML",
        html="<html><head><style>p{color:red}</style></head><body><p>Bonjour</p>"
        "<script>alert(1)</script><p>Au <b>revoir</b></p></body></html>",
    )
    [item] = wait_for_items(desk, "").items
    assert item.text == "Bonjour\nAu revoir"


def test_malformed_message_is_skipped_not_fatal(desk: Desk) -> None:
    with desk.mailbox(desk.support) as mailbox:
        mailbox.append(b"garbage without any header\r\n\r\n\x00\xff", "INBOX", dt=None)
    good = desk.customer_writes("Bonjour", "Un message correct.")
    page = wait_for_items(desk, "", count=2)
    assert [item.external_id for item in page.items] == [good]
    assert len(page.skipped) == 1


def test_delete_moves_the_message_to_trash(desk: Desk) -> None:
    desk.customer_writes("Spam", "Achetez maintenant")
    item: InboxItem = wait_for_items(desk, "").items[0]
    desk.provider.moderate(
        ModerationAction.DELETE, ModerationTarget(item_id=item.external_id, reply_context=item.reply_context)
    )
    with desk.mailbox(desk.support) as mailbox:
        assert list(mailbox.uids()) == []
        mailbox.folder.set("Trash")
        assert [m.subject for m in mailbox.fetch(mark_seen=False)] == ["Spam"]


def test_mail_cannot_publish(desk: Desk) -> None:
    with pytest.raises(PermanentError) as caught:
        desk.provider.publish(OutboundPost(text="Newsletter"))
    assert caught.value.reason is PermanentReason.UNSUPPORTED


def test_wrong_password_is_refused_at_connect(mail_server: MailPeer) -> None:
    user = mail_server.add_user("support")
    with pytest.raises(PermanentError) as caught:
        MailProvider.connect(params(mail_server, user, imap_password="wrong"))
    assert caught.value.reason is PermanentReason.VALIDATION


def test_private_mail_server_is_refused_unless_allowed(mail_server: MailPeer) -> None:
    user = mail_server.add_user("support")
    with pytest.raises(BlockedAddressError):
        MailProvider.connect(params(mail_server, user, allow_private_network="0"))
