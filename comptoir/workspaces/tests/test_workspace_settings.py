"""Creating a workspace and editing its time zone, languages and business hours."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client
from django.urls import reverse

from comptoir.testing.factories import UserFactory
from comptoir.workspaces.models import AuditEntry, Membership, Workspace
from comptoir.workspaces.permissions import Role

VALID = {
    "name": "Fromagerie Duval",
    "time_zone": "Europe/Paris",
    "country": "fr",
    "languages": ["fr", "en"],
    "opening_hours": "mon 09:00-12:30 14:00-18:00\nsat 09:00-13:00",
}


def test_create_workspace_makes_creator_owner(db: None) -> None:
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("workspaces:create"), VALID)
    workspace = Workspace.objects.get(name="Fromagerie Duval")
    assert response.url == reverse("workspaces:dashboard", args=[workspace.slug])  # type: ignore[attr-defined]
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER
    assert workspace.country == "FR"
    assert workspace.business_hours["mon"] == [["09:00", "12:30"], ["14:00", "18:00"]]
    assert workspace.business_hours["tue"] == []


def test_bad_values_are_explained(db: None) -> None:
    client = Client()
    client.force_login(UserFactory())
    bad = {**VALID, "time_zone": "Europe/Paname", "opening_hours": "lun 9h-18h", "languages": ["xx"]}
    response = client.post(reverse("workspaces:create"), bad)
    assert response.status_code == 200
    assert response.content.decode().count('class="error"') == 3
    assert not Workspace.objects.exists()


def test_closing_before_opening_is_refused(owner: Membership, owner_client: Client) -> None:
    response = owner_client.post(
        reverse("workspaces:settings", args=[owner.workspace.slug]),
        {**VALID, "opening_hours": "mon 18:00-09:00"},
    )
    assert response.status_code == 200
    owner.workspace.refresh_from_db()
    assert owner.workspace.name != "Fromagerie Duval"


def test_settings_change_is_audited_with_old_and_new_values(owner: Membership, owner_client: Client) -> None:
    old_name = owner.workspace.name
    owner_client.post(
        reverse("workspaces:settings", args=[owner.workspace.slug]),
        {**VALID, "time_zone": "America/Montreal"},
    )
    entry = AuditEntry.objects.filter(action="update", object_type="workspace").get()
    assert entry.changes["name"] == [old_name, "Fromagerie Duval"]
    assert entry.changes["time_zone"] == ["Europe/Paris", "America/Montreal"]


def test_business_hours_are_read_in_the_workspace_time_zone(db: None) -> None:
    workspace = Workspace(time_zone="Europe/Paris", business_hours={"mon": [["09:00", "18:00"]]})
    # 07:30 UTC on a Monday in winter is 08:30 in Paris: closed; 08:30 UTC is 09:30: open.
    assert not workspace.is_open_at(datetime(2026, 1, 5, 7, 30, tzinfo=UTC))
    assert workspace.is_open_at(datetime(2026, 1, 5, 8, 30, tzinfo=UTC))
    # In summer Paris is UTC+2, so 07:30 UTC is already 09:30.
    assert workspace.is_open_at(datetime(2026, 7, 6, 7, 30, tzinfo=UTC))


def test_delete_needs_the_short_name(owner: Membership, owner_client: Client) -> None:
    url = reverse("workspaces:delete", args=[owner.workspace.slug])
    owner_client.post(url, {"confirm_slug": "wrong"})
    assert Workspace.objects.filter(id=owner.workspace.id).exists()
    owner_client.post(url, {"confirm_slug": owner.workspace.slug})
    assert not Workspace.objects.filter(id=owner.workspace.id).exists()
    assert AuditEntry.objects.filter(action="delete", object_type="workspace", workspace=None).exists()
