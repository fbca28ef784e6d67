"""What a network receives for a target: its text with the links tagged, and each medium's rendition for it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from comptoir.channels.models import Channel
from comptoir.providers import base
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.text_length import validate_text
from comptoir.publishing.media import check_media, rendition_for
from comptoir.publishing.models import LinkTracking, Media, PostMedia, PostTarget
from comptoir.publishing.utm import add_utm, tracking_of, utm_params

logger = logging.getLogger(__name__)

ORIGINAL = "original"


class OutboundError(Exception):
    """The post cannot be prepared on our side (a medium's file is gone or cannot be rendered)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# "Look the workspace's link tracking up": the publisher passes what it read once for a whole batch.
LOOK_UP: Any = object()


def outbound_text(target: PostTarget, tracking: LinkTracking | None = LOOK_UP) -> str:
    """The variant as it goes out: UTM parameters added to its links when the workspace tracks them."""
    post = target.post
    if tracking is LOOK_UP:
        tracking = tracking_of(post.workspace_id)
    return add_utm(target.text, utm_params(tracking, post.utm_campaign, target.channel.network))


def public_media_url(media: Media, rendition: str) -> str:
    path = reverse("publishing:public_media", args=[media.public_token, rendition])
    return f"{str(settings.COMPTOIR_BASE_URL).rstrip('/')}{path}"


# Where prefetch_attachments() puts a post's attachments: a plain list, cheaper to read than a prefetched manager
# when the publisher goes through thousands of targets.
ATTACHMENTS = "attachment_list"


def prefetch_attachments(path_to_post: str = "") -> Prefetch[str, QuerySet[PostMedia], str]:
    """For prefetch_related(): the posts' attachments with their media, two queries for a whole batch."""
    return Prefetch(
        f"{path_to_post}attachments", queryset=PostMedia.objects.select_related("media"), to_attr=ATTACHMENTS
    )


def outbound_media(target: PostTarget) -> list[base.Media]:
    """The post's media in order; images as the rendition made for the target's network, videos as uploaded."""
    network = target.channel.network
    prepared = []
    attachments: Iterable[PostMedia] | None = getattr(target.post, ATTACHMENTS, None)
    if attachments is None:
        attachments = target.post.attachments.select_related("media")
    for attachment in attachments:
        media = attachment.media
        rendition = rendition_for(media, network)
        stored = rendition.file if rendition is not None else media.file
        with stored.open("rb") as file:
            content = file.read()
        prepared.append(
            base.Media(
                content=content,
                mime_type=rendition.mime_type if rendition is not None else media.mime_type,
                alt_text=media.alt_text,
                width=rendition.width if rendition is not None else media.width,
                height=rendition.height if rendition is not None else media.height,
                filename=(stored.name or "media").rsplit("/", 1)[-1],
                url=public_media_url(media, network if rendition is not None else ORIGINAL),
            )
        )
    return prepared


def outbound_post(target: PostTarget, tracking: LinkTracking | None = LOOK_UP) -> base.OutboundPost:
    try:
        media = outbound_media(target)
    except ValidationError as error:
        raise OutboundError(" ".join(error.messages)) from error
    except OSError as error:
        # The OS error names server paths: it goes to the log, not to the person.
        logger.warning("Media of target %s cannot be read: %s", target.pk, error)
        raise OutboundError(
            _("A medium of this post cannot be read any more: attach it again from the media library.")
        ) from error
    return base.OutboundPost(
        text=outbound_text(target, tracking), media=media, idempotency_key=str(target.idempotency_key)
    )


def check_outbound(
    workspace_id: int, channel: Channel, text: str, media: Sequence[Media], utm_campaign: str
) -> list[str]:
    """What the channel's network would refuse beyond the text as written: the text once its links carry
    UTM parameters (they lengthen it where links count in full), and the attachments."""
    if channel.network not in CAPABILITIES:
        return []
    problems = check_media(media, channel.network)
    tagged = add_utm(text, utm_params(tracking_of(workspace_id), utm_campaign, channel.network))
    if tagged != text:
        problems += [
            _("With UTM parameters added to its links: %(problem)s") % {"problem": problem}
            for problem in validate_text(tagged, CAPABILITIES[channel.network])
        ]
    return problems


def prepare_renditions(channel: Channel, media: Sequence[Media]) -> list[str]:
    """Makes each image's rendition for the channel's network now, when the post is saved: an image that
    cannot be made acceptable is an error the person sees, not a failure at publish time (and the rendition
    is ready for the publisher and for networks that fetch it by URL)."""
    problems = []
    for item in media:
        try:
            rendition_for(item, channel.network)
        except ValidationError as error:
            problems += [f"“{item}”: {message}" for message in error.messages]
        except OSError:
            problems.append(
                _("“%(name)s” cannot be read any more: upload it again to the media library.")
                % {"name": item}
            )
    return problems
