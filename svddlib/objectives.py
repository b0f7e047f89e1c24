"""Deep SVDD objectives (Section III of Chong et al. 2020; Ruff et al. 2018, 2020).

Conventions: ``features`` is a float tensor of shape (n, p) (the network output phi(x; W)),
``center`` a tensor of shape (p,). Distances are *squared* Euclidean distances to the centre.
Weight decay (the lambda/2 ||W||^2 term of Eq. (1) and (2)) is not part of these functions: the
trainer applies it through the optimizer's ``weight_decay``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "OBJECTIVES",
    "squared_distances",
    "one_class_loss",
    "soft_boundary_loss",
    "semi_supervised_loss",
    "svdd_loss",
    "push_away_from_zero",
    "init_center",
    "radius_quantile",
    "anomaly_scores",
    "knn_scores",
    "knn_offset",
    "check_nu",
]

OBJECTIVES = ("one-class", "soft-boundary")


def check_nu(nu: float) -> float:
    """Return ``nu`` as float after checking it lies in (0, 1] (the outlier fraction of Eq. (1))."""
    if isinstance(nu, bool) or not isinstance(nu, (int, float)) or not 0.0 < float(nu) <= 1.0:
        raise ValueError(f"nu must be a number in (0, 1] (fraction of outliers), got {nu!r}")
    return float(nu)


def _check_features(features: Tensor, center: Tensor) -> None:
    if not isinstance(features, Tensor) or features.ndim != 2:
        raise ValueError("features must be a tensor of shape (n, p); got "
                         f"{getattr(features, 'shape', type(features))}")
    if center.shape != features.shape[1:]:
        raise ValueError(f"center has shape {tuple(center.shape)} but features have "
                         f"p = {features.shape[1]}; they must match")


def squared_distances(features: Tensor, center: Tensor) -> Tensor:
    """||phi(x_i) - c||^2 for every row of ``features`` (shape (n,)); the distance in Eq. (1)-(3)."""
    _check_features(features, center)
    return torch.sum((features - center) ** 2, dim=1)


def one_class_loss(features: Tensor, center: Tensor) -> Tensor:
    """Data term of the one-class objective, Eq. (2): (1/n) sum_i ||phi(x_i) - c||^2."""
    return squared_distances(features, center).mean()


def soft_boundary_loss(features: Tensor, center: Tensor, radius, nu: float) -> Tensor:
    """Data term of the soft-boundary objective, Eq. (1).

    R^2 + 1/(nu n) sum_i max(0, ||phi(x_i) - c||^2 - R^2). ``radius`` is R (not R^2); it is
    treated as a constant here (the trainer sets it by :func:`radius_quantile`).
    """
    nu = check_nu(nu)
    dist = squared_distances(features, center)
    # a tensor R (kept on the device by the trainer) is squared in float64 like a Python float
    r2 = (radius.double() ** 2).to(dist.dtype) if isinstance(radius, Tensor) else float(radius) ** 2
    return r2 + torch.clamp(dist - r2, min=0.0).mean() / nu


def semi_supervised_loss(features: Tensor, center: Tensor, semi_labels: Tensor, eta: float = 1.0,
                         eps: float = 1e-6) -> Tensor:
    """One-class semi-supervised objective, Eq. (3) (the Deep SAD form of Ruff et al. 2020).

    Unlabeled samples (label 0) contribute their squared distance, labeled samples
    ``eta * (dist + eps) ** y`` with y = +1 (labeled normal) or y = -1 (labeled anomaly, which
    is pushed away from c). The sum is divided by n + m (all samples of the batch). ``eps``
    keeps the inverse distance finite.
    """
    if eta <= 0:
        raise ValueError(f"eta must be positive (weight of the labeled samples), got {eta!r}")
    dist = squared_distances(features, center)
    y = torch.as_tensor(semi_labels, device=dist.device)
    if y.shape != dist.shape:
        raise ValueError(f"semi_labels has shape {tuple(y.shape)}, expected ({dist.shape[0]},)")
    labeled = eta * (dist + eps) ** y.to(dist.dtype)
    return torch.where(y == 0, dist, labeled).mean()


def svdd_loss(features: Tensor, center: Tensor, objective: str = "one-class", radius=0.0,
              nu: float = 0.1, semi_labels: Tensor | None = None, eta: float = 1.0,
              eps: float = 1e-6) -> Tensor:
    """L_SVDD of Eq. (1), (2) or (3), chosen by ``objective`` and the presence of labels.

    Semi-supervised labels are only defined for the one-class objective (as in the paper,
    Eq. (3) and Table VI); all-zero labels are the unsupervised case.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if semi_labels is not None and objective == "one-class":
        return semi_supervised_loss(features, center, semi_labels, eta=eta, eps=eps)
    if semi_labels is not None and bool(torch.any(torch.as_tensor(semi_labels) != 0)):
        raise ValueError("semi-supervised labels need objective='one-class' (Eq. (3)); "
                         "the soft-boundary objective has no labeled form in the paper")
    if objective == "soft-boundary":
        return soft_boundary_loss(features, center, radius, nu)
    return one_class_loss(features, center)


def push_away_from_zero(center: Tensor, eps: float = 0.1) -> Tensor:
    """Return a copy of ``center`` whose coordinates with |c_i| < eps are set to +-eps.

    Near-zero coordinates are too easy to reach with zero weights (the trivial solution), see
    Section IV-A. The sign of c_i is kept; an exact 0 goes to +eps.
    """
    if eps < 0:
        raise ValueError(f"eps must be non-negative, got {eps!r}")
    c = center.clone()
    small = c.abs() < eps
    c[small & (c < 0)] = -eps
    c[small & (c >= 0)] = eps
    return c


@torch.no_grad()
def init_center(model: torch.nn.Module, data, eps: float = 0.1, batch_size: int = 256,
                device=None) -> Tensor:
    """Centre c: mean network output of an initial forward pass in eval mode, then eps trick.

    ``data`` is a tensor (N, ...) or an iterable of batches (tensors, or tuples whose first
    element is the input). The model's train/eval mode is restored afterwards. Returns a
    tensor of shape (p,) on ``device`` (default: the model's device).
    """
    if device is None:
        device = next(model.parameters()).device
    batches = data.split(batch_size) if isinstance(data, Tensor) else data
    was_training = model.training
    model.eval()
    total, n = None, 0
    try:
        for batch in batches:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            out = model(x.to(device)).double()
            total = out.sum(dim=0) if total is None else total + out.sum(dim=0)
            n += out.shape[0]
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("init_center got no data; pass at least one training sample")
    return push_away_from_zero((total / n).float(), eps)


def radius_quantile(distances: Tensor, nu: float, as_tensor: bool = False):
    """R as the (1 - nu) quantile of the (unsquared) distances ||phi(x_i) - c|| (Section III-A).

    ``distances`` are *squared* distances as returned by :func:`squared_distances`; linear
    interpolation between order statistics (NumPy's default). A float, or with ``as_tensor``
    a 0-dim float64 tensor on the distances' device (no host sync).
    """
    nu = check_nu(nu)
    d = torch.sqrt(distances.detach().double().flatten())
    radius = torch.quantile(d, 1.0 - nu)
    return radius if as_tensor else float(radius)


def anomaly_scores(distances: Tensor, radius=None, objective: str = "one-class") -> Tensor:
    """Anomaly score (higher = more anomalous): dist for one-class, dist - R^2 for soft-boundary."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if objective == "soft-boundary":
        if radius is None:
            raise ValueError("objective='soft-boundary' needs the radius R for the score")
        return distances - float(radius) ** 2
    return distances


def knn_scores(distances) -> np.ndarray:
    """Anomaly score from the (N, k) distances to the k nearest neighbours: their mean (Bergman
    et al. 2020, DN2; PANDA, Reiss et al. 2021, in the adapted feature space)."""
    return np.asarray(distances, dtype=np.float64).mean(axis=1)


def knn_offset(index, contamination: float) -> float:
    """``offset_`` of a kNN detector: minus the (1 - ``contamination``) quantile of the
    training samples' leave-one-out :func:`knn_scores` (each sample's neighbours among the
    others), from a fitted ``sklearn.neighbors.NearestNeighbors`` ``index``."""
    own = knn_scores(index.kneighbors()[0])
    return -float(np.quantile(own, 1.0 - contamination))
