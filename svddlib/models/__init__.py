"""Networks phi for Deep SVDD: LeNet-type (MNIST, CIFAR), their autoencoders, ResNet-18,
EfficientNet-Lite0, MLP."""
from __future__ import annotations

from .common import ACTIVATIONS, BOUNDED_ACTIVATIONS, make_activation
from .efficientnet import (EfficientNetLite0Backbone, FastPath, efficientnet_lite0_features,
                           fast_path_model)
from .lenet import LeNetCIFAR, LeNetCIFARAutoencoder, LeNetMNIST, LeNetMNISTAutoencoder
from .mlp import MLP
from .resnet import ResNet18Backbone, resnet18_backbone

__all__ = ["ACTIVATIONS", "BOUNDED_ACTIVATIONS", "make_activation", "LeNetMNIST", "LeNetCIFAR",
           "LeNetMNISTAutoencoder", "LeNetCIFARAutoencoder", "ResNet18Backbone",
           "resnet18_backbone", "EfficientNetLite0Backbone",
           "efficientnet_lite0_features", "FastPath", "MLP", "NETS", "build_model", "AUTOENCODERS",
           "build_autoencoder", "count_bias_parameters"]

NETS = {"lenet-mnist": LeNetMNIST, "lenet-cifar": LeNetCIFAR, "resnet18": ResNet18Backbone,
        "efficientnet-lite0": EfficientNetLite0Backbone, "mlp": MLP}
#: The autoencoder of each net whose ``.encoder`` has the net's exact architecture.
AUTOENCODERS = {"lenet-mnist": LeNetMNISTAutoencoder, "lenet-cifar": LeNetCIFARAutoencoder}


def build_model(name: str, **kwargs):
    """Network by name (one of ``NETS``) with its keyword arguments.

    ``efficientnet-lite0`` also takes ``trainable_blocks`` (an int): the network is then a
    :class:`~svddlib.models.efficientnet.FastPath` whose front (all but the last
    ``trainable_blocks`` MBConv blocks) stays frozen at its ImageNet weights."""
    if name not in NETS:
        raise ValueError(f"unknown net {name!r}; choose one of {sorted(NETS)}")
    trainable_blocks = kwargs.pop("trainable_blocks", None)
    if trainable_blocks is None:
        return NETS[name](**kwargs)
    if name != "efficientnet-lite0":
        raise ValueError(f"trainable_blocks is an option of efficientnet-lite0, not of {name!r}")
    return fast_path_model(trainable_blocks, **kwargs)


def build_autoencoder(name: str, **kwargs):
    """Autoencoder matching net ``name`` (one of ``AUTOENCODERS``), same keyword arguments."""
    if name not in AUTOENCODERS:
        raise ValueError(f"autoencoder pretraining exists for {sorted(AUTOENCODERS)}, "
                         f"not {name!r}")
    return AUTOENCODERS[name](**kwargs)


def count_bias_parameters(model) -> int:
    """Number of bias-like parameters: linear/conv biases and BatchNorm shifts/scales."""
    return sum(p.numel() for n, p in model.named_parameters()
               if n.endswith("bias") or (n.endswith("weight") and p.ndim == 1))
