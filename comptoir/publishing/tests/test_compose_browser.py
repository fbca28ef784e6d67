"""In Chromium: the composer's live check counts as each network does while the person types."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from comptoir.testing.factories import PASSWORD, ChannelFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_live_length_check_while_typing(page: Page, live_server: object) -> None:
    editor: Membership = MembershipFactory(role=Role.EDITOR)
    ChannelFactory(workspace=editor.workspace, network="mastodon", name="Boulangerie Lemoine")
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(editor.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{base}/w/{editor.workspace.slug}/posts/new/")
    checks = page.get_by_test_id("variant-checks")
    expect(checks).to_contain_text("Tick a channel")
    page.get_by_label("Boulangerie Lemoine (mastodon)").check()
    page.get_by_label("Text", exact=True).fill("Menu du jour : https://exemple.fr/" + "a" * 80)
    expect(checks).to_contain_text("Boulangerie Lemoine — 38 / 500 characters")
    page.get_by_label("Text", exact=True).fill("é" * 510)
    expect(checks).to_contain_text(
        "The text counts 510 characters for Mastodon, which allows 500 (10 too many)."
    )
