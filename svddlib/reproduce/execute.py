"""Execute ONE run dict of an :class:`~svddlib.reproduce.specs.ArtefactSpec` (no caching).

:func:`cache_config` is the part of a run that determines its result (what the cache hashes):
the labels of its cell and where the data live are dropped, so a run shared by two artefacts
is trained once. :func:`execute_run` trains a Deep SVDD variant
(:func:`svddlib.experiments.train_deep_svdd`) or fits a baseline
(:func:`svddlib.baselines.run_baseline`) and returns JSON-able metrics, AUCs in %:

``auc``                  test AUC at the epoch of best validation AUC (the paper's protocol);
``auc_last``             test AUC after the last epoch;
``auc_before_collapse``  best test AUC before the first collapsed epoch (Table V, Fig. 1;
                         :func:`svddlib.experiments.best_before_collapse`);
``val_auc``              validation AUC of the selected epoch / hyperparameters;
plus ``best_epoch``, ``collapse_epoch``, ``collapsed``, ``n_train``/``n_val``/``n_test``,
``seconds``, ``normal_class`` and ``k`` (noise regularizer; else None), the per-epoch
``history`` and ``eval_collapsed`` (Deep SVDD: whether the run ends collapsed judged in eval
mode, :func:`svddlib.experiments.eval_collapsed`) and, for the installed stand-ins,
``data_source`` (package, version, files' digest). Baselines have no epochs: their
``auc_last`` and ``auc_before_collapse`` equal ``auc``.
"""
from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

__all__ = ["LABEL_KEYS", "cache_config", "execute_run", "data_spec_of"]

#: Keys of a run dict that label it (or say where data live) and do not change its result.
LABEL_KEYS = ("artefact", "row", "column", "seed", "mode", "notes", "group", "choice",
              "data_root")
_PAPER_DATASETS = ("cifar10", "voc2012", "wikiart")


def cache_config(run: dict) -> dict:
    """The computational part of ``run``: every key but :data:`LABEL_KEYS` (a deep copy)."""
    if not isinstance(run, dict) or "kind" not in run:
        raise ValueError("a run must be a dict with a 'kind' ('deep_svdd' or 'baseline'), as "
                         "ArtefactSpec.resolve returns")
    return {k: copy.deepcopy(v) for k, v in run.items() if k not in LABEL_KEYS}


def data_spec_of(run: dict) -> dict:
    """The run's data spec for :func:`svddlib.experiments.build_data`, with the loader's
    ``root`` (``<data_root>/<dataset>``) when the run names a data root."""
    spec = copy.deepcopy(run["data"])
    root = run.get("data_root")
    if root is not None and spec.get("dataset") in _PAPER_DATASETS:
        spec["root"] = str(Path(root) / spec["dataset"])
    return spec


def _percent(x):
    return None if x is None else 100.0 * float(x)


def _deep_svdd(run: dict, folder: Path, checkpoints) -> dict:
    from ..experiments import best_before_collapse, eval_collapsed, train_deep_svdd

    summary = train_deep_svdd(folder, data_spec_of(run), run["net"], run["train"],
                              pretrain_epochs=run.get("pretrain_epochs", 0),
                              preprocessing=run.get("preprocessing", "gcn-minmax"),
                              checkpoints=checkpoints)
    history = summary["history"]
    return {"auc": _percent(summary["test_auc_best"]),
            "auc_last": _percent(summary["test_auc_last"]),
            "auc_before_collapse": _percent(best_before_collapse(history)) if history else None,
            "val_auc": _percent(summary["val_auc_best"]),
            "best_epoch": summary["best_epoch"], "collapse_epoch": summary["collapse_epoch"],
            "collapsed": bool(summary["collapsed"]), "stopped_reason": summary["stopped_reason"],
            "n_train": summary["n_train"], "n_val": summary["n_val"],
            "n_test": summary["n_test"], "history": history,
            "eval_collapsed": eval_collapsed(summary),
            **({"data_source": summary["data_source"]} if "data_source" in summary else {})}


def _baseline(run: dict) -> dict:
    from ..baselines import run_baseline
    from ..data.installed import data_provenance
    from ..experiments import build_data

    config = dict(run["baseline"])
    if config.get("device") == "auto":
        from ..training import resolve_device

        config["device"] = str(resolve_device("auto"))
    data = build_data(**data_spec_of(run))
    result = run_baseline(run["method"], data, config)
    auc = _percent(result["test_auc"])
    metrics = {"auc": auc, "auc_last": auc, "auc_before_collapse": auc,
               "val_auc": _percent(result["val_auc"]), "best_epoch": None,
               "collapse_epoch": None, "collapsed": False, "eval_collapsed": False, "selected": result.get("selected", {}),
               "n_train": result["n_train"], "n_val": result["n_val"],
               "n_test": result.get("n_test")}
    provenance = data_provenance(data.info)
    if provenance:  # the Debian packages and files behind the paintings / photographs sets
        metrics["data_source"] = provenance
    return metrics


def execute_run(run: dict, folder=None, checkpoints=None) -> dict:
    """Train / fit one run and return its metrics (see the module docstring).

    ``folder``: where weights may be written (the cache's work folder); a temporary folder
    when None. ``checkpoints``: a folder for the Deep SVDD training checkpoint, where a killed
    run picks up again (the runner passes one; None: no checkpoint).
    Raises on bad input or a failed run; the sweep runner records that as failed.
    """
    kind = cache_config(run)["kind"]
    start = time.perf_counter()
    if kind == "deep_svdd":
        if folder is None:
            with tempfile.TemporaryDirectory() as tmp:
                metrics = _deep_svdd(run, Path(tmp), checkpoints)
        else:
            metrics = _deep_svdd(run, Path(folder), checkpoints)
    elif kind == "baseline":
        metrics = _baseline(run)
    else:
        raise ValueError(f"unknown run kind {kind!r}; expected 'deep_svdd' or 'baseline'")
    metrics["seconds"] = time.perf_counter() - start
    metrics.update(_facts(run))
    return metrics


def _facts(run: dict) -> dict:
    """Computational facts aggregation may need when a runs frame lacks the run's ``group``
    / ``choice`` labels: the normal class (one-vs-all) and the noise regularizer's k."""
    train = run.get("train") or {}
    return {"normal_class": run["data"].get("normal_class"),
            "k": train.get("k") if train.get("regularizer") == "noise" else None}
