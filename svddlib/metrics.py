"""Evaluation metrics. Convention everywhere: label 1 = anomaly, higher score = more anomalous."""
from __future__ import annotations

import numpy as np

__all__ = ["auc"]


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
