"""Building blocks shared by the networks: activations, (non-)affine BatchNorm, input checks."""
from __future__ import annotations

from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "BOUNDED_ACTIVATIONS", "make_activation", "make_norm",
           "check_input_shape", "drop_batchnorm_affine", "BN_STATS", "BatchNormStatsSwitch",
           "check_bn_stats"]

ACTIVATIONS = {
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "softplus": nn.Softplus,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
}
# Bounded activations can saturate to a constant: Ruff et al. (2018) exclude them (Section IV-A).
BOUNDED_ACTIVATIONS = ("sigmoid", "tanh")


def make_activation(name: str) -> nn.Module:
    """A fresh activation module by name (one of ``ACTIVATIONS``)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


def make_norm(num_features: int, batchnorm: bool, bias: bool, dim: int = 2) -> nn.Module:
    """BatchNorm (affine only when ``bias``: its shift beta is a bias term) or Identity."""
    if not batchnorm:
        return nn.Identity()
    cls = nn.BatchNorm2d if dim == 2 else nn.BatchNorm1d
    return cls(num_features, eps=1e-4, affine=bias)


def check_input_shape(x: Tensor, expected: tuple, net_name: str) -> None:
    """Raise a ValueError unless x has shape (N, *expected); None entries match any size."""
    ok = x.ndim == len(expected) + 1 and all(
        e is None or e == s for e, s in zip(expected, x.shape[1:]))
    if not ok:
        want = "(N, " + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{net_name} expects input of shape {want}, got {tuple(x.shape)}; "
                         "convert images with svddlib.data.to_tensor or pick the matching net")


def drop_batchnorm_affine(module: nn.Module) -> None:
    """Replace every BatchNorm2d below ``module`` by a non-affine one with the same statistics."""
    for name, child in module.named_children():
        if isinstance(child, nn.BatchNorm2d):
            bn = nn.BatchNorm2d(child.num_features, eps=child.eps, momentum=child.momentum,
                                affine=False)
            bn.running_mean.copy_(child.running_mean)
            bn.running_var.copy_(child.running_var)
            bn.num_batches_tracked.copy_(child.num_batches_tracked)
            setattr(module, name, bn)
        else:
            drop_batchnorm_affine(child)


#: ``bn_stats``: 'update' (torch's default: training updates the BatchNorm running statistics
#: and normalises by batch statistics) or 'frozen' (BatchNorm stays in eval mode during
#: training: the pretrained running statistics are kept and used, as PANDA trains).
BN_STATS = ("update", "frozen")


class BatchNormStatsSwitch(nn.Module):
    """Mixin: with ``self.bn_stats == 'frozen'``, ``train()`` leaves every BatchNorm in eval
    mode (its affine parameters still learn; its running statistics stay as they are)."""

    bn_stats = "update"

    def train(self, mode: bool = True):
        super().train(mode)
        if self.bn_stats == "frozen":
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self


def check_bn_stats(bn_stats) -> str:
    """``bn_stats`` itself if it is one of :data:`BN_STATS`, else a one-line ValueError."""
    if bn_stats not in BN_STATS:
        raise ValueError(f"bn_stats must be one of {BN_STATS}, got {bn_stats!r}")
    return bn_stats
