"""Shallow baselines: OC-SVM (Schoelkopf et al. 2001) and Isolation Forest (Liu et al. 2008).

Rows "OC-SVM w/ PCA", "OC-SVM w/ CNN feat.", "IF w/ PCA" and "IF w/ CNN feat." of Tables II-IV of
Chong et al. 2020. A :class:`ShallowDetector` is an optional PCA (fitted on the normal training
features only) followed by a scikit-learn OC-SVM with a Gaussian kernel or an Isolation Forest;
its anomaly score is higher for more anomalous inputs.

Hyperparameters are chosen by :func:`select_on_validation`, which sees the training features and
the *validation* features and labels, and nothing else: the test split cannot influence the
choice.

Our grids (the paper only says it followed [12], [13], [41]):

* OC-SVM: ``nu`` in {0.01, 0.05, 0.1, 0.2}; ``gamma = gamma_factor / (D * Var(train features))``
  (scikit-learn's ``"scale"`` heuristic times a factor) with ``gamma_factor`` in 2^-4 ... 2^4,
  so one grid fits pixels and CNN features alike (Ruff et al. 2018 searched gamma in
  2^-10 ... 2^-1 on their pixel scale).
* Isolation Forest: fixed as in Liu et al. 2008: 100 trees, sub-sample size 256; nothing tuned
  except the PCA dimension.
* PCA dimension (pixels): {8, 16, 32, 64, 128}, capped by the number of training samples.
"""
from __future__ import annotations

import itertools
import time

import numpy as np

from ..metrics import auc

__all__ = ["OCSVM_NU_GRID", "OCSVM_GAMMA_FACTORS", "PCA_GRID", "ShallowDetector",
           "parameter_grid", "select_on_validation"]

OCSVM_NU_GRID = (0.01, 0.05, 0.1, 0.2)
OCSVM_GAMMA_FACTORS = tuple(2.0**k for k in range(-4, 5))
PCA_GRID = (8, 16, 32, 64, 128)
IF_N_ESTIMATORS = 100
IF_MAX_SAMPLES = 256


def _as_features(X, name: str = "X") -> np.ndarray:
    x = np.asarray(X, dtype=np.float64)
    if x.ndim < 2 or len(x) == 0:
        raise ValueError(f"{name} must be a non-empty array (N, D) or (N, ...), got {x.shape}")
    x = x.reshape(len(x), -1)
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


class ShallowDetector:
    """Optional PCA followed by an OC-SVM (``model="ocsvm"``) or Isolation Forest (``"iforest"``).

    ``n_components``: PCA dimension (None = no PCA; capped at min(N_train, D)).
    OC-SVM: ``nu`` and ``gamma_factor`` (gamma = gamma_factor / (D' * Var) with D' and Var of the
    (PCA-)features of the training data). Isolation Forest: ``n_estimators``, ``max_samples``
    (capped at N_train) and ``seed``. ``score_samples`` returns ``-decision_function`` (OC-SVM)
    or ``-score_samples`` (IF): higher = more anomalous.
    """

    def __init__(self, model: str = "ocsvm", n_components: int | None = None, nu: float = 0.1,
                 gamma_factor: float = 1.0, n_estimators: int = IF_N_ESTIMATORS,
                 max_samples: int = IF_MAX_SAMPLES, seed: int = 0):
        if model not in ("ocsvm", "iforest"):
            raise ValueError(f"model must be 'ocsvm' or 'iforest', got {model!r}")
        if not 0 < nu <= 1:
            raise ValueError(f"nu must be in (0, 1], got {nu}")
        if gamma_factor <= 0:
            raise ValueError(f"gamma_factor must be positive, got {gamma_factor}")
        if n_components is not None and int(n_components) < 1:
            raise ValueError(f"n_components must be a positive integer or None, got {n_components}")
        self.model, self.n_components, self.nu = model, n_components, float(nu)
        self.gamma_factor, self.n_estimators = float(gamma_factor), int(n_estimators)
        self.max_samples, self.seed = int(max_samples), int(seed)
        self.pca_ = None
        self.estimator_ = None

    def params(self) -> dict:
        keys = ("model", "n_components", "nu", "gamma_factor") if self.model == "ocsvm" else \
            ("model", "n_components", "n_estimators", "max_samples", "seed")
        return {k: getattr(self, k) for k in keys}

    def _project(self, x: np.ndarray) -> np.ndarray:
        return x if self.pca_ is None else self.pca_.transform(x)

    def fit(self, X_train) -> "ShallowDetector":
        from sklearn.decomposition import PCA
        from sklearn.ensemble import IsolationForest
        from sklearn.svm import OneClassSVM

        x = _as_features(X_train, "X_train")
        if self.n_components is not None:
            k = min(int(self.n_components), x.shape[0], x.shape[1])
            self.pca_ = PCA(n_components=k, random_state=self.seed).fit(x)
        z = self._project(x)
        if self.model == "ocsvm":
            variance = float(z.var()) or 1.0
            self.gamma_ = self.gamma_factor / (z.shape[1] * variance)
            self.estimator_ = OneClassSVM(kernel="rbf", nu=self.nu, gamma=self.gamma_).fit(z)
        else:
            self.estimator_ = IsolationForest(
                n_estimators=self.n_estimators, max_samples=min(self.max_samples, len(z)),
                random_state=self.seed).fit(z)
        return self

    def score_samples(self, X) -> np.ndarray:
        """Anomaly scores, higher = more anomalous."""
        if self.estimator_ is None:
            raise RuntimeError("call fit(X_train) before score_samples")
        z = self._project(_as_features(X))
        if self.model == "ocsvm":
            return -self.estimator_.decision_function(z)
        return -self.estimator_.score_samples(z)


def parameter_grid(model: str, pca_grid=PCA_GRID, nu_grid=OCSVM_NU_GRID,
                   gamma_factors=OCSVM_GAMMA_FACTORS, seed: int = 0) -> list[dict]:
    """All ShallowDetector keyword sets to try: PCA dims x (nu x gamma for OC-SVM)."""
    pca_grid = tuple(pca_grid) if pca_grid is not None else (None,)
    if model == "ocsvm":
        return [dict(model=model, n_components=k, nu=nu, gamma_factor=g)
                for k, nu, g in itertools.product(pca_grid, nu_grid, gamma_factors)]
    if model == "iforest":
        return [dict(model=model, n_components=k, seed=seed) for k in pca_grid]
    raise ValueError(f"model must be 'ocsvm' or 'iforest', got {model!r}")


def select_on_validation(grid: list[dict], X_train, X_val, y_val):
    """Fit one ShallowDetector per parameter set on ``X_train``; keep the best validation AUC.

    Only training features and validation features/labels go in, so the test split cannot
    influence the choice. Ties keep the earlier entry of ``grid``. Returns
    ``(best_detector, best_params, records)`` where ``records`` lists every parameter set with
    its validation AUC.
    """
    if not grid:
        raise ValueError("the hyperparameter grid is empty")
    x_train, x_val = _as_features(X_train, "X_train"), _as_features(X_val, "X_val")
    y_val = np.asarray(y_val)
    if len(y_val) != len(x_val):
        raise ValueError(f"X_val has {len(x_val)} rows but y_val has {len(y_val)} labels")
    best, best_params, best_auc, records = None, None, -np.inf, []
    pca_cache: dict = {}
    for params in grid:
        start = time.perf_counter()
        detector = _fit_with_shared_pca(params, x_train, pca_cache)
        val_auc = auc(y_val, detector.score_samples(x_val))
        records.append({**params, "val_auc": val_auc, "seconds": time.perf_counter() - start})
        if val_auc > best_auc:
            best, best_params, best_auc = detector, dict(params), val_auc
    return best, best_params, records


def _fit_with_shared_pca(params: dict, x_train: np.ndarray, cache: dict) -> ShallowDetector:
    """Fit a detector, reusing the PCA of an earlier grid point with the same dimension."""
    detector = ShallowDetector(**params)
    key = params.get("n_components")
    if key is None or key not in cache:
        detector.fit(x_train)
        if key is not None:
            cache[key] = detector.pca_
        return detector
    # same PCA as before: fit only the model on the projected data
    detector.n_components = None
    detector.fit(cache[key].transform(x_train))
    detector.pca_ = cache[key]
    detector.n_components = key
    return detector
