"""The moderation queue page: what waits, why, and the moderator's keep / hide / delete / ban / undo."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from comptoir.channels.models import Channel
from comptoir.inbox.models import Message
from comptoir.moderation.models import ActionLog, QueueItem
from comptoir.providers.base import ModerationAction
from comptoir.testing.factories import MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

from .conftest import RecordingProvider, message_on


def queued(
    channel: Channel, text: str = "arnaque", reason: str = "Anti-arnaque: word “arnaque”"
) -> QueueItem:
    message: Message = message_on(channel, text)
    return QueueItem.objects.create(workspace=channel.workspace, message=message, reason=reason)


def decide(client: Client, item: QueueItem, decision: str) -> None:
    url = reverse("moderation:decide", args=[item.workspace.slug, item.pk])
    assert client.post(url, {"decision": decision}).status_code == 302


def test_the_queue_shows_the_message_and_the_reason_escaped(
    owner: Membership, owner_client: Client, matrix_channel: Channel
) -> None:
    queued(matrix_channel, "<img src=x onerror=alert(1)> arnaque")
    body = owner_client.get(reverse("moderation:queue", args=[owner.workspace.slug])).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt; arnaque" in body
    assert "Anti-arnaque: word “arnaque”" in body
    assert "<img src=x" not in body


def test_the_queue_filters_by_status(
    owner: Membership, owner_client: Client, matrix_channel: Channel
) -> None:
    queued(matrix_channel, "en attente")
    kept = queued(matrix_channel, "déjà vu")
    QueueItem.objects.filter(pk=kept.pk).update(status=QueueItem.Status.KEPT)
    url = reverse("moderation:queue", args=[owner.workspace.slug])
    pending_page = owner_client.get(url).content.decode()
    assert "en attente" in pending_page and "déjà vu" not in pending_page
    kept_page = owner_client.get(url, {"status": "kept"}).content.decode()
    assert "déjà vu" in kept_page and "en attente" not in kept_page


def test_keep_approves_without_calling_the_network(
    owner: Membership, owner_client: Client, bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    item = queued(bluesky_channel)
    decide(owner_client, item, "keep")
    item.refresh_from_db()
    assert (item.status, item.decided_by) == (QueueItem.Status.KEPT, owner.user)
    assert provider.calls == []


def test_hide_from_the_queue_is_logged_and_can_be_undone(
    owner: Membership, owner_client: Client, bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    item = queued(bluesky_channel)
    decide(owner_client, item, "hide")
    item.refresh_from_db()
    assert item.status == QueueItem.Status.HIDDEN
    entry = ActionLog.objects.get()
    assert (entry.actor, entry.rule, entry.outcome) == (owner.user, None, ActionLog.Outcome.DONE)
    page = owner_client.get(reverse("moderation:queue", args=[owner.workspace.slug]), {"status": "hidden"})
    assert reverse("moderation:undo", args=[owner.workspace.slug, entry.pk]) in page.content.decode()
    owner_client.post(reverse("moderation:undo", args=[owner.workspace.slug, entry.pk]), {"next": "queue"})
    item.refresh_from_db()
    assert item.status == QueueItem.Status.PENDING
    assert provider.calls[-1][0] is ModerationAction.UNHIDE


def test_ban_and_delete_from_the_queue(
    owner: Membership, owner_client: Client, bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    banned, deleted = queued(bluesky_channel), queued(bluesky_channel)
    decide(owner_client, banned, "ban")
    decide(owner_client, deleted, "delete")
    assert [action for action, _target in provider.calls] == [ModerationAction.BAN, ModerationAction.DELETE]
    assert {item.status for item in QueueItem.objects.all()} == {"banned", "deleted"}


def test_an_action_the_network_refuses_is_explained(
    owner: Membership, owner_client: Client, matrix_channel: Channel, provider: RecordingProvider
) -> None:
    item = queued(matrix_channel)
    response = owner_client.post(
        reverse("moderation:decide", args=[owner.workspace.slug, item.pk]), {"decision": "hide"}, follow=True
    )
    assert "Matrix does not allow “hide” through its API." in response.content.decode()
    item.refresh_from_db()
    assert item.status == QueueItem.Status.PENDING


def test_an_analyst_sees_the_queue_but_cannot_decide(matrix_channel: Channel, owner: Membership) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client()
    client.force_login(analyst.user)
    item = queued(matrix_channel)
    assert client.get(reverse("moderation:queue", args=[owner.workspace.slug])).status_code == 200
    url = reverse("moderation:decide", args=[owner.workspace.slug, item.pk])
    assert client.post(url, {"decision": "keep"}).status_code == 403
