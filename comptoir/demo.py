"""The demo: two French workspaces with a team, so a newcomer sees Comptoir as a CM would use it."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from comptoir.accounts.models import User
from comptoir.workspaces import actions
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Role

WORKSPACES = [
    {
        "name": "Boulangerie Lemoine",
        "slug": "boulangerie-lemoine",
        "time_zone": "Europe/Paris",
        "country": "FR",
        "languages": ["fr", "en"],
        "business_hours": {
            "mon": [],
            "tue": [["07:00", "13:00"], ["15:30", "19:30"]],
            "wed": [["07:00", "13:00"], ["15:30", "19:30"]],
            "thu": [["07:00", "13:00"], ["15:30", "19:30"]],
            "fri": [["07:00", "13:00"], ["15:30", "19:30"]],
            "sat": [["07:00", "19:30"]],
            "sun": [["07:00", "13:00"]],
        },
    },
    {
        "name": "Mairie de Saint-Aubin-sur-Loire",
        "slug": "mairie-saint-aubin",
        "time_zone": "Europe/Paris",
        "country": "FR",
        "languages": ["fr"],
        "business_hours": {
            "mon": [["08:30", "12:00"], ["13:30", "17:30"]],
            "tue": [["08:30", "12:00"], ["13:30", "17:30"]],
            "wed": [["08:30", "12:00"]],
            "thu": [["08:30", "12:00"], ["13:30", "17:30"]],
            "fri": [["08:30", "12:00"], ["13:30", "16:30"]],
            "sat": [["09:00", "12:00"]],
            "sun": [],
        },
    },
]

TEAM = [
    ("julien.moreau@lemoine.example", "Julien Moreau", Role.EDITOR),
    ("sarah.benali@lemoine.example", "Sarah Benali", Role.MODERATOR),
    ("nadia.petit@agence-levain.example", "Nadia Petit", Role.ANALYST),
    ("m.lemoine@lemoine.example", "Marc Lemoine", Role.REVIEWER),
]
PENDING_INVITATIONS = [("stagiaire.com@lemoine.example", Role.EDITOR)]
TOWN_HALL_TEAM = [("service.communication@saint-aubin.example", "Élise Fournier", Role.ADMIN)]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


def _person(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        # Team members cannot log in: only the demo account can.
        user = User.objects.create_user(email, None, full_name=full_name)
    return user


def _workspace(owner: User, fields: Mapping[str, Any]) -> Workspace:
    existing = Workspace.objects.filter(slug=fields["slug"]).first()
    if existing is not None:
        Membership.objects.get_or_create(workspace=existing, user=owner, defaults={"role": Role.OWNER})
        return existing
    return actions.do_create_workspace(owner, **fields)


def _add_team(workspace: Workspace, owner: User, team: list[tuple[str, str, Role]]) -> None:
    for email, full_name, role in team:
        person = _person(email, full_name)
        if not Membership.objects.filter(workspace=workspace, user=person).exists():
            invitation, _token = actions.do_invite_member(workspace, owner, Role.OWNER, email, role)
            actions.do_accept_invitation(invitation, person)


@transaction.atomic
def create_demo(email: str, password: str | None = None) -> DemoLogin:
    """Idempotent: running it again keeps the data and sets a new password for the demo account."""
    password = password or secrets.token_urlsafe(9)
    owner = User.objects.filter(email=email).first() or User.objects.create_user(
        email, full_name="Camille Martin"
    )
    owner.set_password(password)
    owner.save()
    bakery = _workspace(owner, WORKSPACES[0])
    town_hall = _workspace(owner, WORKSPACES[1])
    _add_team(bakery, owner, TEAM)
    _add_team(town_hall, owner, TOWN_HALL_TEAM)
    for invitee, role in PENDING_INVITATIONS:
        if not bakery.invitations.filter(email=invitee).exists():
            actions.do_invite_member(bakery, owner, Role.OWNER, invitee, role)
    return DemoLogin(email=email, password=password)
