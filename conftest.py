"""Root pytest configuration: shared fixtures and the real-server fixtures of tests/peers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.test.testcases import LiveServerThread
from playwright.sync_api import Page

from comptoir.testing.browser import SerialWSGIServer, chromium_page
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

# pytest-django builds its live server from this class; see SerialWSGIServer for why requests go one at a time.
LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture
def owner(db: None) -> Membership:
    membership: Membership = MembershipFactory(role=Role.OWNER)
    return membership


@pytest.fixture
def owner_client(owner: Membership) -> Client:
    client = Client()
    client.force_login(owner.user)
    return client


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as fresh_page:
        yield fresh_page
