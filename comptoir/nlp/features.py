"""Hashed character and word n-gram features computed for a whole batch at once with numpy."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from comptoir.nlp.normalise import normalise

U64 = npt.NDArray[np.uint64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

_BASE = np.uint64(0x100000001B3)
_BASE_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PAIR = np.uint64(0xC2B2AE3D27D4EB4F)
_SEPARATOR = "\n"
_TABLE_SIZE = 0x3000

# Seeds keep n-grams of different kinds (char 3-gram "abc" vs word "abc") in different buckets.
_WORD_SEED = np.uint64(0x51ED27)
_BIGRAM_SEED = np.uint64(0xB16B00B5)


@lru_cache(maxsize=1)
def _character_classes() -> npt.NDArray[np.uint8]:
    """0 = separator (space, apostrophe), 1 = word character, 2 = a symbol that is a token on its own."""
    table = np.full(_TABLE_SIZE, 2, dtype=np.uint8)
    for code in range(_TABLE_SIZE):
        char = chr(code)
        if char.isalnum() or char == "_":
            table[code] = 1
        elif char.isspace() or char in "'’":
            table[code] = 0
    return table


def _powers(length: int) -> tuple[U64, U64]:
    """B^k and B^-k (mod 2^64) for k < length, from a cached table sized to the next power of two."""
    powers, inverse_powers = _power_table(1 << length.bit_length())
    return powers[:length], inverse_powers[:length]


@lru_cache(maxsize=4)
def _power_table(length: int) -> tuple[U64, U64]:
    base = np.full(length, _BASE, dtype=np.uint64)
    base[0] = 1
    inverse = np.full(length, _BASE_INVERSE, dtype=np.uint64)
    inverse[0] = 1
    return np.cumprod(base, dtype=np.uint64), np.cumprod(inverse, dtype=np.uint64)


def _bucket(hashes: U64, bits: int) -> I64:
    return ((hashes * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


@dataclass(frozen=True)
class FeatureConfig:
    """How texts become vectors; stored with every model so training and inference agree."""

    bits: int = 18
    char_min: int = 2
    char_max: int = 4
    word_bigrams: bool = True

    @property
    def n_hashed(self) -> int:
        return 1 << self.bits


@dataclass(frozen=True)
class Tokens:
    """Word and symbol tokens of a batch: document index and position-independent hash of each."""

    document: I64
    hashes: U64


@dataclass(frozen=True)
class SparseBatch:
    """A batch as CSR arrays (L2-normalised sublinear term frequencies), plus the tokens for lexicon features."""

    indptr: I64
    indices: I64
    values: F32
    tokens: Tokens
    size: int


def _encode(texts: Sequence[str]) -> tuple[U64, I64]:
    joined = "".join(f" {text} {_SEPARATOR}" for text in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(text) + 3 for text in texts), dtype=np.int64, count=len(texts))
    document = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    return codes, document


def tokenise(codes: U64, document: I64) -> Tokens:
    """Split the encoded batch into tokens: runs of word characters, and each symbol (emoji, "?") alone."""
    table = _character_classes()
    classes = np.where(codes < _TABLE_SIZE, table[np.minimum(codes, _TABLE_SIZE - 1)], 2)
    is_word = classes == 1
    is_symbol = classes == 2
    previous_word = np.concatenate(([False], is_word[:-1]))
    next_word = np.concatenate((is_word[1:], [False]))
    starts = np.flatnonzero((is_word & ~previous_word) | is_symbol)
    ends = np.flatnonzero((is_word & ~next_word) | is_symbol) + 1
    powers, inverse_powers = _powers(len(codes) + 1)
    prefix = np.concatenate(
        ([np.uint64(0)], np.cumsum(codes * inverse_powers[: len(codes)], dtype=np.uint64))
    )
    hashes = (prefix[ends] - prefix[starts]) * powers[ends - 1] + _WORD_SEED
    return Tokens(document=document[starts], hashes=hashes)


def hash_words(words: Sequence[str]) -> tuple[U64, npt.NDArray[np.bool_]]:
    """Hash words exactly as `tokenise` does, for lexicon lookups; the mask flags entries that are one token."""
    codes, document = _encode([normalise(word) for word in words])
    tokens = tokenise(codes, document)
    counts = np.bincount(tokens.document, minlength=len(words))
    first = np.searchsorted(tokens.document, np.arange(len(words)))
    return tokens.hashes[np.minimum(first, len(tokens.hashes) - 1)], counts == 1


def _char_ngrams(codes: U64, document: I64, config: FeatureConfig) -> tuple[list[I64], list[I64]]:
    separators = np.concatenate(([0], np.cumsum(codes == ord(_SEPARATOR))))
    keys: list[I64] = []
    documents: list[I64] = []
    rolling = np.zeros(len(codes), dtype=np.uint64)
    for size in range(1, config.char_max + 1):
        count = len(codes) - size + 1
        rolling = rolling[:count] * _BASE + codes[size - 1 :]
        if size < config.char_min:
            continue
        valid = separators[size : size + count] == separators[:count]
        keys.append(_bucket(rolling[valid] + np.uint64(size), config.bits))
        documents.append(document[:count][valid])
    return keys, documents


def featurise(texts: Sequence[str], config: FeatureConfig) -> SparseBatch:
    """Turn already normalised texts into sparse hashed features (columns below `config.n_hashed`)."""
    if not texts:
        empty = np.zeros(0, dtype=np.int64)
        no_tokens = Tokens(document=empty, hashes=np.zeros(0, dtype=np.uint64))
        return SparseBatch(np.zeros(1, np.int64), empty, np.zeros(0, np.float32), no_tokens, 0)
    codes, document = _encode(texts)
    keys, documents = _char_ngrams(codes, document, config)
    tokens = tokenise(codes, document)
    keys.append(_bucket(tokens.hashes, config.bits))
    documents.append(tokens.document)
    if config.word_bigrams and len(tokens.hashes) > 1:
        same = tokens.document[1:] == tokens.document[:-1]
        pairs = tokens.hashes[:-1][same] * _PAIR + tokens.hashes[1:][same] + _BIGRAM_SEED
        keys.append(_bucket(pairs, config.bits))
        documents.append(tokens.document[1:][same])
    combined = np.concatenate(documents) << np.int64(config.bits) | np.concatenate(keys)
    unique, counts = np.unique(combined, return_counts=True)
    rows = unique >> np.int64(config.bits)
    values = (1.0 + np.log(counts)).astype(np.float32)
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts))).astype(np.float32)
    values /= norms[rows]
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=len(texts))))).astype(np.int64)
    return SparseBatch(
        indptr=indptr,
        indices=unique & np.int64(config.n_hashed - 1),
        values=values,
        tokens=tokens,
        size=len(texts),
    )
