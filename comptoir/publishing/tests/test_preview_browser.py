"""In Chromium: the composer's preview follows the typing, per network, with the picked image and the fold."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from comptoir.publishing.media import do_upload_media
from comptoir.publishing.models import ToneRules
from comptoir.publishing.tests.images import marked_image, upload
from comptoir.testing.factories import PASSWORD, ChannelFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_preview_and_tone_warnings_while_typing(page: Page, live_server: object, tmp_path: Path) -> None:
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        editor: Membership = MembershipFactory(role=Role.EDITOR, workspace__languages=["fr", "en"])
        workspace = editor.workspace
        ChannelFactory(workspace=workspace, network="mastodon", name="Boulangerie Lemoine")
        ChannelFactory(workspace=workspace, network="instagram", name="@lemoine.boulangerie")
        ToneRules.objects.create(workspace=workspace, forbidden="pas cher", required="#BoulangerieLemoine")
        image = marked_image(1600, 1200, (600, 400, 1000, 800))
        do_upload_media(
            workspace, editor.user, upload(image, "fournee.png", "image/png"), "Une fournée de pains"
        )
        base = str(live_server)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("E-mail").fill(editor.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.goto(f"{base}/w/{workspace.slug}/posts/new/")
        page.get_by_label("Title", exact=True).fill("Fournée du samedi")
        page.get_by_label("Boulangerie Lemoine (mastodon)").check()
        page.get_by_label("@lemoine.boulangerie (instagram)").check()
        page.locator(".media-choice input").first.check()
        page.get_by_label("Text", exact=True).fill(
            "Samedi, la fournée de 7 h sort du four : pains au levain, baguettes tradition et brioches "
            "pas cher, merci @marie@piaille.fr pour la recette ! Tout le menu : https://lemoine.fr/menu "
            "#pain <script>alert(1)</script>"
        )
        previews = page.get_by_test_id("previews")
        expect(previews.get_by_test_id("preview-instagram")).to_contain_text("… more")
        expect(previews.locator(".token-link").first).to_have_text("https://lemoine.fr/menu")
        expect(previews.locator(".token-mention").first).to_have_text("@marie@piaille.fr")
        expect(previews.locator("img").first).to_be_visible()
        expect(page.get_by_test_id("variant-checks")).to_contain_text(
            "“pas cher” is on the list of words to avoid."
        )
        expect(previews.get_by_test_id("preview-mastodon")).to_contain_text("<script>alert(1)</script>")
        page.screenshot(path=str(tmp_path / "composer.png"), full_page=True)
        # No request may still be running when the test's data is flushed.
        page.wait_for_load_state("networkidle")
