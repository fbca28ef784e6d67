"""In Chromium: the inbox list with label and SLA chips, and the keyboard shortcuts (j/k, x, e, ?, /)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from comptoir.inbox.models import Conversation
from comptoir.testing.factories import (
    PASSWORD,
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    LabelFactory,
    MembershipFactory,
    MessageFactory,
)
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def busy_inbox(moderator: Membership) -> list[Conversation]:
    """A morning's inbox: comments, a Messenger conversation whose window closes, an overdue e-mail."""
    workspace = moderator.workspace
    now = timezone.now()
    hour = timedelta(hours=1)
    mastodon = ChannelFactory(workspace=workspace, network="mastodon", name="Boulangerie Lemoine")
    facebook = ChannelFactory(workspace=workspace, network="facebook", name="Lemoine Facebook")
    mail = ChannelFactory(workspace=workspace, network="email", name="contact@lemoine.example")
    sav = LabelFactory(workspace=workspace, name="SAV", color="#b4432b")
    presse = LabelFactory(workspace=workspace, name="Presse", color="#4f6df5")
    lead = LabelFactory(workspace=workspace, name="Commande pro", color="#2f7d4f")
    plan = [
        (mastodon, "Ouvert le dimanche matin ?", "Camille Martin", Conversation.Kind.MENTION, [], 1, 3),
        (
            facebook,
            "Ma commande de galettes n'est pas prête",
            "Julien Roy",
            Conversation.Kind.DIRECT_MESSAGE,
            [sav],
            19,
            -1,
        ),
        (
            mail,
            "Demande d'interview pour Ouest-France",
            "Léa Dubois",
            Conversation.Kind.EMAIL_THREAD,
            [presse],
            2,
            2,
        ),
        (
            mail,
            "Devis pour 200 viennoiseries",
            "Hôtel du Port",
            Conversation.Kind.EMAIL_THREAD,
            [lead],
            30,
            -6,
        ),
        (mastodon, "Bravo pour le pain aux noix !", "Nina", Conversation.Kind.COMMENT_THREAD, [], 4, 1),
    ]
    conversations = []
    for index, (channel, subject, name, kind, labels, hours_ago, due_in) in enumerate(plan):
        contact = ContactFactory(channel=channel, display_name=name)
        conversation = ConversationFactory(
            contact=contact,
            channel=channel,
            kind=kind,
            subject=subject,
            last_message_at=now - index * 7 * timedelta(minutes=1),
            last_inbound_at=now - hours_ago * hour,
            opened_at=now - hours_ago * hour,
            first_response_due_at=now + due_in * hour + timedelta(minutes=5),
            resolution_due_at=now + 20 * hour,
        )
        conversation.labels.set(labels)
        MessageFactory(conversation=conversation, text=subject)
        conversations.append(conversation)
    return conversations


def log_in(page: Page, base: str, member: Membership) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(member.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_list_shows_chips_and_answers_the_keyboard(
    page: Page, live_server: object, tmp_path: Path
) -> None:
    moderator: Membership = MembershipFactory(role=Role.MODERATOR)
    conversations = busy_inbox(moderator)
    base = str(live_server)
    log_in(page, base, moderator)
    page.goto(f"{base}/w/{moderator.workspace.slug}/inbox/")
    rows = page.get_by_test_id("conversations").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("label-chip").filter(has_text="SAV")).to_be_visible()
    expect(page.get_by_text("Reply window closes in")).to_be_visible()
    expect(page.get_by_text("First response overdue").first).to_be_visible()
    shots = Path(os.environ.get("COMPTOIR_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(shots / "inbox_list.png"), full_page=True)

    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("status-open current")
    page.keyboard.press("e")
    expect(page.get_by_role("status")).to_contain_text("1 conversation updated.")
    assert Conversation.objects.get(pk=conversations[1].pk).status == Conversation.Status.DONE
    assert Conversation.objects.get(pk=conversations[0].pk).status == Conversation.Status.OPEN

    page.keyboard.press("/")
    expect(page.locator("input[name=q]")).to_be_focused()
