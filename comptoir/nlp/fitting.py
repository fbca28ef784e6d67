"""Fitting linear heads with scikit-learn; used by the train command and by workspace classifiers."""

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from comptoir.nlp.features import FeatureConfig
from comptoir.nlp.linear import FeatureMatrix

Floats = npt.NDArray[np.float64]


def to_csr(matrix: FeatureMatrix, config: FeatureConfig) -> sp.csr_matrix:
    """Hashed columns first, then the dense lexicon columns, as the weight matrix expects."""
    hashed = sp.csr_matrix(
        (matrix.values, matrix.indices, matrix.indptr), shape=(len(matrix.indptr) - 1, config.n_hashed)
    )
    return sp.hstack([hashed, sp.csr_matrix(matrix.dense)], format="csr")


def naive_bayes_ratios(features: sp.csr_matrix, positive: npt.NDArray[np.bool_], alpha: float) -> Floats:
    """Log-count ratios of each column between the positive and the other rows (Wang & Manning's NBSVM)."""
    magnitudes = abs(features)
    in_positive = alpha + np.asarray(magnitudes[positive].sum(axis=0)).ravel()
    in_negative = alpha + np.asarray(magnitudes[~positive].sum(axis=0)).ravel()
    ratios: Floats = np.log(in_positive / in_positive.sum()) - np.log(in_negative / in_negative.sum())
    return ratios


def fit_head(
    features: sp.csr_matrix,
    labels: npt.NDArray[np.int64],
    n_classes: int,
    c: float,
    naive_bayes_alpha: float = 0.0,
    n_dense: int = 0,
) -> tuple[Floats, Floats]:
    """Fit one task as one-vs-rest liblinear models (far faster than a multinomial fit over 2^18 columns).

    With `naive_bayes_alpha` > 0 the hashed columns are first scaled by their log-count ratios (NBSVM); the
    scaling is folded back into the returned weights, so inference stays a plain dot product. The last `n_dense`
    columns (lexicon features) are never scaled. Binary tasks get a zero first column so that every head is read
    the same way, through a softmax.
    """
    targets = [1] if n_classes == 2 else list(range(n_classes))
    weights = np.zeros((features.shape[1], n_classes))
    bias = np.zeros(n_classes)
    for target in targets:
        positive = labels == target
        scale = np.ones(features.shape[1])
        if naive_bayes_alpha > 0:
            hashed = features.shape[1] - n_dense
            scale[:hashed] = naive_bayes_ratios(features[:, :hashed], positive, naive_bayes_alpha)
        model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=1000)
        model.fit(features @ sp.diags(scale), positive.astype(np.int64))
        weights[:, target] = model.coef_[0] * scale
        bias[target] = model.intercept_[0]
    return weights, bias
