"""The classification tasks, their label sets and the metric each one is tuned for."""

from typing import Final

LANGUAGES: Final = ("fr", "en")

TASK_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "sentiment": ("negative", "neutral", "positive"),
    "offensive": ("not-offensive", "offensive"),
    "hate": ("not-hate", "hate"),
    "irony": ("not-irony", "irony"),
    "spam": ("not-spam", "spam"),
    "intent": ("question", "complaint", "praise", "purchase", "other"),
}

# TweetEval scores sentiment by macro-recall and the other tasks by macro-F1; tuning follows the same choice.
TUNING_METRIC: Final[dict[str, str]] = {task: "macro_f1" for task in TASK_LABELS} | {
    "sentiment": "macro_recall"
}


def canonical_label(name: str) -> str:
    """Spell a label the way `TASK_LABELS` does: "non_irony" and "not hate" both become "not-…"."""
    name = name.strip().lower().replace("_", "-").replace(" ", "-")
    return "not-" + name[4:] if name.startswith("non-") else name
