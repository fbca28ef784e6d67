"""Every change a person makes to posts: validate, write, audit, then hand near-due targets to the publisher."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.channels.models import Channel
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.text_length import validate_text
from comptoir.publishing.jobs import enqueue_near_due
from comptoir.publishing.models import ApprovalPolicy, Media, Pillar, Post, PostMedia, PostTarget
from comptoir.publishing.outbound import check_outbound, prepare_renditions
from comptoir.publishing.publisher import move
from comptoir.workspaces import audit
from comptoir.workspaces.models import Workspace

POST_FIELDS = ["title", "internal_note", "pillar", "utm_campaign"]
TARGET_FIELDS = ["channel", "state", "due_at"]


def check_variant(channel: Channel, text: str) -> list[str]:
    """What would make this channel's network refuse `text` (the same check the composer shows live)."""
    caps = CAPABILITIES.get(channel.network)
    if caps is None:
        return [_("Comptoir cannot publish to %(network)s.") % {"network": channel.network}]
    return validate_text(text, caps)


def check_variants(workspace: Workspace, variants: Mapping[Channel, str]) -> None:
    if not variants:
        raise ValidationError(_("Choose at least one channel."))
    problems = []
    for channel, text in variants.items():
        if channel.workspace_id != workspace.pk:
            raise ValidationError(_("A post can only go to its own workspace's channels."))
        problems += [f"{channel.name}: {problem}" for problem in check_variant(channel, text)]
    if problems:
        raise ValidationError(problems)


def check_attachments(
    workspace: Workspace,
    variants: Mapping[Channel, str],
    pillar: Pillar | None,
    media: Sequence[Media],
    utm_campaign: str,
) -> None:
    """The post's pillar and media belong to the workspace, and every channel's network takes the media and
    the text once its links are tagged: nothing is dropped at publish time."""
    if pillar is not None and pillar.workspace_id != workspace.pk:
        raise ValidationError(_("This pillar belongs to another workspace."))
    if any(item.workspace_id != workspace.pk for item in media):
        raise ValidationError(_("A post can only use its own workspace's media."))
    problems = [
        f"{channel.name}: {problem}"
        for channel, text in variants.items()
        for problem in check_outbound(workspace.pk, channel, text, media, utm_campaign)
    ]
    if not problems:
        problems = [
            f"{channel.name}: {problem}"
            for channel in variants
            for problem in prepare_renditions(channel, media)
        ]
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def do_create_post(
    workspace: Workspace,
    actor: User,
    *,
    title: str,
    variants: Mapping[Channel, str],
    internal_note: str = "",
    publish_at: datetime | None = None,
    pillar: Pillar | None = None,
    utm_campaign: str = "",
    media: Sequence[Media] = (),
) -> Post:
    """Creates the post with one target per channel; with `publish_at` (UTC) the targets are scheduled, and
    those due within a minute are handed to a worker at once instead of waiting for the next periodic run."""
    check_variants(workspace, variants)
    check_attachments(workspace, variants, pillar, media, utm_campaign)
    if publish_at is not None:
        ApprovalPolicy.check_may_schedule_unapproved(workspace)
    post = Post(
        workspace=workspace,
        author=actor,
        title=title,
        internal_note=internal_note,
        pillar=pillar,
        utm_campaign=utm_campaign,
    )
    post.full_clean()
    post.save()
    audit.record_create(workspace, actor, post, POST_FIELDS)
    for position, item in enumerate(media):
        PostMedia.objects.create(post=post, media=item, position=position)
    targets = []
    for channel, text in variants.items():
        target = PostTarget.objects.create(post=post, channel=channel, text=text)
        if publish_at is not None:
            move(
                target.pk,
                {PostTarget.State.DRAFT},
                PostTarget.State.SCHEDULED,
                due_at=publish_at,
                next_attempt_at=publish_at,
            )
            target.refresh_from_db()
        audit.record_create(workspace, actor, target, TARGET_FIELDS)
        targets.append(target)
    if publish_at is not None:
        transaction.on_commit(lambda: enqueue_near_due(targets, timezone.now()))
    return post
