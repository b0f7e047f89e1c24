"""Dirichlet maximum-likelihood fit and log-density, used by the GEO baseline.

GEO (Golan & El-Yaniv 2018, the "GEO w/ Dirichlet" row of Tables II-IV of Chong et al. 2020)
models the softmax vector that its transformation classifier outputs for a transformed normal
image as a draw from a Dirichlet distribution, one Dirichlet per transformation. The normality
score of a new image is its Dirichlet log-density, averaged over the transformations.

Everything here is plain NumPy/SciPy in float64 so that it is exact enough for the tests.
"""
from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

__all__ = [
    "clip_to_simplex",
    "inverse_digamma",
    "dirichlet_log_density",
    "dirichlet_mean_log_likelihood",
    "fit_dirichlet",
]

#: Default lower clip for probabilities: softmax outputs of a confident classifier underflow to 0,
#: and log(0) would make the log-density -inf.
DEFAULT_EPS = 1e-6


def clip_to_simplex(probabilities, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Clip each row of ``probabilities`` (n, K) to ``[eps, 1]`` and renormalise it to sum to 1.

    This keeps every coordinate strictly positive, so the log-density is finite.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probabilities must have shape (n, K) with K >= 2, got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("probabilities contain NaN or infinite values")
    if not 0 < eps < 1.0 / p.shape[1]:
        raise ValueError(f"eps must be in (0, 1/K) = (0, {1.0 / p.shape[1]:.3g}), got {eps}")
    p = np.clip(p, eps, 1.0)
    return p / p.sum(axis=1, keepdims=True)


def inverse_digamma(y, n_newton: int = 6) -> np.ndarray:
    """Solve ``digamma(x) = y`` for x > 0 (element-wise).

    Starting point of Minka (2000, "Estimating a Dirichlet distribution", appendix C), then
    Newton steps ``x <- x - (digamma(x) - y) / trigamma(x)``; a handful of steps reach float64
    precision.
    """
    y = np.asarray(y, dtype=np.float64)
    euler_gamma = -digamma(1.0)
    small = y < -2.22
    x = np.exp(np.where(small, 0.0, y)) + 0.5
    x = np.where(small, -1.0 / (np.where(small, y, -3.0) + euler_gamma), x)
    for _ in range(n_newton):
        x = x - (digamma(x) - y) / polygamma(1, x)
    return x


def _check_alpha(alpha, n_components: int | None = None) -> np.ndarray:
    a = np.asarray(alpha, dtype=np.float64)
    if a.ndim != 1 or a.size < 2:
        raise ValueError(f"alpha must be a 1-D vector with at least 2 entries, got shape {a.shape}")
    if not (np.isfinite(a).all() and (a > 0).all()):
        raise ValueError("alpha must contain finite positive concentrations")
    if n_components is not None and a.size != n_components:
        raise ValueError(f"alpha has {a.size} entries but the probabilities have {n_components}")
    return a


def dirichlet_log_density(probabilities, alpha, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Log-density of each row p of ``probabilities`` under Dirichlet(``alpha``).

    ``log Dir(p; a) = log Gamma(sum_k a_k) - sum_k log Gamma(a_k) + sum_k (a_k - 1) log p_k``.
    Rows are first clipped to ``[eps, 1]`` and renormalised (see :func:`clip_to_simplex`).
    Returns an array of shape (n,).
    """
    p = clip_to_simplex(probabilities, eps)
    a = _check_alpha(alpha, p.shape[1])
    log_normaliser = gammaln(a.sum()) - gammaln(a).sum()
    return log_normaliser + np.log(p) @ (a - 1.0)


def dirichlet_mean_log_likelihood(mean_log_p, alpha) -> float:
    """Average log-likelihood of a sample summarised by ``mean_log_p = mean_i log p_i`` (K,)."""
    a = _check_alpha(alpha, np.asarray(mean_log_p).size)
    return float(gammaln(a.sum()) - gammaln(a).sum() + np.dot(a - 1.0, mean_log_p))


def _moment_initialisation(p: np.ndarray) -> np.ndarray:
    """Method-of-moments start (Minka 2000, eq. 19-21): mean times an estimated precision."""
    mean = p.mean(axis=0)
    second = (p**2).mean(axis=0)
    denominator = second - mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        precision_per_k = (mean - second) / denominator
    precision_per_k = precision_per_k[np.isfinite(precision_per_k) & (precision_per_k > 0)]
    precision = float(np.median(precision_per_k)) if precision_per_k.size else 1.0
    return np.maximum(mean * max(precision, 1e-3), 1e-3)


def _fixed_point_step(alpha: np.ndarray, mean_log_p: np.ndarray) -> np.ndarray:
    """Minka's fixed point: ``a_k <- inverse_digamma(digamma(sum_j a_j) + s_k)``."""
    return inverse_digamma(digamma(alpha.sum()) + mean_log_p)


def _newton_step(alpha: np.ndarray, mean_log_p: np.ndarray) -> np.ndarray | None:
    """One Newton step on the mean log-likelihood, with step halving; None if it cannot improve.

    The Hessian is ``diag(-trigamma(a)) + trigamma(sum a) 11^T`` (diagonal plus rank one), so
    ``H^{-1} g`` costs O(K) (Minka 2000, section 1).
    """
    gradient = digamma(alpha.sum()) - digamma(alpha) + mean_log_p
    q = -polygamma(1, alpha)
    z = polygamma(1, alpha.sum())
    b = np.sum(gradient / q) / (1.0 / z + np.sum(1.0 / q))
    direction = (gradient - b) / q
    current = dirichlet_mean_log_likelihood(mean_log_p, alpha)
    step = 1.0
    for _ in range(30):
        candidate = alpha - step * direction
        if (candidate > 0).all() and \
                dirichlet_mean_log_likelihood(mean_log_p, candidate) >= current - 1e-12:
            return candidate
        step /= 2
    return None


def fit_dirichlet(probabilities, eps: float = DEFAULT_EPS, method: str = "newton",
                  max_iter: int = 10_000, tol: float = 1e-10, return_info: bool = False):
    """Maximum-likelihood concentrations of a Dirichlet fitted to the rows of ``probabilities``.

    With ``s_k = mean_i log p_ik`` the mean log-likelihood is
    ``log Gamma(sum a) - sum_k log Gamma(a_k) + sum_k (a_k - 1) s_k``; it is concave in ``a`` and
    maximal where ``digamma(a_k) = digamma(sum_j a_j) + s_k`` for every k (Minka 2000).

    ``method="fixed-point"``: Minka's fixed-point iteration
    ``a_k <- inverse_digamma(digamma(sum_j a_j) + s_k)``; every step increases the likelihood,
    but it is slow when the concentrations are large. ``method="newton"`` (default): Newton steps
    with step halving (never leaves a > 0, never decreases the likelihood), falling back to a
    fixed-point step if no Newton step improves. Stops when the largest relative change of a
    concentration is below ``tol``.

    Rows are clipped to ``[eps, 1]`` first, which keeps ``log p`` finite for near one-hot softmax
    outputs (and biases very small concentrations upwards: choose ``eps`` small for tests).
    Returns ``alpha`` (K,), or ``(alpha, info)`` with ``n_iter``, ``converged`` and the mean
    log-likelihood when ``return_info`` is true.
    """
    if method not in ("newton", "fixed-point"):
        raise ValueError(f"method must be 'newton' or 'fixed-point', got {method!r}")
    p = clip_to_simplex(probabilities, eps)
    if p.shape[0] < 2:
        raise ValueError("fit_dirichlet needs at least 2 samples")
    mean_log_p = np.log(p).mean(axis=0)
    alpha = _moment_initialisation(p)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        new_alpha = _newton_step(alpha, mean_log_p) if method == "newton" else None
        if new_alpha is None:
            new_alpha = _fixed_point_step(alpha, mean_log_p)
        change = np.max(np.abs(new_alpha - alpha) / alpha)
        alpha = new_alpha
        if change < tol:
            converged = True
            break
    if not return_info:
        return alpha
    info = {"n_iter": n_iter, "converged": converged,
            "mean_log_likelihood": dirichlet_mean_log_likelihood(mean_log_p, alpha)}
    return alpha, info
