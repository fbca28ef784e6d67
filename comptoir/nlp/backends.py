"""Backends that turn texts into one task's probabilities, and the registry that lets a local model replace ours."""

import json
import os
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from comptoir.nlp.features import F32
from comptoir.nlp.linear import LinearModel
from comptoir.nlp.normalise import normalise
from comptoir.nlp.tasks import TASK_LABELS, canonical_label

MODELS_DIRECTORY = Path(__file__).parent / "models"
MODEL_DIRECTORY_VARIABLE = "COMPTOIR_NLP_MODEL_DIR"


class BackendError(RuntimeError):
    """A model directory or backend does not fit the task it was given for."""


class Backend(Protocol):
    """Anything that maps raw texts to probabilities over `labels` (one row per text)."""

    @property
    def labels(self) -> tuple[str, ...]: ...

    def predict_proba(self, texts: Sequence[str]) -> F32: ...


@cache
def linear_model(language: str, directory: Path = MODELS_DIRECTORY) -> LinearModel:
    """The project's model for a language, read from disk once per process."""
    return LinearModel.load(directory, language)


@cache
def available_languages(directory: Path = MODELS_DIRECTORY) -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in directory.glob("*.npz")))


class LinearBackend:
    """One task of the project's linear model for one language."""

    def __init__(self, task: str, language: str, directory: Path = MODELS_DIRECTORY) -> None:
        self.task = task
        self.model = linear_model(language, directory)
        if task not in self.model.heads:
            raise BackendError(f"the {language} model has no {task!r} task")

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.heads[self.task].labels

    def predict_proba(self, texts: Sequence[str]) -> F32:
        return self.model.predict_proba([normalise(text) for text in texts])[self.task]


class OnnxBackend:
    """A model exported to ONNX: `model.onnx` takes a 1-D string tensor of raw texts and returns [n, labels]
    probabilities as its first output; `labels.json` lists the labels in column order."""

    def __init__(self, directory: Path) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(directory / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self._labels = tuple(
            canonical_label(label) for label in json.loads((directory / "labels.json").read_text())
        )
        self.input_name = self.session.get_inputs()[0].name

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def predict_proba(self, texts: Sequence[str]) -> F32:
        batch = np.array(list(texts), dtype=object)
        output = np.asarray(self.session.run(None, {self.input_name: batch})[0], dtype=np.float32)
        if output.shape != (len(texts), len(self._labels)):
            raise BackendError(
                f"ONNX output shape {output.shape}, expected {(len(texts), len(self._labels))}"
            )
        return output


_overrides: dict[str, Backend] = {}


def check_backend(task: str, backend: Backend) -> None:
    if set(backend.labels) != set(TASK_LABELS[task]):
        raise BackendError(f"{task} needs labels {TASK_LABELS[task]}, the backend has {backend.labels}")


def set_backend(task: str, backend: Backend | None) -> None:
    """Replace a task's model for every language (None restores the project's model)."""
    if task not in TASK_LABELS:
        raise BackendError(f"unknown task {task!r}")
    if backend is None:
        _overrides.pop(task, None)
        return
    check_backend(task, backend)
    _overrides[task] = backend


@lru_cache(maxsize=32)
def _onnx_from_directory(directory: Path) -> OnnxBackend:
    return OnnxBackend(directory)


def override_for(task: str) -> Backend | None:
    """The backend replacing our model for `task`: set_backend() first, then $COMPTOIR_NLP_MODEL_DIR/<task>/."""
    if task in _overrides:
        return _overrides[task]
    root = os.environ.get(MODEL_DIRECTORY_VARIABLE)
    if root and (Path(root) / task / "model.onnx").is_file():
        backend = _onnx_from_directory(Path(root) / task)
        check_backend(task, backend)
        return backend
    return None
