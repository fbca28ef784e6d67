"""Classification metrics used by training (tuning) and by the evaluate command."""

import numpy as np
import numpy.typing as npt

Labels = npt.NDArray[np.int64]


def _per_class(truth: Labels, predicted: Labels, n_classes: int) -> tuple[npt.NDArray[np.float64], ...]:
    true_positive = np.bincount(truth[truth == predicted], minlength=n_classes).astype(np.float64)
    actual = np.bincount(truth, minlength=n_classes).astype(np.float64)
    claimed = np.bincount(predicted, minlength=n_classes).astype(np.float64)
    return true_positive, actual, claimed


def macro_recall(truth: Labels, predicted: Labels, n_classes: int) -> float:
    """Mean recall over the classes present in `truth`."""
    true_positive, actual, _ = _per_class(truth, predicted, n_classes)
    present = actual > 0
    return float(np.mean(true_positive[present] / actual[present]))


def macro_f1(truth: Labels, predicted: Labels, n_classes: int) -> float:
    """Mean F1 over classes present in `truth` or predictions (scikit-learn's convention)."""
    true_positive, actual, claimed = _per_class(truth, predicted, n_classes)
    present = (actual + claimed) > 0
    f1 = 2 * true_positive[present] / (actual[present] + claimed[present])
    return float(np.mean(f1))


def accuracy(truth: Labels, predicted: Labels) -> float:
    return float(np.mean(truth == predicted))


def score(metric: str, truth: Labels, predicted: Labels, n_classes: int) -> float:
    if metric == "macro_recall":
        return macro_recall(truth, predicted, n_classes)
    if metric == "macro_f1":
        return macro_f1(truth, predicted, n_classes)
    raise ValueError(f"unknown metric {metric!r}")
