"""Training protocol of Section V-B of Chong et al. 2020 for (regularized) Deep SVDD.

One call, :func:`train`, runs Adam with weight decay on L_final = L_SVDD + c_t L_reg (Eq. (6)),
evaluates validation/test AUC after every epoch, keeps the model of the best validation epoch,
records a per-epoch history that exposes hypersphere collapse, writes a checkpoint after every
epoch and resumes from it.

Collapse flag (documented threshold): an epoch is flagged ``collapsed`` when its feature
variance or its score spread is below ``collapse_ratio`` (default 1e-3) times the initial value.
The initial values are measured on the very first training minibatch before any update, in
train mode like every per-epoch value. Per-epoch ``feature_var`` is the unbiased per-feature
variance of all training features produced during that epoch (train mode, averaged over the p
features, accumulated in float64); ``score_spread`` is the standard deviation of the squared
distances ||phi(x) - c||^2 over the same features. Both come for free from the training
forward passes (no extra pass over the training set).

Because those values are gathered while the weights still move, a network whose output is
constant for all inputs but jitters between minibatches can escape the flag. The history
therefore also records ``val_score_spread``: the standard deviation of the validation scores
computed in eval mode with the epoch's final weights (0 for a constant map).
"""
from __future__ import annotations

import copy
import dataclasses
import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .objectives import (OBJECTIVES, anomaly_scores, check_nu, init_center, radius_quantile,
                         squared_distances, svdd_loss)
from .regularizers import (REGULARIZERS, NoiseHead, noise_regularizer, variance_regularizer,
                           variance_threshold)
from .weighting import (WEIGHTINGS, AdaptiveWeight, FixedWeight, GradNormWeight,
                        check_unit_interval)

__all__ = ["TrainConfig", "TrainResult", "train", "compute_scores", "resolve_device",
           "pretrain_autoencoder", "CHECKPOINT_NAME"]

CHECKPOINT_NAME = "checkpoint.pt"
# Fields that may change between an interrupted run and its resumption.
_RESUMABLE_FIELDS = {"n_epochs", "progress", "device", "eval_batch_size", "num_workers"}


def _positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _non_negative(name, value, strict=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")


@dataclass
class TrainConfig:
    """Hyperparameters; names follow the reference Deep SVDD code and the paper (Section V-B).

    objective: 'one-class' (Eq. 2) or 'soft-boundary' (Eq. 1); nu in (0, 1]; eta: weight of
    labeled samples (Eq. 3); lr / lr_head: Adam learning rates of the network body and of the
    noise head g; weight_decay: lambda; regularizer: 'none' | 'noise' (Eq. 4, k tasks) |
    'variance' (Eq. 5, threshold d0 / 10^floor(epoch/r)); weighting: 'adaptive' (Eq. 7 with
    alpha, beta, c0) | 'fixed' (c_t = fixed_weight) | 'gradnorm' (Eq. 7 on the gradient norms
    with respect to the features, not in the paper); c_min: floor on the adaptive / gradnorm
    weight (0: the paper's scheme); warm_up_n_epochs: soft-boundary epochs with
    R = 0 before R is updated per minibatch; eps: centre eps trick; eps_semi: eps of Eq. (3);
    collapse_ratio: collapse threshold relative to the initial value (see module docstring);
    device: 'auto' (CUDA when available), 'cpu', 'cuda', 'cuda:1', ...; num_workers: DataLoader
    processes that convert lazy inputs (None: the cores but one, at most 4; ignored for tensors).
    """

    objective: str = "one-class"
    nu: float = 0.1
    eta: float = 1.0
    lr: float = 1e-4
    lr_head: float = 1e-3
    n_epochs: int = 30
    batch_size: int = 50
    weight_decay: float = 5e-4
    regularizer: str = "none"
    k: int = 50
    alpha: float = 0.9
    beta: float = 0.5
    c0: float = 0.0
    c_min: float = 0.0
    d0: float = 0.1
    r: int = 3
    weighting: str = "adaptive"
    fixed_weight: float = 1.0
    warm_up_n_epochs: int = 10
    eps: float = 0.1
    eps_semi: float = 1e-6
    collapse_ratio: float = 1e-3
    seed: int = 0
    device: str = "auto"
    eval_batch_size: int = 1024
    progress: bool = True
    num_workers: int | None = None

    def __post_init__(self):
        for name, allowed in (("objective", OBJECTIVES), ("regularizer", REGULARIZERS),
                              ("weighting", WEIGHTINGS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        check_nu(self.nu)
        for name in ("eta", "lr", "lr_head", "d0", "collapse_ratio"):
            _non_negative(name, getattr(self, name), strict=True)
        for name in ("weight_decay", "c0", "c_min", "fixed_weight", "eps", "eps_semi"):
            _non_negative(name, getattr(self, name))
        check_unit_interval("alpha", self.alpha)
        check_unit_interval("beta", self.beta)
        for name, minimum in (("n_epochs", 1), ("batch_size", 1), ("k", 1), ("r", 1),
                              ("warm_up_n_epochs", 0), ("seed", 0), ("eval_batch_size", 1)):
            _positive_int(name, getattr(self, name), minimum)
        if self.num_workers is not None:
            _positive_int("num_workers", self.num_workers, 0)
        resolve_device(self.device)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def resolve_device(device="auto", check_available: bool = False) -> torch.device:
    """'auto' (or None) -> CUDA if available else CPU; anything else is passed to torch.device.

    ``check_available=True`` also rejects a CUDA device on a machine without one (a config may
    name one that only the machine it will run on has).
    """
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if check_available and resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available here; "
                         "use device='auto' or 'cpu'")
    return resolved


@dataclass
class TrainResult:
    """What :func:`train` returns. ``model`` holds the weights of the best validation epoch."""

    model: nn.Module
    center: Tensor
    radius: float
    history: list
    config: TrainConfig
    head: nn.Module | None = None
    best_epoch: int | None = None
    val_auc_best: float = float("nan")
    test_auc_best: float = float("nan")
    test_auc_last: float = float("nan")
    initial_feature_var: float = float("nan")
    initial_score_spread: float = float("nan")
    collapse_epoch: int | None = None
    stopped_reason: str | None = None
    nan_epoch: int | None = None
    last_state: dict = field(default_factory=dict, repr=False)

    @property
    def collapsed(self) -> bool:
        """True when the last recorded epoch is flagged as collapsed."""
        return bool(self.history) and bool(self.history[-1]["collapsed"])

    def score(self, x) -> np.ndarray:
        """Anomaly scores of ``x`` with the returned (best-epoch) model; higher = more anomalous."""
        return compute_scores(self.model, x, self.center, self.radius, self.config.objective,
                              self.config.eval_batch_size)

    def history_frame(self):
        """The history as a pandas DataFrame, one row per epoch."""
        import pandas as pd

        return pd.DataFrame(self.history)

    def summary(self) -> dict:
        """JSON-able scalars for caching with svddlib.cache."""
        keys = ("best_epoch", "val_auc_best", "test_auc_best", "test_auc_last", "radius",
                "initial_feature_var", "initial_score_spread", "collapse_epoch", "stopped_reason",
                "nan_epoch")
        return {**{k: getattr(self, k) for k in keys}, "collapsed": self.collapsed,
                "history": self.history, "config": self.config.to_dict()}


# ----------------------------------------------------------------------------- input checks
def _as_tensor(x, name: str) -> Tensor:
    if _is_lazy(x):  # converted per batch; a non-finite value shows as a NaN loss
        if len(x) == 0:
            raise ValueError(f"{name} must hold at least one sample")
        return x
    x = torch.as_tensor(x, dtype=torch.float32) if not isinstance(x, Tensor) else x.float()
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, ...) with N >= 1 samples, got {tuple(x.shape)}")
    bad = int((~torch.isfinite(x)).flatten(1).any(dim=1).sum())
    if bad:
        raise ValueError(f"{name} contains NaN or infinite values in {bad} of {x.shape[0]} "
                         "samples; remove or impute them before training")
    return x


def _check_model_input(model: nn.Module, x: Tensor, name: str) -> None:
    expected = getattr(model, "input_shape", None)
    if expected is not None:
        from .models.common import check_input_shape

        check_input_shape(x[:1], tuple(expected), f"{type(model).__name__} ({name})")


def _check_semi_labels(semi_labels, n: int) -> Tensor | None:
    if semi_labels is None:
        return None
    s = torch.as_tensor(np.asarray(semi_labels)).long().flatten()
    if s.shape[0] != n:
        raise ValueError(f"semi_labels has {s.shape[0]} entries but x_train has {n} samples")
    if not bool(torch.isin(s, torch.tensor([-1, 0, 1])).all()):
        raise ValueError("semi_labels must contain only 0 (unlabeled), +1 (labeled normal) "
                         "and -1 (labeled anomaly)")
    return s if bool((s != 0).any()) else None


def _as_eval_set(pair, name: str, model: nn.Module):
    if pair is None:
        return None
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise ValueError(f"{name} must be a pair (x, y) with y = 1 for anomalies, 0 for normal")
    x = _as_tensor(pair[0], f"{name} x")
    y = np.asarray(pair[1]).ravel()
    if y.shape[0] != x.shape[0] or not set(np.unique(y)) == {0, 1}:
        raise ValueError(f"{name} labels must have one entry per sample and contain both "
                         "0 (normal) and 1 (anomaly)")
    _check_model_input(model, x, name)
    return x, y


# ----------------------------------------------------------------------------- evaluation
@torch.no_grad()
def compute_scores(model: nn.Module, x, center: Tensor, radius: float = 0.0,
                   objective: str = "one-class", batch_size: int = 1024) -> np.ndarray:
    """Anomaly scores (dist, or dist - R^2 for soft-boundary) in eval mode, as a float64 array.

    ``x`` is cast to the dtype of the model's parameters (float32, or float64 for a
    ``model.double()`` copy, whose scores do not depend on the batch composition)."""
    device = center.device
    was_training = model.training
    model.eval()
    try:
        dtype = next(model.parameters()).dtype
        dists = [squared_distances(model(b.to(dtype)), center).double().cpu()
                 for b in _in_order(x, batch_size, device)]
    finally:
        model.train(was_training)
    return anomaly_scores(torch.cat(dists), radius, objective).numpy()


def _is_lazy(x) -> bool:
    """Inputs that are converted per batch (:class:`svddlib.data.lazy.LazyImages`)."""
    return isinstance(x, torch.utils.data.Dataset)


def _device_batches(x, chunks, device, num_workers: int | None = None):
    """``x[idx]`` on ``device`` for every index chunk, in order: from a tensor, or through a
    DataLoader (conversion in ``num_workers`` processes, pinned memory) for lazy inputs."""
    if _is_lazy(x):
        from .data.lazy import batches

        yield from batches(x, chunks, device, num_workers)
        return
    for idx in chunks:
        yield x[idx.to(x.device)].to(device, non_blocking=True)


def _in_order(x, batch_size: int, device, num_workers: int | None = None):
    """All of ``x`` in consecutive batches on ``device`` (evaluation, centre)."""
    if not _is_lazy(x):
        x = torch.as_tensor(x)
    return _device_batches(x, torch.arange(len(x)).split(batch_size), device, num_workers)


def _safe_auc(y, scores) -> float:
    from .metrics import auc

    if not np.isfinite(scores).all():
        return float("nan")
    return auc(y, scores)


def _evaluate(st, val, test) -> dict:
    """AUCs on val/test and the eval-mode spread (std) of the validation scores."""
    out = {"val_auc": float("nan"), "test_auc": float("nan"), "val_score_spread": float("nan")}
    for key, pair in (("val", val), ("test", test)):
        if pair is not None:
            scores = compute_scores(st.model, pair[0], st.center, st.radius, st.cfg.objective,
                                    st.cfg.eval_batch_size)
            out[f"{key}_auc"] = _safe_auc(pair[1], scores)
            if key == "val":
                out["val_score_spread"] = float(np.std(scores, ddof=1))
    return out


# ----------------------------------------------------------------------------- state
class _State:
    """Everything that changes during training (and goes into the checkpoint)."""

    def __init__(self, model, x, semi, cfg: TrainConfig, device, center):
        self.cfg, self.model, self.device = cfg, model, device
        torch.manual_seed(cfg.seed)
        if center is None:
            usable = x if semi is None else _select(x, semi >= 0)  # labeled anomalies: not c
            if _is_lazy(usable):
                usable = _in_order(usable, cfg.eval_batch_size, device, cfg.num_workers)
            center = init_center(model, usable, eps=cfg.eps, batch_size=cfg.eval_batch_size,
                                 device=device)
        self.center = torch.as_tensor(center, dtype=torch.float32, device=device)
        p = int(self.center.shape[0])
        self.head = NoiseHead(p, cfg.k).to(device) if cfg.regularizer == "noise" else None
        groups = (model.param_groups(cfg.lr) if hasattr(model, "param_groups")  # split lr
                  else [{"params": list(model.parameters()), "lr": cfg.lr}])
        if self.head is not None:
            groups.append({"params": list(self.head.parameters()), "lr": cfg.lr_head})
        self.optimizer = torch.optim.Adam(groups, weight_decay=cfg.weight_decay)
        self.weight = _make_weight(cfg)
        self.shuffle_gen = torch.Generator().manual_seed(cfg.seed)
        self.noise_gen = torch.Generator().manual_seed(cfg.seed + 1)
        self.radius, self.epoch, self.history = 0.0, 0, []
        self.best_epoch, self.best_val, self.best_radius = None, -math.inf, 0.0
        self.best_state = None
        self.initial_state = _copy_state(model)
        self.init_var = self.init_spread = float("nan")
        self.collapse_epoch = None

    def checkpoint(self) -> dict:
        return {
            "config": self.cfg.to_dict(), "epoch": self.epoch, "model": self.model.state_dict(),
            "head": None if self.head is None else self.head.state_dict(),
            "optimizer": self.optimizer.state_dict(), "weight": self.weight.state_dict(),
            "center": self.center.cpu(), "radius": self.radius, "history": self.history,
            "shuffle_gen": self.shuffle_gen.get_state(), "noise_gen": self.noise_gen.get_state(),
            "best": (self.best_epoch, self.best_val, self.best_radius, self.best_state),
            "initial": (self.init_var, self.init_spread, self.initial_state),
            "collapse_epoch": self.collapse_epoch,
        }

    def restore(self, ck: dict) -> None:
        _check_resumable(ck["config"], self.cfg.to_dict())
        self.model.load_state_dict(ck["model"])
        if self.head is not None:
            self.head.load_state_dict(ck["head"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.weight.load_state_dict(ck["weight"])
        self.center = ck["center"].to(self.device)
        self.radius, self.epoch, self.history = ck["radius"], ck["epoch"], ck["history"]
        self.shuffle_gen.set_state(ck["shuffle_gen"])
        self.noise_gen.set_state(ck["noise_gen"])
        self.best_epoch, self.best_val, self.best_radius, self.best_state = ck["best"]
        self.init_var, self.init_spread, self.initial_state = ck["initial"]
        self.collapse_epoch = ck["collapse_epoch"]


def _make_weight(cfg: TrainConfig):
    if cfg.weighting == "fixed":
        return FixedWeight(cfg.fixed_weight)
    kind = GradNormWeight if cfg.weighting == "gradnorm" else AdaptiveWeight
    return kind(cfg.alpha, cfg.beta, cfg.c0, cfg.c_min)


def _feature_grad_norms(feats: Tensor, l_svdd: Tensor, l_reg: Tensor) -> tuple[float, float]:
    """||d L_SVDD / d phi|| and ||d L_reg / d phi|| over the minibatch (for 'gradnorm')."""
    norms = []
    for loss in (l_svdd, l_reg):
        grad = (torch.autograd.grad(loss, feats, retain_graph=True, allow_unused=True)[0]
                if loss.requires_grad else None)
        norms.append(0.0 if grad is None else float(grad.norm()))
    return norms[0], norms[1]


def _select(x, mask: Tensor):
    return x.subset(mask) if _is_lazy(x) else x[mask]


def _copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _check_resumable(saved: dict, current: dict) -> None:
    diff = [k for k in current if k not in _RESUMABLE_FIELDS and saved.get(k) != current[k]]
    if diff:
        raise ValueError(f"the checkpoint was written with a different configuration "
                         f"({', '.join(f'{k}: {saved.get(k)!r} vs {current[k]!r}' for k in diff)}); "
                         "use another checkpoint_dir or resume=False")


# ----------------------------------------------------------------------------- one epoch
class _EpochStats:
    """Float64 running sums of losses, features (shifted by c) and distances."""

    def __init__(self, p: int, device):
        z = lambda *s: torch.zeros(s, dtype=torch.float64, device=device)  # noqa: E731
        self.n, self.iters = 0, 0
        self.f1, self.f2, self.d1, self.d2, self.l_svdd, self.l_reg = z(p), z(p), z(), z(), z(), z()

    def add(self, shifted: Tensor, dist: Tensor, l_svdd: Tensor, l_reg: Tensor) -> None:
        s, d = shifted.double(), dist.double()
        self.f1 += s.sum(0)
        self.f2 += (s * s).sum(0)
        self.d1 += d.sum()
        self.d2 += (d * d).sum()
        self.l_svdd += l_svdd.detach().double()
        self.l_reg += l_reg.detach().double()
        self.n += s.shape[0]
        self.iters += 1

    def summary(self) -> dict:
        n = max(self.n, 2)
        var = ((self.f2 - self.f1 ** 2 / n) / (n - 1)).clamp(min=0).mean()
        d_var = ((self.d2 - self.d1 ** 2 / n) / (n - 1)).clamp(min=0)
        it = max(self.iters, 1)
        return {"l_svdd": float(self.l_svdd) / it, "l_reg": float(self.l_reg) / it,
                "feature_var": float(var), "score_spread": float(d_var.sqrt())}


def _reg_loss(st: _State, feats: Tensor, threshold: float) -> Tensor:
    if st.cfg.regularizer == "noise":
        return noise_regularizer(st.head(feats), st.noise_gen)
    if st.cfg.regularizer == "variance":
        return variance_regularizer(feats, threshold)
    return feats.new_zeros(())


#: Iterations between two host-side checks for a NaN/inf loss, per device type. The check waits
#: for the device, so on a GPU it runs every few steps (and at the end of every epoch); the first
#: bad iteration is tracked on the device either way. On the CPU waiting costs nothing.
NAN_CHECK_EVERY = {"cpu": 1, "cuda": 25}


def _weight(st: _State, feats: Tensor, l_svdd: Tensor, l_reg: Tensor):
    """c_t of Eq. (6) for this iteration. The adaptive weight of Eq. (7) stays a tensor on the
    device (no host sync per step); the fixed weight is a constant."""
    if st.cfg.weighting == "gradnorm":
        return st.weight.update(*_feature_grad_norms(feats, l_svdd, l_reg))
    if st.cfg.weighting == "adaptive":
        return st.weight.update_tensor(l_svdd, l_reg).float()
    return st.weight.value


def _nan_message(st: _State, first_bad: Tensor) -> str:
    return f"NaN/inf loss at epoch {st.epoch + 1}, iteration {int(first_bad) + 1}"


def _record_initial(st: _State, shifted: Tensor, dist: Tensor) -> None:
    if math.isnan(st.init_var) and shifted.shape[0] >= 2:
        st.init_var = float(shifted.double().var(dim=0, unbiased=True).mean())
        st.init_spread = float(dist.double().std(unbiased=True))


def _minibatches(perm: Tensor, batch_size: int) -> list:
    """``perm`` in chunks of ``batch_size``; a last chunk of one sample joins the one before
    (BatchNorm cannot normalise a single sample in train mode)."""
    chunks = list(perm.split(batch_size))
    if len(chunks) > 1 and len(chunks[-1]) == 1:
        chunks[-2:] = [torch.cat(chunks[-2:])]
    return chunks


def _train_one_epoch(st: _State, x: Tensor, semi: Tensor | None) -> tuple[dict, str | None]:
    """One pass over the shuffled training data; returns (epoch stats, NaN message or None)."""
    cfg, model = st.cfg, st.model
    model.train()
    threshold = variance_threshold(st.epoch, cfg.d0, cfg.r) if cfg.regularizer == "variance" else 0.0
    update_radius = cfg.objective == "soft-boundary" and st.epoch >= cfg.warm_up_n_epochs
    stats = _EpochStats(st.center.shape[0], st.device)
    perm = torch.randperm(x.shape[0], generator=st.shuffle_gen)
    first_bad = torch.tensor(-1, device=st.device)  # first iteration with a NaN/inf loss
    check_every = NAN_CHECK_EVERY.get(st.device.type, NAN_CHECK_EVERY["cuda"])
    chunks = _minibatches(perm, cfg.batch_size)
    inputs = _device_batches(x, chunks, st.device, cfg.num_workers)
    for it, (idx, xb) in enumerate(zip(chunks, inputs)):
        sb = None if semi is None else semi[idx].to(st.device)
        feats = model(xb)
        l_svdd = svdd_loss(feats, st.center, cfg.objective, st.radius, cfg.nu, sb, cfg.eta,
                           cfg.eps_semi)
        l_reg = _reg_loss(st, feats, threshold)
        c_t = _weight(st, feats, l_svdd, l_reg) if cfg.regularizer != "none" else 0.0
        loss = l_svdd + c_t * l_reg if isinstance(c_t, Tensor) or c_t else l_svdd
        first_bad = torch.where(~torch.isfinite(loss.detach()) & (first_bad < 0), it, first_bad)
        if (it + 1) % check_every == 0 and int(first_bad) >= 0:
            return stats.summary(), _nan_message(st, first_bad)
        with torch.no_grad():
            shifted = feats.detach() - st.center
            dist = (shifted * shifted).sum(1)
            _record_initial(st, shifted, dist)
        st.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        st.optimizer.step()
        if update_radius:
            st.radius = radius_quantile(dist, cfg.nu, as_tensor=True)  # stays on the device
        stats.add(shifted, dist, l_svdd, l_reg)
    if int(first_bad) >= 0:
        return stats.summary(), _nan_message(st, first_bad)
    out = stats.summary()
    out.update(c_t=st.weight.value if cfg.regularizer != "none" else 0.0, reg_threshold=threshold)
    return out, None


# ----------------------------------------------------------------------------- history
def _history_record(st: _State, stats: dict, ev: dict, seconds: float) -> dict:
    ratio = st.cfg.collapse_ratio
    collapsed = (stats["feature_var"] < ratio * st.init_var
                 or stats["score_spread"] < ratio * st.init_spread)
    rec = {"epoch": st.epoch + 1, **stats, "radius": st.radius, **ev, "time": seconds,
           "collapsed": bool(collapsed)}
    if collapsed and st.collapse_epoch is None:
        st.collapse_epoch = rec["epoch"]
    return rec


def _update_best(st: _State, rec: dict, has_val: bool) -> None:
    if not has_val or rec["val_auc"] > st.best_val:  # NaN AUC never counts as better
        st.best_epoch, st.best_radius = rec["epoch"], st.radius
        st.best_val = rec["val_auc"] if has_val else st.best_val
        st.best_state = _copy_state(st.model)


def _finish(st: _State, stopped: str | None) -> TrainResult:
    last_state = _copy_state(st.model)
    hist = st.history
    if st.best_state is not None:
        st.model.load_state_dict(st.best_state)
        radius = st.best_radius
    else:
        st.model.load_state_dict(st.initial_state)
        radius = 0.0
    st.model.eval()
    best = next((h for h in hist if h["epoch"] == st.best_epoch), None)
    return TrainResult(
        model=st.model, center=st.center, radius=radius, history=hist, config=st.cfg,
        head=st.head, best_epoch=st.best_epoch,
        val_auc_best=best["val_auc"] if best else float("nan"),
        test_auc_best=best["test_auc"] if best else float("nan"),
        test_auc_last=hist[-1]["test_auc"] if hist else float("nan"),
        initial_feature_var=st.init_var, initial_score_spread=st.init_spread,
        collapse_epoch=st.collapse_epoch, stopped_reason=stopped,
        nan_epoch=st.epoch + 1 if stopped else None, last_state=last_state)


# ----------------------------------------------------------------------------- train
def train(model: nn.Module, x_train, config: TrainConfig | None = None, *, semi_labels=None,
          val=None, test=None, center=None, checkpoint_dir=None, resume: bool = True,
          checkpoint_every: float = 0.0, **overrides) -> TrainResult:
    """Train Deep SVDD (optionally regularized) and return a :class:`TrainResult`.

    model: network phi (its current weights are the start: seed before building it);
    x_train: float tensor/array (N, C, H, W) (or (N, d) for an MLP), already preprocessed,
    or :class:`svddlib.data.lazy.LazyImages` (converted per batch in ``num_workers``
    DataLoader processes: paper-scale data; ``val`` / ``test`` inputs may be lazy too);
    config: a TrainConfig; keyword ``overrides`` replace its fields (e.g. ``lr=1e-3``);
    semi_labels: optional (N,) with 0 unlabeled, +1 labeled normal, -1 labeled anomaly;
    val, test: optional (x, y) pairs with y = 1 for anomalies, evaluated after every epoch;
    center: fixed centre c (default: initial forward pass with the eps trick);
    checkpoint_dir: write ``checkpoint.pt`` there after every epoch and (``resume=True``)
    continue from it; ``checkpoint_every`` > 0: after an epoch only when that many seconds
    have passed since the last write (a ResNet-18 checkpoint is about 210 MB).
    Without ``val`` the last epoch counts as best.
    """
    cfg = dataclasses.replace(config or TrainConfig(), **overrides)
    device = resolve_device(cfg.device, check_available=True)
    x = _as_tensor(x_train, "x_train")
    _check_model_input(model, x, "x_train")
    semi = _check_semi_labels(semi_labels, x.shape[0])
    if semi is not None and cfg.objective != "one-class":
        raise ValueError("semi-supervised labels need objective='one-class' (Eq. (3) of the paper)")
    val, test = _as_eval_set(val, "val", model), _as_eval_set(test, "test", model)
    if device.type == "cuda" and not _is_lazy(x) and x.numel() * 4 < 2 ** 31:
        x = x.to(device)
    model.to(device)
    st = _State(model, x, semi, cfg, device, center)
    ck_path = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    if ck_path is not None and resume and ck_path.exists():
        saved = _load_checkpoint(ck_path, device)
        if saved is not None:
            st.restore(saved)
    stopped = _run_epochs(st, x, semi, val, test, ck_path, checkpoint_every)
    return _finish(st, stopped)


def _load_checkpoint(path: Path, device):
    """The checkpoint at ``path``, or None when it cannot be read as weights: it is then moved
    to ``corrupt/`` beside its folder (which a finished run removes) with a warning naming it,
    and training starts from epoch 0."""
    from .cache import move_aside

    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # garbage, truncated, or not a weights-only file
        move_aside(path, f"unreadable checkpoint ({type(err).__name__})",
                   into=path.parent.parent / "corrupt", name=f"{path.parent.name}-{path.name}")
        return None


def _run_epochs(st: _State, x, semi, val, test, ck_path, checkpoint_every=0.0) -> str | None:
    from .progress import tqdm

    bar = tqdm(range(st.epoch, st.cfg.n_epochs), disable=not st.cfg.progress, desc="Deep SVDD",
               leave=False)
    last_write = time.perf_counter()
    for _ in bar:
        t0 = time.perf_counter()
        stats, nan_msg = _train_one_epoch(st, x, semi)
        st.radius = float(st.radius)
        if nan_msg:
            warnings.warn(f"{nan_msg}: training stopped; the model of the best epoch "
                          f"({st.best_epoch}) is kept", RuntimeWarning, stacklevel=3)
            return nan_msg
        ev = _evaluate(st, val, test)
        rec = _history_record(st, stats, ev, time.perf_counter() - t0)
        st.history.append(rec)
        _update_best(st, rec, val is not None)
        st.epoch += 1
        if ck_path is not None and time.perf_counter() - last_write >= checkpoint_every:
            from .cache import atomic_torch_save

            ck_path.parent.mkdir(parents=True, exist_ok=True)
            atomic_torch_save(st.checkpoint(), ck_path)
            last_write = time.perf_counter()
        bar.set_postfix(loss=f"{rec['l_svdd']:.3g}", val_auc=f"{rec['val_auc']:.3f}")
    return None


# ----------------------------------------------------------------------------- pretraining
def pretrain_autoencoder(autoencoder: nn.Module, x_train, n_epochs: int = 10, lr: float = 1e-4,
                         weight_decay: float = 5e-4, batch_size: int = 50, seed: int = 0,
                         device="auto", progress: bool = True) -> list:
    """Train an autoencoder with the mean squared reconstruction error (Adam); returns the
    mean loss per epoch. Move the encoder weights on with
    ``net.load_state_dict(autoencoder.encoder.state_dict())``."""
    _positive_int("n_epochs", n_epochs)
    _positive_int("batch_size", batch_size)
    _non_negative("lr", lr, strict=True)
    from .progress import tqdm

    dev = resolve_device(device)
    x = _as_tensor(x_train, "x_train")
    autoencoder.to(dev).train()
    opt = torch.optim.Adam(autoencoder.parameters(), lr=lr, weight_decay=weight_decay)
    gen, losses = torch.Generator().manual_seed(seed), []
    for _ in tqdm(range(n_epochs), disable=not progress, desc="AE pretraining", leave=False):
        total, n = 0.0, 0
        for idx in torch.randperm(x.shape[0], generator=gen).split(batch_size):
            xb = x[idx].to(dev)
            loss = torch.mean((autoencoder(xb) - xb) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(idx), n + len(idx)
        losses.append(total / n)
    autoencoder.eval()
    return losses
