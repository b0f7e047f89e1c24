"""A scikit-learn compatible Deep SVDD detector (optionally regularized, Chong et al. 2020).

Follows scikit-learn's outlier-detector conventions (like IsolationForest / OneClassSVM):
``score_samples`` is higher for *more normal* samples, ``decision_function`` is negative for
outliers and ``predict`` returns +1 (inlier) / -1 (outlier). :meth:`DeepSVDD.anomaly_score`
gives the raw Deep SVDD score (higher = more anomalous), the convention of ``svddlib.metrics``.

Like every unsupervised scikit-learn detector, ``fit`` ignores ``y`` (so ``Pipeline`` and
``GridSearchCV`` can pass class labels). Semi-supervised labels (Eq. (3), Deep SAD form) go
in through the keyword ``fit(X, semi_labels=...)``.
"""
from __future__ import annotations

import contextlib
import copy
import math
import random

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from .models import AUTOENCODERS, NETS, build_autoencoder, build_model
from .objectives import radius_quantile
from .training import TrainConfig, compute_scores, pretrain_autoencoder, resolve_device, train

__all__ = ["DeepSVDD", "AUTO_STEPS", "AUTO_MIN_EPOCHS", "resolve_n_epochs"]

_DEFAULT_REP_DIM = {"lenet-mnist": 32, "lenet-cifar": 128, "resnet18": None, "mlp": 16}
# Options that only some networks take (None = the network's default); bias and rep_dim: all.
_NET_OPTIONS = {"batchnorm": True, "activation": "leaky_relu", "hidden_dims": (64,),
                "weights": None, "pooling": True}
_OPTIONS_OF = {"lenet-mnist": ("batchnorm", "activation"),
               "lenet-cifar": ("batchnorm", "activation"),
               "mlp": ("batchnorm", "activation", "hidden_dims"),
               "resnet18": ("weights", "pooling")}
_AE_OPTIONS = ("ae_n_epochs", "ae_lr", "ae_weight_decay", "ae_batch_size")
#: ``n_epochs='auto'``: at least this many optimizer steps (minibatches) and this many epochs.
#: Chosen with the default lr on MNIST-5k one-vs-all by validation AUC and CPU time only
#: (README, "Use svddlib as a detector"): a fixed 30 epochs are 210 steps on 320 images.
AUTO_STEPS = 70
AUTO_MIN_EPOCHS = 10


def resolve_n_epochs(n_epochs, n_samples: int, batch_size: int) -> int:
    """``n_epochs`` itself, or for ``'auto'``
    max(AUTO_MIN_EPOCHS, ceil(AUTO_STEPS / minibatches per epoch))."""
    if n_epochs != "auto":
        return n_epochs  # TrainConfig checks it is an integer >= 1
    steps_per_epoch = math.ceil(n_samples / batch_size)
    return max(AUTO_MIN_EPOCHS, math.ceil(AUTO_STEPS / steps_per_epoch))


def _fresh_seed(random_state) -> int:
    """An int seed from None (fresh OS entropy, no global state touched), an int or a
    RandomState."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2 ** 31 - 1))
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)) \
            or random_state < 0:
        raise ValueError(f"random_state must be None, a non-negative integer or a "
                         f"numpy RandomState, got {random_state!r}")
    return int(random_state)


@contextlib.contextmanager
def _global_rng_preserved(device: torch.device):
    """Run the block with the caller's Python / NumPy / torch RNG states restored afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    cuda = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=cuda):
            yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


class DeepSVDD(OutlierMixin, BaseEstimator):
    """Deep SVDD (one-class / soft-boundary, optional noise or variance regularizer).

    net: 'lenet-mnist' (X of shape (N, 1, 28, 28) or (N, 28, 28)), 'lenet-cifar'
    ((N, 3, 32, 32)), 'resnet18' ((N, 3, H, W)) or 'mlp' (tabular (N, d)). X must already be
    preprocessed (images e.g. by svddlib.data.to_tensor; tabular data standardised).
    rep_dim: feature dimension p (None: the network's default); bias: bias terms on/off.
    Net-specific options (None = the net's default; setting one that the net does not take is
    a ValueError): batchnorm, activation (LeNets, MLP), hidden_dims (MLP), weights ('imagenet'),
    pooling (ResNet-18).
    pretrain: autoencoder pretraining of the LeNets (Ruff et al. 2018) with ae_n_epochs,
    ae_lr, ae_weight_decay, ae_batch_size (None: those of the Deep SVDD training).
    n_epochs: an integer, or 'auto' (default): at least :data:`AUTO_STEPS` optimizer steps
    and :data:`AUTO_MIN_EPOCHS` epochs, so small training sets are not undertrained.
    lr: Adam's learning rate; the default 5e-3 (the reference code: 1e-4 for ~150 epochs)
    suits the short 'auto' schedule of the bias-free LeNets; pretrained ResNet-18 weights
    want a much smaller one (the paper: 1e-4 for the body).
    The other parameters are those of :class:`svddlib.training.TrainConfig`.
    warm_start: a second ``fit`` continues from the fitted weights and centre (n_epochs more
    epochs, a fresh optimizer, no pretraining).
    random_state: int, numpy RandomState or None (a fresh seed per fit); the seed used is
    ``random_state_``. ``fit`` leaves the caller's global Python/NumPy/torch RNG states as
    they were.
    nu also sets the one-class decision threshold: the (1 - nu) quantile of the training
    scores (soft-boundary: the learned radius R, score > 0 is an outlier). If R was never
    updated (n_epochs <= warm_up_n_epochs, or the best validation epoch lies in the warm-up),
    R is set at the end of ``fit`` by the same rule the per-minibatch update uses: the
    (1 - nu) quantile of the training distances (here in eval mode).

    Fitted attributes: model_, center_, radius_, offset_, history_ (one dict per epoch),
    best_epoch_, n_epochs_, random_state_, ae_history_ (AE losses, pretrain only),
    n_features_in_, result_ (the :class:`~svddlib.training.TrainResult`).
    """

    def __init__(self, net="lenet-mnist", rep_dim=None, bias=False, batchnorm=None,
                 activation=None, hidden_dims=None, weights=None, pooling=None,
                 objective="one-class", nu=0.1, eta=1.0, regularizer="none", k=50, alpha=0.9,
                 beta=0.5, weighting="adaptive", d0=0.1, r=3, lr=5e-3, lr_head=1e-3,
                 n_epochs="auto", batch_size=50, weight_decay=5e-4, warm_up_n_epochs=10,
                 pretrain=False, ae_n_epochs=None, ae_lr=None, ae_weight_decay=None,
                 ae_batch_size=None, warm_start=False, device="auto", random_state=None,
                 verbose=False):
        self.net, self.rep_dim, self.bias, self.batchnorm = net, rep_dim, bias, batchnorm
        self.activation, self.hidden_dims, self.weights, self.pooling = (activation, hidden_dims,
                                                                          weights, pooling)
        self.objective, self.nu, self.eta, self.regularizer, self.k = (objective, nu, eta,
                                                                        regularizer, k)
        self.alpha, self.beta, self.weighting, self.d0, self.r = alpha, beta, weighting, d0, r
        self.lr, self.lr_head, self.n_epochs, self.batch_size = lr, lr_head, n_epochs, batch_size
        self.weight_decay, self.warm_up_n_epochs = weight_decay, warm_up_n_epochs
        self.pretrain, self.ae_n_epochs, self.ae_lr = pretrain, ae_n_epochs, ae_lr
        self.ae_weight_decay, self.ae_batch_size = ae_weight_decay, ae_batch_size
        self.warm_start, self.device, self.random_state, self.verbose = (warm_start, device,
                                                                          random_state, verbose)

    # ------------------------------------------------------------------ checks
    def _check_options(self) -> None:
        if self.net not in NETS:
            raise ValueError(f"net must be one of {sorted(NETS)}, got {self.net!r}")
        takes = _OPTIONS_OF[self.net]
        for name in _NET_OPTIONS:
            if name not in takes and getattr(self, name) is not None:
                raise ValueError(f"{name}={getattr(self, name)!r} does not apply to "
                                 f"net={self.net!r} (it takes bias, rep_dim, {', '.join(takes)}); "
                                 f"leave {name}=None")
        if self.pretrain and self.net not in AUTOENCODERS:
            raise ValueError(f"pretrain=True needs an autoencoder, which exists for "
                             f"{sorted(AUTOENCODERS)}, not net={self.net!r}")
        if not self.pretrain:
            given = [n for n in _AE_OPTIONS if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} apply only with pretrain=True")

    def _net_kwargs(self) -> dict:
        kw = {"bias": self.bias, "rep_dim": self.rep_dim if self.rep_dim is not None
              else _DEFAULT_REP_DIM[self.net]}
        for name in _OPTIONS_OF[self.net]:
            value = getattr(self, name)
            kw[name] = _NET_OPTIONS[name] if value is None else value
        if "hidden_dims" in kw:
            kw["hidden_dims"] = tuple(kw["hidden_dims"])
        return kw

    def _train_config(self, n_samples: int, seed: int) -> TrainConfig:
        return TrainConfig(
            objective=self.objective, nu=self.nu, eta=self.eta, lr=self.lr, lr_head=self.lr_head,
            n_epochs=resolve_n_epochs(self.n_epochs, n_samples, self.batch_size),
            batch_size=self.batch_size, weight_decay=self.weight_decay,
            regularizer=self.regularizer, k=self.k, alpha=self.alpha, beta=self.beta, d0=self.d0,
            r=self.r, weighting=self.weighting, warm_up_n_epochs=self.warm_up_n_epochs,
            seed=seed, device=self.device, progress=bool(self.verbose))

    def _check_X(self, X, reset: bool, min_samples: int = 1) -> torch.Tensor:
        """scikit-learn's input checks (NaN/inf, sparse, complex, empty, n_features_in_)."""
        x = validate_data(self, X, reset=reset, dtype=np.float32, allow_nd=True,
                          ensure_min_samples=min_samples)
        x = torch.tensor(x)  # a copy: read-only or memory-mapped input is fine
        if self.net == "lenet-mnist" and x.ndim == 3:
            x = x.unsqueeze(1)  # (N, 28, 28) grey images
        if self.net == "mlp" and x.ndim != 2:
            raise ValueError(f"net='mlp' expects X of shape (n_samples, n_features), "
                             f"got {tuple(x.shape)}")
        return x

    def _check_validation(self, validation_data, x: torch.Tensor):
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val) with y_val = 0 for "
                             "normal and 1 for anomalous samples")
        x_val = check_array(validation_data[0], dtype=np.float32, allow_nd=True,
                            input_name="X_val")
        x_val = torch.tensor(x_val)
        if self.net == "lenet-mnist" and x_val.ndim == 3:
            x_val = x_val.unsqueeze(1)
        if tuple(x_val.shape[1:]) != tuple(x.shape[1:]):
            raise ValueError(f"validation_data: X_val has samples of shape "
                             f"{tuple(x_val.shape[1:])} but X has {tuple(x.shape[1:])}")
        y_val = column_or_1d(np.asarray(validation_data[1]))
        if len(y_val) != len(x_val):
            raise ValueError(f"validation_data: X_val has {len(x_val)} samples but y_val has "
                             f"{len(y_val)} labels")
        values = np.unique(y_val)
        if not np.isin(values, (0, 1)).all():
            raise ValueError(f"validation_data: y_val must be 0 (normal) or 1 (anomaly), got "
                             f"values {values.tolist()}")
        if len(values) < 2:
            raise ValueError(f"validation_data: y_val holds only class {values.tolist()}; the "
                             "validation AUC needs both normal (0) and anomalous (1) samples")
        return x_val, y_val.astype(int)

    # ------------------------------------------------------------------ fitting
    def _pretrained_net(self, x: torch.Tensor, seed: int, n_epochs: int):
        ae = build_autoencoder(self.net, **self._net_kwargs())
        self.ae_history_ = pretrain_autoencoder(
            ae, x, n_epochs=resolve_n_epochs(self.ae_n_epochs or n_epochs, len(x),
                                             self.ae_batch_size or self.batch_size),
            lr=self.ae_lr or self.lr,
            weight_decay=self.weight_decay if self.ae_weight_decay is None
            else self.ae_weight_decay,
            batch_size=self.ae_batch_size or self.batch_size, seed=seed, device=self.device,
            progress=bool(self.verbose))
        return ae.encoder  # the very architecture of NETS[self.net]

    def fit(self, X, y=None, *, validation_data=None, semi_labels=None):
        """Train on X (``y`` is ignored, as by every unsupervised scikit-learn detector).

        validation_data: optional (X_val, y_val) with y_val 0 normal / 1 anomaly: the model
        of the epoch with the best validation AUC is kept (the paper's protocol; ``best_epoch_``
        and the ``val_auc`` column of ``history_`` say which). Without it, the last epoch's
        model is kept, which may be a collapsed one.
        semi_labels: optional (N,) with 0 unlabeled, +1 labeled normal, -1 labeled anomaly
        (Eq. (3); one-class objective only).
        """
        self._check_options()
        warm = bool(self.warm_start) and hasattr(self, "model_")
        x = self._check_X(X, reset=not warm, min_samples=2)  # BatchNorm needs 2
        seed = _fresh_seed(self.random_state)
        cfg = self._train_config(len(x), seed)  # validates nu, k, lr, ... with clear errors
        val = self._check_validation(validation_data, x)
        with _global_rng_preserved(resolve_device(cfg.device)):
            torch.manual_seed(seed)
            if warm:
                model, center = self.model_, self.center_
            else:
                self.__dict__.pop("ae_history_", None)  # from an earlier fit with pretrain
                model = (self._pretrained_net(x, seed, cfg.n_epochs) if self.pretrain
                         else build_model(self.net, **self._build_kwargs(x)))
                center = None
            result = train(model, x, cfg, semi_labels=semi_labels, val=val, center=center)
        self.random_state_, self.n_epochs_, self.result_ = seed, cfg.n_epochs, result
        self.model_, self.center_, self.radius_ = result.model, result.center, result.radius
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        if self.objective == "soft-boundary" and self.radius_ == 0.0:
            self.radius_ = radius_quantile(self._distances(x), self.nu)
            result.radius = self.radius_
        threshold = 0.0 if self.objective == "soft-boundary" else float(
            np.quantile(self._scores(x), 1.0 - self.nu))
        self.offset_ = -threshold
        return self

    def _build_kwargs(self, x: torch.Tensor) -> dict:
        kw = self._net_kwargs()
        if self.net == "mlp":
            kw["in_features"] = int(x.shape[1])
        if self.net == "resnet18":
            kw["input_size"] = x.shape[-1] if x.ndim == 4 else 224
        return kw

    # ------------------------------------------------------------------ scoring
    def _distances(self, x: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(compute_scores(self._scoring_model(), x, self.center_))

    def _scoring_model(self):
        """For net='mlp' on CPU a float64 copy: a sample's score then does not depend on which
        other samples share its batch (float32 matrix products round differently for different
        batch sizes; scikit-learn checks this). Images keep float32 (float64 convolutions are
        ~5x slower), where such differences stay at the float32 rounding level."""
        if self.net != "mlp" or self.center_.device.type != "cpu":
            return self.model_
        return copy.deepcopy(self.model_).double()

    def _scores(self, x: torch.Tensor) -> np.ndarray:
        return compute_scores(self._scoring_model(), x, self.center_, self.radius_,
                              self.objective)

    def anomaly_score(self, X) -> np.ndarray:
        """Deep SVDD score ||phi(x) - c||^2 (minus R^2 for soft-boundary); higher = more
        anomalous."""
        check_is_fitted(self, "model_")
        return self._scores(self._check_X(X, reset=False))

    def score_samples(self, X) -> np.ndarray:
        """Opposite of the anomaly score (scikit-learn convention: higher = more normal)."""
        return -self.anomaly_score(X)

    def decision_function(self, X) -> np.ndarray:
        """score_samples - offset_: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        """+1 for inliers, -1 for outliers."""
        return np.where(self.decision_function(X) < 0, -1, 1)
