"""Routing to a department: signed webhook, e-mail, retries with backoff, and the department's answer."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from comptoir.channels.models import Channel
from comptoir.inbox.models import Department, Message, Referral
from comptoir.inbox.routing import do_route, referral_token, resend_due_referrals
from comptoir.testing.factories import DepartmentFactory, WorkspaceFactory
from comptoir.workspaces.models import Membership

from .conftest import WebhookReceiver, message_on


@pytest.fixture
def loopback_allowed(settings: Settings) -> None:
    """The receiver listens on 127.0.0.1, which the SSRF guard refuses unless the operator allows it."""
    settings.ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def hook(owner: Membership, webhook_receiver: WebhookReceiver, loopback_allowed: None) -> Department:
    department: Department = DepartmentFactory(
        workspace=owner.workspace, name="SAV", email="", webhook_url=webhook_receiver.url
    )
    return department


@pytest.fixture
def complaint(matrix_channel: Channel) -> Message:
    return message_on(matrix_channel, "Ma commande n'est jamais arrivée.")


def test_the_webhook_body_is_signed_with_hmac_sha256(
    hook: Department, webhook_receiver: WebhookReceiver, complaint: Message, owner: Membership
) -> None:
    referral = do_route(complaint, hook, owner.user, "À traiter")
    assert referral.delivery == Referral.Delivery.SENT
    [received] = webhook_receiver.received
    expected = hmac.new(b"s3cret-for-tests", received.body, hashlib.sha256).hexdigest()
    assert received.headers["X-Comptoir-Signature"] == f"sha256={expected}"
    payload = json.loads(received.body)
    assert payload["text"] == "Ma commande n'est jamais arrivée."
    assert payload["author"] == str(complaint.contact)
    assert payload["answer_url"].endswith(f"/routing/{referral_token(referral)}/")
    assert f"/inbox/{complaint.conversation_id}/" in payload["conversation_url"]


def test_a_failed_webhook_is_retried_later_by_the_job(
    hook: Department, webhook_receiver: WebhookReceiver, complaint: Message
) -> None:
    webhook_receiver.statuses = [500]
    referral = do_route(complaint, hook, None)
    assert (referral.delivery, referral.attempts) == (Referral.Delivery.PENDING, 1)
    assert referral.retry_at is not None and referral.retry_at > timezone.now()
    assert resend_due_referrals() == 0
    Referral.objects.filter(pk=referral.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    assert resend_due_referrals() == 1
    referral.refresh_from_db()
    assert (referral.delivery, referral.attempts, len(webhook_receiver.received)) == (
        Referral.Delivery.SENT,
        2,
        2,
    )


def test_a_refused_webhook_fails_for_good(
    hook: Department, webhook_receiver: WebhookReceiver, complaint: Message
) -> None:
    webhook_receiver.statuses = [404]
    referral = do_route(complaint, hook, None)
    assert referral.delivery == Referral.Delivery.FAILED
    assert "refused the request (404)" in referral.last_error


def test_a_private_webhook_address_is_refused_at_delivery_too(
    hook: Department, webhook_receiver: WebhookReceiver, complaint: Message, settings: Settings
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    referral = do_route(complaint, hook, None)
    assert referral.delivery == Referral.Delivery.FAILED
    assert "private or local address" in referral.last_error
    assert webhook_receiver.received == []


def test_the_email_holds_the_message_and_the_answer_link(
    owner: Membership, complaint: Message, mailoutbox: list[Any]
) -> None:
    department = DepartmentFactory(workspace=owner.workspace, name="SAV", email="sav@example.test")
    referral = do_route(complaint, department, owner.user)
    [mail] = mailoutbox
    assert "Ma commande n'est jamais arrivée." in mail.body
    assert f"/routing/{referral_token(referral)}/" in mail.body
    assert referral.emailed_at is not None


def test_a_department_of_another_workspace_is_refused(complaint: Message) -> None:
    with pytest.raises(ValidationError, match="department of this workspace"):
        do_route(complaint, DepartmentFactory(workspace=WorkspaceFactory()), None)


def test_the_department_answers_through_the_link_and_the_cm_sees_it(
    owner: Membership, owner_client: Client, complaint: Message, mailoutbox: list[Any]
) -> None:
    referral = do_route(complaint, DepartmentFactory(workspace=owner.workspace, name="SAV"), owner.user)
    url = reverse("moderation:referral_answer", args=[referral_token(referral)])
    department_side = Client()
    page = department_side.get(url).content.decode()
    assert "Ma commande n&#x27;est jamais arrivée." in page
    response = department_side.post(url, {"status": "resolved", "text": "Colis renvoyé hier."})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.answer_status, referral.answer_text) == ("resolved", "Colis renvoyé hier.")
    conversation = owner_client.get(
        reverse("inbox:conversation", args=[owner.workspace.slug, complaint.conversation_id])
    ).content.decode()
    assert "Colis renvoyé hier." in conversation and "Resolved" in conversation


def test_the_signed_callback_takes_a_json_answer(
    owner: Membership, complaint: Message, mailoutbox: list[Any]
) -> None:
    referral = do_route(complaint, DepartmentFactory(workspace=owner.workspace), None)
    url = reverse("moderation:referral_callback", args=[referral_token(referral)])
    response = Client().post(
        url, {"status": "in_progress", "text": "On regarde."}, content_type="application/json"
    )
    assert response.json() == {"id": referral.pk, "status": "in_progress"}
    bad = Client().post(url, {"status": "lost"}, content_type="application/json")
    assert bad.status_code == 400 and "acknowledged" in bad.json()["error"]


def test_a_forged_token_is_not_found(complaint: Message) -> None:
    assert Client().get(reverse("moderation:referral_answer", args=["1:forged"])).status_code == 404
    url = reverse("moderation:referral_callback", args=["1:forged"])
    assert Client().post(url, {}, content_type="application/json").status_code == 404


def test_the_cm_routes_a_message_by_hand(
    owner: Membership, owner_client: Client, complaint: Message, mailoutbox: list[Any]
) -> None:
    department = DepartmentFactory(workspace=owner.workspace, name="SAV")
    url = reverse("moderation:route", args=[owner.workspace.slug, complaint.conversation_id])
    response = owner_client.post(url, {"department": department.pk, "message": complaint.pk})
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.department, referral.routed_by, referral.delivery) == (department, owner.user, "sent")


def test_the_cm_cannot_route_to_another_workspaces_department(
    owner: Membership, owner_client: Client, complaint: Message
) -> None:
    foreign = DepartmentFactory(workspace=WorkspaceFactory())
    url = reverse("moderation:route", args=[owner.workspace.slug, complaint.conversation_id])
    owner_client.post(url, {"department": foreign.pk, "message": complaint.pk})
    assert not Referral.objects.exists()
