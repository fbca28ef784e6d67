"""What each network accepts and allows, as data: the composer validates against it, the inbox reads it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class LengthRule(enum.StrEnum):
    """How a network counts the length of a text (see comptoir.providers.text_length)."""

    CHARACTERS = "characters"
    GRAPHEMES = "graphemes"
    MASTODON = "mastodon"
    X_WEIGHTED = "x_weighted"
    UTF16 = "utf16"


@dataclass(frozen=True)
class MediaRules:
    image_types: frozenset[str] = frozenset({"image/jpeg", "image/png"})
    video_types: frozenset[str] = frozenset()
    max_images: int = 0
    max_videos: int = 0
    max_image_bytes: int = 0
    max_video_bytes: int = 0
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    alt_text: bool = False
    alt_text_limit: int = 0
    # A post must carry at least one medium (Instagram, YouTube); images and videos together (carousels).
    media_required: bool = False
    mixed_media: bool = False


@dataclass(frozen=True)
class ImagePreset:
    """How the media library renders an image for a network: the longest side it keeps, the aspect ratios
    it accepts (None: any) and the format it encodes to when the original's is not accepted."""

    max_side: int
    max_bytes: int
    min_aspect_ratio: float | None = None
    max_aspect_ratio: float | None = None
    fallback_type: str = "image/jpeg"


@dataclass(frozen=True)
class RateLimit:
    """Requests allowed per window, as documented by the network."""

    requests: int
    per_seconds: int


@dataclass(frozen=True)
class Capabilities:
    network: str
    label: str
    text_limit: int
    length_rule: LengthRule
    link_length: int | None = None
    media: MediaRules = field(default_factory=MediaRules)
    threads: bool = False
    polls: bool = False
    first_comment: bool = False
    direct_messages: bool = False
    publish: bool = True
    inbox: bool = True
    search: bool = False
    metrics: bool = False
    moderation: frozenset[str] = frozenset()
    comment_reply_window_hours: int | None = None
    dm_reply_window_hours: int | None = None
    daily_post_cap: int | None = None
    rate_limit: RateLimit | None = None
    oauth: bool = False
