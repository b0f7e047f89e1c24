"""Evaluation metrics. Convention everywhere: label 1 = anomaly, higher score = more anomalous."""
from __future__ import annotations

import numpy as np

__all__ = ["auc", "auc_null_std"]


def auc(y_true, scores) -> float:
    """Area under the ROC curve of anomaly ``scores`` against labels ``y_true`` (1 = anomaly).

    Raises a ValueError when only one class is present or the scores contain NaN/inf, since the
    AUC is then undefined (a collapsed or diverged model shows up here).
    """
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y_true).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y_true has {y.size} entries but scores has {s.size}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must contain only 0 (normal) and 1 (anomaly)")
    if len(np.unique(y)) < 2:
        raise ValueError("AUC needs both normal (0) and anomalous (1) samples in y_true")
    if not np.isfinite(s).all():
        raise ValueError("scores contain NaN or infinite values; the model may have diverged")
    return float(roc_auc_score(y, s))


def auc_null_std(n_normal: int, n_anomalous: int) -> float:
    """Standard deviation of the AUC of a detector without skill (true AUC 0.5) on a test set of
    ``n_normal`` normal and ``n_anomalous`` anomalous samples (Hanley & McNeil 1982, eq. 2 at
    A = 0.5): sqrt((n0 + n1 + 1) / (12 n0 n1))."""
    n0, n1 = int(n_normal), int(n_anomalous)
    if n0 < 1 or n1 < 1:
        raise ValueError(f"need at least one normal and one anomalous sample, got {n0} and {n1}")
    return float(np.sqrt((n0 + n1 + 1) / (12.0 * n0 * n1)))
