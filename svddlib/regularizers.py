"""The two regularizers against hypersphere collapse (Section IV-B and IV-C of Chong et al. 2020).

Only one of them is used at a time, as in the paper. Both return a scalar L_reg that the
trainer adds to L_SVDD with the weight c_t of :mod:`svddlib.weighting`.

The trainer sees each regularizer as an object behind one interface (:class:`Regularizer`),
built once from a TrainConfig by :func:`make_regularizer`: a new regularizer is a subclass
here plus its entry in ``_KINDS``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .weighting import ZeroWeight, make_weighting

__all__ = [
    "REGULARIZERS",
    "NoiseHead",
    "random_binary_labels",
    "noise_regularizer",
    "noise_loss_band",
    "minibatch_variance",
    "variance_regularizer",
    "variance_threshold",
    "Regularizer",
    "NoiseRegularizer",
    "VarianceRegularizer",
    "make_regularizer",
]


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (number of random classification tasks) must be an integer >= 1, got {k!r}")
    return k


class NoiseHead(nn.Module):
    """The linear layer g: R^p -> R^k on top of the features (Section IV-B).

    It produces the k logits of the random binary tasks. It is trained with its own learning
    rate and dropped at test time (anomaly scores use the features only).
    """

    def __init__(self, p: int, k: int = 50):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, int) or p < 1:
            raise ValueError(f"p (feature dimension) must be an integer >= 1, got {p!r}")
        self.p, self.k = p, _check_k(k)
        self.linear = nn.Linear(p, self.k)

    def forward(self, features: Tensor) -> Tensor:
        return self.linear(features)


def random_binary_labels(shape, generator: torch.Generator | None = None, device=None) -> Tensor:
    """Labels y_rnd drawn uniformly from {0, 1}, independently per sample and task (float)."""
    y = torch.randint(0, 2, tuple(shape), generator=generator, dtype=torch.float32)
    return y.to(device) if device is not None else y


def noise_regularizer(logits: Tensor, generator: torch.Generator | None = None,
                      targets: Tensor | None = None) -> Tensor:
    """Random-label sigmoid cross-entropy, Eq. (4): mean over the n samples and k tasks.

    Fresh labels are drawn from ``generator`` (a CPU generator) at every call unless
    ``targets`` is given. Its expected value for an uninformative head is log 2.
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (n, k), got {tuple(logits.shape)}")
    if targets is None:
        targets = random_binary_labels(logits.shape, generator, device=logits.device)
    return F.binary_cross_entropy_with_logits(logits, targets.to(logits.dtype))


def noise_loss_band(batch_size: int, k: int, n_sigma: float = 3.0) -> tuple[float, float]:
    """(low, high): where the noise loss of one minibatch of ``batch_size`` samples and ``k``
    fresh fair-coin tasks lies, to ``n_sigma`` standard deviations (N = batch_size k terms).

    Per term, l(z, y) = log 2 + log cosh(z/2) + (1/2 - y) z: the logit cost log cosh(z/2) >= 0
    plus a zero-mean label term of spread |z|/2. low, for ANY head (logits set before the
    labels): with a = rms(z), loss - log 2 >= a^2/8 - n_sigma a / (2 sqrt N), smallest at
    a = 2 n_sigma / sqrt N, so low = log 2 - n_sigma^2 / (2N). high, for a head with constant
    logits per task fitted to the coins of one earlier minibatch (z_q = logit of its label
    fraction, the most a near-constant head learns from them): the logit cost is
    KL(1/2 || fraction) ~ chi^2_1 / (2B) per task, mean 1/(2B) and spread sqrt(2/k)/(2B) over
    the k tasks, and the label term has spread ~ 1/(B sqrt k), so
    high = log 2 + (1 + n_sigma sqrt(2/k)) / (2B) + n_sigma / (B sqrt k). A head whose logits
    vary with the sample (features not collapsed), or a randomly initialised one, can lie
    higher: its logit cost depends on the feature scale, not on B and k.
    """
    import math

    b, k = int(batch_size), _check_k(k)
    if b < 1 or n_sigma < 0:
        raise ValueError(f"need batch_size >= 1 and n_sigma >= 0, got {batch_size!r}, {n_sigma!r}")
    log2 = math.log(2.0)
    low = log2 - n_sigma ** 2 / (2.0 * b * k)
    high = log2 + (1 + n_sigma * math.sqrt(2.0 / k)) / (2.0 * b) + n_sigma / (b * math.sqrt(k))
    return low, high


def minibatch_variance(features: Tensor) -> Tensor:
    """Unbiased per-feature variance of a batch, averaged over the p features (the term in Eq. (5)).

    1/(p (n-1)) sum_q sum_i (phi_iq - mean_q)^2. Needs n >= 2 samples.
    """
    if features.ndim != 2:
        raise ValueError(f"features must have shape (n, p), got {tuple(features.shape)}")
    if features.shape[0] < 2:
        raise ValueError("the unbiased variance needs at least 2 samples in the batch")
    return features.var(dim=0, unbiased=True).mean()


def variance_regularizer(features: Tensor, threshold: float) -> Tensor:
    """Hinge on the minibatch variance, Eq. (5): max(0, d_t - minibatch_variance(features)).

    A batch with a single sample has no variance; it gets zero penalty (still differentiable).
    """
    if threshold < 0:
        raise ValueError(f"variance threshold must be non-negative, got {threshold!r}")
    if features.shape[0] < 2:
        return features.sum() * 0.0
    return torch.clamp(threshold - minibatch_variance(features), min=0.0)


def variance_threshold(epoch: int, d0: float = 0.1, r: int = 3) -> float:
    """Annealed threshold d_t = d0 / 10^floor(epoch / r) of Section IV-C (epoch counted from 0)."""
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch!r}")
    if d0 <= 0:
        raise ValueError(f"d0 must be positive, got {d0!r}")
    if isinstance(r, bool) or not isinstance(r, int) or r < 1:
        raise ValueError(f"r (epochs per tenfold decrease) must be an integer >= 1, got {r!r}")
    return d0 / 10 ** (epoch // r)


# ----------------------------------------------------------------------------- for the trainer
class Regularizer:
    """What the trainer needs of a regularizer; this base class is 'none' (L_reg = 0, c_t = 0).

    Built from a TrainConfig ``cfg`` for features of dimension ``p`` on ``device``. ``weighted``:
    whether L_reg enters Eq. (6) with a weight c_t; ``head``: a module trained beside the
    network (None here), with the optimizer groups of :meth:`param_groups`.
    """

    weighted = False
    head: nn.Module | None = None

    def __init__(self, cfg, p: int, device):
        pass

    def param_groups(self) -> list:
        """Adam parameter groups of the regularizer's own parameters (with their lr)."""
        return []

    def start_epoch(self, epoch: int) -> None:
        """Called before epoch ``epoch`` (counted from 0)."""

    def loss(self, features: Tensor) -> Tensor:
        """L_reg of a minibatch of features (n, p)."""
        return features.new_zeros(())

    def diagnostics(self) -> dict:
        """Values for the epoch's history record."""
        return {"reg_threshold": 0.0}

    def state_dict(self) -> dict:
        """What a checkpoint keeps (its keys enter the checkpoint dict as they are)."""
        return {"head": None}

    def load_state_dict(self, state: dict) -> None:
        pass


class NoiseRegularizer(Regularizer):
    """Eq. (4): the random-label loss of the head g (k tasks, learning rate ``lr_head``); fresh
    labels per minibatch from a generator seeded with ``seed + 1``."""

    weighted = True

    def __init__(self, cfg, p: int, device):
        self.head = NoiseHead(p, cfg.k).to(device)
        self.lr = cfg.lr_head
        self.generator = torch.Generator().manual_seed(cfg.seed + 1)

    def param_groups(self) -> list:
        return [{"params": list(self.head.parameters()), "lr": self.lr}]

    def loss(self, features: Tensor) -> Tensor:
        return noise_regularizer(self.head(features), self.generator)

    def state_dict(self) -> dict:
        return {"head": self.head.state_dict(), "noise_gen": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.head.load_state_dict(state["head"])
        self.generator.set_state(state["noise_gen"])


class VarianceRegularizer(Regularizer):
    """Eq. (5) with the threshold d_t annealed per epoch (``d0``, ``r``; reported as
    ``reg_threshold``)."""

    weighted = True

    def __init__(self, cfg, p: int, device):
        self.d0, self.r = cfg.d0, cfg.r
        self.threshold = variance_threshold(0, self.d0, self.r)

    def start_epoch(self, epoch: int) -> None:
        self.threshold = variance_threshold(epoch, self.d0, self.r)

    def loss(self, features: Tensor) -> Tensor:
        return variance_regularizer(features, self.threshold)

    def diagnostics(self) -> dict:
        return {"reg_threshold": self.threshold}


_KINDS = {"none": Regularizer, "noise": NoiseRegularizer, "variance": VarianceRegularizer}
#: The names TrainConfig.regularizer accepts.
REGULARIZERS = tuple(_KINDS)


def make_regularizer(cfg, p: int, device):
    """(regularizer, weight c_t) named by ``cfg.regularizer`` and ``cfg.weighting``; without a
    weighted regularizer c_t is 0."""
    regularizer = _KINDS[cfg.regularizer](cfg, p, device)
    return regularizer, make_weighting(cfg) if regularizer.weighted else ZeroWeight()
