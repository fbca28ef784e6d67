"""Tells a post's author, by e-mail, when one of its targets failed or was missed, and what to do about it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from comptoir.publishing.models import PostTarget
from comptoir.system.jobs import send_email


def notify_author(target_id: int) -> None:
    target = PostTarget.objects.select_related("post__author", "post__workspace", "channel").get(pk=target_id)
    author = target.post.author
    if author is None:
        return
    subject = _("“%(title)s” was not published on %(channel)s") % {
        "title": target.post.title,
        "channel": target.channel.name,
    }
    body = _("Workspace: %(workspace)s\nChannel: %(channel)s\nReason: %(reason)s\n\n%(error)s\n") % {
        "workspace": target.post.workspace.name,
        "channel": target.channel.name,
        "reason": target.get_failure_reason_display(),
        "error": target.last_error,
    }
    send_email(subject, body, [author.email])
