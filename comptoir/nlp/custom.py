"""Workspace classifiers: a team's own labels on inbox messages, trained into a small JSON-serialisable model."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.model_selection import StratifiedKFold

from comptoir.nlp.features import F32, FeatureConfig
from comptoir.nlp.fitting import fit_head, to_csr
from comptoir.nlp.lexicon import Lexicon
from comptoir.nlp.linear import LinearModel, TaskHead, extract
from comptoir.nlp.metrics import macro_f1
from comptoir.nlp.normalise import normalise

CUSTOM_FORMAT_VERSION = 1
# 2^16 buckets: a workspace labels hundreds of messages, not millions, and the model must fit in a JSON field.
CUSTOM_FEATURES = FeatureConfig(bits=16)
_HEAD = "custom"


class CustomTrainingError(ValueError):
    """The labelled examples cannot produce a classifier (too few, or a single class)."""


@dataclass(frozen=True)
class CustomModel:
    """A linear classifier over the shared n-gram features (no lexicon: the labels are the team's own)."""

    model: LinearModel

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.heads[_HEAD].labels

    def predict_proba(self, texts: Sequence[str]) -> F32:
        return self.model.predict_proba([normalise(text) for text in texts])[_HEAD]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.labels[index] for index in np.argmax(self.predict_proba(texts), axis=1)]

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and numbers; only the hash buckets seen in training are stored."""
        hashed = self.model.hashed_weights
        rows = np.flatnonzero(np.any(hashed != 0, axis=1))
        config = self.model.config
        return {
            "format_version": CUSTOM_FORMAT_VERSION,
            "labels": list(self.labels),
            "features": {
                "bits": config.bits,
                "char_min": config.char_min,
                "char_max": config.char_max,
                "word_bigrams": config.word_bigrams,
            },
            "rows": rows.tolist(),
            "weights": np.round(hashed[rows], 5).tolist(),
            "dense_weights": np.round(self.model.dense_weights, 5).tolist(),
            "bias": np.round(self.model.bias, 5).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CustomModel":
        if data.get("format_version") != CUSTOM_FORMAT_VERSION:
            raise ValueError(f"unsupported custom model format {data.get('format_version')!r}")
        labels = tuple(data["labels"])
        config = FeatureConfig(**data["features"])
        hashed = np.zeros((config.n_hashed, len(labels)), dtype=np.float32)
        hashed[np.array(data["rows"], dtype=np.int64)] = np.array(data["weights"], dtype=np.float32).reshape(
            -1, len(labels)
        )
        return cls(_linear_model(labels, config, hashed, data["dense_weights"], data["bias"]))


def _linear_model(
    labels: tuple[str, ...],
    config: FeatureConfig,
    hashed: F32,
    dense_weights: npt.ArrayLike,
    bias: npt.ArrayLike,
) -> LinearModel:
    return LinearModel(
        config=config,
        lexicon=Lexicon.empty(),
        hashed_weights=hashed,
        dense_weights=np.array(dense_weights, dtype=np.float32).reshape(-1, len(labels)),
        bias=np.array(bias, dtype=np.float32),
        heads={_HEAD: TaskHead(labels, 0)},
    )


def train_custom_classifier(texts: Sequence[str], labels: Sequence[str], c: float = 4.0) -> CustomModel:
    """Train a workspace classifier from labelled messages (at least two examples of each of two labels)."""
    if len(texts) != len(labels):
        raise CustomTrainingError(f"{len(texts)} texts but {len(labels)} labels")
    names = tuple(sorted(set(labels)))
    if len(names) < 2:
        raise CustomTrainingError("a classifier needs examples of at least two labels")
    if min(list(labels).count(name) for name in names) < 2:
        raise CustomTrainingError("every label needs at least two examples")
    config = CUSTOM_FEATURES
    matrix = extract([normalise(text) for text in texts], config, Lexicon.empty())
    targets = np.array([names.index(label) for label in labels], dtype=np.int64)
    weights, bias = fit_head(to_csr(matrix, config), targets, len(names), c)
    hashed = weights[: config.n_hashed].astype(np.float32)
    return CustomModel(_linear_model(names, config, hashed, weights[config.n_hashed :], bias))


@dataclass(frozen=True)
class CustomValidation:
    """Macro-F1 of out-of-fold predictions: each example is predicted by a model that never saw it."""

    macro_f1: float
    folds: int
    examples: int


def validate_custom_classifier(
    texts: Sequence[str], labels: Sequence[str], folds: int = 5, c: float = 4.0
) -> CustomValidation | None:
    """Stratified k-fold cross-validation, or None when a label has fewer than `folds` examples (a figure
    measured on one or two messages per label would only be noise)."""
    names = tuple(sorted(set(labels)))
    if len(names) < 2 or min(list(labels).count(name) for name in names) < folds:
        return None
    targets = np.array([names.index(label) for label in labels], dtype=np.int64)
    predicted = np.empty_like(targets)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train_rows, test_rows in splitter.split(np.zeros(len(targets)), targets):
        model = train_custom_classifier([texts[i] for i in train_rows], [labels[i] for i in train_rows], c)
        guesses = model.predict([texts[i] for i in test_rows])
        predicted[test_rows] = [names.index(guess) for guess in guesses]
    return CustomValidation(macro_f1(targets, predicted, len(names)), folds, len(targets))
