"""The `evaluate` command: score the models on test splits laid out like TweetEval (one folder per task)."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from comptoir.nlp import metrics
from comptoir.nlp.datasets import read_mapping, read_tweeteval
from comptoir.nlp.language import UNDETERMINED, detect
from comptoir.nlp.normalise import normalise
from comptoir.nlp.pipeline import model_language, predict_tasks
from comptoir.nlp.tasks import LANGUAGES, TASK_LABELS


class EvaluationError(ValueError):
    """The data directory does not hold a task we can score."""


@dataclass(frozen=True)
class TaskScore:
    task: str
    language: str
    macro_f1: float
    macro_recall: float
    accuracy: float
    n: int

    def as_json(self) -> dict[str, float | int]:
        return {
            "macro_f1": self.macro_f1,
            "macro_recall": self.macro_recall,
            "accuracy": self.accuracy,
            "n": self.n,
        }


def dominant_language(texts: list[str]) -> str:
    """A test split is one language; the majority of confident detections names it."""
    votes = Counter(
        detection.language
        for detection in detect([normalise(text) for text in texts], LANGUAGES)
        if detection.language != UNDETERMINED
    )
    return votes.most_common(1)[0][0] if votes else LANGUAGES[0]


def evaluate_task(directory: Path, task: str, language: str | None = None) -> TaskScore:
    split = read_tweeteval(directory, "test")
    mapping = read_mapping(directory / "mapping.txt")
    index_of = {label: index for index, label in mapping.items()}
    language = model_language(language or dominant_language(split.texts), None, LANGUAGES)
    output = predict_tasks(split.texts, [normalise(text) for text in split.texts], language)[task]
    missing = set(output.labels) - set(index_of)
    if missing:
        raise EvaluationError(f"{directory / 'mapping.txt'} has no index for {sorted(missing)}")
    label_indices = np.array([index_of[label] for label in output.labels], dtype=np.int64)
    predicted = label_indices[np.argmax(output.probabilities, axis=1)]
    truth = np.array([index_of[label] for label in split.labels], dtype=np.int64)
    n_classes = max(len(mapping), int(label_indices.max()) + 1)
    return TaskScore(
        task=task,
        language=language,
        macro_f1=round(metrics.macro_f1(truth, predicted, n_classes), 4),
        macro_recall=round(metrics.macro_recall(truth, predicted, n_classes), 4),
        accuracy=round(metrics.accuracy(truth, predicted), 4),
        n=len(truth),
    )


def evaluate(data: Path, language: str | None = None) -> list[TaskScore]:
    """Score every known task that has a folder with test files in `data`."""
    present = [task for task in TASK_LABELS if (data / task / "test_labels.txt").is_file()]
    if not present:
        raise EvaluationError(f"{data} holds no <task>/test_labels.txt for tasks {', '.join(TASK_LABELS)}")
    return [evaluate_task(data / task, task, language) for task in present]
