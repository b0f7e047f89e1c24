"""From uint8 images to float32 tensors (N, C, H, W) for the networks.

Three pipelines (``preprocessing=``):

``"gcn-minmax"`` (LeNet-type networks, as in the reference Deep SVDD code)
    Scale to [0, 1], then *global contrast normalisation* with the l1 norm per image: subtract
    the image's mean and divide by its mean absolute deviation from that mean. Finally a
    min-max scaling ``(x - lo) / (hi - lo)`` with two scalars ``lo``/``hi``: the smallest and
    largest value over the *training* images after GCN. Fit them on the training split only
    (:func:`fit_preprocessing`) and reuse them for val and test, so no test statistics leak.
    The reference code hard-codes such numbers per normal class; here they are computed.
``"imagenet"`` (ResNet-18 pretrained on ImageNet)
    Scale to [0, 1] and standardise each channel with the ImageNet mean and std; grey images
    are repeated to three channels. Needs no fitted statistics.
``"none"``
    Scale to [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .types import ADData, ADSplit, check_images

__all__ = ["PREPROCESSINGS", "IMAGENET_MEAN", "IMAGENET_STD", "PreprocessingStats",
           "global_contrast_normalization", "fit_preprocessing", "to_tensor", "to_tensors"]

PREPROCESSINGS = ("gcn-minmax", "imagenet", "none")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_EPS = 1e-12


@dataclass(frozen=True)
class PreprocessingStats:
    """Statistics fitted on training images: ``lo``/``hi`` of the GCN values (gcn-minmax)."""

    preprocessing: str
    lo: float | None = None
    hi: float | None = None


def _check_kind(preprocessing: str) -> str:
    if preprocessing not in PREPROCESSINGS:
        raise ValueError(f"preprocessing must be one of {PREPROCESSINGS}, got {preprocessing!r}")
    return preprocessing


def _images_of(split_or_images) -> np.ndarray:
    images = split_or_images.images if isinstance(split_or_images, ADSplit) else split_or_images
    return check_images(images)


def _unit_nchw(images: np.ndarray) -> torch.Tensor:
    """uint8 (N,H,W[,3]) -> float32 (N,C,H,W) in [0, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).to(torch.float32).div_(255.0)
    return x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2).contiguous()


def global_contrast_normalization(x: torch.Tensor) -> torch.Tensor:
    """Per-sample l1 global contrast normalisation: ``(x - mean) / mean(|x - mean|)``.

    Statistics run over all of a sample's pixels and channels (dimension 0 indexes samples).
    A constant image (zero deviation) maps to zeros instead of dividing by zero.
    """
    if x.ndim < 2:
        raise ValueError(f"expected a batch (N, ...), got shape {tuple(x.shape)}")
    dims = tuple(range(1, x.ndim))
    centred = x - x.mean(dim=dims, keepdim=True)
    scale = centred.abs().mean(dim=dims, keepdim=True)
    return centred / scale.clamp_min(_EPS)


def fit_preprocessing(train, preprocessing: str = "gcn-minmax") -> PreprocessingStats:
    """Fit the statistics of ``preprocessing`` on training images (ADSplit or uint8 array)."""
    kind = _check_kind(preprocessing)
    if kind != "gcn-minmax":
        return PreprocessingStats(kind)
    images = _images_of(train)
    if len(images) == 0:
        raise ValueError("cannot fit preprocessing statistics on an empty training set")
    lo, hi = np.inf, -np.inf
    for start in range(0, len(images), 4096):  # chunks bound the float copy's memory
        gcn = global_contrast_normalization(_unit_nchw(images[start:start + 4096]))
        lo, hi = min(lo, gcn.min().item()), max(hi, gcn.max().item())
    return PreprocessingStats(kind, float(lo), float(hi))


def to_tensor(split_or_images, preprocessing: str = "gcn-minmax",
              stats: PreprocessingStats | None = None) -> torch.Tensor:
    """float32 tensor (N, C, H, W) of an ADSplit or uint8 image array.

    'gcn-minmax' needs ``stats`` from :func:`fit_preprocessing` on the *training* split (a
    ValueError says so otherwise); 'imagenet' and 'none' need none.
    """
    kind = _check_kind(preprocessing)
    x = _unit_nchw(_images_of(split_or_images))
    if kind == "none":
        return x
    if kind == "imagenet":
        if x.shape[1] == 1:
            x = x.repeat(1, 3, 1, 1)
        mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
        return (x - mean) / std
    if stats is None or stats.preprocessing != "gcn-minmax":
        raise ValueError("gcn-minmax needs statistics fitted on the training split: "
                         "stats = fit_preprocessing(data.train); to_tensor(split, stats=stats)")
    span = max(stats.hi - stats.lo, _EPS)
    return (global_contrast_normalization(x) - stats.lo) / span


def to_tensors(data: ADData, preprocessing: str = "gcn-minmax"):
    """Fit on ``data.train`` and convert all splits: ({'train','val','test'} -> tensor, stats)."""
    stats = fit_preprocessing(data.train, preprocessing)
    return {k: to_tensor(s, preprocessing, stats) for k, s in data.splits().items()}, stats
