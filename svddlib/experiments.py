"""One cached Deep SVDD experiment = a data spec + a network spec + a training config.

A run is a :class:`~svddlib.run_spec.RunSpec`; :func:`run_cached` is the one way to execute it
(:func:`execute_spec`: build the data, the network, optionally pretrained as an autoencoder,
and train it with :func:`svddlib.training.train`, or fit a baseline) through the one store of
runs, ``<results>/runs/<mode>/<key>/`` (:mod:`svddlib.run_store`). The notebooks describe runs
as small JSON-able dicts and call :func:`run_deep_svdd`, a thin wrapper; the paper sweeps come
through the same store, so each finds the other's runs. A re-run loads the result in
milliseconds; an interrupted run resumes from its last epoch checkpoint (kept in
``<key>.ckpt/`` next to the cache entry until the run finishes; written after an epoch once
:data:`CHECKPOINT_EVERY_S` seconds have passed since the last one).

The model variants of the paper's tables are in :data:`VARIANTS`.
"""
from __future__ import annotations

import json
import shutil
import zipfile

import numpy as np

from .cache import entry_lock, load_or_run, move_aside, read_entry, run_dir

__all__ = ["VARIANTS", "variant_spec", "build_data", "build_network", "run_deep_svdd",
           "run_variants", "summarize_collapse", "eval_collapsed", "feature_snapshots",
           "load_model", "train_deep_svdd", "execute_spec", "run_cached", "data_kwargs",
           "best_before_collapse", "run_notebook_setting", "collapse_row",
           "initial_feature_variance"]

#: The Deep SVDD variants compared in Tables I-VI of Chong et al. (2020).
VARIANTS = {
    "D. SVDD": {"bias": False, "regularizer": "none"},
    "D. SVDD w/ bias": {"bias": True, "regularizer": "none"},
    "D. SVDD w/ bias & noise reg.": {"bias": True, "regularizer": "noise"},
    "D. SVDD w/ bias & var. reg.": {"bias": True, "regularizer": "variance"},
}

_SETUPS = ("one_vs_all", "image_alteration", "semi_supervised")
#: Seconds of training between two checkpoint writes of a run (a paper-mode ResNet-18
#: checkpoint is about 210 MB and took 0.46 s to write on the project's machine).
CHECKPOINT_EVERY_S = 30.0
#: Files a cached :func:`run_deep_svdd` entry must hold (else it is moved aside and retrained):
#: ``model.pt`` as torch writes it, a zip archive (a truncated one has no central directory).
_MODEL_FILES = {"model.pt": zipfile.is_zipfile}


def variant_spec(variant: str) -> dict:
    """``{'bias': ..., 'regularizer': ...}`` of one of the paper's variants (a copy)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {list(VARIANTS)}")
    return dict(VARIANTS[variant])


def build_data(setup: str = "one_vs_all", dataset: str = "mnist5k", seed: int = 0,
               max_train: int | None = None, max_eval: int | None = None, **options):
    """An :class:`~svddlib.data.ADData` from a JSON-able spec, optionally subsampled.

    ``setup`` picks the split builder of :mod:`svddlib.data` (``options`` go to it, e.g.
    ``normal_class=0`` or ``anomaly='strokes', strength=3``).
    """
    from . import data

    if setup not in _SETUPS:
        raise ValueError(f"unknown setup {setup!r}; choose one of {_SETUPS}")
    built = getattr(data, setup)(dataset, seed=seed, **options)
    if max_train is None and max_eval is None:
        return built
    return built.subsample(max_train=max_train, max_eval=max_eval, seed=seed)


def build_network(network: str = "lenet-mnist", seed: int = 0, **kwargs):
    """The network phi, initialised from ``seed`` (so the same spec gives the same weights)."""
    from .models import build_model
    from .seeding import set_seed

    set_seed(seed)
    return build_model(network, **kwargs)


def _pretrain(network: str, net_kwargs: dict, x, n_epochs: int, seed: int, device: str):
    """Autoencoder pretraining of Ruff et al. (2018); returns the network with encoder weights."""
    from .models import build_autoencoder
    from .seeding import set_seed
    from .training import pretrain_autoencoder

    net = build_network(network, seed, **net_kwargs)
    set_seed(seed)
    autoencoder = build_autoencoder(network, **net_kwargs)
    losses = pretrain_autoencoder(autoencoder, x, n_epochs=n_epochs, seed=seed, device=device,
                                  progress=False)
    net.load_state_dict(autoencoder.encoder.state_dict(), strict=True)
    return net, losses


#: Frozen-front outputs of recent data specs (this process): the fast path computes them once.
_FRONT_MEMO: dict = {}
_DATA_MEMO: dict = {}
_FRONT_MEMO_SIZE = 6
_FRONT_FILES = {"outputs.pt": zipfile.is_zipfile}


def _front_inputs(net, tensors: dict, data_spec: dict, net_spec: dict, preprocessing: str):
    """The tensors the trained part of ``net`` sees: the images themselves, or for a
    :class:`~svddlib.models.FastPath` its frozen front's outputs, computed once per data spec
    and front (cached under ``<results>/front-outputs/shared/``; memoised in this process)."""
    import torch

    from .models import FastPath
    from .models.efficientnet import frozen_outputs

    if not isinstance(net, FastPath):
        return tensors
    config = {"data": data_spec, "preprocessing": preprocessing,
              "front": {k: net_spec.get(k) for k in ("network", "weights", "input_size",
                                                     "trainable_blocks")}}
    key = json.dumps(config, sort_keys=True, default=str)
    if key not in _FRONT_MEMO:
        def run(folder):
            outputs = {k: frozen_outputs(net.front, x) for k, x in tensors.items()}
            torch.save(outputs, folder / "outputs.pt")
            return {k: list(v.shape) for k, v in outputs.items()}

        folder = run_dir("front-outputs", "shared", config)
        load_or_run("front-outputs", "shared", config, run, required=_FRONT_FILES)
        if len(_FRONT_MEMO) >= _FRONT_MEMO_SIZE:
            _FRONT_MEMO.pop(next(iter(_FRONT_MEMO)))
        _FRONT_MEMO[key] = torch.load(folder / "outputs.pt", weights_only=True)
    return _FRONT_MEMO[key]


def _memoised_data(data_spec: dict):
    """:func:`build_data` of the fast path's small sets, kept for the next run on them."""
    key = json.dumps(data_spec, sort_keys=True, default=str)
    if key not in _DATA_MEMO:
        if len(_DATA_MEMO) >= _FRONT_MEMO_SIZE:
            _DATA_MEMO.pop(next(iter(_DATA_MEMO)))
        _DATA_MEMO[key] = build_data(**data_spec)
    return _DATA_MEMO[key]


def _trained_part(net):
    """The module that training updates: a fast path's tail, else the whole network."""
    from .models import FastPath

    return net.tail if isinstance(net, FastPath) else net


def _train_and_summarise(folder, spec, checkpoints, data_root=None):
    """Train the Deep SVDD run ``spec`` (a :class:`~svddlib.run_spec.RunSpec`); save its
    weights to ``folder / 'model.pt'`` and return its summary (with the test scores)."""
    import torch

    from .data.installed import data_provenance
    from .data.lazy import model_inputs
    from .training import train

    data_spec, net_spec, cfg = data_kwargs(spec, data_root), spec.net.to_json(), spec.train
    fast = net_spec.get("trainable_blocks") is not None
    data = _memoised_data(data_spec) if fast else build_data(**data_spec)
    tensors, _ = model_inputs(data, spec.preprocessing, lazy=False if fast else None)
    net, ae_losses = _initial_network(spec, tensors["train"], fast)
    inputs = _front_inputs(net, tensors, data_spec, net_spec, spec.preprocessing)
    trained = _trained_part(net)
    result = train(trained, inputs["train"], cfg,
                   semi_labels=torch.as_tensor(data.train.semi_labels)
                   if np.any(data.train.semi_labels) else None,
                   val=(inputs["val"], data.val.labels), test=(inputs["test"], data.test.labels),
                   checkpoint_dir=checkpoints, checkpoint_every=CHECKPOINT_EVERY_S)
    torch.save({"model": trained.state_dict(), "center": result.center,
                "radius": result.radius}, folder / "model.pt")
    summary = {**result.summary(), "ae_losses": ae_losses, "data_name": data.name,
               "n_train": len(data.train), "n_val": len(data.val), "n_test": len(data.test)}
    provenance = data_provenance(data.info)
    if provenance:  # the Debian packages and files behind the paintings / photographs sets
        summary["data_source"] = provenance
    summary["test_scores"] = result.score(inputs["test"]).tolist()
    summary["test_labels"] = data.test.labels.tolist()
    return summary


def _initial_network(spec, x_train, fast: bool):
    """(the network of ``spec`` before training, autoencoder losses of its pretraining)."""
    net_kwargs = dict(spec.net.options)
    if not spec.pretrain_epochs:
        return build_network(spec.net.network, spec.train.seed, **net_kwargs), []
    if fast:
        raise ValueError("autoencoder pretraining and trainable_blocks do not combine")
    return _pretrain(spec.net.network, net_kwargs, x_train, spec.pretrain_epochs,
                     spec.train.seed, spec.train.device)


def data_kwargs(spec, data_root=None) -> dict:
    """The keyword arguments of :func:`build_data` for ``spec``, with the loader's ``root``
    (``<data_root>/<dataset>``) when a data root is given for a downloaded dataset."""
    from pathlib import Path

    from .data.registry import DOWNLOADED

    kwargs = spec.data.to_json()
    if data_root is not None and kwargs.get("dataset") in DOWNLOADED:
        kwargs["root"] = str(Path(data_root) / kwargs["dataset"])
    return kwargs


def train_deep_svdd(folder, spec, checkpoints=None, data_root=None) -> dict:
    """Train one Deep SVDD :class:`~svddlib.run_spec.RunSpec` without the cache: the summary
    dict of :func:`run_deep_svdd` (weights saved to ``folder / 'model.pt'``)."""
    from pathlib import Path

    return _train_and_summarise(Path(folder), spec, checkpoints, data_root)


def best_before_collapse(history: list, key: str = "test_auc") -> float:
    """The best ``key`` (e.g. test AUC) over the epochs before the first collapsed one.

    This is what Table V and Fig. 1 of the paper report at high learning rates ("the test
    performances of the best performing model before the hypersphere collapses"). Epochs with
    ``collapsed`` false that come before the first flagged epoch count; without any collapse,
    all epochs count; when already the first epoch is flagged, that epoch's value is returned
    (no model before it was evaluated). NaN values are skipped; NaN when none is left.
    """
    if not history:
        raise ValueError("history is empty: no epoch was recorded")
    before = []
    for record in history:
        if record.get("collapsed"):
            break
        before.append(record)
    values = [float(r[key]) for r in (before or history[:1]) if r[key] == r[key]]
    return max(values) if values else float("nan")


def _percent(x):
    return None if x is None else 100.0 * float(x)


def _table_metrics(summary: dict) -> dict:
    """The metrics of a paper table (AUCs in %) that a Deep SVDD summary adds to its record."""
    history = summary["history"]
    return {"auc": _percent(summary["test_auc_best"]),
            "auc_last": _percent(summary["test_auc_last"]),
            "auc_before_collapse": _percent(best_before_collapse(history)) if history else None,
            "val_auc": _percent(summary["val_auc_best"]),
            "eval_collapsed": eval_collapsed(summary)}


def _baseline_record(spec, data_root=None) -> dict:
    """Fit the baseline of ``spec`` and return its metrics (AUCs in %; no epochs, so
    ``auc_last`` and ``auc_before_collapse`` equal ``auc``)."""
    from .baselines import run_baseline
    from .cache import array_store
    from .data.installed import data_provenance
    from .training import resolve_device

    config = dict(spec.baseline.config)
    if config.get("device") == "auto":
        config["device"] = str(resolve_device("auto"))
    data = build_data(**data_kwargs(spec, data_root))
    # frozen CNN features once per image set: the OC-SVM / IF rows and their seeds share them
    result = run_baseline(spec.baseline.method, data, config,
                          feature_cache=array_store("cnn-features"))
    auc = _percent(result["test_auc"])
    record = {"auc": auc, "auc_last": auc, "auc_before_collapse": auc,
              "val_auc": _percent(result["val_auc"]), "best_epoch": None,
              "collapse_epoch": None, "collapsed": False, "eval_collapsed": False,
              "selected": result.get("selected", {}), "n_train": result["n_train"],
              "n_val": result["n_val"], "n_test": result.get("n_test")}
    provenance = data_provenance(data.info)
    if provenance:  # the Debian packages and files behind the paintings / photographs sets
        record["data_source"] = provenance
    return record


def execute_spec(spec, folder=None, checkpoints=None, data_root=None) -> dict:
    """Train / fit the :class:`~svddlib.run_spec.RunSpec` ``spec`` without the cache.

    A Deep SVDD run returns its summary (per-epoch ``history``, ``test_auc_best`` ...,
    ``test_scores``) plus the table metrics ``auc``, ``auc_last``, ``auc_before_collapse``,
    ``val_auc`` (in %) and ``eval_collapsed``; a baseline its metrics. Both add ``seconds``,
    ``normal_class`` and ``k`` (noise regularizer; else None). ``folder``: where the weights
    go (a temporary folder when None).
    """
    import tempfile
    import time
    from pathlib import Path

    start = time.perf_counter()
    if spec.kind == "baseline":
        record = _baseline_record(spec, data_root)
    elif folder is None:
        with tempfile.TemporaryDirectory() as tmp:
            record = train_deep_svdd(Path(tmp), spec, checkpoints, data_root)
    else:
        record = train_deep_svdd(Path(folder), spec, checkpoints, data_root)
    if spec.kind == "deep_svdd":
        record.update(_table_metrics(record))
    noise = spec.train is not None and spec.train.regularizer == "noise"
    return {**record, "seconds": time.perf_counter() - start,
            "normal_class": spec.data.options.get("normal_class"),
            "k": spec.train.k if noise else None}


def run_cached(spec, mode: str, *, force: bool = False, data_root=None) -> dict:
    """THE way a run is executed: the record of ``spec`` (:func:`execute_spec`) from the one
    store of runs (:mod:`svddlib.run_store`), computed there first when it is not cached.

    Notebooks (:func:`run_deep_svdd`) and paper sweeps (:func:`svddlib.reproduce.run_sweep`)
    both come here, so each finds the runs the other trained. ``force`` retrains.
    """
    from .run_store import through_cache

    required = _MODEL_FILES if spec.kind == "deep_svdd" else None
    return through_cache(mode, spec.key_config(),
                         lambda folder, ckpt: execute_spec(spec, folder, ckpt, data_root),
                         force=force, required=required)


def run_deep_svdd(name: str, mode: str, data_spec: dict, net_spec: dict, train_cfg: dict, *,
                  pretrain_epochs: int = 0, preprocessing: str = "gcn-minmax",
                  keep_scores: bool = True, force: bool = False) -> dict:
    """Train (or load from the cache) one Deep SVDD run and return its summary dict: a thin
    wrapper of :func:`run_cached` for the notebooks' dicts.

    ``data_spec`` goes to :func:`build_data`, ``net_spec`` to :func:`build_network` (key
    ``network`` plus the net's options such as ``bias``), ``train_cfg`` to
    :class:`~svddlib.training.TrainConfig`. The summary holds the per-epoch ``history``, the
    AUCs at the best validation and at the last epoch, the collapse flag and, with
    ``keep_scores``, the test scores and labels (the cache keeps them either way). ``name`` (the
    notebook) is not part of the run: every run lives in one store (:mod:`svddlib.run_store`).
    """
    from .run_spec import RunSpec

    spec = RunSpec.deep_svdd(data_spec, net_spec, train_cfg, pretrain_epochs=pretrain_epochs,
                             preprocessing=preprocessing)
    summary = run_cached(spec, mode, force=force)
    if not keep_scores:
        summary = {k: v for k, v in summary.items() if k not in ("test_scores", "test_labels")}
    return summary


def load_model(name: str, mode: str, data_spec: dict, net_spec: dict, train_cfg: dict, *,
               pretrain_epochs: int = 0, preprocessing: str = "gcn-minmax",
               keep_scores: bool = True, device="cpu"):
    """The trained model of a cached :func:`run_deep_svdd` run (same arguments; ``name`` and
    ``keep_scores`` do not matter), as a :class:`~svddlib.training.TrainResult` in eval mode:
    ``.score(x)`` gives anomaly scores.

    The weights are read with ``torch.load(weights_only=True)`` (no code from the file runs).
    A FileNotFoundError says so when the run is not in the cache; an entry whose ``model.pt``
    is missing or unreadable is moved aside first, so that the same :func:`run_deep_svdd` call
    the message names retrains it.
    """
    from .models import build_model
    from .run_spec import RunSpec
    from .run_store import RUNS
    from .training import TrainConfig, TrainResult

    spec = RunSpec.deep_svdd(data_spec, net_spec, train_cfg, pretrain_epochs=pretrain_epochs,
                             preprocessing=preprocessing)
    folder = run_dir(RUNS, mode, spec.key_config())
    summary = saved = None
    if folder.exists():
        with entry_lock(folder):  # waits for a run in progress; repairs under the lock
            summary = read_entry(folder, _MODEL_FILES)
            saved = None if summary is None else _load_weights(folder, device)
    if summary is None or saved is None:
        raise FileNotFoundError(f"no cached run with this configuration in {folder}; "
                                "run run_deep_svdd with the same arguments to train it")
    model = build_model(spec.net.network, **spec.net.options)
    _trained_part(model).load_state_dict(saved["model"])
    model.to(device).eval()
    keys = ("best_epoch", "val_auc_best", "test_auc_best", "test_auc_last", "collapse_epoch")
    return TrainResult(model=model, center=saved["center"].to(device), radius=saved["radius"],
                       history=summary["history"], config=TrainConfig(**summary["config"]),
                       **{k: summary[k] for k in keys})


def _load_weights(folder, device):
    """``model.pt`` of a cache entry (weights only), or None when it cannot be loaded: the
    entry is then moved aside (with a warning) so that the next run retrains it."""
    import torch

    try:
        return torch.load(folder / "model.pt", map_location=device, weights_only=True)
    except Exception as err:  # a damaged file that still looks like a zip archive
        move_aside(folder, f"model.pt cannot be loaded ({type(err).__name__})")
        return None


def run_variants(name: str, mode: str, variants: dict, data_spec: dict, net_spec: dict,
                 train_cfg: dict, *, pretrain_epochs: int = 0, force: bool = False):
    """Run one setting for several variants (each cached by :func:`run_deep_svdd`) and return
    a tidy pandas DataFrame of their per-epoch histories, one row per (variant, epoch).

    ``variants`` maps a label to overrides ``{"data": {...}, "net": {...}, "train": {...}}``
    (each optional) that update ``data_spec``, ``net_spec`` and ``train_cfg``; e.g.
    ``{"bias": {"net": {"bias": True}}, "bias-free": {"net": {"bias": False}}}``.
    Besides the history columns the frame holds ``variant``, ``feature_var_rel`` and
    ``score_spread_rel`` (the values relative to those of the first minibatch, the quantities
    of the collapse flag) and the run-level ``collapse_epoch``, ``best_epoch``,
    ``test_auc_best`` and ``test_auc_last``.
    """
    import pandas as pd

    if not isinstance(variants, dict) or not variants:
        raise ValueError("variants must be a non-empty dict {label: {'data'|'net'|'train': {...}}}")
    frames = []
    for label, override in variants.items():
        unknown = set(override) - {"data", "net", "train"}
        if unknown:
            raise ValueError(f"variant {label!r} has unknown keys {sorted(unknown)}; "
                             "use 'data', 'net' and/or 'train'")
        summary = run_deep_svdd(name, mode, {**data_spec, **override.get("data", {})},
                                {**net_spec, **override.get("net", {})},
                                {**train_cfg, **override.get("train", {})},
                                pretrain_epochs=pretrain_epochs, keep_scores=False, force=force)
        frame = pd.DataFrame(summary["history"])
        frame.insert(0, "variant", label)
        frame["feature_var_rel"] = frame["feature_var"] / summary["initial_feature_var"]
        frame["score_spread_rel"] = frame["score_spread"] / summary["initial_score_spread"]
        if "val_score_spread" in frame:  # eval mode, fixed weights (see eval_collapsed)
            frame["val_score_spread_rel"] = frame["val_score_spread"] / summary["initial_score_spread"]
        for key in ("collapse_epoch", "best_epoch", "test_auc_best", "test_auc_last"):
            frame[key] = summary[key]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)



def eval_collapsed(summary: dict, ratio: float | None = None) -> bool:
    """Whether a run ends collapsed, judged in eval mode with fixed weights.

    True when the last epoch's ``val_score_spread`` (std of the validation scores, eval mode)
    is below ``ratio`` (default: the run's ``collapse_ratio``) times ``initial_score_spread``
    (std of the squared distances on the first minibatch, before any update), or when the
    training-feature flag of the last epoch is set. A jittering constant map fools the second
    but not the first (its validation scores are all equal). Summaries without validation
    spreads (older caches, runs without validation data) fall back to the training flag.
    """
    history = summary["history"]
    if not history:
        raise ValueError("the run has no epochs")
    if ratio is None:
        ratio = summary.get("config", {}).get("collapse_ratio", 1e-3)
    if not ratio > 0:
        raise ValueError(f"ratio must be > 0, got {ratio!r}")
    last = history[-1]
    spread, start = last.get("val_score_spread", float("nan")), summary["initial_score_spread"]
    by_eval = bool(np.isfinite(spread) and np.isfinite(start) and spread < ratio * start)
    return by_eval or bool(last["collapsed"])


def feature_snapshots(name: str, mode: str, data_spec: dict, net_spec: dict, train_cfg: dict,
                      epochs, *, max_points: int = 300, force: bool = False) -> dict:
    """Test-set features (eval mode) of one run after each epoch in ``epochs`` (0 = before
    training), for pictures of a collapse with ``rep_dim = 2``; cached like a run.

    Trains with :func:`svddlib.training.train` in stages that resume from the run's own
    checkpoint, so the snapshots lie on a single training trajectory. Returns
    ``{"epochs", "features": {epoch: [[..]..]}, "labels", "center", "test_auc": {epoch: ..}}``.
    """
    epochs = sorted({int(e) for e in epochs})
    if not epochs or epochs[0] < 0:
        raise ValueError(f"epochs must be non-empty integers >= 0, got {epochs!r}")
    config = {"data": data_spec, "net": net_spec, "train": train_cfg, "snapshots": epochs,
              "max_points": max_points}

    def run(folder):
        import torch

        from .data import to_tensors
        from .metrics import auc
        from .objectives import init_center
        from .training import TrainConfig, compute_scores, train

        data = build_data(**data_spec)
        tensors, _ = to_tensors(data, "gcn-minmax")
        x_test, labels = tensors["test"][:max_points], data.test.labels[:max_points]
        net_kwargs = {k: v for k, v in net_spec.items() if k != "network"}
        cfg = TrainConfig(**{**train_cfg, "progress": False})
        net = build_network(net_spec.get("network", "lenet-mnist"), cfg.seed, **net_kwargs)
        center = init_center(net, tensors["train"], eps=cfg.eps)
        out = {"epochs": epochs, "features": {}, "test_auc": {}, "labels": labels.tolist(),
               "center": center.tolist()}
        for epoch in epochs:
            if epoch > 0:
                train(net, tensors["train"], cfg, n_epochs=epoch, center=center,
                      checkpoint_dir=folder / "stages")
            net.eval()
            with torch.no_grad():
                out["features"][str(epoch)] = net(x_test).tolist()
            out["test_auc"][str(epoch)] = auc(labels, compute_scores(net, x_test, center))
        shutil.rmtree(folder / "stages", ignore_errors=True)
        return out

    return load_or_run(name, mode, config, run, force=force)


def summarize_collapse(frame, max_loss: float = 1e-4, ratio: float = 1e-3):
    """One row per variant of a :func:`run_variants` frame: the last epoch's values and the kind
    of end state.

    ``outcome`` is ``'collapse onto c'`` when the last epoch is flagged collapsed (feature
    variance or score spread below the trainer's threshold relative to the start) *and* L_SVDD
    is below ``max_loss`` (the features sit on the centre: the trivial minimiser of Eq. 2);
    ``'constant map off c'`` when flagged with a larger loss (e.g. a bias-free network whose
    ReLUs all died maps everything to 0, with loss ||c||^2 >= p eps^2, at least 0.01 with the
    default eps 0.1); otherwise ``'no collapse'``. A run also counts as flagged when its last
    ``val_score_spread_rel`` (eval mode, see :func:`eval_collapsed`) is below ``ratio``.
    """
    import pandas as pd

    if not max_loss > 0:
        raise ValueError(f"max_loss must be > 0, got {max_loss!r}")
    rows = []
    for label, group in frame.groupby("variant", sort=False):
        group = group.sort_values("epoch")
        first, last = group.iloc[0], group.iloc[-1]
        onto_c = last["l_svdd"] < max_loss
        by_eval = bool("val_score_spread_rel" in group and last["val_score_spread_rel"] < ratio)
        flagged = bool(last["collapsed"]) or by_eval
        outcome = ("no collapse" if not flagged
                   else "collapse onto c" if onto_c else "constant map off c")
        rows.append({"variant": label, "outcome": outcome, "eval_collapsed": by_eval,
                     "feature_var_rel": last["feature_var_rel"],
                     "score_spread_rel": last["score_spread_rel"],
                     "l_svdd_first": first["l_svdd"], "l_svdd_last": last["l_svdd"],
                     "collapse_epoch": last["collapse_epoch"],
                     "test_auc_best": last["test_auc_best"], "test_auc_last": last["test_auc"]})
    return pd.DataFrame(rows).set_index("variant")



def run_notebook_setting(cfg, data_spec: dict, net_spec: dict, seed: int, lr: float | None = None,
                         keep_scores: bool = True, **options) -> dict:
    """:func:`run_deep_svdd` as the regularizer notebooks (40-43) run it: the notebook's cache
    folder, mode and force flag, ``cfg.n_epochs``, learning rate ``lr`` (default ``cfg.lr``) for
    the network and 10 x ``lr`` for the noise head (the paper's ratio), progress bars outside
    smoke mode; ``options`` are further TrainConfig fields."""
    lr = cfg.lr if lr is None else lr
    train_cfg = {"lr": lr, "lr_head": 10 * lr, "n_epochs": cfg.n_epochs, "seed": seed,
                 "progress": cfg.mode != "smoke", **options}
    return run_deep_svdd(cfg.notebook, cfg.mode, data_spec, net_spec, train_cfg,
                         keep_scores=keep_scores, force=cfg.force_retrain)


def collapse_row(summary: dict) -> dict:
    """The columns every collapse-setting table shows for one :func:`run_deep_svdd` summary:
    test AUC at the best validation and at the last epoch, last / initial feature variance,
    the first flagged epoch and whether the run ended collapsed (:func:`eval_collapsed`)."""
    hist = summary["history"]
    return {"test AUC (best val epoch)": summary["test_auc_best"],
            "test AUC (last epoch)": summary["test_auc_last"],
            "final feature var / initial": hist[-1]["feature_var"] / summary["initial_feature_var"],
            "collapse epoch": summary["collapse_epoch"],
            "collapsed (last epoch)": eval_collapsed(summary)}


def initial_feature_variance(data_spec: dict, net_spec: dict, seed: int) -> float:
    """Feature variance (:func:`~svddlib.regularizers.minibatch_variance`) of the network of
    ``net_spec`` initialised from ``seed``, in eval mode, on all training images of
    ``data_spec``: the scale that notebook 43's control sets its threshold d0 from."""
    import torch

    from .data import to_tensors
    from .regularizers import minibatch_variance

    x_train = to_tensors(build_data(**data_spec))[0]["train"]
    net_kwargs = {k: v for k, v in net_spec.items() if k != "network"}
    net = build_network(net_spec.get("network", "lenet-mnist"), seed, **net_kwargs).eval()
    with torch.no_grad():
        return float(minibatch_variance(net(x_train)))
