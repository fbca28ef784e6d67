"""Offline language, sentiment, offensive/hate, spam and intent classification for French and English."""

from comptoir.nlp.backends import Backend, BackendError, LinearBackend, OnnxBackend, set_backend
from comptoir.nlp.custom import (
    CustomModel,
    CustomTrainingError,
    CustomValidation,
    train_custom_classifier,
    validate_custom_classifier,
)
from comptoir.nlp.pipeline import Result, classify

__all__ = [
    "Backend",
    "BackendError",
    "CustomModel",
    "CustomTrainingError",
    "CustomValidation",
    "LinearBackend",
    "OnnxBackend",
    "Result",
    "classify",
    "set_backend",
    "train_custom_classifier",
    "validate_custom_classifier",
]
