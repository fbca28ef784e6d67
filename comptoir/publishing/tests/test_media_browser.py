"""In Chromium: clicking the subject of a picture sets its focal point, and the Instagram crop follows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from comptoir.publishing.media import do_upload_media
from comptoir.publishing.tests.images import marked_image, upload
from comptoir.testing.factories import PASSWORD, ChannelFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clicking_the_subject_sets_the_focal_point(page: Page, live_server: object, tmp_path: Path) -> None:
    with override_settings(MEDIA_ROOT=tmp_path):
        editor: Membership = MembershipFactory(role=Role.EDITOR)
        ChannelFactory(workspace=editor.workspace, network="instagram")
        picture = marked_image(600, 1800, (200, 1400, 400, 1600))
        item = do_upload_media(editor.workspace, editor.user, upload(picture, "tall.png", "image/png")).media
        base = str(live_server)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("E-mail").fill(editor.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.goto(f"{base}/w/{editor.workspace.slug}/media/{item.pk}/")
        frame = page.locator(".focal-frame img")
        box = frame.bounding_box()
        assert box is not None
        frame.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.83})
        expect(page.get_by_label("Focal point, down (0 = top, 1 = bottom)")).to_have_value("0.83")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_test_id("rendition-instagram")).to_contain_text("600 × 750")
        # No request may still be running when the test's data is flushed.
        page.wait_for_load_state("networkidle")
        item.refresh_from_db()
        assert (item.focal_x, item.focal_y) == (0.5, 0.83)
        rendition = item.renditions.get(preset="instagram")
        assert (rendition.focal_x, rendition.focal_y) == (0.5, 0.83)
