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
import json
import math
import random
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from .models import AUTOENCODERS, NETS, build_autoencoder, build_model
from .models.efficientnet import fast_path_model, frozen_outputs
from .objectives import knn_offset, knn_scores, radius_quantile
from .outlier_api import AnomalyScoreOutlierMixin
from .training import (TrainConfig, compute_features, compute_scores, pretrain_autoencoder,
                       resolve_device, train)

__all__ = ["DeepSVDD", "AUTO_STEPS", "AUTO_MIN_EPOCHS", "AUTO_MIN_EPOCHS_PRETRAINED",
           "resolve_n_epochs", "as_image_tensor", "FAST_TRAINABLE_BLOCKS", "FINETUNES"]

_DEFAULT_REP_DIM = {"lenet-mnist": 32, "lenet-cifar": 128, "resnet18": None,
                    "efficientnet-lite0": None, "mlp": 16}
# Options that only some networks take (None = the network's default); bias and rep_dim: all.
_NET_OPTIONS = {"batchnorm": True, "activation": "leaky_relu", "hidden_dims": (64,),
                "weights": None, "pooling": True, "input_size": 64, "finetune": "last",
                "bn_stats": "update"}
_OPTIONS_OF = {"lenet-mnist": ("batchnorm", "activation"),
               "lenet-cifar": ("batchnorm", "activation"),
               "mlp": ("batchnorm", "activation", "hidden_dims"),
               "resnet18": ("weights", "pooling"),
               "efficientnet-lite0": ("weights", "pooling", "input_size", "finetune", "bn_stats")}
#: Per-net defaults that differ from _NET_OPTIONS.
_NET_DEFAULTS = {"efficientnet-lite0": {"weights": "imagenet"}}
#: Adam's default learning rate per net (lr=None): from-scratch nets / pretrained body.
_DEFAULT_LR = {"efficientnet-lite0": 3e-5}
_FALLBACK_LR = 5e-3
#: bias=None: the bias-free network (the Deep SVDD constraint), except for the pretrained
#: 'efficientnet-lite0', whose pretrained BatchNorm shifts are kept ("w/ bias"): chosen on
#: validation data (README), as the bias-free variant loses them and starts from worse features.
_DEFAULT_BIAS = {"efficientnet-lite0": True}
FINETUNES = ("last", "full")
SCORINGS = ("center", "knn")
#: ``finetune='last'``: the blocks trained on the cached outputs of the frozen ones.
FAST_TRAINABLE_BLOCKS = 2
_AE_OPTIONS = ("ae_n_epochs", "ae_lr", "ae_weight_decay", "ae_batch_size")
#: ``n_epochs='auto'``: at least this many optimizer steps (minibatches) and this many epochs.
#: Chosen with the default lr on MNIST-5k one-vs-all by validation AUC and CPU time only
#: (README, "Use svddlib as a detector"): a fixed 30 epochs are 210 steps on 320 images.
AUTO_STEPS = 70
AUTO_MIN_EPOCHS = 10
#: ... and for the pretrained 'efficientnet-lite0', which starts from useful features.
AUTO_MIN_EPOCHS_PRETRAINED = 1
#: ``save`` / ``load`` file format tag.
SAVE_FORMAT = "svddlib.DeepSVDD/1"
_SAVED_ATTRIBUTES = ("radius_", "offset_", "history_", "best_epoch_", "n_epochs_",
                     "random_state_", "n_features_in_")


def resolve_n_epochs(n_epochs, n_samples: int, batch_size: int,
                     min_epochs: int = AUTO_MIN_EPOCHS) -> int:
    """``n_epochs`` itself, or for ``'auto'``
    max(min_epochs, ceil(AUTO_STEPS / minibatches per epoch))."""
    if n_epochs != "auto":
        return n_epochs  # TrainConfig checks it is an integer >= 1
    steps_per_epoch = math.ceil(n_samples / batch_size)
    return max(min_epochs, math.ceil(AUTO_STEPS / steps_per_epoch))


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


def as_image_tensor(X, name: str = "X") -> torch.Tensor:
    """Images as users have them -> float32 (N, C, H, W), C in {1, 3}.

    uint8 (N, H, W) or (N, H, W, C): divided by 255, channels moved first. Float (or other
    numeric) (N, C, H, W) arrays or tensors are kept as they are, (N, H, W) gets a channel
    axis. Anything else (1-D or 2-D input, other channel counts, non-finite values,
    channels-last floats) is a one-line ValueError."""
    arr = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be a numeric image array, got dtype {arr.dtype}")
    if arr.ndim not in (3, 4):
        raise ValueError(f"{name} must be images (N, H, W[, C]) uint8 or (N, C, H, W) float, "
                         f"got an array of shape {arr.shape}")
    if arr.dtype == np.uint8:
        arr = arr[:, None] if arr.ndim == 3 else arr
        if arr.shape[1] not in (1, 3) and arr.shape[-1] in (1, 3):
            arr = arr.transpose(0, 3, 1, 2)  # (N, H, W, C)
        arr = arr.astype(np.float32) / 255.0
    arr = arr[:, None] if arr.ndim == 3 else arr
    if arr.shape[1] not in (1, 3):
        hint = (" (channels last? pass uint8 images or transpose floats to (N, C, H, W))"
                if arr.shape[-1] in (1, 3) else "")
        raise ValueError(f"{name} must have 1 or 3 channels in (N, C, H, W), got shape "
                         f"{arr.shape}{hint}")
    x = torch.tensor(arr, dtype=torch.float32)  # a copy: read-only input is fine
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


#: A final loss this many times above the untrained network's counts as diverged.
DIVERGENCE_FACTOR = 100.0


def _warn_if_diverged(result, lr: float) -> None:
    """RuntimeWarning when the last epoch's Deep SVDD loss is DIVERGENCE_FACTOR times that of
    the untrained network, estimated from the first minibatch as p x mean feature variance
    (the mean squared distance to the batch mean)."""
    start = result.initial_feature_var * result.center.numel()
    last = result.history[-1]["l_svdd"] if result.history else float("nan")
    if math.isfinite(start) and last > DIVERGENCE_FACTOR * max(start, 1e-12):
        warnings.warn(f"DeepSVDD diverged: the loss went from about {start:.3g} (untrained) to "
                      f"{last:.3g}; lower lr (now {lr:g})", RuntimeWarning, stacklevel=3)


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


class DeepSVDD(AnomalyScoreOutlierMixin, BaseEstimator):
    """Deep SVDD (one-class / soft-boundary, optional noise or variance regularizer).

    net: 'efficientnet-lite0' (pretrained, for photographs), 'lenet-mnist' (28 x 28 grey),
    'lenet-cifar' (32 x 32 colour), 'resnet18' or 'mlp' (tabular (N, d), standardised).
    Images (every net but 'mlp') go in as users have them: uint8 (N, H, W) or (N, H, W, C)
    with C in {1, 3} (divided by 255), or float (N, C, H, W) / (N, H, W) arrays or tensors,
    converted once by :func:`as_image_tensor` (anything else is a one-line ValueError).
    Preprocessing: 'efficientnet-lite0' resizes to ``input_size`` (default 64) and applies the
    ImageNet normalisation itself (expects [0, 1] values: uint8 or float images / 255); the
    LeNets and 'resnet18' apply nothing and expect inputs prepared as in training, e.g. by
    :func:`svddlib.data.to_tensor` (LeNets: global contrast normalisation + min-max;
    'resnet18' with weights='imagenet': ImageNet normalisation, which the caller does).
    rep_dim: feature dimension p (None: the network's default; for 'efficientnet-lite0' its
    pooled 1280 features, no projection); bias: bias terms on/off (None: off, except for
    'efficientnet-lite0': on, i.e. its pretrained BatchNorm shifts stay trainable).
    Net-specific options (None = the net's default; setting one that the net does not take is
    a ValueError): batchnorm, activation (LeNets, MLP), hidden_dims (MLP), weights ('imagenet';
    the default of 'efficientnet-lite0', whose weights ship in a pip package), pooling
    (ResNet-18, EfficientNet-Lite0: True/'max', 'avg', False), input_size and finetune
    (EfficientNet-Lite0).
    finetune: 'last' (default, the fast CPU path): the first 14 of 16 blocks stay frozen at
    their ImageNet weights, their outputs are computed once per ``fit`` (one forward pass
    over X through them, most of the cost; README: measured CPU times) and only the last
    :data:`FAST_TRAINABLE_BLOCKS` blocks, the head convolution and the projection (if any) are
    trained on them (each epoch costs a small fraction of a full pass). 'full': the paper's full
    fine-tuning of every layer (each epoch a forward and backward pass through the whole
    network, several times the cost of the fast path per epoch: a GPU job for thousands of
    images). Both use the split learning rate: the projection head learns
    :data:`svddlib.models.efficientnet.HEAD_LR_FACTOR` (10) times faster than the body.
    pretrain: autoencoder pretraining of the LeNets (Ruff et al. 2018) with ae_n_epochs,
    ae_lr, ae_weight_decay, ae_batch_size (None: those of the Deep SVDD training).
    n_epochs: an integer, or 'auto' (default): at least :data:`AUTO_STEPS` optimizer steps
    and :data:`AUTO_MIN_EPOCHS` epochs, so small training sets are not undertrained.
    n_epochs='auto' for 'efficientnet-lite0': at least :data:`AUTO_STEPS` steps and
    :data:`AUTO_MIN_EPOCHS_PRETRAINED` epochs.
    lr: Adam's learning rate (of the body, for pretrained nets); None: 3e-5 for
    'efficientnet-lite0' (chosen on validation data, README; the paper's body rate 1e-4
    degrades the pretrained features within one epoch on several classes), 5e-3 for the others (the reference code:
    1e-4 for ~150 epochs; 5e-3 suits the short 'auto' schedule of the bias-free LeNets);
    pretrained ResNet-18 weights want a much smaller one than 5e-3 (the paper: 1e-4).
    The other parameters are those of :class:`svddlib.training.TrainConfig`.
    scoring: 'center' (default, the paper's score ||phi(x) - c||^2) or 'knn': the mean
    Euclidean distance of phi(x) to its ``n_neighbors`` (default 2) nearest training features
    phi(x_i) in the learned space (every training sample but labelled anomalies), the score
    PANDA (Reiss et al. 2021) uses after training with the same compactness loss; not Deep
    SVDD's score. Training is the same; ``validation_data`` still picks the epoch by the
    centre distance. The training features are kept (``train_features_``, N x p, saved by
    :meth:`save`); ``offset_`` is then the (1 - nu) quantile of the training samples'
    leave-one-out kNN scores, as for :class:`~svddlib.baselines.PretrainedKNN`. One-class
    objective only. With pretrained BatchNorms use ``bn_stats='frozen'`` (below): updating
    their statistics in training spoils the neighbourhoods (README, validation probe).
    bn_stats ('efficientnet-lite0'): 'update' (None: default) or 'frozen', the BatchNorms stay
    in eval mode while training (pretrained statistics kept, as PANDA trains).
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
    train_features_ and nn_ (scoring='knn'),
    best_epoch_, n_epochs_, random_state_, ae_history_ (AE losses, pretrain only),
    n_features_in_ (images: the number of channels), result_ (the
    :class:`~svddlib.training.TrainResult`).

    Persistence: :meth:`save` / :meth:`load` write and read a file that holds tensors and
    JSON only (``torch.load(weights_only=True)``: a tampered file is refused, nothing in it
    runs). Pickle and joblib files run code on load: only open those you made yourself.
    """

    def __init__(self, net="lenet-mnist", rep_dim=None, bias=None, batchnorm=None,
                 activation=None, hidden_dims=None, weights=None, pooling=None,
                 input_size=None, finetune=None, bn_stats=None,
                 objective="one-class", nu=0.1, eta=1.0, regularizer="none", k=50, alpha=0.9,
                 beta=0.5, weighting="adaptive", d0=0.1, r=3, lr=None, lr_head=1e-3,
                 n_epochs="auto", batch_size=50, weight_decay=5e-4, warm_up_n_epochs=10,
                 pretrain=False, ae_n_epochs=None, ae_lr=None, ae_weight_decay=None,
                 ae_batch_size=None, scoring="center", n_neighbors=2, warm_start=False,
                 device="auto", random_state=None, verbose=False):
        self.net, self.rep_dim, self.bias, self.batchnorm = net, rep_dim, bias, batchnorm
        self.activation, self.hidden_dims, self.weights, self.pooling = (activation, hidden_dims,
                                                                          weights, pooling)
        self.input_size, self.finetune, self.bn_stats = input_size, finetune, bn_stats
        self.objective, self.nu, self.eta, self.regularizer, self.k = (objective, nu, eta,
                                                                        regularizer, k)
        self.alpha, self.beta, self.weighting, self.d0, self.r = alpha, beta, weighting, d0, r
        self.lr, self.lr_head, self.n_epochs, self.batch_size = lr, lr_head, n_epochs, batch_size
        self.weight_decay, self.warm_up_n_epochs = weight_decay, warm_up_n_epochs
        self.pretrain, self.ae_n_epochs, self.ae_lr = pretrain, ae_n_epochs, ae_lr
        self.ae_weight_decay, self.ae_batch_size = ae_weight_decay, ae_batch_size
        self.scoring, self.n_neighbors = scoring, n_neighbors
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
        if self.finetune is not None and self.finetune not in FINETUNES:
            raise ValueError(f"finetune must be one of {FINETUNES}, got {self.finetune!r}")
        if self.scoring not in SCORINGS:
            raise ValueError(f"scoring must be one of {SCORINGS}, got {self.scoring!r}")
        if isinstance(self.n_neighbors, bool) or not isinstance(self.n_neighbors,
                                                                (int, np.integer)) \
                or self.n_neighbors < 1:
            raise ValueError(f"n_neighbors must be an integer >= 1, got {self.n_neighbors!r}")
        if self.scoring == "knn" and self.objective == "soft-boundary":
            raise ValueError("scoring='knn' takes objective='one-class' (the soft-boundary "
                             "radius R has no meaning for neighbour distances)")
        if self.pretrain and self.net not in AUTOENCODERS:
            raise ValueError(f"pretrain=True needs an autoencoder, which exists for "
                             f"{sorted(AUTOENCODERS)}, not net={self.net!r}")
        if not self.pretrain:
            given = [n for n in _AE_OPTIONS if getattr(self, n) is not None]
            if given:
                raise ValueError(f"{', '.join(given)} apply only with pretrain=True")
        resolve_device(self.device, check_available=True)  # 'cuda' without a GPU: one line

    def _option(self, name: str):
        """A net option's value: as set, else the net's default."""
        value = getattr(self, name)
        if value is not None:
            return value
        return _NET_DEFAULTS.get(self.net, {}).get(name, _NET_OPTIONS[name])

    def _fast_path(self) -> bool:
        return self.net == "efficientnet-lite0" and self._option("finetune") == "last"

    def _net_kwargs(self) -> dict:
        kw = {"bias": self._bias(), "rep_dim": self.rep_dim if self.rep_dim is not None
              else _DEFAULT_REP_DIM[self.net]}
        for name in _OPTIONS_OF[self.net]:
            if name != "finetune":  # a training choice, not the network's
                kw[name] = self._option(name)
        if "hidden_dims" in kw:
            kw["hidden_dims"] = tuple(kw["hidden_dims"])
        return kw

    def _bias(self) -> bool:
        return _DEFAULT_BIAS.get(self.net, False) if self.bias is None else bool(self.bias)

    def _lr(self) -> float:
        return _DEFAULT_LR.get(self.net, _FALLBACK_LR) if self.lr is None else self.lr

    def _train_config(self, n_samples: int, seed: int) -> TrainConfig:
        min_epochs = (AUTO_MIN_EPOCHS_PRETRAINED if self.net == "efficientnet-lite0"
                      else AUTO_MIN_EPOCHS)
        return TrainConfig(
            objective=self.objective, nu=self.nu, eta=self.eta, lr=self._lr(),
            lr_head=self.lr_head, batch_size=self.batch_size,
            n_epochs=resolve_n_epochs(self.n_epochs, n_samples, self.batch_size, min_epochs),
            weight_decay=self.weight_decay,
            regularizer=self.regularizer, k=self.k, alpha=self.alpha, beta=self.beta, d0=self.d0,
            r=self.r, weighting=self.weighting, warm_up_n_epochs=self.warm_up_n_epochs,
            seed=seed, device=self.device, progress=bool(self.verbose))

    def _check_X(self, X, reset: bool, min_samples: int = 1, name: str = "X") -> torch.Tensor:
        """Tabular X: scikit-learn's input checks (NaN/inf, sparse, complex, empty,
        n_features_in_). Images: :func:`as_image_tensor`, and the channels must match fit's."""
        if self.net == "mlp":
            x = (check_array(X, dtype=np.float32, allow_nd=True, input_name=name) if name != "X"
                 else validate_data(self, X, reset=reset, dtype=np.float32, allow_nd=True,
                                    ensure_min_samples=min_samples))
            if x.ndim != 2:
                raise ValueError(f"net='mlp' expects {name} of shape (n_samples, n_features), "
                                 f"got {x.shape}")
            return torch.tensor(x)  # a copy: read-only or memory-mapped input is fine
        x = as_image_tensor(X, name)
        if len(x) < min_samples:
            raise ValueError(f"{name} has {len(x)} images; fit needs at least {min_samples}")
        if reset:
            self.n_features_in_ = int(x.shape[1])
        elif x.shape[1] != self.n_features_in_:
            raise ValueError(f"{name} has {x.shape[1]}-channel images, but DeepSVDD was fitted "
                             f"on {self.n_features_in_}-channel images")
        return x

    def _check_validation(self, validation_data, x: torch.Tensor):
        if validation_data is None:
            return None
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val) with y_val = 0 for "
                             "normal and 1 for anomalous samples")
        x_val = self._check_X(validation_data[0], reset=False, name="X_val")
        if self.net != "efficientnet-lite0" and tuple(x_val.shape[1:]) != tuple(x.shape[1:]):
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
            lr=self.ae_lr or self._lr(),
            weight_decay=self.weight_decay if self.ae_weight_decay is None
            else self.ae_weight_decay,
            batch_size=self.ae_batch_size or self.batch_size, seed=seed, device=self.device,
            progress=bool(self.verbose))
        return ae.encoder  # the very architecture of NETS[self.net]

    def _new_model(self, input_shape: tuple):
        """A freshly initialised network for inputs of ``input_shape`` (without N); for the
        fast path ``Sequential(frozen front, trainable tail)``."""
        kw = self._build_kwargs(input_shape)
        if self._fast_path():
            return fast_path_model(FAST_TRAINABLE_BLOCKS, **kw)
        return build_model(self.net, **kw)

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
        if self.scoring == "knn":
            self._knn_reference(x, semi_labels)  # n_neighbors fits, before any training
        val = self._check_validation(validation_data, x)
        device = resolve_device(cfg.device)
        with _global_rng_preserved(device):
            torch.manual_seed(seed)
            if warm:
                model, center = self.model_, self.center_
            else:
                self.__dict__.pop("ae_history_", None)  # from an earlier fit with pretrain
                model = (self._pretrained_net(x, seed, cfg.n_epochs) if self.pretrain
                         else self._new_model(tuple(x.shape[1:])))
                center = None
            result, inputs = self._train(model, x, cfg, semi_labels, val, center, device)
        self.random_state_, self.n_epochs_, self.result_ = seed, cfg.n_epochs, result
        self.model_, self.center_, self.radius_ = model, result.center, result.radius
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        _warn_if_diverged(result, cfg.lr)
        trained = model[1] if self._fast_path() else self._scoring_model()
        if self.scoring == "knn":
            self._fit_knn(trained, inputs, semi_labels)
            return self
        self.__dict__.pop("train_features_", None)
        self.__dict__.pop("nn_", None)
        if self.objective == "soft-boundary" and self.radius_ == 0.0:
            dist = compute_scores(trained, inputs, self.center_)
            self.radius_ = result.radius = radius_quantile(torch.as_tensor(dist), self.nu)
        threshold = 0.0 if self.objective == "soft-boundary" else float(np.quantile(
            compute_scores(trained, inputs, self.center_, self.radius_, self.objective),
            1.0 - self.nu))
        self.offset_ = -threshold
        return self

    def _fit_knn(self, trained, inputs, semi_labels) -> None:
        """scoring='knn': the reference features (every training sample but labelled
        anomalies), their neighbour index, and ``offset_`` from leave-one-out training scores
        (each sample's neighbours among the others), as :class:`~svddlib.baselines.PretrainedKNN`
        sets it (its contamination = nu)."""
        inputs = self._knn_reference(inputs, semi_labels)
        self.train_features_ = compute_features(trained, inputs, device=self.center_.device).cpu()
        self._index_features()
        self.offset_ = knn_offset(self.nn_, self.nu)

    def _knn_reference(self, inputs, semi_labels):
        """The training samples that are kNN references: all but labelled anomalies."""
        if semi_labels is not None and len(np.asarray(semi_labels).ravel()) == len(inputs):
            inputs = inputs[torch.as_tensor(np.asarray(semi_labels).ravel() != -1)]
        if not self.n_neighbors < len(inputs):
            raise ValueError(f"n_neighbors must be below the number of reference samples "
                             f"({len(inputs)}), got {self.n_neighbors!r}")
        return inputs

    def _index_features(self) -> None:
        from sklearn.neighbors import NearestNeighbors

        self.nn_ = NearestNeighbors(n_neighbors=self.n_neighbors).fit(self.train_features_.numpy())

    def _train(self, model, x, cfg, semi_labels, val, center, device):
        """(:func:`~svddlib.training.train` on X, X), or for the fast path (training of the
        trainable tail on the frozen front's outputs, those outputs: computed once here)."""
        if not self._fast_path():
            return train(model, x, cfg, semi_labels=semi_labels, val=val, center=center), x
        front = model[0].to(device)
        feats = frozen_outputs(front, x, cfg.eval_batch_size, device)
        if val is not None:
            val = (frozen_outputs(front, val[0], cfg.eval_batch_size, device), val[1])
        return train(model[1], feats, cfg, semi_labels=semi_labels, val=val,
                     center=center), feats

    def _build_kwargs(self, input_shape: tuple) -> dict:
        kw = self._net_kwargs()
        if self.net == "mlp":
            kw["in_features"] = int(input_shape[0])
        if self.net == "resnet18":
            kw["input_size"] = input_shape[-1] if len(input_shape) == 3 else 224
        return kw

    # ------------------------------------------------------------------ scoring
    def _scoring_model(self):
        """For net='mlp' on CPU a float64 copy: a sample's score then does not depend on which
        other samples share its batch (float32 matrix products round differently for different
        batch sizes; scikit-learn checks this). Images keep float32 (float64 convolutions are
        ~5x slower), where such differences stay at the float32 rounding level."""
        if self.net != "mlp" or self.center_.device.type != "cpu":
            return self.model_
        return copy.deepcopy(self.model_).double()

    def _scores(self, x: torch.Tensor) -> np.ndarray:
        if self.scoring == "knn":
            return self.knn_scores_of(compute_features(self._scoring_model(), x,
                                                       device=self.center_.device))
        return compute_scores(self._scoring_model(), x, self.center_, self.radius_,
                              self.objective)

    def knn_scores_of(self, features: torch.Tensor) -> np.ndarray:
        """scoring='knn': the mean distance of learned features phi(x) (N, p) to their
        ``n_neighbors`` nearest training features (:func:`svddlib.objectives.knn_scores`)."""
        check_is_fitted(self, "nn_")
        return knn_scores(self.nn_.kneighbors(features.detach().cpu().numpy())[0])

    def anomaly_score(self, X) -> np.ndarray:
        """Higher = more anomalous. scoring='center': the Deep SVDD score ||phi(x) - c||^2
        (minus R^2 for soft-boundary); scoring='knn': the mean distance of phi(x) to its
        ``n_neighbors`` nearest training features."""
        check_is_fitted(self, "model_")
        return self._scores(self._check_X(X, reset=False))

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Write the fitted detector to ``path``: tensors (weights, centre) and JSON text
        (parameters, fitted numbers) only, readable with ``torch.load(weights_only=True)``.
        Load with :meth:`DeepSVDD.load`. The noise head and ``result_`` are not kept."""
        check_is_fitted(self, "model_")
        fitted = {k: getattr(self, k) for k in _SAVED_ATTRIBUTES if hasattr(self, k)}
        params = self.get_params()
        if isinstance(params["random_state"], np.random.RandomState):
            params["random_state"] = self.random_state_  # the seed this fit used
        blob = {"format": SAVE_FORMAT, "params": json.dumps(params),
                "fitted": json.dumps(fitted), "input_shape": list(self._input_shape_()),
                "state": {k: v.detach().cpu() for k, v in self.model_.state_dict().items()},
                "center": self.center_.detach().cpu()}
        if self.scoring == "knn":
            blob["train_features"] = self.train_features_
        from .cache import atomic_torch_save

        atomic_torch_save(blob, path)

    def _input_shape_(self) -> tuple:
        if self.net == "mlp":
            return (self.n_features_in_,)
        return (self.n_features_in_, *getattr(self.model_, "input_shape", (None, None, None))[1:])

    @classmethod
    def load(cls, path, device="cpu") -> "DeepSVDD":
        """A detector written by :meth:`save`. Only tensors and JSON are read
        (``weights_only=True``); a file holding anything else is refused with a ValueError."""
        import pickle

        try:
            blob = torch.load(path, map_location=device, weights_only=True)
        except pickle.UnpicklingError as err:
            raise ValueError(f"{path} is not a file written by DeepSVDD.save (it holds objects "
                             f"beyond tensors and JSON: refused, nothing was run): {err}") from err
        if not isinstance(blob, dict) or blob.get("format") != SAVE_FORMAT:
            raise ValueError(f"{path} is not a file written by DeepSVDD.save")
        det = cls(**json.loads(blob["params"]))
        det.__dict__.update(json.loads(blob["fitted"]))
        shape = tuple(s if s is not None else 64 for s in blob["input_shape"])
        det.model_ = det._new_model(shape)
        det.model_.load_state_dict(blob["state"])
        det.model_.to(device).eval()
        det.center_ = blob["center"].to(device)
        if det.scoring == "knn":
            det.train_features_ = blob["train_features"]
            det._index_features()
        return det
