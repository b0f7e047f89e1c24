"""ResNet-18 backbone of Chong et al. 2020 (Section V-B) from torchvision, with a bias switch.

Meaning of ``bias`` for this network (torchvision's ResNet-18 has no conv biases; its only bias
terms are the BatchNorm shifts beta and the classifier's bias):

* ``bias=False`` (standard Deep SVDD constraint): every BatchNorm is replaced by a BatchNorm
  *without* affine parameters, and the optional projection has no bias. With ImageNet weights
  the pretrained scales gamma and shifts beta are dropped (running mean/variance are kept), so
  the network is no longer exactly the ImageNet one: it keeps the pretrained convolution filters
  but nothing that could add a learnable constant. (Freezing beta instead would not do: a
  frozen shift still lets zero conv weights produce a constant feature map.)
* ``bias=True`` ("D. SVDD w/ bias"): the affine BatchNorms (pretrained gamma, beta when
  loaded) stay trainable and the projection has a bias.

The torchvision classifier (``fc``) is always removed. The paper uses the network "with
max-pooling layer" and removes that pooling for Fig. 2: ``pooling=True`` (or ``"max"``) ends the
backbone with a global max pooling over the last 512-channel map, ``"avg"`` with torchvision's
global average pooling, ``False`` flattens the whole map (512 x 7 x 7 for 224x224 inputs,
512 x 1 x 1 for 32x32). ``rep_dim=None`` uses these features directly (p = 512 with pooling);
an integer adds a final linear projection to p = rep_dim.
"""
from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn

from .common import check_input_shape, drop_batchnorm_affine

__all__ = ["ResNet18Backbone", "resnet18_backbone", "resnet_feature_side"]

POOLINGS = {True: "max", "max": "max", "avg": "avg", False: None, None: None}


def resnet_feature_side(input_size: int) -> int:
    """Side of ResNet-18's last feature map: five stride-2 stages, each ceil(side / 2)."""
    side = int(input_size)
    for _ in range(5):
        side = (side - 1) // 2 + 1
    return side


def _imagenet_weights(weights):
    from torchvision.models import ResNet18_Weights

    if weights is None:
        return None
    if isinstance(weights, ResNet18_Weights):
        return weights
    if isinstance(weights, str) and weights.lower() in ("imagenet", "imagenet1k_v1", "default"):
        return ResNet18_Weights.IMAGENET1K_V1
    raise ValueError(f"weights must be None (random init), 'imagenet' or a "
                     f"torchvision ResNet18_Weights, got {weights!r}")


def _load_resnet18(weights) -> tuple[nn.Module, bool]:
    """torchvision resnet18 with ``weights``; falls back to random init with a warning."""
    from torchvision.models import resnet18

    w = _imagenet_weights(weights)
    if w is None:
        return resnet18(weights=None), False
    try:
        return resnet18(weights=w), True
    except Exception as err:  # offline, blocked download, corrupt file, ...
        fname = w.url.rsplit("/", 1)[-1]
        warnings.warn(
            f"Could not load the ImageNet weights of ResNet-18 ({type(err).__name__}: {err}). "
            f"The network is RANDOMLY INITIALISED instead, so results will not match the "
            f"pretrained setting of the paper. To use the weights offline, place {fname} in "
            f"{torch.hub.get_dir()}/checkpoints/.", RuntimeWarning, stacklevel=3)
        return resnet18(weights=None), False


class ResNet18Backbone(nn.Module):
    """ResNet-18 feature extractor phi for Deep SVDD (see the module docstring for the options).

    ``input_size`` matters only with ``pooling=False`` (it fixes the flattened size); with
    pooling, any input of at least 32x32 pixels works. ``self.pretrained`` tells whether the
    ImageNet weights were actually loaded.
    """

    def __init__(self, weights=None, bias: bool = False, pooling=True, rep_dim: int | None = None,
                 input_size: int = 224):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be True/'max', 'avg' or False, got {pooling!r}")
        if rep_dim is not None and (isinstance(rep_dim, bool) or not isinstance(rep_dim, int)
                                    or rep_dim < 1):
            raise ValueError(f"rep_dim must be None (backbone features) or an integer >= 1, "
                             f"got {rep_dim!r}")
        net, self.pretrained = _load_resnet18(weights)
        if not bias:
            drop_batchnorm_affine(net)
        self.bias, self.pooling = bool(bias), POOLINGS[pooling]
        self.body = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool,
                                  net.layer1, net.layer2, net.layer3, net.layer4)
        self.pool = {"max": nn.AdaptiveMaxPool2d(1), "avg": nn.AdaptiveAvgPool2d(1),
                     None: nn.Identity()}[self.pooling]
        side = 1 if self.pooling else resnet_feature_side(input_size)
        self.input_shape = (3, None, None) if self.pooling else (3, input_size, input_size)
        self.feature_dim = 512 * side * side
        self.proj = nn.Identity() if rep_dim is None else nn.Linear(self.feature_dim, rep_dim,
                                                                    bias=bias)
        self.rep_dim = self.feature_dim if rep_dim is None else rep_dim

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(x, self.input_shape, "ResNet18Backbone")
        return self.proj(self.pool(self.body(x)).flatten(1))


def resnet18_backbone(weights=None, bias: bool = False, pooling=True, rep_dim: int | None = None,
                      input_size: int = 224) -> ResNet18Backbone:
    """Build a :class:`ResNet18Backbone` (``weights=None`` random, ``'imagenet'`` pretrained)."""
    return ResNet18Backbone(weights=weights, bias=bias, pooling=pooling, rep_dim=rep_dim,
                            input_size=input_size)
