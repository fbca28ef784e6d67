"""Hashed n-gram features: batch independence, normalisation, tokens."""

import numpy as np

from comptoir.nlp.features import FeatureConfig, featurise, hash_words

CONFIG = FeatureConfig(bits=16)


def _row(batch, index):
    start, end = batch.indptr[index], batch.indptr[index + 1]
    return dict(zip(batch.indices[start:end].tolist(), batch.values[start:end].tolist(), strict=True))


def test_a_text_gets_the_same_features_whatever_its_batch():
    alone = featurise(["merci beaucoup"], CONFIG)
    batched = featurise(["autre message avant", "merci beaucoup", "et après"], CONFIG)
    assert _row(alone, 0) == _row(batched, 1)


def test_rows_are_l2_normalised():
    batch = featurise(["un", "deux mots", "trois mots ici 😀"], CONFIG)
    norms = np.sqrt(np.bincount(np.repeat(np.arange(3), np.diff(batch.indptr)), weights=batch.values**2))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_word_hashes_do_not_depend_on_position():
    batch = featurise(["bad", "this is bad"], CONFIG)
    (bad,), single = hash_words(["bad"])
    assert single.all()
    assert (batch.tokens.hashes[batch.tokens.document == 0] == bad).all()
    assert bad in batch.tokens.hashes[batch.tokens.document == 1]


def test_emoji_and_punctuation_are_tokens_of_their_own():
    batch = featurise(["top😀!"], CONFIG)
    assert len(batch.tokens.hashes) == 3


def test_multi_token_lexicon_entries_are_flagged():
    _, single = hash_words([":)", "good", "not bad"])
    assert single.tolist() == [False, True, False]


def test_empty_batch():
    batch = featurise([], CONFIG)
    assert batch.size == 0
    assert batch.indptr.tolist() == [0]
