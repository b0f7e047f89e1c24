"""Fixed feature extractors for the shallow baselines (OC-SVM and IF "w/ CNN feat.").

Chong et al. 2020 (Section V-B) feed OC-SVM and Isolation Forest either PCA features of the raw
pixels or features of an ImageNet-pretrained ResNet-18 taken after its final pooling layer; Fig. 2
repeats this without the pooling layer. The paper describes its ResNet-18 as having a
*max*-pooling layer at the end, so ``pooling="max"`` (global max over the last feature map) is our
default; ``"avg"`` is torchvision's own global average pooling and ``None`` keeps the whole
512 x h x w map of the last stage, flattened.

The network itself is the core backbone :class:`svddlib.models.ResNet18Backbone` (with
``bias=True``, i.e. exactly torchvision's ResNet-18 without its classifier).

Note: for 28x28 (upsampled to 32) or 32x32 inputs the last map of ResNet-18 is 1x1, so the three
choices give the same 512 numbers; resize the inputs (``input_size``, e.g. 64 or 224) to see a
difference.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["POOLINGS", "imagenet_weights_cached", "resolve_weights", "load_backbone",
           "ResNet18Features",
           "resnet18_features", "flatten_pixels"]

POOLINGS = ("max", "avg", None)


def imagenet_weights_cached() -> bool:
    """True when torchvision's ImageNet ResNet-18 checkpoint is already in the torch hub cache."""
    from torchvision.models import ResNet18_Weights

    filename = Path(ResNet18_Weights.IMAGENET1K_V1.url).name
    return (Path(torch.hub.get_dir()) / "checkpoints" / filename).is_file()


#: Whether this process has already warned that "auto" fell back to random weights.
_warned_random = False


def resolve_weights(weights: str | None = "auto") -> str | None:
    """``"imagenet"`` or None (random init) for :class:`svddlib.models.ResNet18Backbone`.

    ``"imagenet"``: torchvision's IMAGENET1K_V1 weights (downloaded if needed);
    ``"auto"``: ImageNet weights only if already in the torch hub cache (never touches the
    network), otherwise a random init with a warning, once per process (a sweep of many
    baseline runs would otherwise repeat it per run); ``None``/``"random"``: random init.
    """
    global _warned_random
    if weights not in ("imagenet", "auto", None, "random"):
        raise ValueError(f"weights must be 'imagenet', 'auto', 'random' or None, got {weights!r}")
    if weights == "imagenet" or (weights == "auto" and imagenet_weights_cached()):
        return "imagenet"
    if weights == "auto" and not _warned_random:
        _warned_random = True
        warnings.warn(
            "ImageNet weights for ResNet-18 are not in the torch hub cache; using a RANDOMLY "
            "initialised ResNet-18, so CNN-feature baselines are random-feature baselines, not "
            "the paper's. Run once with internet: "
            "torchvision.models.resnet18(weights='IMAGENET1K_V1').", UserWarning, stacklevel=3)
    return None


def load_backbone(weights: str | None = "auto", pooling: str | None = "max",
                  input_size: int = 224):
    """The core ResNet-18 backbone (svddlib.models) as a frozen-style feature extractor.

    ``bias=True`` keeps the network exactly as torchvision builds it (pretrained BatchNorm
    scales and shifts included); no projection (``rep_dim=None``). Returns
    ``(backbone, weights_used)`` with ``weights_used`` in {"imagenet", "random"}.
    """
    from ..models import ResNet18Backbone

    net = ResNet18Backbone(weights=resolve_weights(weights), bias=True,
                           pooling=pooling if pooling is not None else False, rep_dim=None,
                           input_size=input_size)
    return net, "imagenet" if net.pretrained else "random"


class ResNet18Features(nn.Module):
    """ResNet-18 body (conv1 ... layer4) followed by global max/avg pooling or no pooling.

    Input: float tensor (N, C, H, W), C in {1, 3}, already normalised (ImageNet statistics for
    pretrained weights); grey images are repeated to three channels. Images are resized
    (bilinear) to ``input_size``; by default only images smaller than 32 pixels are (to 32).
    Output: (N, 512) with pooling, (N, 512 * h * w) without.

    ``seed``: the random initialisation (without ImageNet weights) is drawn from a generator
    seeded with it, so it is a function of the seed alone, not of what this process drew
    before (a sweep's run then gives the same features on every executor); None draws from
    torch's global generator.
    """

    def __init__(self, weights: str | None = "auto", pooling: str | None = "max",
                 input_size: int | None = None, seed: int | None = None):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling, self.input_size, self.seed = pooling, input_size, seed
        self._weights = weights
        self.net: nn.Module | None = None
        self.weights_used: str | None = None
        if input_size is not None:
            self._build(input_size)

    def _build(self, side: int) -> None:
        with torch.random.fork_rng(devices=[]):  # the global generator is left as it was
            if self.seed is not None:
                torch.manual_seed(self.seed)
            self.net, self.weights_used = load_backbone(self._weights, self.pooling, side)
        self.net.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[-1] != x.shape[-2]:
            raise ValueError(f"expected square images (N, 1 or 3, H, H), got {tuple(x.shape)}")
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        side = self.input_size or max(32, x.shape[-1])
        if x.shape[-1] != side:
            x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False)
        if self.net is None:
            self._build(side)
        self.net.to(x.device).eval()
        return self.net(x)


@torch.no_grad()
def resnet18_features(images, weights: str | None = "auto", pooling: str | None = "max",
                      input_size: int | None = None, batch_size: int = 256,
                      device: str = "cpu", extractor: ResNet18Features | None = None) -> np.ndarray:
    """Features (N, D) float32 of preprocessed images (N, C, H, W) from a frozen ResNet-18.

    Pass ``extractor`` to reuse one network for several splits (same random init if no ImageNet
    weights are available).
    """
    x = torch.as_tensor(images)
    net = extractor if extractor is not None else ResNet18Features(weights, pooling, input_size)
    out = [net(x[i:i + batch_size].float().to(device)).cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy().astype(np.float32)


def flatten_pixels(images) -> np.ndarray:
    """Raw-pixel features: (N, ...) -> (N, D) float32."""
    x = images.numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    return x.reshape(len(x), -1).astype(np.float32)
