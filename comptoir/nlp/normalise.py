"""Text normalisation shared by language identification, feature extraction and training."""

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+|\bURL\b", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
# Elongations ("soooo", "!!!!!") carry emphasis, but beyond two repeats they only fragment n-gram statistics.
_REPEAT = re.compile(r"(.)\1{2,}")
_SPACE = re.compile(r"\s+")
_PLACEHOLDERS = re.compile(r"@user|\bhttp\b")

URL_PLACEHOLDER = "http"
MENTION_PLACEHOLDER = "@user"


def normalise(text: str) -> str:
    """Return the lower-cased canonical form fed to the classifiers; emoji and accents are kept."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    text = _URL.sub(f" {URL_PLACEHOLDER} ", text)
    text = _MENTION.sub(f" {MENTION_PLACEHOLDER} ", text)
    text = _REPEAT.sub(r"\1\1", text)
    return _SPACE.sub(" ", text).strip().lower()


def strip_placeholders(normalised: str) -> str:
    """Remove URL and mention placeholders, which say nothing about the language of a text."""
    return _PLACEHOLDERS.sub("", normalised).strip()
