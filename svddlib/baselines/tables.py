"""One-vs-all tables of the baselines (mean AUC per method over the normal classes), cached.

Every (method, normal class) run goes through :func:`svddlib.cache.load_or_run`, so a second
call with the same configuration reads the stored metrics instead of training again.

Reference numbers: :data:`RUFF2018_MNIST_DEEP_SVDD` holds the one-class Deep SVDD AUCs (%) per
MNIST digit of Ruff et al. 2018 (ICML), Table 1; they were obtained on the *full* MNIST
(about 6,000 training images per digit, 10,000 test images), not on the 5,000-image MNIST-5k
of this course, so they are a yardstick, not a target. The OC-SVM, KDE, IF, DCAE and AnoGAN
rows of that table are not reproduced here: check them in the paper before quoting them.
The numbers of Chong et al. (2020) live in :func:`svddlib.reproduce.paper_table`.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

__all__ = ["RUFF2018_MNIST_DEEP_SVDD", "one_vs_all_results", "cap_splits",
           "cap_anomalies", "mean_auc_table", "per_class_table"]

#: Ruff et al. 2018, Table 1, "Deep SVDD one-class", MNIST, test AUC in % per normal digit 0-9
#: (full MNIST; mean over 10 seeds in the paper).
RUFF2018_MNIST_DEEP_SVDD = (98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5)


def one_vs_all_results(methods: Iterable[str], dataset: str = "mnist5k",
                       classes: Iterable[int] = range(10), mode: str = "teach", seed: int = 0,
                       overrides: dict | None = None, max_train: int | None = None,
                       max_eval: int | None = None, max_anomalies: int | None = None,
                       cache_name: str = "60_baselines",
                       force: bool = False, log: Callable[[str], None] | None = print):
    """Run (or load) every method on every one-vs-all task: a pandas DataFrame, one row each.

    ``overrides``: method -> extra config for :func:`~svddlib.baselines.runner.run_baseline`.
    ``max_anomalies`` keeps every normal image of val and test but at most that many anomalies
    (the AUC does not depend on the class ratio, so this only adds noise, no bias); then
    ``max_train`` / ``max_eval`` subsample the splits (stratified, per seed) for quick runs, so
    ``max_anomalies`` near the number of normal images and ``max_eval`` give balanced splits.
    Columns: method, label, normal_class, val_auc, test_auc, fit_seconds, selected.
    """
    import pandas as pd

    from ..cache import array_store, load_or_run
    from ..data import one_vs_all
    from .runner import METHOD_LABELS, run_baseline

    methods, overrides = list(methods), dict(overrides or {})
    features = array_store("cnn-features")  # the OC-SVM and IF rows share the CNN features
    rows = []
    for normal_class in classes:
        data = None
        for method in methods:
            cfg = {"mode": mode, "seed": seed, **overrides.get(method, {})}
            key = {"experiment": "one_vs_all", "dataset": dataset, "normal_class": normal_class,
                   "max_train": max_train, "max_eval": max_eval, "max_anomalies": max_anomalies,
                   "method": method, **cfg}

            def run(_folder, method=method, cfg=cfg, normal_class=normal_class):
                nonlocal data
                if data is None:
                    data = cap_splits(one_vs_all(dataset, normal_class, seed=seed),
                                      max_train, max_eval, max_anomalies, seed)
                return run_baseline(method, data, cfg, feature_cache=features)

            result = load_or_run(cache_name, mode, key, run, force=force)
            rows.append({"method": method, "label": METHOD_LABELS[method],
                         "normal_class": normal_class, "val_auc": result["val_auc"],
                         "test_auc": result["test_auc"], "fit_seconds": result["fit_seconds"],
                         "selected": str(result.get("selected", {}))})
            if log is not None:
                log(f"class {normal_class} {METHOD_LABELS[method]:<34} val AUC "
                    f"{result['val_auc']:.3f}  test AUC {result['test_auc']:.3f}")
    return pd.DataFrame(rows)


def cap_splits(data, max_train: int | None = None, max_eval: int | None = None,
               max_anomalies: int | None = None, seed: int = 0):
    """The splits a one-vs-all run sees: at most ``max_anomalies`` anomalies in val and in test
    (:func:`cap_anomalies`), then at most ``max_train`` / ``max_eval`` images per split,
    stratified (``ADData.subsample``); None leaves a limit out."""
    if max_anomalies is not None:
        data = cap_anomalies(data, max_anomalies, seed)
    if max_train is not None or max_eval is not None:
        data = data.subsample(max_train, max_eval, seed=seed)
    return data


def cap_anomalies(data, max_anomalies: int, seed: int = 0):
    """A copy of ``data`` whose val and test splits keep all normal images and at most
    ``max_anomalies`` anomalies each (drawn without replacement, seeded)."""
    from ..data import ADData

    if max_anomalies < 1:
        raise ValueError(f"max_anomalies must be >= 1, got {max_anomalies}")
    rng = np.random.default_rng(seed)

    def cap(split):
        anomalies = np.flatnonzero(split.labels == 1)
        if len(anomalies) <= max_anomalies:
            return split
        keep = np.r_[np.flatnonzero(split.labels == 0),
                     rng.choice(anomalies, max_anomalies, replace=False)]
        return split.subset(np.sort(keep))

    info = dict(data.info, max_anomalies=max_anomalies)
    return ADData(data.name, data.train, cap(data.val), cap(data.test), info)


def mean_auc_table(results, reference: dict | None = None):
    """Mean and standard deviation over classes of the AUCs (in %), one row per method.

    ``reference``: optional ``{row label: per-class AUCs in %}`` (e.g. the numbers of Ruff et
    al. 2018) appended as extra rows with their mean and std over the same classes.
    """
    import pandas as pd

    grouped = results.groupby("label", sort=False)
    table = pd.DataFrame({
        "test AUC mean (%)": grouped["test_auc"].mean() * 100,
        "test AUC std (%)": grouped["test_auc"].std(ddof=0) * 100,
        "val AUC mean (%)": grouped["val_auc"].mean() * 100,
        "classes": grouped["normal_class"].count(),
    })
    classes = sorted(results["normal_class"].unique())
    for label, values in (reference or {}).items():
        picked = np.asarray([values[c] for c in classes], dtype=float)
        table.loc[label] = [picked.mean(), picked.std(), np.nan, len(classes)]
    return table.round(1)


def per_class_table(results, reference: dict | None = None):
    """Test AUC (%) per method (rows) and normal class (columns), plus optional reference rows."""
    table = results.pivot_table(index="label", columns="normal_class", values="test_auc",
                                sort=False) * 100
    classes = list(table.columns)
    for label, values in (reference or {}).items():
        table.loc[label] = [values[c] for c in classes]
    return table.round(1)
