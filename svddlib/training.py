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

import math
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .objectives import anomaly_scores, init_center, radius_quantile, squared_distances, svdd_loss
from .regularizers import make_regularizer
from .train_config import (TrainConfig, check_non_negative, check_positive_int, check_resumable,
                           resolve_device)
from .train_inputs import (as_eval_set, as_input, check_model_input, check_semi_labels,
                           device_batches, in_order, is_lazy, select)
from .weighting import feature_grad_norms as _feature_grad_norms  # noqa: F401 (tests use it)

__all__ = ["TrainConfig", "TrainResult", "train", "compute_scores", "compute_features",
           "resolve_device",
           "pretrain_autoencoder", "CHECKPOINT_NAME"]

CHECKPOINT_NAME = "checkpoint.pt"


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


# ----------------------------------------------------------------------------- evaluation
def _feature_batches(model: nn.Module, x, batch_size: int, device):
    """phi(x) batch by batch in eval mode (no gradients; the model's mode restored after), on
    ``device`` (None: the model's). ``x`` is cast to the dtype of the model's parameters
    (float32, or float64 for a ``model.double()`` copy, whose outputs then do not depend on
    the batch composition)."""
    param = next(model.parameters())
    device = param.device if device is None else device
    was_training = model.training
    model.eval()
    try:
        for b in in_order(x, batch_size, device):
            with torch.no_grad():  # not across the yield: the caller keeps its grad mode
                out = model(b.to(param.dtype))
            yield out
    finally:
        model.train(was_training)


def compute_features(model: nn.Module, x, batch_size: int = 1024, device=None) -> Tensor:
    """Features phi(x) (N, p) in eval mode (:func:`_feature_batches`)."""
    return torch.cat(list(_feature_batches(model, x, batch_size, device)))


def compute_scores(model: nn.Module, x, center: Tensor, radius: float = 0.0,
                   objective: str = "one-class", batch_size: int = 1024) -> np.ndarray:
    """Anomaly scores (dist, or dist - R^2 for soft-boundary) in eval mode, as a float64 array
    (features batch by batch: :func:`_feature_batches`)."""
    dists = [squared_distances(f, center).double().cpu()
             for f in _feature_batches(model, x, batch_size, center.device)]
    return anomaly_scores(torch.cat(dists), radius, objective).numpy()


def _evaluate(st, val, test) -> dict:
    """AUCs on val/test (NaN for non-finite scores) and the eval-mode spread (std) of the
    validation scores."""
    from .metrics import auc

    out = {"val_auc": float("nan"), "test_auc": float("nan"), "val_score_spread": float("nan")}
    for key, pair in (("val", val), ("test", test)):
        if pair is not None:
            scores = compute_scores(st.model, pair[0], st.center, st.radius, st.cfg.objective,
                                    st.cfg.eval_batch_size)
            out[f"{key}_auc"] = auc(pair[1], scores) if np.isfinite(scores).all() else math.nan
            if key == "val":
                out["val_score_spread"] = float(np.std(scores, ddof=1))
    return out


# ----------------------------------------------------------------------------- state
def _copy_state(model: nn.Module) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


class _Best:
    """The best epoch so far (number, validation AUC, radius, weights) and the starting weights
    (kept when no epoch finished)."""

    def __init__(self, model: nn.Module):
        self.epoch, self.val, self.radius, self.state = None, -math.inf, 0.0, None
        self.initial = _copy_state(model)

    def update(self, rec: dict, model: nn.Module, radius: float, has_val: bool) -> None:
        if not has_val or rec["val_auc"] > self.val:  # NaN AUC never counts as better
            self.epoch, self.radius = rec["epoch"], radius
            self.val = rec["val_auc"] if has_val else self.val
            self.state = _copy_state(model)

    def load_into(self, model: nn.Module) -> float:
        """Put the best (else the starting) weights into ``model``; returns their radius."""
        model.load_state_dict(self.initial if self.state is None else self.state)
        return 0.0 if self.state is None else self.radius


class _State:
    """Everything that changes during training (and goes into the checkpoint)."""

    def __init__(self, model, x, semi, cfg: TrainConfig, device, center):
        self.cfg, self.model = cfg, model
        torch.manual_seed(cfg.seed)
        if center is None:
            usable = x if semi is None else select(x, semi >= 0)  # labeled anomalies: not c
            if is_lazy(usable):
                usable = in_order(usable, cfg.eval_batch_size, device, cfg.num_workers)
            center = init_center(model, usable, eps=cfg.eps, batch_size=cfg.eval_batch_size,
                                 device=device)
        self.center = torch.as_tensor(center, dtype=torch.float32, device=device)
        self.reg, self.weight = make_regularizer(cfg, int(self.center.shape[0]), device)
        groups = (model.param_groups(cfg.lr) if hasattr(model, "param_groups")  # split lr
                  else [{"params": list(model.parameters()), "lr": cfg.lr}])
        self.optimizer = torch.optim.Adam(groups + self.reg.param_groups(),
                                          weight_decay=cfg.weight_decay)
        self.shuffle_gen = torch.Generator().manual_seed(cfg.seed)
        self.radius, self.history, self.best = 0.0, [], _Best(model)
        self.init_var = self.init_spread = float("nan")
        self.collapse_epoch = None

    @property
    def epoch(self) -> int:
        """Epochs finished (one history record each)."""
        return len(self.history)

    @property
    def device(self) -> torch.device:
        return self.center.device

    def checkpoint(self) -> dict:
        b = self.best
        return {
            "config": self.cfg.to_dict(), "epoch": self.epoch, "model": self.model.state_dict(),
            **self.reg.state_dict(),
            "optimizer": self.optimizer.state_dict(), "weight": self.weight.state_dict(),
            "center": self.center.cpu(), "radius": self.radius, "history": self.history,
            "shuffle_gen": self.shuffle_gen.get_state(),
            "best": (b.epoch, b.val, b.radius, b.state),
            "initial": (self.init_var, self.init_spread, b.initial),
            "collapse_epoch": self.collapse_epoch,
        }

    def restore(self, ck: dict) -> None:
        check_resumable(ck["config"], self.cfg.to_dict())
        self.model.load_state_dict(ck["model"])
        self.reg.load_state_dict(ck)
        self.optimizer.load_state_dict(ck["optimizer"])
        self.weight.load_state_dict(ck["weight"])
        self.center = ck["center"].to(self.device)
        self.radius, self.history = ck["radius"], ck["history"]
        self.shuffle_gen.set_state(ck["shuffle_gen"])
        b = self.best
        b.epoch, b.val, b.radius, b.state = ck["best"]
        self.init_var, self.init_spread, b.initial = ck["initial"]
        self.collapse_epoch = ck["collapse_epoch"]


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


#: Iterations between two host-side checks for a NaN/inf loss, per device type. The check waits
#: for the device, so on a GPU it runs every few steps (and at the end of every epoch); the first
#: bad iteration is tracked on the device either way. On the CPU waiting costs nothing.
NAN_CHECK_EVERY = {"cpu": 1, "cuda": 25}


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
    st.reg.start_epoch(st.epoch)
    update_radius = cfg.objective == "soft-boundary" and st.epoch >= cfg.warm_up_n_epochs
    stats = _EpochStats(st.center.shape[0], st.device)
    perm = torch.randperm(x.shape[0], generator=st.shuffle_gen)
    first_bad = torch.tensor(-1, device=st.device)  # first iteration with a NaN/inf loss
    check_every = NAN_CHECK_EVERY.get(st.device.type, NAN_CHECK_EVERY["cuda"])
    chunks = _minibatches(perm, cfg.batch_size)
    inputs = device_batches(x, chunks, st.device, cfg.num_workers)
    for it, (idx, xb) in enumerate(zip(chunks, inputs)):
        sb = None if semi is None else semi[idx].to(st.device)
        feats = model(xb)
        l_svdd = svdd_loss(feats, st.center, cfg.objective, st.radius, cfg.nu, sb, cfg.eta,
                           cfg.eps_semi)
        l_reg = st.reg.loss(feats)
        c_t = st.weight.step(feats, l_svdd, l_reg)  # Eq. (6): L_SVDD + c_t L_reg
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
    return {**stats.summary(), "c_t": st.weight.value, **st.reg.diagnostics()}, None


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


def _finish(st: _State, stopped: str | None) -> TrainResult:
    last_state = _copy_state(st.model)
    hist = st.history
    radius = st.best.load_into(st.model)
    st.model.eval()
    best = next((h for h in hist if h["epoch"] == st.best.epoch), None)
    return TrainResult(
        model=st.model, center=st.center, radius=radius, history=hist, config=st.cfg,
        head=st.reg.head, best_epoch=st.best.epoch,
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
    cfg = replace(config or TrainConfig(), **overrides)
    device = resolve_device(cfg.device, check_available=True)
    x = as_input(x_train, "x_train")
    check_model_input(model, x, "x_train")
    semi = check_semi_labels(semi_labels, x.shape[0])
    if semi is not None and cfg.objective != "one-class":
        raise ValueError("semi-supervised labels need objective='one-class' (Eq. (3) of the paper)")
    val, test = as_eval_set(val, "val", model), as_eval_set(test, "test", model)
    if device.type == "cuda" and not is_lazy(x) and x.numel() * 4 < 2 ** 31:
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
                          f"({st.best.epoch}) is kept", RuntimeWarning, stacklevel=3)
            return nan_msg
        rec = _history_record(st, stats, _evaluate(st, val, test), time.perf_counter() - t0)
        st.history.append(rec)
        st.best.update(rec, st.model, st.radius, val is not None)
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
    check_positive_int("n_epochs", n_epochs)
    check_positive_int("batch_size", batch_size)
    check_non_negative("lr", lr, strict=True)
    from .progress import tqdm

    dev = resolve_device(device)
    x = as_input(x_train, "x_train")
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
