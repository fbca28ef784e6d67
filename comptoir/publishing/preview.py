"""How a variant will look on its network: links, mentions and hashtags marked, and where the text folds."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import regex

from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.text_length import count_length

# Where a network folds a long text behind "… more" in its feed, in characters, as measured on each
# network's web app (Instagram 125, LinkedIn about 210, Facebook about 480, YouTube's description 157).
# Networks not listed show the whole text.
FOLD_AT = {"instagram": 125, "linkedin": 210, "facebook": 480, "youtube": 157}

_TOKEN = regex.compile(
    r"(?P<link>(?<![\w@#/])https?://[^\s<>\"]+?(?=[.,;:!?)\]}'\"»…]*(?:\s|$)))"
    r"|(?P<mention>(?<![\w@/])@[\w](?:[\w.-]*\w)?(?:@[\w-]+(?:\.[\w-]+)+)?)"
    r"|(?P<hashtag>(?<![\w#&/])#\w*[^\W\d_]\w*)",
    regex.IGNORECASE,
)


class SegmentKind(enum.StrEnum):
    TEXT = "text"
    LINK = "link"
    MENTION = "mention"
    HASHTAG = "hashtag"


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class Preview:
    """The text split into what the feed shows, what hides behind "more", and what goes beyond the limit
    (which the network refuses: the composer shows it as an error too)."""

    network: str
    label: str
    visible: list[Segment]
    folded: list[Segment]
    over_limit: str

    @property
    def is_folded(self) -> bool:
        return bool(self.folded)


def segments(text: str) -> list[Segment]:
    """`text` cut into plain runs, links, mentions and hashtags, in order; joined they give `text` back."""
    parts = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            parts.append(Segment(SegmentKind.TEXT, text[position : match.start()]))
        kind = SegmentKind(match.lastgroup or "text")
        parts.append(Segment(kind, match.group(0)))
        position = match.end()
    if position < len(text):
        parts.append(Segment(SegmentKind.TEXT, text[position:]))
    return parts


def _split(parts: list[Segment], at: int) -> tuple[list[Segment], list[Segment]]:
    before, after = [], []
    used = 0
    for part in parts:
        if used >= at:
            after.append(part)
        elif used + len(part.text) <= at:
            before.append(part)
        elif part.kind is SegmentKind.TEXT:
            cut = at - used
            before.append(Segment(part.kind, part.text[:cut]))
            after.append(Segment(part.kind, part.text[cut:]))
        else:
            # A link or a tag is never cut in two: the whole of it goes behind the fold.
            after.append(part)
        used += len(part.text)
    return before, after


def preview(text: str, network: str, over_limit_from: int | None = None) -> Preview:
    """The preview of `text` on `network`; `over_limit_from` is the offset past which the network's limit is
    exceeded (the composer computes it with the network's own way of counting)."""
    caps = CAPABILITIES[network]
    kept, over = (text, "") if over_limit_from is None else (text[:over_limit_from], text[over_limit_from:])
    parts = segments(kept)
    fold = FOLD_AT.get(network)
    visible, folded = _split(parts, fold) if fold is not None and len(kept) > fold else (parts, [])
    return Preview(network, caps.label, visible, folded, over)


def limit_offset(text: str, network: str) -> int | None:
    """The offset in `text` past which the network's limit, counted its own way, is exceeded; None when the
    whole text fits. A binary search: a longer prefix never counts shorter."""
    caps = CAPABILITIES[network]
    if count_length(text, caps.length_rule, caps.link_length) <= caps.text_limit:
        return None
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if count_length(text[:middle], caps.length_rule, caps.link_length) <= caps.text_limit:
            low = middle
        else:
            high = middle - 1
    return low
