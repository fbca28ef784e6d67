"""Channel health: failures, revoked access asking for a reconnect, and tokens about to expire."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comptoir.channels.actions import record_channel_failure, record_channel_success
from comptoir.channels.models import Channel
from comptoir.providers.base import PermanentError, PermanentReason, RetryableError
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership


def test_revoked_access_asks_for_a_reconnect(owner: Membership, owner_client: Client) -> None:
    channel = ChannelFactory(workspace=owner.workspace)
    record_channel_failure(
        channel, PermanentError("The access token was revoked.", reason=PermanentReason.AUTH_REVOKED)
    )
    channel.refresh_from_db()
    assert channel.status == Channel.Status.RECONNECT
    page = owner_client.get(reverse("channels:list", args=[owner.workspace.slug])).content.decode()
    assert "The access token was revoked." in page
    assert "health-reconnect" in page


def test_passing_failure_then_recovery(owner: Membership) -> None:
    channel = ChannelFactory(workspace=owner.workspace)
    record_channel_failure(channel, RetryableError("Rate limited.", retry_after=30))
    channel.refresh_from_db()
    assert channel.status == Channel.Status.FAILING
    record_channel_success(channel)
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE and channel.last_success_at is not None


def test_token_expiring_soon_is_warned(owner: Membership, owner_client: Client) -> None:
    ChannelFactory(workspace=owner.workspace, token_expires_at=timezone.now() + timedelta(days=2))
    ChannelFactory(workspace=owner.workspace, token_expires_at=timezone.now() + timedelta(days=40))
    page = owner_client.get(reverse("channels:list", args=[owner.workspace.slug])).content.decode()
    assert page.count('class="error"') == 1


def test_removing_erases_credentials(owner: Membership, owner_client: Client) -> None:
    channel = ChannelFactory(workspace=owner.workspace)
    confirm = owner_client.get(reverse("channels:remove", args=[owner.workspace.slug, channel.id]))
    assert confirm.status_code == 200 and Channel.objects.exists()
    owner_client.post(reverse("channels:remove", args=[owner.workspace.slug, channel.id]))
    assert not Channel.objects.exists()
