"""The linear models of one language: every task's weights over shared hashed features, stored as plain arrays."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from comptoir.nlp.features import F32, FeatureConfig, featurise
from comptoir.nlp.lexicon import Lexicon, lexicon_features

FORMAT_VERSION = 1


@dataclass(frozen=True)
class TaskHead:
    """Where one task's columns sit in the shared weight matrix."""

    labels: tuple[str, ...]
    start: int

    @property
    def columns(self) -> slice:
        return slice(self.start, self.start + len(self.labels))


@dataclass(frozen=True)
class FeatureMatrix:
    """Hashed features in CSR form plus the dense lexicon features, for one batch of normalised texts."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: F32
    dense: F32


def extract(texts: Sequence[str], config: FeatureConfig, lexicon: Lexicon) -> FeatureMatrix:
    batch = featurise(texts, config)
    dense = lexicon_features(batch.tokens, lexicon, len(texts))
    return FeatureMatrix(batch.indptr, batch.indices, batch.values, dense)


@dataclass
class LinearModel:
    """Softmax heads sharing one feature extraction: logits = x·W + b, with decision offsets folded into b."""

    config: FeatureConfig
    lexicon: Lexicon
    hashed_weights: F32
    dense_weights: F32
    bias: F32
    heads: dict[str, TaskHead]
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Seen as one opaque record per row, the weight matrix is gathered by numpy's fast 1-D indexing path,
        # about three times faster than fancy-indexing rows of the 2-D array.
        rows = np.ascontiguousarray(self.hashed_weights, dtype=np.float32)
        self._weight_rows = rows.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()

    def logits(self, matrix: FeatureMatrix) -> F32:
        n_columns = self.hashed_weights.shape[1]
        gathered = self._weight_rows[matrix.indices].view(np.float32).reshape(-1, n_columns)
        gathered *= matrix.values[:, None]
        # Every text yields at least one n-gram (texts are padded with spaces), so no segment is empty.
        sums = np.add.reduceat(gathered, matrix.indptr[:-1], axis=0)
        logits: F32 = (sums + matrix.dense @ self.dense_weights + self.bias).astype(np.float32)
        return logits

    def predict_proba(self, normalised_texts: Sequence[str]) -> dict[str, F32]:
        if not normalised_texts:
            return {task: np.zeros((0, len(head.labels)), np.float32) for task, head in self.heads.items()}
        logits = self.logits(extract(normalised_texts, self.config, self.lexicon))
        return {task: softmax(logits[:, head.columns]) for task, head in self.heads.items()}

    def save(self, directory: Path, name: str) -> None:
        rows = np.flatnonzero(np.any(self.hashed_weights != 0, axis=1)).astype(np.int32)
        np.savez_compressed(
            directory / f"{name}.npz",
            rows=rows,
            weights=self.hashed_weights[rows].astype(np.float16),
            dense_weights=self.dense_weights,
            bias=self.bias,
            lexicon_hashes=self.lexicon.hashes,
            lexicon_valences=self.lexicon.valences,
            negators=self.lexicon.negators,
        )
        description = {
            "format_version": FORMAT_VERSION,
            "features": {
                "bits": self.config.bits,
                "char_min": self.config.char_min,
                "char_max": self.config.char_max,
                "word_bigrams": self.config.word_bigrams,
            },
            "heads": {
                task: {"labels": list(head.labels), "start": head.start} for task, head in self.heads.items()
            },
            **self.metadata,
        }
        (directory / f"{name}.json").write_text(json.dumps(description, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, directory: Path, name: str) -> "LinearModel":
        description = json.loads((directory / f"{name}.json").read_text())
        if description["format_version"] != FORMAT_VERSION:
            raise ValueError(f"{name}: model format {description['format_version']} is not {FORMAT_VERSION}")
        config = FeatureConfig(**description["features"])
        with np.load(directory / f"{name}.npz", allow_pickle=False) as arrays:
            hashed = np.zeros((config.n_hashed, len(arrays["bias"])), dtype=np.float32)
            hashed[arrays["rows"]] = arrays["weights"]
            lexicon = Lexicon(arrays["lexicon_hashes"], arrays["lexicon_valences"], arrays["negators"])
            dense_weights = arrays["dense_weights"].astype(np.float32)
            bias = arrays["bias"].astype(np.float32)
        heads = {
            task: TaskHead(tuple(head["labels"]), int(head["start"]))
            for task, head in description["heads"].items()
        }
        metadata = {key: value for key, value in description.items() if key not in {"features", "heads"}}
        return cls(config, lexicon, hashed, dense_weights, bias, heads, metadata)


def softmax(logits: F32) -> F32:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: F32 = (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
    return probabilities
