"""The action log page: every action with its reason and outcome, an undo button where undoing is possible."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.channels.models import Channel
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import ActionLog
from comptoir.testing.factories import RuleFactory
from comptoir.workspaces.models import Membership

from .conftest import RecordingProvider, message_on


def test_the_log_offers_undo_except_for_deletions(
    owner: Membership, owner_client: Client, bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    RuleFactory(workspace=owner.workspace, name="Nettoyage", actions=[{"type": "queue"}, {"type": "delete"}])
    moderate_messages([message_on(bluesky_channel, "<i>arnaque</i>").pk])
    queued, deleted = ActionLog.objects.get(action="queue"), ActionLog.objects.get(action="delete")
    body = owner_client.get(reverse("moderation:log", args=[owner.workspace.slug])).content.decode()
    assert "Nettoyage: word “arnaque”" in body
    assert "&lt;i&gt;arnaque&lt;/i&gt;" in body
    assert reverse("moderation:undo", args=[owner.workspace.slug, queued.pk]) in body
    assert reverse("moderation:undo", args=[owner.workspace.slug, deleted.pk]) not in body
    assert "Cannot be undone" in body


def test_undo_from_the_log(owner: Membership, owner_client: Client, matrix_channel: Channel) -> None:
    RuleFactory(workspace=owner.workspace)
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    entry = ActionLog.objects.get()
    response = owner_client.post(
        reverse("moderation:undo", args=[owner.workspace.slug, entry.pk]), follow=True
    )
    assert "Action undone." in response.content.decode()
    entry.refresh_from_db()
    assert entry.undone_by == owner.user


def test_the_conversation_page_shows_the_moderation_actions(
    owner: Membership, owner_client: Client, matrix_channel: Channel
) -> None:
    RuleFactory(workspace=owner.workspace, name="Mots interdits")
    message = message_on(matrix_channel, "arnaque")
    moderate_messages([message.pk])
    url = reverse("inbox:conversation", args=[owner.workspace.slug, message.conversation_id])
    assert "Mots interdits: word “arnaque”" in owner_client.get(url).content.decode()
