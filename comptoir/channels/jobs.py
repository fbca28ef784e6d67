"""Periodic care of channels: renew tokens before they expire, and tell admins when one needs reconnecting."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from comptoir.channels.actions import do_check_channel
from comptoir.channels.models import TOKEN_EXPIRY_WARNING, Channel
from comptoir.system.jobs import send_email
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission


def notify_reconnect_needed(channel: Channel) -> None:
    admins = [
        m.user.email
        for m in Membership.objects.filter(workspace=channel.workspace).select_related("user")
        if m.allows(Permission.MANAGE_CHANNELS)
    ]
    if admins:
        subject = _("%(channel)s needs reconnecting in %(workspace)s") % {
            "channel": channel.name,
            "workspace": channel.workspace.name,
        }
        body = _(
            "Comptoir can no longer use “%(channel)s”: %(error)s\n\nReconnect it from the Channels page."
        ) % {
            "channel": channel.name,
            "error": channel.last_error,
        }
        send_email(subject, body, admins)


def renew_expiring_channel_tokens() -> list[Channel]:
    """Checks every channel whose access expires soon; returns those that now need a person to reconnect."""
    soon = timezone.now() + TOKEN_EXPIRY_WARNING
    lost = []
    for channel in Channel.objects.filter(~Q(status=Channel.Status.RECONNECT), token_expires_at__lt=soon):
        if not do_check_channel(channel):
            channel.refresh_from_db()
            if channel.status == Channel.Status.RECONNECT:
                notify_reconnect_needed(channel)
                lost.append(channel)
    return lost


@db_periodic_task(crontab(minute="17"))
def renew_channel_tokens() -> None:
    renew_expiring_channel_tokens()
