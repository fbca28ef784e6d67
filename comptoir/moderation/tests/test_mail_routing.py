"""On real Postfix and Dovecot: a customer e-mail is routed to the 'SAV' department by a rule and answered in its
thread."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from comptoir.channels.actions import do_connect_channel
from comptoir.inbox.models import Message, OutboundReply, Referral
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.moderation.models import Rule
from comptoir.moderation.rules import check_condition
from comptoir.providers.mail import MailProvider
from comptoir.providers.tests.test_mail import Desk, params, wait_for_message
from comptoir.testing.factories import DepartmentFactory
from comptoir.workspaces.models import Membership
from tests.peers.mail import MailPeer

pytestmark = pytest.mark.peers


@pytest.fixture
def smtp_to_peer(settings: Settings, mail_server: MailPeer) -> None:
    """Comptoir's own e-mail (the routed message) goes through the peer's Postfix."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = mail_server.host, mail_server.smtp_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = f"comptoir@{mail_server.domain}"


def test_a_customer_email_is_routed_to_the_sav_department_by_a_rule_and_answered_in_its_thread(
    owner: Membership, owner_client: Client, mail_server: MailPeer, smtp_to_peer: None
) -> None:
    support, customer, sav = (mail_server.add_user(name) for name in ("support", "client", "sav"))
    connection = MailProvider.connect(params(mail_server, support))
    desk = Desk(mail_server, support, customer, MailProvider(connection.credentials, connection.settings))
    channel = do_connect_channel(owner.workspace, owner.user, "email", connection)
    department = DepartmentFactory(workspace=owner.workspace, name="SAV", email=sav.address)
    Rule.objects.create(
        workspace=owner.workspace,
        name="Livraisons au SAV",
        conditions=[check_condition("keywords", "", "commande, colis, livraison")],
        actions=[{"type": "route", "department": department.pk}],
    )
    original = desk.customer_writes("Commande 1234", "Bonjour, ma commande 1234 n'est jamais arrivée.")

    deadline = time.monotonic() + 15
    while not sync_channel_inbox(channel).stored:
        assert time.monotonic() < deadline, "the customer's e-mail never reached the inbox"
        time.sleep(0.2)

    message = Message.objects.get(external_id=original)
    referral = Referral.objects.get()
    assert (referral.message, referral.department, referral.delivery) == (message, department, "sent")
    routed = wait_for_message(desk, sav, "[Comptoir] SAV")
    assert "ma commande 1234 n'est jamais arrivée" in routed.text
    answer_link = re.search(r"http://\S+/routing/(\S+)/", routed.text)
    assert answer_link is not None

    # The SAV answers through the link in the e-mail, without an account.
    answer_url = reverse("moderation:referral_answer", args=[answer_link.group(1)])
    Client().post(answer_url, {"status": "resolved", "text": "Colis renvoyé ce matin, suivi 8R123."})
    conversation_url = reverse("inbox:conversation", args=[owner.workspace.slug, message.conversation_id])
    assert "Colis renvoyé ce matin, suivi 8R123." in owner_client.get(conversation_url).content.decode()

    owner_client.post(
        reverse("inbox:reply", args=[owner.workspace.slug, message.conversation_id]),
        {"message": message.id, "text": "Votre colis est reparti ce matin (suivi 8R123)."},
    )
    reply = OutboundReply.objects.get()
    assert reply.state == OutboundReply.State.SENT, reply.error
    answer = wait_for_message(desk, customer, "Re: Commande 1234")
    assert answer.headers["in-reply-to"] == (original,)
    assert "Votre colis est reparti ce matin" in answer.text
