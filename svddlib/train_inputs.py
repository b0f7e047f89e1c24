"""The trainer's inputs: checks of the training and evaluation data, and their batches on the
device, from a tensor or (lazy inputs, :class:`svddlib.data.lazy.LazyImages`) converted per
batch in DataLoader processes."""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["as_input", "check_model_input", "check_semi_labels", "as_eval_set", "is_lazy",
           "device_batches", "in_order", "select"]


def is_lazy(x) -> bool:
    """Inputs that are converted per batch (:class:`svddlib.data.lazy.LazyImages`)."""
    return isinstance(x, torch.utils.data.Dataset)


def as_input(x, name: str) -> Tensor:
    """``x`` as a float tensor (N, ...) with N >= 1 and finite values (a lazy input as it is)."""
    if is_lazy(x):  # converted per batch; a non-finite value shows as a NaN loss
        if len(x) == 0:
            raise ValueError(f"{name} must hold at least one sample")
        return x
    x = torch.as_tensor(x, dtype=torch.float32) if not isinstance(x, Tensor) else x.float()
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1 samples, got {tuple(x.shape)}")
    bad = int((~torch.isfinite(x)).flatten(1).any(dim=1).sum())
    if bad:
        raise ValueError(f"{name} contains NaN or infinite values in {bad} of {x.shape[0]} "
                         "samples; remove or impute them before training")
    return x


def check_model_input(model: nn.Module, x: Tensor, name: str) -> None:
    """A clear error when ``x``'s samples do not have the shape ``model.input_shape`` expects."""
    expected = getattr(model, "input_shape", None)
    if expected is not None:
        from .models.common import check_input_shape

        check_input_shape(x[:1], tuple(expected), f"{type(model).__name__} ({name})")


def check_semi_labels(semi_labels, n: int) -> Tensor | None:
    """Labels 0 / +1 / -1 as a long tensor (N,); None when absent or all 0 (unlabeled)."""
    if semi_labels is None:
        return None
    s = torch.as_tensor(np.asarray(semi_labels)).long().flatten()
    if s.shape[0] != n:
        raise ValueError(f"semi_labels has {s.shape[0]} entries but x_train has {n} samples")
    if not bool(torch.isin(s, torch.tensor([-1, 0, 1])).all()):
        raise ValueError("semi_labels must contain only 0 (unlabeled), +1 (labeled normal) "
                         "and -1 (labeled anomaly)")
    return s if bool((s != 0).any()) else None


def as_eval_set(pair, name: str, model: nn.Module):
    """A checked (x, y) pair with y = 1 for anomalies and both classes present, or None."""
    if pair is None:
        return None
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a pair (x, y) with y = 1 for anomalies, 0 for normal")
    x = as_input(pair[0], f"{name} x")
    y = np.asarray(pair[1]).ravel()
    if y.shape[0] != x.shape[0] or not set(np.unique(y)) == {0, 1}:
        raise ValueError(f"{name} labels must have one entry per sample and contain both "
                         "0 (normal) and 1 (anomaly)")
    check_model_input(model, x, name)
    return x, y


def device_batches(x, chunks, device, num_workers: int | None = None):
    """``x[idx]`` on ``device`` for every index chunk, in order: from a tensor, or through a
    DataLoader (conversion in ``num_workers`` processes, pinned memory) for lazy inputs."""
    if is_lazy(x):
        from .data.lazy import batches

        yield from batches(x, chunks, device, num_workers)
        return
    for idx in chunks:
        yield x[idx.to(x.device)].to(device, non_blocking=True)


def in_order(x, batch_size: int, device, num_workers: int | None = None):
    """All of ``x`` in consecutive batches on ``device`` (evaluation, centre)."""
    if not is_lazy(x):
        x = torch.as_tensor(x)
    return device_batches(x, torch.arange(len(x)).split(batch_size), device, num_workers)


def select(x, mask: Tensor):
    """The samples of ``x`` where ``mask`` is true (a lazy input stays lazy)."""
    return x.subset(mask) if is_lazy(x) else x[mask]
