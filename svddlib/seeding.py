"""One place to seed every random number generator the course uses."""
from __future__ import annotations

import random

import numpy as np

__all__ = ["set_seed", "numpy_rng", "torch_generator"]


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def set_seed(seed: int):
    """Seed Python, NumPy and torch globally; return a torch.Generator seeded with ``seed``.

    Pass the returned generator explicitly to splits and loaders: the same seed on the same
    machine then gives the same numbers.
    """
    import torch

    seed = _check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch_generator(seed)


def torch_generator(seed: int):
    """A fresh CPU torch.Generator seeded with ``seed``."""
    import torch

    return torch.Generator().manual_seed(_check_seed(seed))


def numpy_rng(seed: int) -> np.random.Generator:
    """A fresh NumPy Generator seeded with ``seed``."""
    return np.random.default_rng(_check_seed(seed))
