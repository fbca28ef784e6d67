"""In Chromium: the month view with posts and key dates, and moving a post by drag and drop."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from comptoir.publishing.local_time import local_to_utc
from comptoir.publishing.models import Pillar, PostTarget
from comptoir.testing.factories import (
    PASSWORD,
    CampaignFactory,
    ChannelFactory,
    MembershipFactory,
    PostTargetFactory,
)
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def planned_month(editor: Membership) -> tuple[datetime, list[PostTarget]]:
    """Next month, with a campaign and a few posts on two channels and three pillars."""
    workspace = editor.workspace
    today = datetime.now(workspace.zone).date()
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    mastodon = ChannelFactory(workspace=workspace, network="mastodon", name="Boulangerie Lemoine")
    bluesky = ChannelFactory(workspace=workspace, network="bluesky", name="Lemoine Bluesky")
    pillars = [
        Pillar.objects.create(workspace=workspace, name="Produits", color="#b4432b", target_share=40),
        Pillar.objects.create(workspace=workspace, name="Coulisses", color="#2f7d4f", target_share=30),
        Pillar.objects.create(workspace=workspace, name="Communauté", color="#4f6df5", target_share=30),
    ]
    CampaignFactory(
        workspace=workspace,
        name="Semaine de la galette",
        starts_on=first + timedelta(days=8),
        ends_on=first + timedelta(days=12),
        color="#e0823d",
    )
    plan = [
        (1, time(9, 0), mastodon, 0, "Le pain du lundi"),
        (1, time(18, 30), bluesky, 1, "Dans le fournil"),
        (3, time(12, 0), mastodon, 0, "Nouvelle tarte"),
        (9, time(9, 0), mastodon, 0, "Galette frangipane"),
        (9, time(9, 0), bluesky, 0, "Galette frangipane"),
        (15, time(11, 0), bluesky, 1, "Notre apprentie"),
        (17, time(9, 30), mastodon, 0, "Pain aux noix"),
        (22, time(17, 0), bluesky, 0, "Menu du week-end"),
    ]
    targets = []
    for offset, wall_time, channel, pillar, title in plan:
        due = local_to_utc(datetime.combine(first + timedelta(days=offset), wall_time), workspace.zone).utc
        targets.append(
            PostTargetFactory(
                post__workspace=workspace,
                post__title=title,
                post__pillar=pillars[pillar],
                channel=channel,
                due_at=due,
                next_attempt_at=due,
            )
        )
    return datetime.combine(first, time(0, 0)), targets


def log_in(page: Page, base: str, editor: Membership) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(editor.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_month_view_looks_right_and_a_post_moves_by_drag_and_drop(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    editor: Membership = MembershipFactory(role=Role.EDITOR)
    first, targets = planned_month(editor)
    base = str(live_server)
    log_in(page, base, editor)
    page.goto(f"{base}/w/{editor.workspace.slug}/calendar/?date={first:%Y-%m-%d}")
    expect(page.get_by_test_id("month")).to_be_visible()
    expect(page.get_by_text("Semaine de la galette").first).to_be_visible()
    expect(page.get_by_test_id(f"item-{targets[0].pk}")).to_contain_text("Le pain du lundi")
    shots = Path(os.environ.get("COMPTOIR_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "calendar_month.png"), full_page=True)

    moved = targets[2]  # "Nouvelle tarte", 12:00 on the 4th
    new_day = first + timedelta(days=5)
    page.get_by_test_id(f"item-{moved.pk}").drag_to(page.get_by_test_id(f"day-{new_day:%Y-%m-%d}"))
    expect(page.get_by_test_id(f"day-{new_day:%Y-%m-%d}").get_by_test_id(f"item-{moved.pk}")).to_be_visible()
    moved.refresh_from_db()
    assert moved.due_at is not None
    local = moved.due_at.astimezone(editor.workspace.zone)
    assert (local.date(), local.time()) == (new_day.date(), time(12, 0))
