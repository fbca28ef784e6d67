"""Count a text's length as each network does, so the composer never passes a post the network rejects."""

from __future__ import annotations

import unicodedata

import regex

from comptoir.providers.capabilities import Capabilities, LengthRule

# Mastodon and X both shorten every link to a fixed length (Mastodon: characters_reserved_per_url,
# X: twitter-text's transformedURLLength); 23 is the documented default of both.
DEFAULT_LINK_LENGTH = 23

# Links as twitter-text extracts them: a scheme, then anything up to whitespace; trailing punctuation
# belongs to the sentence, not to the link.
_SCHEME_URL = regex.compile(r"https?://[^\s<>\"]+?(?=[.,;:!?)\]}'\"»]*(?:\s|$))", regex.IGNORECASE)
# X also shortens links written without a scheme ("comptoir.fr/agenda"). twitter-text checks the full IANA TLD
# list; the common TLDs below catch what French-speaking community managers write without false positives on
# ordinary sentences ("etc.Mais").
_BARE_URL = regex.compile(
    r"(?<![\w@./])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|net|org|fr|be|ch|ca|lu|eu|io|co|info|de|uk|es|it|app|dev|ly|me|tv)"
    r"(?![\w-])(?:/[^\s<>\"]*?)?(?=[.,;:!?)\]}'\"»]*(?:\s|$))",
    regex.IGNORECASE,
)
# Mastodon's account mention: @user or @user@domain (its Account::MENTION_RE), only the local part counts.
_MASTODON_MENTION = regex.compile(
    r"(?<=^|[^/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?", regex.IGNORECASE
)
_GRAPHEME = regex.compile(r"\X")

# twitter-text configuration v3 (the one X uses since 2018): code points in these ranges weigh 100,
# all others 200, divided by a scale of 100; an emoji sequence weighs 200 as a whole.
_X_SCALE = 100
_X_DEFAULT_WEIGHT = 200
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_X_LIGHT_WEIGHT = 100


def count_length(text: str, rule: LengthRule, link_length: int | None = None) -> int:
    """The length of `text` as the network counts it against its limit."""
    url_length = DEFAULT_LINK_LENGTH if link_length is None else link_length
    if rule is LengthRule.GRAPHEMES:
        return _grapheme_count(text)
    if rule is LengthRule.MASTODON:
        return _grapheme_count(_mastodon_countable(text, url_length))
    if rule is LengthRule.X_WEIGHTED:
        return _x_weighted_length(text, url_length)
    if rule is LengthRule.UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


def validate_text(text: str, caps: Capabilities) -> list[str]:
    """Problems that would make the network refuse `text`; an empty list means it will be accepted."""
    if not caps.publish:
        return [f"{caps.label} does not accept posts."]
    if not text.strip():
        return [f"{caps.label} needs some text."]
    length = count_length(text, caps.length_rule, caps.link_length)
    if length > caps.text_limit:
        return [
            f"The text counts {length} characters for {caps.label}, which allows {caps.text_limit} "
            f"({length - caps.text_limit} too many)."
        ]
    return []


def _grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _mastodon_countable(text: str, url_length: int) -> str:
    # Same rewrite as Mastodon's StatusLengthValidator: links become a fixed placeholder, remote mentions
    # keep only their local part; the result is counted in grapheme clusters.
    placeholder = "x" * url_length
    text = _SCHEME_URL.sub(placeholder, text)
    countable: str = _MASTODON_MENTION.sub(lambda match: "@" + match.group(1), text)
    return countable


def _x_weighted_length(text: str, url_length: int) -> int:
    text = unicodedata.normalize("NFC", text)
    weight = 0
    position = 0
    for match in _x_urls(text):
        weight += _x_text_weight(text[position : match[0]])
        weight += url_length * _X_SCALE
        position = match[1]
    weight += _x_text_weight(text[position:])
    return weight // _X_SCALE


def _x_urls(text: str) -> list[tuple[int, int]]:
    spans = [match.span() for match in _SCHEME_URL.finditer(text)]
    for match in _BARE_URL.finditer(text):
        start, end = match.span()
        if not any(start < other_end and other_start < end for other_start, other_end in spans):
            spans.append((start, end))
    return sorted(spans)


def _x_text_weight(text: str) -> int:
    weight = 0
    for grapheme in _GRAPHEME.findall(text):
        if _is_emoji(grapheme):
            weight += _X_DEFAULT_WEIGHT
            continue
        for char in grapheme:
            code_point = ord(char)
            light = any(start <= code_point <= end for start, end in _X_LIGHT_RANGES)
            weight += _X_LIGHT_WEIGHT if light else _X_DEFAULT_WEIGHT
    return weight


_EMOJI_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")


def _is_emoji(grapheme: str) -> bool:
    # An emoji is a pictograph drawn as an emoji by default, or a text-style pictograph or digit turned into
    # an emoji by the variation selector U+FE0F or the keycap U+20E3 (bare "©" or "1" stay ordinary text).
    if _EMOJI_PRESENTATION.search(grapheme):
        return True
    if "\u20e3" in grapheme:
        return True
    return "\ufe0f" in grapheme and bool(_PICTOGRAPHIC.search(grapheme))
