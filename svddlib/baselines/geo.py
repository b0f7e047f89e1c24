"""GEO: anomaly detection by predicting geometric transformations (Golan & El-Yaniv 2018).

The "GEO w/ Dirichlet" baseline of Tables II-IV of Chong et al. 2020 (Section V-B):

1. 72 transformations T_j = rotation o translation o flip: horizontal flip or not, translation by
   {0, -8, +8} pixels along x and along y, rotation by 0/90/180/270 degrees (2 x 3 x 3 x 4 = 72).
2. A classifier learns to tell which T_j was applied to a normal training image (72-way softmax).
   The paper used an ImageNet-pretrained ResNet-18, Adam with weight decay 5e-4, batch 35,
   learning rate 1e-4, for ceil(200 / 72) = 3 epochs over all (image, transformation) pairs.
3. For each j, a Dirichlet is fitted by maximum likelihood to the softmax vectors y(T_j(x)) of the
   normal training images. The normality score of x is the Dirichlet log-density of y(T_j(x)),
   averaged over j; our anomaly score is its negative (higher = more anomalous).

Transformations act on the last two axes of an image batch; they are implemented as one gather
with precomputed index maps, so a batch with a different transformation per image costs one
indexing operation.
"""
from __future__ import annotations

import itertools
import math
import warnings
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .dirichlet import DEFAULT_EPS, dirichlet_log_density, fit_dirichlet

__all__ = [
    "GEO_SHIFT",
    "N_GEO_TRANSFORMATIONS",
    "GeoTransform",
    "geometric_transformations",
    "reflect_index",
    "transformation_index_maps",
    "apply_transformations",
    "all_transformations",
    "SmallTransformNet",
    "ResNet18TransformNet",
    "geo_classifier",
    "GEODetector",
]

#: Translation in pixels used by Golan & El-Yaniv and by Chong et al. 2020.
GEO_SHIFT = 8
N_GEO_TRANSFORMATIONS = 72


class GeoTransform(NamedTuple):
    """One geometric transformation: flip, then translate by (tx, ty), then rotate k x 90 deg.

    ``flip``: mirror left-right. ``tx``: shift of the content to the right (pixels, may be
    negative). ``ty``: shift downwards. ``k``: number of counter-clockwise quarter turns
    (``np.rot90`` / ``torch.rot90`` convention).
    """

    flip: bool
    tx: int
    ty: int
    k: int


def geometric_transformations(shift: int = GEO_SHIFT) -> list[GeoTransform]:
    """The 72 transformations in a fixed order: flip x tx x ty x rotation (rotation fastest).

    Index 0 is the identity. ``shift`` is the translation magnitude (8 px in the paper).
    """
    if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)) or shift <= 0:
        raise ValueError(f"shift must be a positive integer number of pixels, got {shift!r}")
    offsets = (0, -int(shift), int(shift))
    return [GeoTransform(bool(f), tx, ty, k)
            for f, tx, ty, k in itertools.product((False, True), offsets, offsets, range(4))]


def reflect_index(index: np.ndarray, size: int) -> np.ndarray:
    """Map integer positions onto ``[0, size)`` by mirroring at the borders (edge repeated).

    This is the boundary rule ``... c b a | a b c d | d c b a ...`` (scipy.ndimage 'reflect',
    NumPy pad 'symmetric'), so pixels shifted in from outside copy the mirrored image. It has
    period 2 * size, so shifts larger than the image also work.
    """
    index = np.mod(np.asarray(index), 2 * size)
    return np.where(index >= size, 2 * size - 1 - index, index)


def _transform_index_image(base: np.ndarray, transform: GeoTransform) -> np.ndarray:
    """Apply ``transform`` to a 2-D array (used on an image of pixel indices)."""
    height, width = base.shape
    out = base[:, ::-1] if transform.flip else base
    rows = reflect_index(np.arange(height) - transform.ty, height)
    cols = reflect_index(np.arange(width) - transform.tx, width)
    out = out[np.ix_(rows, cols)]
    return np.rot90(out, transform.k)


def transformation_index_maps(height: int, width: int, shift: int = GEO_SHIFT) -> torch.Tensor:
    """Gather maps of the 72 transformations: LongTensor (72, height * width).

    Row j lists, for every output pixel (row-major), the flat index of the input pixel it copies:
    ``T_j(x).flatten()[p] == x.flatten()[maps[j, p]]``. Built by transforming an image whose
    pixel values are their own indices, so the maps compose flip, translation and rotation
    exactly as :func:`_transform_index_image` does.
    """
    if height != width:
        raise ValueError(f"GEO rotations need square images, got {height}x{width}; "
                         "crop or resize the images first")
    base = np.arange(height * width).reshape(height, width)
    maps = [_transform_index_image(base, t).ravel() for t in geometric_transformations(shift)]
    return torch.as_tensor(np.stack(maps), dtype=torch.long)


_MAP_CACHE: dict[tuple[int, int, int], torch.Tensor] = {}


def _cached_maps(height: int, width: int, shift: int) -> torch.Tensor:
    key = (height, width, shift)
    if key not in _MAP_CACHE:
        _MAP_CACHE[key] = transformation_index_maps(height, width, shift)
    return _MAP_CACHE[key]


def apply_transformations(images, transform_ids, shift: int = GEO_SHIFT):
    """Apply transformation ``transform_ids[i]`` to image i (vectorised, one gather).

    ``images``: torch tensor or NumPy array of shape (N, H, W) or (N, C, H, W) (spatial axes
    last, H == W). ``transform_ids``: N integers in [0, 72), or a single integer for all images.
    Returns the same type, shape and dtype as ``images``.
    """
    is_numpy = isinstance(images, np.ndarray)
    x = torch.from_numpy(np.ascontiguousarray(images)) if is_numpy else images
    if not isinstance(x, torch.Tensor) or x.ndim not in (3, 4):
        raise TypeError("images must be a tensor or array of shape (N, H, W) or (N, C, H, W)")
    n, height, width = x.shape[0], x.shape[-2], x.shape[-1]
    ids = torch.as_tensor(transform_ids, dtype=torch.long)
    if ids.ndim == 0:
        ids = ids.expand(n)
    if ids.shape != (n,):
        raise ValueError(f"need one transformation id per image ({n}), got shape {tuple(ids.shape)}")
    if n and (ids.min() < 0 or ids.max() >= N_GEO_TRANSFORMATIONS):
        raise ValueError(f"transformation ids must be in [0, {N_GEO_TRANSFORMATIONS})")
    maps = _cached_maps(height, width, shift).to(x.device)[ids.to(x.device)]  # (N, H*W)
    flat = x.reshape(n, -1, height * width)
    index = maps[:, None, :].expand(n, flat.shape[1], height * width)
    out = torch.gather(flat, 2, index).reshape(x.shape)
    return out.numpy() if is_numpy else out


def all_transformations(images, shift: int = GEO_SHIFT):
    """All 72 transformed copies: input (N, ...) -> output (N, 72, ...), copy j = T_j(image)."""
    n = images.shape[0]
    repeated = (np.repeat(images, N_GEO_TRANSFORMATIONS, axis=0) if isinstance(images, np.ndarray)
                else images.repeat_interleave(N_GEO_TRANSFORMATIONS, dim=0))
    ids = torch.arange(N_GEO_TRANSFORMATIONS).repeat(n)
    out = apply_transformations(repeated, ids, shift)
    return out.reshape(n, N_GEO_TRANSFORMATIONS, *images.shape[1:])


# --------------------------------------------------------------------------------------------
# Transformation classifiers
# --------------------------------------------------------------------------------------------
class SmallTransformNet(nn.Module):
    """A small CNN transformation classifier for CPU runs (smoke/teach modes).

    Three 3x3 conv blocks (BatchNorm, ReLU, 2x2 max-pooling on the first two), global average
    pooling and a linear layer with ``n_classes`` outputs. Works for any image size >= 8.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = N_GEO_TRANSFORMATIONS,
                 width: int = 32):
        super().__init__()

        def block(c_in, c_out, pool):
            layers = [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]
            return layers + ([nn.MaxPool2d(2)] if pool else [])

        self.features = nn.Sequential(*block(in_channels, width, True),
                                      *block(width, 2 * width, True),
                                      *block(2 * width, 4 * width, False),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(4 * width, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class ResNet18TransformNet(nn.Module):
    """The paper's GEO classifier: ResNet-18 (svddlib.models backbone, global pooling) + linear.

    Grey images are repeated to three channels; images smaller than 32 pixels are upsampled to
    32 (ResNet-18 halves the resolution five times).
    """

    def __init__(self, n_classes: int = N_GEO_TRANSFORMATIONS, weights: str | None = "auto",
                 pooling: str = "max"):
        super().__init__()
        from .features import load_backbone

        self.backbone, self.weights_used = load_backbone(weights, pooling)
        self.classifier = nn.Linear(self.backbone.feature_dim, n_classes)

    def forward(self, x):
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-1] < 32:
            x = nn.functional.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
        return self.classifier(self.backbone(x))


def geo_classifier(arch: str = "small", in_channels: int = 1,
                   n_classes: int = N_GEO_TRANSFORMATIONS, weights: str | None = "auto",
                   width: int = 32) -> nn.Module:
    """The transformation classifier: ``"resnet18"`` (the paper's) or ``"small"`` (CPU).

    For ResNet-18, ``weights`` is ``"imagenet"``, ``"auto"`` (ImageNet if cached locally, else
    random with a warning) or None (random); see :func:`svddlib.baselines.features.resolve_weights`.
    """
    if arch == "small":
        return SmallTransformNet(in_channels, n_classes, width)
    if arch == "resnet18":
        return ResNet18TransformNet(n_classes, weights)
    raise ValueError(f"unknown GEO architecture {arch!r}; use 'small' or 'resnet18'")


# --------------------------------------------------------------------------------------------
# The detector
# --------------------------------------------------------------------------------------------
def _as_float_tensor(x) -> torch.Tensor:
    t = torch.as_tensor(x)
    if t.ndim == 3:
        t = t[:, None]
    if t.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W) or (N, H, W), got {tuple(t.shape)}")
    if not torch.is_floating_point(t):
        raise TypeError("GEO expects preprocessed float images (e.g. svddlib.data.to_tensor)")
    return t.float()


class GEODetector:
    """GEO w/ Dirichlet (Golan & El-Yaniv 2018) with the training protocol of Chong et al. 2020.

    ``fit(X_train)`` trains the 72-way transformation classifier on normal images and fits one
    Dirichlet per transformation to its softmax outputs on the training images;
    ``score_samples(X)`` returns anomaly scores (higher = more anomalous): minus the Dirichlet
    log-density averaged over the 72 transformations (``score="dirichlet"``), or minus the mean
    log-probability of the correct transformation (``score="simple"``, Golan & El-Yaniv's
    simplified score).

    Images are float tensors (N, C, H, W) with H == W, already preprocessed. Defaults follow
    Section V-B: Adam, lr 1e-4, weight decay 5e-4, batch 35, ceil(200 / 72) = 3 epochs.
    ``max_steps`` caps the number of optimiser steps (smoke tests).
    """

    def __init__(self, arch: str = "small", weights: str | None = "auto", n_epochs: int | None = None,
                 batch_size: int = 35, lr: float = 1e-4, weight_decay: float = 5e-4,
                 shift: int = GEO_SHIFT, score: str = "dirichlet", eps: float = DEFAULT_EPS,
                 device: str = "cpu", seed: int = 0, max_steps: int | None = None,
                 eval_batch_size: int = 1024, width: int = 32, verbose: bool = False):
        if score not in ("dirichlet", "simple"):
            raise ValueError(f"score must be 'dirichlet' or 'simple', got {score!r}")
        if batch_size < 1 or lr <= 0 or weight_decay < 0:
            raise ValueError("need batch_size >= 1, lr > 0 and weight_decay >= 0")
        self.arch, self.weights, self.width = arch, weights, width
        self.n_epochs = math.ceil(200 / N_GEO_TRANSFORMATIONS) if n_epochs is None else int(n_epochs)
        self.batch_size, self.lr, self.weight_decay = int(batch_size), float(lr), float(weight_decay)
        self.shift, self.score, self.eps = shift, score, eps
        self.device, self.seed, self.max_steps = device, int(seed), max_steps
        self.eval_batch_size, self.verbose = int(eval_batch_size), verbose
        self.model: nn.Module | None = None
        self.alphas: np.ndarray | None = None
        self.history: list[dict] = []

    # ---- training ------------------------------------------------------------------------
    def fit(self, X_train) -> "GEODetector":
        x = _as_float_tensor(X_train)
        if x.shape[0] < 2:
            raise ValueError("GEO needs at least 2 training images")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.model = geo_classifier(self.arch, x.shape[1], N_GEO_TRANSFORMATIONS,
                                        self.weights, self.width).to(self.device)
        self._train_classifier(x)
        self.alphas = self._fit_dirichlets(x)
        return self

    def _train_classifier(self, x: torch.Tensor) -> None:
        generator = torch.Generator().manual_seed(self.seed)
        optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr,
                                     weight_decay=self.weight_decay)
        loss_fn = nn.CrossEntropyLoss()
        n_pairs = x.shape[0] * N_GEO_TRANSFORMATIONS
        steps = 0
        self.model.train()
        for epoch in range(self.n_epochs):
            order = torch.randperm(n_pairs, generator=generator)
            total, count = 0.0, 0
            for start in range(0, n_pairs, self.batch_size):
                pairs = order[start:start + self.batch_size]
                image_ids, t_ids = pairs // N_GEO_TRANSFORMATIONS, pairs % N_GEO_TRANSFORMATIONS
                batch = apply_transformations(x[image_ids], t_ids, self.shift).to(self.device)
                loss = loss_fn(self.model(batch), t_ids.to(self.device))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(pairs)
                count += len(pairs)
                steps += 1
                if self.max_steps is not None and steps >= self.max_steps:
                    break
            self.history.append({"epoch": epoch, "loss": total / max(count, 1), "steps": steps})
            if self.verbose:
                print(f"GEO epoch {epoch}: cross-entropy {total / max(count, 1):.4f}")
            if self.max_steps is not None and steps >= self.max_steps:
                break

    # ---- softmax outputs and Dirichlet fit -------------------------------------------------
    @torch.no_grad()
    def _softmax_chunks(self, x: torch.Tensor):
        """Yield (start, probs) with probs (n_chunk, 72 transformations, 72 classes)."""
        self.model.eval()
        chunk = max(1, self.eval_batch_size // N_GEO_TRANSFORMATIONS)
        for start in range(0, x.shape[0], chunk):
            images = x[start:start + chunk]
            transformed = all_transformations(images, self.shift).flatten(0, 1).to(self.device)
            probs = torch.softmax(self.model(transformed).double(), dim=1).cpu().numpy()
            yield start, probs.reshape(images.shape[0], N_GEO_TRANSFORMATIONS, -1)

    def _fit_dirichlets(self, x: torch.Tensor) -> np.ndarray:
        probs = np.concatenate([p for _, p in self._softmax_chunks(x)])
        alphas = []
        for j in range(N_GEO_TRANSFORMATIONS):
            alpha, info = fit_dirichlet(probs[:, j], eps=self.eps, return_info=True)
            if not info["converged"]:
                warnings.warn(f"Dirichlet fit of transformation {j} did not converge",
                              RuntimeWarning, stacklevel=3)
            alphas.append(alpha)
        return np.stack(alphas)

    # ---- scoring ---------------------------------------------------------------------------
    def normality_scores(self, X) -> np.ndarray:
        """Mean over transformations of the per-transformation score (higher = more normal)."""
        if self.model is None:
            raise RuntimeError("call fit(X_train) before scoring")
        x = _as_float_tensor(X)
        out = np.empty(x.shape[0])
        for start, probs in self._softmax_chunks(x):
            per_t = np.empty((probs.shape[0], N_GEO_TRANSFORMATIONS))
            for j in range(N_GEO_TRANSFORMATIONS):
                if self.score == "dirichlet":
                    per_t[:, j] = dirichlet_log_density(probs[:, j], self.alphas[j], self.eps)
                else:
                    per_t[:, j] = np.log(np.clip(probs[:, j, j], self.eps, 1.0))
            out[start:start + probs.shape[0]] = per_t.mean(axis=1)
        return out

    def score_samples(self, X) -> np.ndarray:
        """Anomaly scores (higher = more anomalous): minus :meth:`normality_scores`."""
        return -self.normality_scores(X)
