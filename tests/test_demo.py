"""`comptoir demo`: French workspaces with a team, idempotent, and a login that works."""

from __future__ import annotations

from django.test import Client

from comptoir.demo import create_demo
from comptoir.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role


def test_demo_creates_workspaces_and_team(db: None) -> None:
    login = create_demo("demo@comptoir.local")
    assert Client().login(email=login.email, password=login.password)
    bakery = Workspace.objects.get(slug="boulangerie-lemoine")
    roles = set(Membership.objects.filter(workspace=bakery).values_list("role", flat=True))
    assert roles == {Role.OWNER, Role.EDITOR, Role.MODERATOR, Role.ANALYST, Role.REVIEWER}
    assert Invitation.objects.filter(workspace=bakery, accepted_at=None).count() == 1
    assert AuditEntry.objects.filter(workspace=bakery).exists()


def test_demo_runs_twice_and_renews_the_password(db: None) -> None:
    first = create_demo("demo@comptoir.local")
    counts = (Workspace.objects.count(), Membership.objects.count(), Invitation.objects.count())
    second = create_demo("demo@comptoir.local", "mot-de-passe-choisi")
    assert (Workspace.objects.count(), Membership.objects.count(), Invitation.objects.count()) == counts
    assert not Client().login(email=first.email, password=first.password)
    assert Client().login(email=second.email, password="mot-de-passe-choisi")
