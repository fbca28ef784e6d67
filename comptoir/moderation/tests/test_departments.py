"""Departments CRUD: e-mail and/or webhook URL, the URL through the SSRF guard, the secret encrypted."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from comptoir.inbox.models import Department
from comptoir.inbox.routing import webhook_secret
from comptoir.testing.factories import DepartmentFactory
from comptoir.workspaces.models import Membership


def post_department(client: Client, membership: Membership, **data: str) -> str:
    response = client.post(reverse("moderation:department_create", args=[membership.workspace.slug]), data)
    return response.content.decode() if response.status_code != 302 else ""


def test_a_department_with_an_email_is_created(owner: Membership, owner_client: Client) -> None:
    assert post_department(owner_client, owner, name="SAV", email="sav@example.test") == ""
    department = Department.objects.get()
    assert (department.name, department.email, department.workspace) == (
        "SAV",
        "sav@example.test",
        owner.workspace,
    )


def test_the_webhook_secret_is_stored_encrypted(owner: Membership, owner_client: Client) -> None:
    post_department(owner_client, owner, name="SAV", email="sav@example.test")
    department = Department.objects.get()
    secret = webhook_secret(department)
    assert len(secret) > 30
    assert secret not in department.webhook_secret_encrypted


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "http://169.254.169.254/latest", "http://[::1]/", "http://10.0.0.5/"],
)
def test_a_private_webhook_url_is_refused(
    owner: Membership, owner_client: Client, settings: Settings, url: str
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = False
    body = post_department(owner_client, owner, name="SAV", webhook_url=url)
    assert "is a private or local address; webhooks only go to public servers." in body
    assert not Department.objects.exists()


def test_a_non_http_webhook_url_is_refused(owner: Membership, owner_client: Client) -> None:
    body = post_department(owner_client, owner, name="SAV", webhook_url="file:///etc/passwd")
    assert "The webhook URL must start with https:// or http://." in body


def test_a_department_needs_an_address(owner: Membership, owner_client: Client) -> None:
    body = post_department(owner_client, owner, name="SAV")
    assert "Give an e-mail address, a webhook URL, or both." in body


def test_the_secret_can_be_renewed(owner: Membership, owner_client: Client) -> None:
    department = DepartmentFactory(workspace=owner.workspace)
    old = webhook_secret(department)
    url = reverse("moderation:department_edit", args=[owner.workspace.slug, department.pk])
    owner_client.post(url, {"name": department.name, "email": department.email, "new_secret": "on"})
    department.refresh_from_db()
    assert webhook_secret(department) not in ("", old)


def test_delete(owner: Membership, owner_client: Client) -> None:
    department = DepartmentFactory(workspace=owner.workspace)
    owner_client.post(reverse("moderation:department_delete", args=[owner.workspace.slug, department.pk]))
    assert not Department.objects.exists()


def test_the_edit_page_documents_the_signature_and_shows_the_secret(
    owner: Membership, owner_client: Client
) -> None:
    department = DepartmentFactory(workspace=owner.workspace, webhook_url="https://hooks.example.test/sav")
    url = reverse("moderation:department_edit", args=[owner.workspace.slug, department.pk])
    body = owner_client.get(url).content.decode()
    assert "X-Comptoir-Signature" in body
    assert 'value="s3cret-for-tests"' in body
