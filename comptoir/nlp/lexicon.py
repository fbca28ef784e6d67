"""Polarity lexicon features (VADER for English, the project's own list for French) computed per batch."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from comptoir.nlp.features import F32, U64, Tokens

# VADER's damping factor for a polarity word under negation ("not good" is mildly negative, not "bad").
_NEGATION_SCALE = -0.74
N_LEXICON_FEATURES = 5


@dataclass(frozen=True)
class Lexicon:
    """Sorted token hashes with their valence (-4 … 4), and the hashes of negation words."""

    hashes: U64
    valences: F32
    negators: U64

    @classmethod
    def empty(cls) -> "Lexicon":
        return cls(np.zeros(0, np.uint64), np.zeros(0, np.float32), np.zeros(0, np.uint64))


def _member(values: U64, sorted_set: U64) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.intp]]:
    if len(sorted_set) == 0:
        return np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=np.intp)
    position = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[position] == values, position


def lexicon_features(tokens: Tokens, lexicon: Lexicon, n_documents: int) -> F32:
    """Per document: positive and negative valence mass, their balance, and how many polar words were seen."""
    found, position = _member(tokens.hashes, lexicon.hashes)
    valences = lexicon.valences if len(lexicon.valences) else np.zeros(1, dtype=np.float32)
    valence = np.where(found, valences[position], 0.0).astype(np.float32)
    negated, _ = _member(tokens.hashes, lexicon.negators)
    after_negator = np.zeros(len(tokens.hashes), dtype=bool)
    for distance in (1, 2):
        same_document = tokens.document[distance:] == tokens.document[: len(tokens.document) - distance]
        after_negator[distance:] |= negated[: len(negated) - distance] & same_document
    valence = np.where(after_negator, valence * _NEGATION_SCALE, valence)
    positive = np.bincount(tokens.document, weights=np.maximum(valence, 0), minlength=n_documents)
    negative = np.bincount(tokens.document, weights=np.maximum(-valence, 0), minlength=n_documents)
    polar = np.bincount(tokens.document, weights=found.astype(np.float64), minlength=n_documents)
    return np.stack(
        [
            np.tanh(positive / 4.0),
            np.tanh(negative / 4.0),
            np.tanh((positive - negative) / 4.0),
            np.log1p(polar) / 2.0,
            (polar == 0).astype(np.float64),
        ],
        axis=1,
    ).astype(np.float32)
