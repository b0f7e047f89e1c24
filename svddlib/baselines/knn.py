"""Nearest neighbours on pretrained features (Bergman, Cohen, Hoshen 2020, "Deep Nearest
Neighbor Anomaly Detection"): the reference point for every pretrained Deep SVDD result.

The features are those of the frozen ImageNet EfficientNet-Lite0
(:func:`svddlib.models.efficientnet.efficientnet_lite0_features`: images resized to
``input_size``, ImageNet normalisation inside, global pooling), the very network behind
``DeepSVDD(net="efficientnet-lite0")``. The anomaly score of an image is the mean Euclidean
distance of its features to the ``n_neighbors`` nearest training features (no training).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.neighbors import NearestNeighbors
from sklearn.utils.validation import check_is_fitted

from ..objectives import knn_offset, knn_scores
from ..outlier_api import AnomalyScoreOutlierMixin

__all__ = ["PretrainedKNN", "knn_scores"]


class PretrainedKNN(AnomalyScoreOutlierMixin, BaseEstimator):
    """kNN anomaly detector on frozen pretrained features, with scikit-learn's outlier API.

    X: images as :func:`svddlib.detector.as_image_tensor` takes them (uint8 (N, H, W[, C]) or
    float (N, C, H, W) in [0, 1]). n_neighbors: k (Bergman et al.: 2); pooling: 'avg' or
    'max' global pooling of the last feature map; contamination: fraction of training images
    that ``predict`` calls outliers (threshold from leave-one-out training scores).
    ``score_samples`` is higher for more normal images, :meth:`anomaly_score` its opposite.
    """

    def __init__(self, n_neighbors=2, pooling="avg", input_size=64, contamination=0.1,
                 batch_size=256):
        self.n_neighbors, self.pooling, self.input_size = n_neighbors, pooling, input_size
        self.contamination, self.batch_size = contamination, batch_size

    def _features(self, X) -> np.ndarray:
        from ..detector import as_image_tensor
        from ..models.efficientnet import efficientnet_lite0_features

        return efficientnet_lite0_features(as_image_tensor(X), self.pooling, self.input_size,
                                           self.batch_size)

    def fit(self, X, y=None):
        """Store the training features (``y`` is ignored)."""
        if not 0 < self.contamination < 0.5:
            raise ValueError(f"contamination must be in (0, 0.5), got {self.contamination!r}")
        feats = self._features(X)
        if not 1 <= self.n_neighbors < len(feats):
            raise ValueError(f"n_neighbors must be in [1, {len(feats) - 1}] for {len(feats)} "
                             f"training images, got {self.n_neighbors!r}")
        self.nn_ = NearestNeighbors(n_neighbors=self.n_neighbors).fit(feats)
        self.offset_ = knn_offset(self.nn_, self.contamination)  # leave-one-out
        return self

    def anomaly_score(self, X) -> np.ndarray:
        """Mean distance to the ``n_neighbors`` nearest training features (higher = more
        anomalous)."""
        check_is_fitted(self, "nn_")
        return knn_scores(self.nn_.kneighbors(self._features(X))[0])
