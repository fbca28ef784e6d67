"""Root pytest configuration: shared fixtures and the real-server fixtures of tests/peers."""

from __future__ import annotations

import pytest
from django.test import Client

from comptoir.testing.factories import MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytest_plugins = [
    "tests.peers.matrix",
    "tests.peers.bluesky",
    "tests.peers.mail",
    "tests.peers.web",
    "tests.peers.mastodon",
    "tests.peers.postgres",
]


@pytest.fixture
def owner(db: None) -> Membership:
    membership: Membership = MembershipFactory(role=Role.OWNER)
    return membership


@pytest.fixture
def owner_client(owner: Membership) -> Client:
    client = Client()
    client.force_login(owner.user)
    return client
