"""Kernel Support Vector Data Description (SVDD) of Tax & Duin (2004).

Deep SVDD (Ruff et al. 2018; Chong et al. 2020, Section III) starts from this
kernel method: find the smallest sphere in a feature space that encloses most of
the training data. With a kernel ``k`` the feature map stays implicit and the
problem is solved through its dual quadratic programme (QP)::

    max_a   sum_i a_i k(x_i, x_i) - sum_ij a_i a_j k(x_i, x_j)
    s.t.    sum_i a_i = 1,   0 <= a_i <= C,   C = 1 / (nu n).

The centre is ``c = sum_i a_i phi(x_i)``; points with ``0 < a_i < C`` lie on
the sphere and give the radius; points with ``a_i = C`` lie outside. The primal
soft-boundary objective is Eq. (1) of Chong et al. 2020 with a fixed feature map
and without weight decay.

Solvers
-------
``solve_dual_smo``  (default): sequential minimal optimisation. Every step moves
    mass between the two coordinates that violate the optimality (KKT)
    conditions most, which keeps ``sum a = 1`` and the box exactly. A step costs
    O(n) given the kernel matrix, so it handles thousands of points and the
    result is checked by the KKT gap, not by a black box.
``solve_dual_slsqp``: scipy's general SLSQP on the same QP. Dense, cubic cost
    per iteration, only for small ``n``; kept as an independent cross-check.

Conventions: ``score_samples`` and ``decision_function`` return
``dist^2 - R^2`` (higher = more anomalous, positive = outside the sphere), and
``predict`` returns 1 for anomalies and 0 for normal points, as in the labels of
``svddlib.data``. This is the opposite sign of scikit-learn's ``OneClassSVM``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator

KERNELS = ("rbf", "linear")


# --------------------------------------------------------------------------- kernels
def _as_2d_float(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features); got shape {X.shape}. "
                         "Reshape a single sample with X.reshape(1, -1).")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or inf; clean or impute the data first.")
    return X


def linear_kernel(X, Y) -> np.ndarray:
    """Linear kernel ``k(x, y) = <x, y>``; returns the (len(X), len(Y)) Gram matrix."""
    X, Y = _as_2d_float(X, "X"), _as_2d_float(Y, "Y")
    return X @ Y.T


def rbf_kernel(X, Y, gamma: float) -> np.ndarray:
    """Gaussian kernel ``k(x, y) = exp(-gamma ||x - y||^2)`` (Tax & Duin 2004, Sec. 2.3)."""
    X, Y = _as_2d_float(X, "X"), _as_2d_float(Y, "Y")
    if not gamma > 0:
        raise ValueError(f"gamma must be > 0, got {gamma!r}.")
    sq = (X * X).sum(1)[:, None] + (Y * Y).sum(1)[None, :] - 2.0 * X @ Y.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def resolve_gamma(gamma, X) -> float:
    """Turn ``gamma`` into a number; ``"scale"`` is ``1 / (n_features * X.var())`` as in scikit-learn."""
    if isinstance(gamma, str):
        if gamma != "scale":
            raise ValueError(f"gamma must be a positive number or 'scale', got {gamma!r}.")
        var = float(np.asarray(X, dtype=float).var())
        return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
    if not (isinstance(gamma, (int, float, np.number)) and gamma > 0):
        raise ValueError(f"gamma must be a positive number or 'scale', got {gamma!r}.")
    return float(gamma)


def kernel_matrix(X, Y, kernel: str = "rbf", gamma: float = 1.0) -> np.ndarray:
    """Gram matrix ``K[i, j] = k(X[i], Y[j])`` for ``kernel`` in ``("rbf", "linear")``."""
    if kernel == "rbf":
        return rbf_kernel(X, Y, gamma)
    if kernel == "linear":
        return linear_kernel(X, Y)
    raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}.")


# --------------------------------------------------------------------------- the dual QP
def box_bound(nu: float, n: int) -> float:
    """Upper bound ``C = 1 / (nu n)`` of the dual variables (Tax & Duin 2004, Eq. 10-11)."""
    if not (0.0 < nu <= 1.0):
        raise ValueError(f"nu must lie in (0, 1], got {nu!r}: it bounds the fraction of outliers.")
    if n < 1:
        raise ValueError("need at least one training point.")
    return 1.0 / (nu * n)


def dual_objective(alpha, K) -> float:
    """SVDD dual ``sum_i a_i K_ii - a^T K a`` (to be maximised); equals ``R^2`` + slack cost at the optimum."""
    alpha, K = np.asarray(alpha, float), np.asarray(K, float)
    return float(alpha @ np.diag(K) - alpha @ K @ alpha)


def _check_dual_inputs(K, C):
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square kernel matrix, got shape {K.shape}.")
    n = K.shape[0]
    if C * n < 1.0 - 1e-12:
        raise ValueError(f"C={C} is infeasible for n={n}: sum(alpha)=1 needs C >= 1/n (i.e. nu <= 1).")
    return K, n


def _feasible_start(n: int, C: float) -> np.ndarray:
    """Put mass C on the first points until the total is 1 (the start LIBSVM uses for one-class)."""
    alpha = np.zeros(n)
    n_full = min(int(np.floor(1.0 / C + 1e-12)), n)
    alpha[:n_full] = C
    if n_full < n:
        alpha[n_full] = 1.0 - n_full * C
    return alpha


@dataclass
class DualSolution:
    """Result of a dual solver: ``alpha``, iterations used, final KKT gap and whether it converged."""
    alpha: np.ndarray
    n_iter: int
    kkt_gap: float
    converged: bool


def kkt_gap(alpha, K, C: float, tol_bound: float | None = None) -> float:
    """Largest violation of the optimality conditions of the dual (0 at the exact optimum).

    With the gradient ``g = 2 K a - diag(K)`` of the minimised objective, optimality means
    ``max_{a_j > 0} g_j <= min_{a_i < C} g_i``; the gap is the difference, clipped at 0.
    """
    alpha, K = np.asarray(alpha, float), np.asarray(K, float)
    tol_bound = 1e-12 * max(C, 1.0) if tol_bound is None else tol_bound
    g = 2.0 * K @ alpha - np.diag(K)
    can_grow, can_shrink = alpha < C - tol_bound, alpha > tol_bound
    if not can_grow.any() or not can_shrink.any():
        return 0.0
    return max(0.0, float(g[can_shrink].max() - g[can_grow].min()))


def solve_dual_smo(K, C: float, tol: float = 1e-8, max_iter: int | None = None) -> DualSolution:
    """Solve the SVDD dual by SMO with second-order working-set selection (Fan et al. 2005).

    Minimises ``a^T K a - diag(K)^T a`` over ``sum a = 1, 0 <= a <= C``. Each step picks
    ``i`` (may grow) with the smallest gradient and ``j`` (may shrink) with the best
    second-order gain, then moves the optimal amount of mass from ``j`` to ``i``.
    Stops when the KKT gap ``max_{shrink} g - min_{grow} g`` is below ``tol``.
    """
    K, n = _check_dual_inputs(K, C)
    max_iter = max(100_000, 200 * n) if max_iter is None else max_iter
    diag = np.diag(K).copy()
    alpha = _feasible_start(n, C)
    grad = 2.0 * K @ alpha - diag
    gap, it = np.inf, 0
    for it in range(1, max_iter + 1):
        can_grow, can_shrink = alpha < C, alpha > 0.0
        g_grow = np.where(can_grow, grad, np.inf)
        i = int(np.argmin(g_grow))
        g_shrink = np.where(can_shrink, grad, -np.inf)
        gap = float(g_shrink.max() - g_grow[i])
        if gap <= tol:
            return DualSolution(alpha, it - 1, max(gap, 0.0), True)
        # curvature of the objective along e_i - e_j: 2 (K_ii + K_jj - 2 K_ij)
        curv = np.maximum(2.0 * (diag[i] + diag - 2.0 * K[i]), 1e-12)
        diff = g_shrink - grad[i]
        gain = np.where(diff > 0, diff * diff / curv, -np.inf)
        j = int(np.argmax(gain))
        step = min((grad[j] - grad[i]) / curv[j], C - alpha[i], alpha[j])
        alpha[i] += step
        alpha[j] -= step
        alpha[j] = 0.0 if alpha[j] < 1e-15 else alpha[j]
        alpha[i] = C if C - alpha[i] < 1e-15 else alpha[i]
        grad += 2.0 * step * (K[i] - K[j])
    return DualSolution(alpha, it, max(gap, 0.0), False)


def solve_dual_slsqp(K, C: float, tol: float = 1e-12, max_iter: int = 500) -> DualSolution:
    """Solve the SVDD dual with ``scipy.optimize.minimize(method="SLSQP")`` (small ``n`` only)."""
    K, n = _check_dual_inputs(K, C)
    diag = np.diag(K)
    res = minimize(
        fun=lambda a: a @ K @ a - diag @ a,
        jac=lambda a: 2.0 * K @ a - diag,
        x0=np.full(n, 1.0 / n),
        method="SLSQP",
        bounds=[(0.0, C)] * n,
        constraints=[{"type": "eq", "fun": lambda a: a.sum() - 1.0, "jac": lambda a: np.ones_like(a)}],
        options={"ftol": tol, "maxiter": max_iter},
    )
    alpha = np.clip(res.x, 0.0, C)
    alpha /= alpha.sum()
    return DualSolution(alpha, int(res.nit), kkt_gap(alpha, K, C, tol_bound=1e-8 * C), bool(res.success))


SOLVERS = {"smo": solve_dual_smo, "slsqp": solve_dual_slsqp}


# --------------------------------------------------------------------------- sphere geometry
def squared_distances(K_test_diag, K_test_train, alpha, K_train) -> np.ndarray:
    """``||phi(x) - c||^2 = k(x,x) - 2 sum_i a_i k(x_i,x) + sum_ij a_i a_j k(x_i,x_j)`` (kernel trick)."""
    alpha = np.asarray(alpha, float)
    return (np.asarray(K_test_diag, float) - 2.0 * np.asarray(K_test_train, float) @ alpha
            + float(alpha @ np.asarray(K_train, float) @ alpha))


def support_vector_masks(alpha, C: float, tol: float | None = None):
    """Boolean masks ``(support, unbounded, bounded)``: ``a > 0``, ``0 < a < C`` and ``a = C`` (up to ``tol``)."""
    alpha = np.asarray(alpha, float)
    tol = 1e-6 * C if tol is None else tol
    support = alpha > tol
    bounded = alpha >= C - tol
    return support, support & ~bounded, bounded


def radius_squared(sq_dists_train, alpha, C: float, tol: float | None = None) -> float:
    """``R^2``: mean squared distance of the unbounded support vectors (they lie on the sphere).

    If no ``a_i`` is strictly inside ``(0, C)`` every ``R^2`` between the largest distance of
    the points with ``a = 0`` (inside) and the smallest of those with ``a = C`` (outside) is
    optimal; the midpoint is returned, as LIBSVM does for its offset ``rho``.
    """
    d2 = np.asarray(sq_dists_train, float)
    support, unbounded, bounded = support_vector_masks(alpha, C, tol)
    if unbounded.any():
        return float(d2[unbounded].mean())
    inside = d2[~support].max() if (~support).any() else d2[bounded].min()
    outside = d2[bounded].min() if bounded.any() else inside
    return float(0.5 * (inside + outside))


def primal_objective(sq_dists_train, radius_sq: float, nu: float) -> float:
    """Soft-boundary primal ``R^2 + 1/(nu n) sum_i max(0, ||phi(x_i) - c||^2 - R^2)``.

    Eq. (1) of Chong et al. 2020 with a fixed feature map and no weight decay; at the optimum
    it equals the dual objective (strong duality).
    """
    d2 = np.asarray(sq_dists_train, float)
    C = box_bound(nu, d2.size)
    return float(radius_sq + C * np.maximum(0.0, d2 - radius_sq).sum())


def linear_center(X, alpha) -> np.ndarray:
    """Explicit centre ``c = sum_i a_i x_i`` for the linear kernel (the feature map is the identity)."""
    X = _as_2d_float(X)
    alpha = np.asarray(alpha, float)
    if alpha.shape != (X.shape[0],):
        raise ValueError(f"alpha must have shape ({X.shape[0]},), got {alpha.shape}.")
    return alpha @ X


# --------------------------------------------------------------------------- estimator
class KernelSVDD(BaseEstimator):
    """Kernel SVDD (Tax & Duin 2004) as a scikit-learn-style estimator.

    Parameters: ``kernel`` ("rbf" | "linear"), ``nu`` in (0, 1] (upper bound on the fraction
    of training points outside, lower bound on the fraction of support vectors), ``gamma``
    (RBF width, number or "scale"), ``solver`` ("smo" | "slsqp"), ``tol`` (KKT gap), ``max_iter``.

    Fitted attributes: ``alpha_`` (dual variables, sum 1), ``C_``, ``gamma_``, ``radius_sq_``,
    ``support_`` (indices with a > 0), ``unbounded_support_`` (0 < a < C, on the sphere),
    ``bounded_support_`` (a = C, outside), ``boundary_tol_``, ``dual_objective_``, ``n_iter_``, ``kkt_gap_``,
    ``center_`` (linear kernel only), ``X_fit_``.
    """

    def __init__(self, kernel: str = "rbf", nu: float = 0.1, gamma="scale", solver: str = "smo",
                 tol: float = 1e-8, max_iter: int | None = None):
        self.kernel = kernel
        self.nu = nu
        self.gamma = gamma
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter

    def _kernel(self, X, Y):
        return kernel_matrix(X, Y, self.kernel, self.gamma_)

    def fit(self, X, y=None):
        """Solve the dual on ``X`` (``y`` is ignored: the method is unsupervised)."""
        X = _as_2d_float(X)
        if self.kernel not in KERNELS:
            raise ValueError(f"kernel must be one of {KERNELS}, got {self.kernel!r}.")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {tuple(SOLVERS)}, got {self.solver!r}.")
        self.C_ = box_bound(self.nu, X.shape[0])
        self.gamma_ = resolve_gamma(self.gamma, X) if self.kernel == "rbf" else None
        self.X_fit_ = X
        K = self._kernel(X, X)
        kwargs = {"tol": self.tol} if self.solver == "smo" else {}
        if self.max_iter is not None:
            kwargs["max_iter"] = self.max_iter
        sol = SOLVERS[self.solver](K, self.C_, **kwargs)
        self.alpha_, self.n_iter_, self.kkt_gap_, self.converged_ = sol.alpha, sol.n_iter, sol.kkt_gap, sol.converged
        self._aKa = float(self.alpha_ @ K @ self.alpha_)
        d2 = squared_distances(np.diag(K), K, self.alpha_, K)
        sv_tol = 1e-6 * self.C_ if self.solver == "smo" else 1e-4 * self.C_
        self.radius_sq_ = radius_squared(d2, self.alpha_, self.C_, tol=sv_tol)
        support, unbounded, bounded = support_vector_masks(self.alpha_, self.C_, tol=sv_tol)
        self.support_ = np.flatnonzero(support)
        self.unbounded_support_ = np.flatnonzero(unbounded)
        self.bounded_support_ = np.flatnonzero(bounded)
        self.dual_objective_ = dual_objective(self.alpha_, K)
        self.center_ = linear_center(X, self.alpha_) if self.kernel == "linear" else None
        # points on the sphere have |dist^2 - R^2| of rounding size; they count as inside
        self.boundary_tol_ = 1e-6 * max(abs(self.radius_sq_), 1e-12)
        return self

    def _check_fitted(self, X):
        if not hasattr(self, "alpha_"):
            raise RuntimeError("KernelSVDD is not fitted yet; call fit(X) first.")
        X = _as_2d_float(X)
        if X.shape[1] != self.X_fit_.shape[1]:
            raise ValueError(f"X has {X.shape[1]} features, but the model was fitted on {self.X_fit_.shape[1]}.")
        return X

    def squared_distances(self, X) -> np.ndarray:
        """``||phi(x) - c||^2`` for every row of ``X``."""
        X = self._check_fitted(X)
        K_xt = self._kernel(X, self.X_fit_[self.support_])
        k_xx = np.ones(len(X)) if self.kernel == "rbf" else (X * X).sum(1)
        return k_xx - 2.0 * K_xt @ self.alpha_[self.support_] + self._aKa

    def score_samples(self, X) -> np.ndarray:
        """Anomaly score ``dist^2 - R^2`` (higher = more anomalous, > 0 outside the sphere)."""
        return self.squared_distances(X) - self.radius_sq_

    def decision_function(self, X) -> np.ndarray:
        """Same as :meth:`score_samples`: ``dist^2 - R^2``."""
        return self.score_samples(X)

    def predict(self, X) -> np.ndarray:
        """1 for points outside the sphere (anomalies), 0 inside or on it.

        "On it" allows a relative rounding tolerance ``boundary_tol_ = 1e-6 R^2``, so the
        support vectors that define the sphere are never counted as outliers by rounding.
        """
        return (self.score_samples(X) > self.boundary_tol_).astype(np.int64)
