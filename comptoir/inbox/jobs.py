"""Background inbox work: sync every inbox-capable channel each minute, and send replies that wait for a retry."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from comptoir.channels.models import Channel
from comptoir.inbox.actions import resend_due_replies
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.providers.networks import CAPABILITIES


def inbox_channels() -> list[Channel]:
    """Channels whose network has an inbox; those waiting for a person to reconnect are left alone."""
    networks = [network for network, capabilities in CAPABILITIES.items() if capabilities.inbox]
    return list(Channel.objects.filter(network__in=networks).exclude(status=Channel.Status.RECONNECT))


@db_task()
def sync_inbox_of_channel(channel_id: int) -> None:
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is not None:
        sync_channel_inbox(channel)


@db_periodic_task(crontab(minute="*"))
def sync_all_inboxes() -> None:
    # One task per channel: a slow or failing network delays only its own channel.
    for channel in inbox_channels():
        sync_inbox_of_channel(channel.id)


@db_periodic_task(crontab(minute="*"))
def resend_replies() -> None:
    resend_due_replies()
