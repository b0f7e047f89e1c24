"""A scikit-learn compatible Deep SVDD detector (optionally regularized, Chong et al. 2020).

Follows scikit-learn's outlier-detector conventions (like IsolationForest / OneClassSVM):
``score_samples`` is higher for *more normal* samples, ``decision_function`` is negative for
outliers and ``predict`` returns +1 (inlier) / -1 (outlier). :meth:`DeepSVDD.anomaly_score`
gives the raw Deep SVDD score (higher = more anomalous), the convention of ``svddlib.metrics``.
"""
from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils.validation import check_is_fitted

from .models import NETS, build_model
from .training import TrainConfig, compute_scores, train

__all__ = ["DeepSVDD"]

_DEFAULT_REP_DIM = {"lenet-mnist": 32, "lenet-cifar": 128, "resnet18": None, "mlp": 16}


class DeepSVDD(OutlierMixin, BaseEstimator):
    """Deep SVDD (one-class / soft-boundary, optional noise or variance regularizer).

    net: 'lenet-mnist' (X of shape (N, 1, 28, 28) or (N, 28, 28)), 'lenet-cifar'
    ((N, 3, 32, 32)), 'resnet18' ((N, 3, H, W); random init, ``weights`` for ImageNet) or 'mlp'
    (tabular (N, d)). X must already be preprocessed (e.g. by svddlib.data.to_tensor).
    rep_dim: feature dimension p (None: the network's default). The other parameters are those
    of :class:`svddlib.training.TrainConfig`; ``random_state`` seeds weights and training.
    ``nu`` also sets the one-class decision threshold: the (1 - nu) quantile of the training
    scores (soft-boundary: the learned radius, score > 0 is an outlier).
    """

    def __init__(self, net="lenet-mnist", rep_dim=None, bias=False, batchnorm=True,
                 activation="leaky_relu", hidden_dims=(64,), weights=None, pooling=True,
                 objective="one-class", nu=0.1, eta=1.0, regularizer="none", k=50, alpha=0.9,
                 beta=0.5, weighting="adaptive", d0=0.1, r=3, lr=1e-4, lr_head=1e-3,
                 n_epochs=30, batch_size=50, weight_decay=5e-4, warm_up_n_epochs=10,
                 device="auto", random_state=0, verbose=False):
        self.net, self.rep_dim, self.bias, self.batchnorm = net, rep_dim, bias, batchnorm
        self.activation, self.hidden_dims, self.weights, self.pooling = (activation, hidden_dims,
                                                                          weights, pooling)
        self.objective, self.nu, self.eta, self.regularizer, self.k = (objective, nu, eta,
                                                                        regularizer, k)
        self.alpha, self.beta, self.weighting, self.d0, self.r = alpha, beta, weighting, d0, r
        self.lr, self.lr_head, self.n_epochs, self.batch_size = lr, lr_head, n_epochs, batch_size
        self.weight_decay, self.warm_up_n_epochs = weight_decay, warm_up_n_epochs
        self.device, self.random_state, self.verbose = device, random_state, verbose

    # ------------------------------------------------------------------ helpers
    def _train_config(self) -> TrainConfig:
        seed = 0 if self.random_state is None else self.random_state
        return TrainConfig(
            objective=self.objective, nu=self.nu, eta=self.eta, lr=self.lr, lr_head=self.lr_head,
            n_epochs=self.n_epochs, batch_size=self.batch_size, weight_decay=self.weight_decay,
            regularizer=self.regularizer, k=self.k, alpha=self.alpha, beta=self.beta, d0=self.d0,
            r=self.r, weighting=self.weighting, warm_up_n_epochs=self.warm_up_n_epochs,
            seed=seed, device=self.device, progress=bool(self.verbose))

    def _build_net(self, x: torch.Tensor):
        if self.net not in NETS:
            raise ValueError(f"net must be one of {sorted(NETS)}, got {self.net!r}")
        rep_dim = self.rep_dim if self.rep_dim is not None else _DEFAULT_REP_DIM[self.net]
        if self.net == "resnet18":
            size = x.shape[-1] if x.ndim == 4 else 224
            return build_model("resnet18", weights=self.weights, bias=self.bias,
                               pooling=self.pooling, rep_dim=rep_dim, input_size=size)
        kw = dict(bias=self.bias, batchnorm=self.batchnorm, activation=self.activation,
                  rep_dim=rep_dim)
        if self.net == "mlp":
            if x.ndim != 2:
                raise ValueError(f"net='mlp' expects X of shape (n_samples, n_features), "
                                 f"got {tuple(x.shape)}")
            return build_model("mlp", in_features=int(x.shape[1]),
                               hidden_dims=tuple(self.hidden_dims), **kw)
        return build_model(self.net, **kw)

    def _as_input(self, X) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(X, dtype=np.float32))
        if self.net == "lenet-mnist" and x.ndim == 3:
            x = x.unsqueeze(1)  # (N, 28, 28) grey images
        return x

    # ------------------------------------------------------------------ API
    def fit(self, X, y=None):
        """Train on X; ``y`` (optional) are semi-supervised labels: 0 unlabeled, +1 labeled
        normal, -1 labeled anomaly (one-class objective only)."""
        cfg = self._train_config()  # validates nu, k, alpha, beta, lr, ... with clear errors
        x = self._as_input(X)
        from .seeding import set_seed

        set_seed(cfg.seed)
        model = self._build_net(x)
        result = train(model, x, cfg, semi_labels=y)
        self.result_, self.model_ = result, result.model
        self.center_, self.radius_, self.history_ = result.center, result.radius, result.history
        train_scores = result.score(x)
        threshold = 0.0 if self.objective == "soft-boundary" else float(
            np.quantile(train_scores, 1.0 - self.nu))
        self.offset_ = -threshold
        return self

    def anomaly_score(self, X) -> np.ndarray:
        """Deep SVDD score: ||phi(x) - c||^2 (minus R^2 for soft-boundary); higher = more anomalous."""
        check_is_fitted(self, "model_")
        return compute_scores(self.model_, self._as_input(X), self.center_, self.radius_,
                              self.objective)

    def score_samples(self, X) -> np.ndarray:
        """Opposite of the anomaly score (scikit-learn convention: higher = more normal)."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """score_samples - offset_: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
