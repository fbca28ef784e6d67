"""In Chromium, on real Synapse and AT Protocol servers: compose a post for Matrix and Bluesky, submit, approve
through the reviewer link, schedule, and see it published on both real servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from atproto import Client as AtprotoClient
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from comptoir.channels.actions import do_connect_channel, provider_for
from comptoir.channels.models import Channel
from comptoir.channels.tests.test_connect_matrix import room_texts
from comptoir.providers.bluesky import BlueskyProvider
from comptoir.publishing.models import ApprovalPolicy, Post, PostTarget
from comptoir.publishing.publisher import run_publisher
from comptoir.publishing.tests.test_publish_matrix import connect_room
from comptoir.testing.browser import CHROMIUM, CHROMIUM_FLAGS
from comptoir.testing.factories import PASSWORD, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role
from tests.peers.bluesky import BlueskyNetwork
from tests.peers.matrix import SynapsePeer

pytestmark = [pytest.mark.browser, pytest.mark.peers, pytest.mark.django_db(transaction=True)]

TEXT = "Fête du pain samedi : brioches, fougasses et pain au levain dès 7 h !"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Opened only between the peers' own calls: their clients run asyncio loops that must not nest in
    Playwright's, which runs in this thread while the browser is open."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def logged_in(browser: Browser, base: str, membership: Membership) -> Page:
    page = browser.new_context(locale="en-GB").new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(membership.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(membership.workspace.name)
    return page


def connect_bluesky(owner: Membership, network: BlueskyNetwork) -> tuple[Channel, str]:
    handle, password, did = network.create_account("fournil")
    connection = BlueskyProvider.connect(
        {"service": network.pds_url, "handle": handle, "app_password": password, "allow_private_network": "1"}
    )
    return do_connect_channel(owner.workspace, owner.user, "bluesky", connection), did


def test_compose_submit_approve_through_the_link_schedule_and_publish(
    live_server: object, synapse: SynapsePeer, bluesky_network: BlueskyNetwork
) -> None:
    owner: Membership = MembershipFactory(role=Role.OWNER, workspace__name="Boulangerie Lemoine")
    editor: Membership = MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    workspace = owner.workspace
    ApprovalPolicy.objects.create(workspace=workspace, approval_required=True)
    matrix, bot, room_id = connect_room(owner, synapse)
    bluesky, did = connect_bluesky(owner, bluesky_network)
    base = str(live_server)
    due = (timezone.now() + timedelta(minutes=10)).replace(second=0, microsecond=0)

    with chromium() as browser:
        # The editor writes the post for both networks and submits it.
        writer = logged_in(browser, base, editor)
        writer.goto(f"{base}/w/{workspace.slug}/posts/new/")
        writer.get_by_label("Title").fill("Fête du pain")
        writer.get_by_label("Text", exact=True).fill(TEXT)
        writer.get_by_label(str(matrix)).check()
        writer.get_by_label(str(bluesky)).check()
        writer.get_by_label("Keep as a draft").check()
        writer.get_by_role("button", name="Save").click()
        expect(writer.get_by_role("heading", level=1)).to_have_text("Posts")
        post = Post.objects.get(workspace=workspace, title="Fête du pain")
        writer.goto(f"{base}/w/{workspace.slug}/posts/{post.pk}/")
        writer.get_by_test_id("submit-form").get_by_role("button", name="Submit for review").click()
        expect(writer.get_by_test_id("state-matrix")).to_have_text("In review")
        expect(writer.get_by_test_id("state-bluesky")).to_have_text("In review")
        assert [message.to for message in mail.outbox] == [[owner.user.email]]

        # The owner hands a review link to the client.
        manager = logged_in(browser, base, owner)
        manager.goto(f"{base}/w/{workspace.slug}/posts/{post.pk}/")
        manager.get_by_label("For whom").fill("Claire, la cliente")
        manager.get_by_role("button", name="Create a review link").click()
        link = manager.get_by_test_id("new-review-link").input_value()
        assert "/review/" in link

        # The client, without an account, approves through it.
        client = browser.new_context(locale="en-GB").new_page()
        client.goto(base + "/review/" + link.split("/review/", 1)[1])
        expect(client.get_by_test_id("variant-matrix")).to_contain_text(TEXT)
        expect(client.get_by_test_id("variant-bluesky")).to_contain_text(TEXT)
        client.get_by_label("Your name").fill("Claire Lemoine")
        client.get_by_label("Comment").fill("Parfait, on y va.")
        client.get_by_label("Decision").select_option("approve")
        client.get_by_role("button", name="Send the decision").click()
        expect(client.get_by_test_id("not-waiting")).to_be_visible()
        assert mail.outbox[-1].to == [editor.user.email]

        # The editor schedules it, ten minutes ahead, typed in the workspace's time zone.
        writer.reload()
        expect(writer.get_by_test_id("last-decision")).to_contain_text("Approved by Claire Lemoine")
        writer.get_by_label("Date and time").fill(due.astimezone(workspace.zone).strftime("%Y-%m-%dT%H:%M"))
        writer.get_by_test_id("schedule-form").get_by_role("button", name="Schedule").click()
        expect(writer.get_by_test_id("state-matrix")).to_have_text("Scheduled")
        expect(writer.get_by_test_id("state-bluesky")).to_have_text("Scheduled")

    # At the due time, the publisher sends it to both networks, once.
    assert run_publisher("worker-1", timezone.now()) == []
    published = run_publisher("worker-1", due)
    assert sorted(target.state for target in published) == [PostTarget.State.PUBLISHED] * 2

    # Read back from each server, not from our own database.
    assert room_texts(synapse, bot, room_id).count(TEXT) == 1
    remote_id = post.targets.get(channel=bluesky).remote_id
    reader = AtprotoClient(base_url=bluesky_network.pds_url)
    reader.login(*bluesky_network.create_account("lecteur")[:2])
    assert reader.app.bsky.feed.post.get(did, remote_id.rsplit("/", 1)[1]).value.text == TEXT
    bluesky_network.process_all()
    assert TEXT in [remote.text for remote in provider_for(bluesky).recent_posts(limit=5)]

    with chromium() as browser:
        writer = logged_in(browser, base, editor)
        writer.goto(f"{base}/w/{workspace.slug}/posts/{post.pk}/")
        expect(writer.get_by_test_id("state-matrix")).to_have_text("Published")
        expect(writer.get_by_test_id("state-bluesky")).to_have_text("Published")
