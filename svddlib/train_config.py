"""The configuration of :func:`svddlib.training.train` (``TrainConfig``) and its checks.

Its fields make the dict of :meth:`TrainConfig.to_dict`; all but :data:`NOT_IN_KEY` enter the
cache key of a run (:meth:`svddlib.run_spec.RunSpec.key`).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from .objectives import OBJECTIVES, check_nu
from .regularizers import REGULARIZERS
from .weighting import WEIGHTINGS, check_unit_interval

__all__ = ["TrainConfig", "resolve_device", "check_positive_int", "check_non_negative",
           "check_resumable", "RESUMABLE_FIELDS", "NOT_IN_KEY"]

#: Fields that do not change a run's result: left out of its cache key.
NOT_IN_KEY = ("device", "progress", "eval_batch_size", "num_workers")
#: Fields that may change between an interrupted run and its resumption.
RESUMABLE_FIELDS = {"n_epochs", *NOT_IN_KEY}


def check_positive_int(name, value, minimum=1):
    """Raise a ValueError unless ``value`` is an integer >= ``minimum`` (a bool is not)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_non_negative(name, value, strict=False):
    """Raise a ValueError unless ``value`` is a finite number >= 0 (> 0 with ``strict``)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters; names follow the reference Deep SVDD code and the paper (Section V-B).

    objective: 'one-class' (Eq. 2) or 'soft-boundary' (Eq. 1); nu in (0, 1]; eta: weight of
    labeled samples (Eq. 3); lr / lr_head: Adam learning rates of the network body and of the
    noise head g; weight_decay: lambda; regularizer: 'none' | 'noise' (Eq. 4, k tasks) |
    'variance' (Eq. 5, threshold d0 / 10^floor(epoch/r)); weighting: 'adaptive' (Eq. 7 with
    alpha, beta, c0) | 'fixed' (c_t = fixed_weight) | 'gradnorm' (Eq. 7 on the gradient norms
    with respect to the features, not in the paper); c_min: floor on the adaptive / gradnorm
    weight (0: the paper's scheme); warm_up_n_epochs: soft-boundary epochs with
    R = 0 before R is updated per minibatch; eps: centre eps trick; eps_semi: eps of Eq. (3);
    collapse_ratio: collapse threshold relative to the initial value (see module docstring);
    device: 'auto' (CUDA when available), 'cpu', 'cuda', 'cuda:1', ...; num_workers: DataLoader
    processes that convert lazy inputs (None: the cores but one, at most 4; ignored for tensors).
    """

    objective: str = "one-class"
    nu: float = 0.1
    eta: float = 1.0
    lr: float = 1e-4
    lr_head: float = 1e-3
    n_epochs: int = 30
    batch_size: int = 50
    weight_decay: float = 5e-4
    regularizer: str = "none"
    k: int = 50
    alpha: float = 0.9
    beta: float = 0.5
    c0: float = 0.0
    c_min: float = 0.0
    d0: float = 0.1
    r: int = 3
    weighting: str = "adaptive"
    fixed_weight: float = 1.0
    warm_up_n_epochs: int = 10
    eps: float = 0.1
    eps_semi: float = 1e-6
    collapse_ratio: float = 1e-3
    seed: int = 0
    device: str = "auto"
    eval_batch_size: int = 1024
    progress: bool = True
    num_workers: int | None = None

    def __post_init__(self):
        for name, allowed in (("objective", OBJECTIVES), ("regularizer", REGULARIZERS),
                              ("weighting", WEIGHTINGS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        check_nu(self.nu)
        for name in ("eta", "lr", "lr_head", "d0", "collapse_ratio"):
            check_non_negative(name, getattr(self, name), strict=True)
        for name in ("weight_decay", "c0", "c_min", "fixed_weight", "eps", "eps_semi"):
            check_non_negative(name, getattr(self, name))
        check_unit_interval("alpha", self.alpha)
        check_unit_interval("beta", self.beta)
        for name, minimum in (("n_epochs", 1), ("batch_size", 1), ("k", 1), ("r", 1),
                              ("warm_up_n_epochs", 0), ("seed", 0), ("eval_batch_size", 1)):
            check_positive_int(name, getattr(self, name), minimum)
        if self.num_workers is not None:
            check_positive_int("num_workers", self.num_workers, 0)
        resolve_device(self.device)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def resolve_device(device="auto", check_available: bool = False) -> torch.device:
    """'auto' (or None) -> CUDA if available else CPU; anything else is passed to torch.device.

    ``check_available=True`` also rejects a CUDA device on a machine without one (a config may
    name one that only the machine it will run on has).
    """
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if check_available and resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available here; "
                         "use device='auto' or 'cpu'")
    return resolved


def check_resumable(saved: dict, current: dict) -> None:
    """Raise a ValueError naming the fields (outside :data:`RESUMABLE_FIELDS`) in which the
    config dict of a checkpoint differs from the current one."""
    diff = [k for k in current if k not in RESUMABLE_FIELDS and saved.get(k) != current[k]]
    if diff:
        raise ValueError(f"the checkpoint was written with a different configuration "
                         f"({', '.join(f'{k}: {saved.get(k)!r} vs {current[k]!r}' for k in diff)}); "
                         "use another checkpoint_dir or resume=False")
