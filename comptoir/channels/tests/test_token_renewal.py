"""The hourly job renews tokens that expire soon, and e-mails admins when a channel needs reconnecting."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from comptoir.channels.jobs import renew_expiring_channel_tokens
from comptoir.channels.models import Channel
from comptoir.testing.factories import ChannelFactory, MembershipFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role
from tests.peers.mastodon import MastodonState


def test_revoked_token_is_flagged_and_admins_told(owner: Membership, mastodon_server: MastodonState) -> None:
    MembershipFactory(workspace=owner.workspace, role=Role.EDITOR)
    channel = ChannelFactory(
        workspace=owner.workspace,
        network="mastodon",
        settings={"instance": mastodon_server.url, "allow_private_network": "1"},
        token_expires_at=timezone.now() + timedelta(days=1),
    )
    channel.credentials = {"access_token": "revoked-token"}
    channel.save()
    lost = renew_expiring_channel_tokens()
    assert lost == [channel]
    channel.refresh_from_db()
    assert channel.status == Channel.Status.RECONNECT
    assert [message.to for message in mail.outbox] == [[owner.user.email]]


def test_valid_token_stays_active(owner: Membership, mastodon_server: MastodonState) -> None:
    channel = ChannelFactory(
        workspace=owner.workspace,
        network="mastodon",
        settings={"instance": mastodon_server.url, "allow_private_network": "1"},
        token_expires_at=timezone.now() + timedelta(days=1),
    )
    channel.credentials = {"access_token": mastodon_server.token_for("boulangerie")}
    channel.save()
    assert renew_expiring_channel_tokens() == []
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE and channel.last_success_at is not None
