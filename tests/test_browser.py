"""In Debian's Chromium: log in, switch to English and back, create a workspace, invite a member."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect, sync_playwright

from comptoir.testing.browser import CHROMIUM, CHROMIUM_FLAGS
from comptoir.testing.factories import PASSWORD, MembershipFactory
from comptoir.workspaces.models import Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls below happen between its steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def test_log_in_switch_language_create_workspace_and_invite(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    owner: Membership = MembershipFactory(role=Role.OWNER, workspace__name="Boulangerie Lemoine")
    base = str(live_server)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(owner.user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boulangerie Lemoine")

    page.get_by_role("button", name="EN").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Team")).to_be_visible()
    page.get_by_role("button", name="FR").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_test_id("workspace-switcher").click()
    page.get_by_role("link", name="+ Nouvel espace").click()
    page.get_by_label("Nom").fill("Café des Arts")
    page.get_by_label("Fuseau horaire").fill("Europe/Paris")
    page.get_by_label("Français").check()
    page.get_by_role("button", name="Créer l'espace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Café des Arts")
    workspace = Workspace.objects.get(name="Café des Arts")
    assert Membership.objects.get(workspace=workspace, user=owner.user).role == Role.OWNER

    page.get_by_role("link", name="Équipe").click()
    invite_form = page.get_by_test_id("invite-form")
    invite_form.get_by_label("E-mail").fill("lea.roux@example.test")
    invite_form.get_by_label("Rôle").select_option("moderator")
    invite_form.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation envoyée à lea.roux@example.test")
    expect(page.get_by_test_id("invitations")).to_contain_text("lea.roux@example.test")
    page.screenshot(path=str(tmp_path / "team.png"), full_page=True)

    invitation = Invitation.objects.get(workspace=workspace)
    assert (invitation.email, invitation.role) == ("lea.roux@example.test", Role.MODERATOR)
    assert [message.to for message in mail.outbox] == [["lea.roux@example.test"]]
