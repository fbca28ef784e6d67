"""Text length as each network counts it, on the cases that trip composers up: emoji, accents, CJK, links."""

import pytest

from comptoir.providers.capabilities import LengthRule
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.text_length import count_length, validate_text

# Man, woman, girl joined by ZWJ: one grapheme, 5 code points.
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
THUMBS_UP_TONE = "\U0001f44d\U0001f3fd"
FLAG_FR = "\U0001f1eb\U0001f1f7"
DECOMPOSED_E = "e\u0301"  # "é" written as e + combining acute accent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour", 7),
        (FAMILY, 1),
        (THUMBS_UP_TONE, 1),
        (FLAG_FR, 1),
        (DECOMPOSED_E, 1),
        ("café " + FLAG_FR, 6),
    ],
)
def test_graphemes_count_what_a_reader_sees(text: str, expected: int) -> None:
    assert count_length(text, LengthRule.GRAPHEMES, None) == expected


def test_characters_count_code_points() -> None:
    assert count_length(FAMILY, LengthRule.CHARACTERS, None) == 5
    assert count_length(DECOMPOSED_E, LengthRule.CHARACTERS, None) == 2


def test_utf16_counts_surrogate_pairs_twice() -> None:
    assert count_length(FAMILY, LengthRule.UTF16, None) == 8
    assert count_length("été", LengthRule.UTF16, None) == 3


def test_mastodon_counts_every_link_as_23() -> None:
    long_link = "https://www.example.com/" + "a" * 200
    assert count_length(f"Lisez {long_link} !", LengthRule.MASTODON, 23) == len("Lisez ") + 23 + len(" !")


def test_mastodon_counts_remote_mentions_by_their_local_part() -> None:
    assert count_length("Merci @alice@mastodon.social !", LengthRule.MASTODON, 23) == len("Merci @alice !")


def test_mastodon_uses_the_instance_link_length() -> None:
    assert count_length("https://example.com/x", LengthRule.MASTODON, 30) == 30


def test_mastodon_counts_graphemes_outside_links() -> None:
    assert count_length(FAMILY + " ok", LengthRule.MASTODON, 23) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 280, 280),
        ("Crème brûlée", 12),  # Latin-1 accents weigh 1
        ("日本語", 6),  # CJK weighs 2 per character
        ("한국어", 6),
        (FAMILY, 2),  # an emoji sequence weighs 2 as a whole
        (THUMBS_UP_TONE, 2),
        (FLAG_FR, 2),
        ("1\ufe0f\u20e3", 2),  # keycap emoji
        ("©", 1),  # text-style symbol without the emoji selector stays 1
        (DECOMPOSED_E, 1),  # normalised to NFC first
        ("\u2014", 1),  # em dash is in the 8208-8223 light range
        ("\u2032", 1),  # prime is in the 8242-8247 light range
        ("\u2026", 2),  # the ellipsis (8230) is not
        ("\u20ac", 2),  # euro sign is outside the light ranges
    ],
)
def test_x_weighted_length(text: str, expected: int) -> None:
    assert count_length(text, LengthRule.X_WEIGHTED, 23) == expected


def test_x_counts_links_as_23_and_leaves_trailing_punctuation_out() -> None:
    text = "Programme : https://comptoir.example/agenda?jour=2026-05-01. Venez !"
    assert count_length(text, LengthRule.X_WEIGHTED, 23) == len("Programme : ") + 23 + len(". Venez !")


def test_x_counts_links_without_scheme() -> None:
    assert count_length("Voir comptoir.fr/agenda", LengthRule.X_WEIGHTED, 23) == len("Voir ") + 23


def test_x_does_not_take_a_sentence_for_a_link() -> None:
    assert count_length("etc.Mais", LengthRule.X_WEIGHTED, 23) == 8


def test_validate_text_accepts_a_post_at_the_limit() -> None:
    assert validate_text("é" * 280, CAPABILITIES["x"]) == []


def test_validate_text_says_how_many_characters_are_too_many() -> None:
    errors = validate_text("日" * 141, CAPABILITIES["x"])
    assert errors == ["The text counts 282 characters for X, which allows 280 (2 too many)."]


def test_validate_text_refuses_empty_text() -> None:
    assert validate_text("  ", CAPABILITIES["bluesky"]) == ["Bluesky needs some text."]


def test_validate_text_refuses_read_only_networks() -> None:
    assert validate_text("Bonjour", CAPABILITIES["rss"]) == ["RSS/Atom does not accept posts."]


def test_bluesky_limit_is_in_graphemes() -> None:
    assert validate_text(FAMILY * 300, CAPABILITIES["bluesky"]) == []
    assert validate_text(FAMILY * 301, CAPABILITIES["bluesky"]) != []
