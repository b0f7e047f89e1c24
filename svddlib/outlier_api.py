"""scikit-learn's outlier-detector conventions derived from one ``anomaly_score``.

A detector defines ``anomaly_score(X)`` (higher = more anomalous, the convention of
``svddlib.metrics``) and a fitted ``offset_``; this mixin gives ``score_samples`` (higher = more
normal), ``decision_function`` (negative for outliers) and ``predict`` (+1 inlier / -1 outlier),
as ``IsolationForest`` and ``OneClassSVM`` have them.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import OutlierMixin

__all__ = ["AnomalyScoreOutlierMixin"]


class AnomalyScoreOutlierMixin(OutlierMixin):
    """``score_samples``, ``decision_function`` and ``predict`` from ``anomaly_score`` and
    ``offset_``."""

    def score_samples(self, X) -> np.ndarray:
        """Opposite of the anomaly score (scikit-learn convention: higher = more normal)."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """score_samples - offset_: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
