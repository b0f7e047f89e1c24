"""Benchmark: svddlib.DeepSVDD against PyOD's DeepSVDD, OC-SVM and Isolation Forest.

MNIST-5k one-vs-all (:func:`svddlib.data.one_vs_all`): for each normal digit and seed, every
detector is fitted on the same training images (80% of the normal digit's training images,
nothing else), with the same preprocessing (global contrast normalisation + min-max scaling
fitted on those images; flattened to 784 pixels for the detectors that take vectors), and
scored on the official test set (100 images per digit). Choices use the validation split
(the other 20% of the normal digit's training images plus the other digits' training images),
never the test set; to keep the benchmark short, validation uses all normal validation images and
random anomalous ones, :data:`N_VAL` images in all. Methods:

* ``svddlib defaults``: ``DeepSVDD(random_state=seed)`` (LeNet, n_epochs='auto');
* ``svddlib tuned``: the defaults with three times their epochs, and ``validation_data``
  keeps the epoch with the best validation AUC (the paper's protocol); the default lr and
  epochs and this setting were chosen by validation AUC and CPU time only (README section);
* ``svddlib old defaults``: lr 1e-4 and a fixed 30 epochs, the defaults before issue 12;
* ``PyOD DeepSVDD``: ``pyod.models.deep_svdd.DeepSVDD(n_features=784, random_state=seed)``,
  PyOD's defaults (an MLP on the pixels, 100 epochs);
* ``OC-SVM`` / ``IForest``: :mod:`svddlib.baselines.shallow` (PCA + Gaussian OC-SVM, or
  PCA + Isolation Forest), hyperparameters chosen on the validation split from
  :data:`SHALLOW_GRID`.

Reported: mean +- std of the test AUC over all runs, and seconds per run (CPU time of this
process and wall time, from the training images to a fitted detector, including any
validation-based choice), after one untimed warm-up run of each method. One torch thread
for everyone. PyOD is needed for the benchmark
only: ``.venv/bin/pip install pyod``.

    OMP_WAIT_POLICY=PASSIVE nice .venv/bin/python scripts/bench_detectors.py --quick
    OMP_WAIT_POLICY=PASSIVE nice .venv/bin/python scripts/bench_detectors.py --sweep
    OMP_WAIT_POLICY=PASSIVE nice .venv/bin/python scripts/bench_detectors.py \
        --json results/bench_detectors.json
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

TUNED = {"n_epochs_factor": 3}  # svddlib tuned: 3x the default epochs, best validation epoch


N_VAL = 1000  # validation subset: every normal validation image plus random anomalous ones


def load_split(digit: int, seed: int) -> dict:
    from svddlib.data import one_vs_all, to_tensors

    data = one_vs_all("mnist5k", digit, seed=seed)
    tensors, _ = to_tensors(data)
    y_val = data.val.labels.astype(int)
    rng = np.random.default_rng(seed)
    anomalous = rng.choice(np.flatnonzero(y_val == 1), N_VAL - int((y_val == 0).sum()),
                           replace=False)
    keep = np.sort(np.r_[np.flatnonzero(y_val == 0), anomalous])
    tensors["val"] = tensors["val"][keep]
    return {"x": {k: v.numpy() for k, v in tensors.items()},
            "flat": {k: v.flatten(1).numpy() for k, v in tensors.items()},
            "y_val": y_val[keep], "y_test": data.test.labels.astype(int)}


def svddlib_defaults(s: dict, seed: int) -> np.ndarray:
    from svddlib.detector import DeepSVDD

    det = DeepSVDD(random_state=seed).fit(s["x"]["train"])
    return det.anomaly_score(s["x"]["test"])


def svddlib_old_defaults(s: dict, seed: int) -> np.ndarray:
    from svddlib.detector import DeepSVDD

    det = DeepSVDD(lr=1e-4, n_epochs=30, random_state=seed).fit(s["x"]["train"])
    return det.anomaly_score(s["x"]["test"])


def svddlib_tuned(s: dict, seed: int) -> np.ndarray:
    from svddlib.detector import DeepSVDD, resolve_n_epochs

    epochs = TUNED["n_epochs_factor"] * resolve_n_epochs("auto", len(s["x"]["train"]),
                                                         DeepSVDD().batch_size)
    det = DeepSVDD(n_epochs=epochs, random_state=seed)
    det.fit(s["x"]["train"], validation_data=(s["x"]["val"], s["y_val"]))
    return det.anomaly_score(s["x"]["test"])


def pyod_deep_svdd(s: dict, seed: int) -> np.ndarray:
    from pyod.models.deep_svdd import DeepSVDD as PyODDeepSVDD

    det = PyODDeepSVDD(n_features=s["flat"]["train"].shape[1], random_state=seed, verbose=0)
    det.fit(s["flat"]["train"])
    return det.decision_function(s["flat"]["test"])


#: A coarser grid than svddlib.baselines.shallow's (180 OC-SVM settings), to keep runs short.
SHALLOW_GRID = {"pca_grid": (16, 32, 64), "nu_grid": (0.05, 0.1, 0.2),
                "gamma_factors": (0.25, 1.0, 4.0)}


def _shallow(model: str, s: dict, seed: int) -> np.ndarray:
    from svddlib.baselines.shallow import parameter_grid, select_on_validation

    best, _, _ = select_on_validation(parameter_grid(model, seed=seed, **SHALLOW_GRID),
                                      s["flat"]["train"], s["flat"]["val"], s["y_val"])
    return best.score_samples(s["flat"]["test"])


METHODS = {
    "svddlib defaults": svddlib_defaults,
    "svddlib tuned": svddlib_tuned,
    "svddlib old defaults": svddlib_old_defaults,
    "PyOD DeepSVDD": pyod_deep_svdd,
    "OC-SVM (PCA, val.)": lambda s, seed: _shallow("ocsvm", s, seed),
    "IForest (PCA, val.)": lambda s, seed: _shallow("iforest", s, seed),
}


def run(digits, seeds, methods, log=None) -> list:
    """One row per (method, digit, seed); each row is appended to ``log`` (JSON lines) at once."""
    from tqdm.auto import tqdm

    from svddlib.metrics import auc

    rows = []
    runs = [(d, s) for s in seeds for d in digits]
    warm = load_split(*runs[0])
    for name in methods:  # untimed warm-up: imports, thread pools, first allocations
        METHODS[name](warm, runs[0][1])
    for digit, seed in tqdm(runs, desc="splits"):
        split = load_split(digit, seed)
        for name in methods:
            c0, w0 = time.process_time(), time.perf_counter()
            scores = METHODS[name](split, seed)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            rows.append({"method": name, "digit": digit, "seed": seed, "cpu_s": cpu,
                         "wall_s": wall, "auc": auc(split["y_test"], scores)})
            if log is not None:
                with open(log, "a") as f:
                    f.write(json.dumps(rows[-1]) + "\n")
    return rows


#: ``--sweep``: (lr, n_epochs) settings of DeepSVDD compared by validation AUC and CPU time.
SWEEP = [(lr, epochs) for lr in (1e-4, 1e-3, 5e-3, 1e-2) for epochs in (10, 30)]


def sweep(digits, seed: int) -> str:
    """Validation AUC (never test) and CPU seconds of each SWEEP setting, mean over digits."""
    import pandas as pd
    from tqdm.auto import tqdm

    from svddlib.detector import DeepSVDD
    from svddlib.metrics import auc

    rows = []
    svddlib_defaults(load_split(digits[0], seed), seed)  # untimed warm-up
    for digit in tqdm(digits, desc="sweep"):
        split = load_split(digit, seed)
        for lr, epochs in SWEEP:
            c0 = time.process_time()
            det = DeepSVDD(lr=lr, n_epochs=epochs, random_state=seed).fit(split["x"]["train"])
            cpu = time.process_time() - c0
            rows.append({"lr": lr, "n_epochs": epochs, "cpu_s": cpu,
                         "val_auc": auc(split["y_val"], det.anomaly_score(split["x"]["val"]))})
    frame = pd.DataFrame(rows).groupby(["lr", "n_epochs"]).mean().reset_index()
    frame["lr"] = frame["lr"].map("{:g}".format)
    return frame.round({"cpu_s": 2, "val_auc": 3}).to_markdown(index=False)


def summary_table(rows: list) -> str:
    import pandas as pd

    frame = pd.DataFrame(rows)
    g = frame.groupby("method", sort=False)
    out = ["| method | test AUC (mean ± std) | CPU s per run | wall s per run | runs |",
           "|---|---|---|---|---|"]
    for name, grp in g:
        out.append(f"| {name} | {grp.auc.mean():.3f} ± {grp.auc.std(ddof=1):.3f} | "
                   f"{grp.cpu_s.mean():.2f} | {grp.wall_s.mean():.2f} | {len(grp)} |")
    per_digit = frame.pivot_table(index="digit", columns="method", values="auc", sort=False)
    return "\n".join(out) + "\n\nMean test AUC per normal digit:\n\n" + per_digit.round(3) \
        .to_markdown()


# ----------------------------------------------------------------------------- natural images
# Fashion-MNIST one-class (issue 19): train on all training images of the normal class, test
# on the whole official test set (10,000 images, the other nine classes anomalous). Choices
# (library defaults for the pretrained net, shallow grids) use validation data made from the
# training set only: a held-out 20% of the normal class plus other classes' training images.

_RAW = {}


def fmnist():
    from svddlib.data import load_fashion_mnist

    if "raw" not in _RAW:
        _RAW["raw"] = load_fashion_mnist()
    return _RAW["raw"]


def fmnist_validation(normal: int, seed: int, n_train=None, n_val: int = 600) -> dict:
    """Validation split from the training set only: 80% of the normal class's training
    images (``n_train`` of them at random, None: all) to fit, and ``n_val`` held-out normal
    plus ``n_val`` other-class training images to score."""
    raw = fmnist()
    rng = np.random.default_rng(seed)
    normal_idx = rng.permutation(np.flatnonzero(raw.train_classes == normal))
    cut = int(0.8 * len(normal_idx))
    fit_idx = normal_idx[:cut] if n_train is None else normal_idx[:min(cut, n_train)]
    others = rng.choice(np.flatnonzero(raw.train_classes != normal), n_val, replace=False)
    val_idx = np.r_[normal_idx[cut:cut + n_val], others]
    y_val = np.r_[np.zeros(len(val_idx) - n_val, int), np.ones(n_val, int)]
    return {"train": raw.train_images[fit_idx], "val": raw.train_images[val_idx],
            "y_val": y_val}


def _memo_frozen_outputs():
    """Cache the frozen front's outputs by input bytes (the front is the fixed ImageNet
    network, so equal inputs give equal outputs): for sweeps and test scoring, never inside
    a timed fit."""
    import hashlib

    import svddlib.detector as detector

    original, memo = detector.frozen_outputs, {}

    def cached(front, x, batch_size, device):
        key = (hashlib.sha1(x.numpy().tobytes()).hexdigest(), len(front))
        if key not in memo:
            memo[key] = original(front, x, batch_size, device)
        return memo[key]

    detector.frozen_outputs = cached
    return original


#: --sweep-pretrained: fast-path settings compared by validation AUC per epoch (never test).
PRETRAINED_SWEEP = [dict(pooling=p, bias=b, rep_dim=r, lr=lr) for p in ("max", "avg")
                    for b in (False, True) for r in (None, 128) for lr in (1e-4, 1e-3)]


def sweep_pretrained(classes, seed: int, n_train: int = 1000, n_epochs: int = 5) -> str:
    """Validation AUC after each of ``n_epochs`` epochs for every PRETRAINED_SWEEP setting,
    and of kNN, mean over ``classes`` (training subsample ``n_train`` per class)."""
    import pandas as pd

    from svddlib.baselines import PretrainedKNN
    from svddlib.detector import DeepSVDD
    from svddlib.metrics import auc

    _memo_frozen_outputs()
    rows = []
    for c in classes:
        v = fmnist_validation(c, seed, n_train)
        knn = PretrainedKNN().fit(v["train"])
        rows.append({"setting": "kNN k=2 (avg)", "epoch": 0,
                     "val_auc": auc(v["y_val"], knn.anomaly_score(v["val"]))})
        for setting in PRETRAINED_SWEEP:
            det = DeepSVDD(net="efficientnet-lite0", n_epochs=n_epochs, random_state=seed,
                           **setting).fit(v["train"], validation_data=(v["val"], v["y_val"]))
            name = ", ".join(f"{k}={val}" for k, val in setting.items())
            rows += [{"setting": name, "epoch": h["epoch"], "val_auc": h["val_auc"]}
                     for h in det.history_]
            print(c, name, [round(h["val_auc"], 3) for h in det.history_], flush=True)
    frame = pd.DataFrame(rows).pivot_table(index="setting", columns="epoch", values="val_auc")
    return frame.round(3).to_markdown()


#: --sweep-lr: the body learning rates compared (1e-12: the untrained network, as a reference).
LR_SWEEP = (1e-12, 1e-5, 3e-5, 1e-4)


def sweep_lr(classes, seed: int, log: str) -> None:
    """Validation AUC of DeepSVDD(net='efficientnet-lite0') with its defaults and each lr of
    LR_SWEEP, fitted on all 80% training images of each class (the step count of the real
    protocol), one JSON line per (class, lr) in ``log``. Training images only."""
    import svddlib.detector as detector
    from svddlib.metrics import auc
    from svddlib.training import compute_scores

    _memo_frozen_outputs()
    for c in classes:
        v = fmnist_validation(c, seed)
        x_val = detector.as_image_tensor(v["val"])
        for lr in LR_SWEEP:
            det = detector.DeepSVDD(net="efficientnet-lite0", random_state=seed, lr=lr)
            det.fit(v["train"])
            front = detector.frozen_outputs(det.model_[0], x_val, 1024, torch.device("cpu"))
            row = {"class": c, "lr": lr, "n_epochs": det.n_epochs_,
                   "val_auc": auc(v["y_val"], compute_scores(det.model_[1], front, det.center_))}
            with open(log, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(row, flush=True)


#: --probe-scoring: the fast-path settings whose scores are compared on validation data.
PROBE_SETTINGS = [dict(pooling=p, bn_stats=b) for b in ("update", "frozen") for p in ("max", "avg")]


def probe_scoring(classes, seed: int, log: str, n_neighbors: int = 2) -> None:
    """Validation AUC (never test) of the fast path with each PROBE_SETTINGS setting, scored by
    (a) its centre distance and (b) kNN (``n_neighbors``, mean distance) in its learned feature
    space against the training images' learned features; and (c) kNN on the frozen (untrained)
    features with each pooling (pooling='avg': PretrainedKNN's features). One JSON line per
    class in ``log``. Fitted on 80% of the normal class's training images."""
    import svddlib.detector as detector
    from sklearn.neighbors import NearestNeighbors

    from svddlib.baselines.knn import knn_scores
    from svddlib.metrics import auc
    from svddlib.models.efficientnet import fast_path_model
    from svddlib.training import compute_features, compute_scores

    _memo_frozen_outputs()
    cpu = torch.device("cpu")

    def knn_auc(tail, f_train, f_val, y):
        nn = NearestNeighbors(n_neighbors=n_neighbors).fit(compute_features(tail, f_train))
        return auc(y, knn_scores(nn.kneighbors(compute_features(tail, f_val))[0]))

    for c in classes:
        v = fmnist_validation(c, seed)
        row = {"class": c, "seed": seed}
        for setting in PROBE_SETTINGS:
            det = detector.DeepSVDD(net="efficientnet-lite0", random_state=seed,
                                    **setting).fit(v["train"])
            f_train, f_val = (detector.frozen_outputs(det.model_[0], detector.as_image_tensor(x),
                                                      1024, cpu) for x in (v["train"], v["val"]))
            name = "{pooling}, bn {bn_stats}".format(**setting)
            row[f"center, {name}"] = auc(v["y_val"], compute_scores(det.model_[1], f_val,
                                                                    det.center_))
            row[f"knn learned, {name}"] = knn_auc(det.model_[1], f_train, f_val, v["y_val"])
            if setting["bn_stats"] == "update":
                frozen = fast_path_model(detector.FAST_TRAINABLE_BLOCKS, bias=True,
                                         pooling=setting["pooling"])[1]
                row[f"knn frozen, {setting['pooling']}"] = knn_auc(frozen, f_train, f_val,
                                                                    v["y_val"])
        with open(log, "a") as f:
            f.write(json.dumps(row) + "\n")
        print(row, flush=True)


def probe_table(log) -> str:
    """Markdown table of a --probe-scoring log: validation AUC per class and their mean, one
    row per score."""
    import pandas as pd

    frame = pd.DataFrame([json.loads(line) for line in open(log) if line.strip()])
    table = frame.drop(columns="seed").set_index("class").T
    table["mean"] = table.mean(axis=1)
    return table.round(3).to_markdown()


def fmnist_run(normal: int) -> dict:
    """The benchmark protocol: every training image of the normal class; the whole test set."""
    raw = fmnist()
    return {"train": raw.train_images[raw.train_classes == normal], "test": raw.test_images,
            "y_test": (raw.test_classes != normal).astype(int)}


class TestFeatures:
    """Frozen features of the 10,000 test images, computed once (the frozen networks are the
    same for every class and seed) and kept in results/: scoring, never fitting, uses them."""

    def __init__(self, path="results/fmnist_test_features.pt"):
        from pathlib import Path

        self.path, self.feats = Path(path), None

    def get(self) -> dict:
        if self.feats is None and self.path.exists():
            self.feats = torch.load(self.path, weights_only=True)
        if self.feats is None:
            from svddlib.cache import atomic_write

            self.feats = self._compute()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # atomic: safe beside another benchmark process writing the same file
            atomic_write(self.path, lambda tmp: torch.save(self.feats, tmp))
        return self.feats

    @staticmethod
    def _compute() -> dict:
        from svddlib.detector import DeepSVDD, as_image_tensor, frozen_outputs
        from svddlib.models.efficientnet import efficientnet_lite0_features

        x = as_image_tensor(fmnist().test_images)
        front = DeepSVDD(net="efficientnet-lite0")._new_model(tuple(x.shape[1:]))[0]
        return {"front": frozen_outputs(front, x, 512, torch.device("cpu")),
                "knn": torch.tensor(efficientnet_lite0_features(x, pooling="avg"))}


TEST_FEATURES = TestFeatures()


def _fast_scores(det, s) -> np.ndarray:
    """Fast-path scores of the test set from the cached front outputs, by the detector's own
    rule (centre distance, or kNN for scoring='knn'), checked against its anomaly_score on 20
    test images."""
    from svddlib.training import compute_features, compute_scores

    front = TEST_FEATURES.get()["front"]
    if det.scoring == "knn":
        scores = det.knn_scores_of(compute_features(det.model_[1], front))
    else:
        scores = compute_scores(det.model_[1], front, det.center_, det.radius_, det.objective)
    own = det.anomaly_score(s["test"][:20])
    assert np.allclose(own, scores[:20], rtol=1e-4, atol=1e-5), (own, scores[:20])
    return scores


def _pretrained(**kw):
    def method(s, seed):
        from svddlib.detector import DeepSVDD

        det = DeepSVDD(net="efficientnet-lite0", random_state=seed, **kw).fit(s["train"])
        return det, (lambda: _fast_scores(det, s) if det._fast_path()
                     else det.anomaly_score(s["test"]))
    return method


def _lenet_defaults(s, seed):
    from svddlib.detector import DeepSVDD

    det = DeepSVDD(random_state=seed).fit(s["train"])  # uint8 (N, 28, 28): divided by 255
    return det, lambda: det.anomaly_score(s["test"])


def _knn(s, seed):
    from svddlib.baselines import PretrainedKNN
    from svddlib.baselines.knn import knn_scores

    det = PretrainedKNN().fit(s["train"])
    return det, lambda: knn_scores(det.nn_.kneighbors(TEST_FEATURES.get()["knn"].numpy())[0])


def _flat(images) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def _pyod(s, seed):
    from pyod.models.deep_svdd import DeepSVDD as PyODDeepSVDD

    det = PyODDeepSVDD(n_features=784, random_state=seed, verbose=0).fit(_flat(s["train"]))
    return det, lambda: det.decision_function(_flat(s["test"]))


#: Shallow grids on Fashion-MNIST, chosen on validation (fit on 2,000 of the 80% normal
#: training images, score 600 held-out normal + 600 other-class training images), then the
#: chosen setting refitted on every training image of the normal class.
NATURAL_SHALLOW_GRID = {"pca_grid": (32,), "nu_grid": (0.05, 0.1),
                        "gamma_factors": (0.5, 2.0)}


def _shallow_natural(model: str):
    def method(s, seed):
        from svddlib.baselines.shallow import parameter_grid, select_on_validation

        v = fmnist_validation(s["normal"], seed, n_train=2000)
        grid = {**NATURAL_SHALLOW_GRID, **({"nu_grid": (0.1,), "gamma_factors": (1.0,)}
                                           if model == "iforest" else {})}
        best, _, _ = select_on_validation(parameter_grid(model, seed=seed, **grid),
                                          _flat(v["train"]), _flat(v["val"]), v["y_val"])
        best.fit(_flat(s["train"]))
        return best, lambda: best.score_samples(_flat(s["test"]))
    return method


NATURAL = {
    "svddlib defaults (LeNet)": _lenet_defaults,
    "svddlib pretrained, fast path": _pretrained(),
    "svddlib pretrained, fast path + noise reg.": _pretrained(regularizer="noise"),
    "svddlib pretrained, fast path + variance reg.": _pretrained(regularizer="variance"),
    # chosen by --probe-scoring (validation data only): the compactness-trained features scored
    # by kNN as PANDA does, the BatchNorms frozen as PANDA trains
    "svddlib pretrained, fast path, kNN score": _pretrained(scoring="knn", bn_stats="frozen"),
    "svddlib pretrained, full fine-tuning": _pretrained(finetune="full"),
    "kNN k=2, same pretrained features": _knn,
    "PyOD DeepSVDD": _pyod,
    "OC-SVM (PCA, val.)": _shallow_natural("ocsvm"),
    "IForest (PCA, val.)": _shallow_natural("iforest"),
}
#: Rows whose result does not depend on the seed: run for the first seed only.
DETERMINISTIC = ("kNN k=2, same pretrained features", "OC-SVM (PCA, val.)")
FULL_FINETUNE = "svddlib pretrained, full fine-tuning"


def run_natural(classes, seeds, methods, log, full_classes, full_seeds) -> None:
    """One JSON line per (method, class, seed) in ``log``, seed-major so that every class of
    the first seed is done first; full fine-tuning only on ``full_classes`` x ``full_seeds``."""
    from svddlib.metrics import auc

    TEST_FEATURES.get()
    for seed in seeds:
        for c in classes:
            s = {**fmnist_run(c), "normal": c}
            for name in methods:
                skip_full = name == FULL_FINETUNE and (c not in full_classes
                                                       or seed not in full_seeds)
                if skip_full or (name in DETERMINISTIC and seed != seeds[0]):
                    continue
                c0, w0 = time.process_time(), time.perf_counter()
                _, score = NATURAL[name](s, seed)
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                row = {"method": name, "class": c, "seed": seed, "cpu_s": cpu, "wall_s": wall,
                       "n_train": len(s["train"]), "auc": auc(s["y_test"], score())}
                with open(log, "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)


def natural_table(logs) -> str:
    """Markdown table from the JSON lines of one or more runs: mean AUC = mean over classes of
    each class's mean over its seeds; std over seeds = mean over the classes run with two or
    more seeds of the AUC's standard deviation across seeds (NaN: one seed only)."""
    import pandas as pd

    rows = [json.loads(line) for path in logs for line in open(path) if line.strip()]
    frame = pd.DataFrame(rows)
    out = ["| method | mean AUC | std over seeds | CPU s per fit | classes | seeds | fits |",
           "|---|---|---|---|---|---|---|"]
    names = [m for m in NATURAL if m in set(frame.method)]
    for name in names + sorted(set(frame.method) - set(NATURAL)):
        g = frame[frame.method == name]
        per_class = g.groupby("class").auc
        stds = per_class.std(ddof=1).dropna()
        classes = sorted(int(c) for c in g["class"].unique())
        seeds = ", ".join(str(int(n)) for n in sorted(g.seed.unique()))
        out.append(f"| {name} | {per_class.mean().mean():.3f} | "
                   f"{stds.mean() if len(stds) else float('nan'):.3f} | {g.cpu_s.mean():.1f} | "
                   f"{len(classes) if len(classes) > 3 else classes} | {seeds} | {len(g)} |")
    return "\n".join(out)


def natural_per_class(logs) -> str:
    """Mean test AUC per normal class (over its seeds), one column per method."""
    import pandas as pd

    rows = [json.loads(line) for path in logs for line in open(path) if line.strip()]
    frame = pd.DataFrame(rows)
    table = frame.pivot_table(index="class", columns="method", values="auc", sort=False)
    names = [m for m in NATURAL if m in table.columns]
    names += sorted(set(table.columns) - set(names))
    short = {m: m.replace("svddlib pretrained, ", "").replace(", same pretrained features", "")
             .replace(" reg.", "").replace("fast path", "fast") for m in names}
    table = table[names].rename(columns=short)
    return table.round(3).to_markdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="digits 0 and 1, seed 0 only")
    ap.add_argument("--digits", type=int, nargs="+", default=list(range(10)))
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None, help="write every run's numbers to this JSON file")
    ap.add_argument("--sweep", action="store_true",
                    help="only the lr / epochs sweep behind the defaults (validation AUC, seed 0)")
    ap.add_argument("--sweep-pretrained", action="store_true",
                    help="only the sweep behind the efficientnet-lite0 defaults (Fashion-MNIST "
                         "validation AUC, classes --digits, seed 0)")
    ap.add_argument("--sweep-lr", action="store_true",
                    help="only the lr sweep behind the efficientnet-lite0 default (Fashion-MNIST "
                         "validation AUC, classes --digits, seed 0, JSON lines to --json)")
    ap.add_argument("--probe-scoring", action="store_true",
                    help="only the validation probe of the centre and kNN scores of the fast "
                         "path (classes --digits, seed 0, JSON lines to --json)")
    ap.add_argument("--probe-table", default=None,
                    help="print the table of a --probe-scoring JSON-lines file")
    ap.add_argument("--natural", action="store_true",
                    help="the Fashion-MNIST natural-image benchmark (classes --digits, --seeds); "
                         "appends JSON lines to --json")
    ap.add_argument("--full", action="store_true",
                    help="with --natural: full fine-tuning on every class and seed too")
    ap.add_argument("--full-classes", type=int, nargs="+", default=[0])
    ap.add_argument("--full-seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--natural-methods", nargs="+", default=list(NATURAL), choices=list(NATURAL))
    ap.add_argument("--table", nargs="+", default=None,
                    help="print the natural-image table of these JSON-lines files")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.table:
        print(natural_table(args.table) + "\n\nMean test AUC per normal class:\n\n"
              + natural_per_class(args.table))
        return
    if args.sweep_lr:
        sweep_lr(args.digits, args.seeds[0], args.json or "results/sweep_lr.jsonl")
        return
    if args.probe_table:
        print(probe_table(args.probe_table))
        return
    if args.probe_scoring:
        log = args.json or "results/probe_scoring.jsonl"
        probe_scoring(args.digits, args.seeds[0], log)
        print(probe_table(log))
        return
    if args.natural:
        full = (args.digits, args.seeds) if args.full else (args.full_classes, args.full_seeds)
        run_natural(args.digits, args.seeds, args.natural_methods,
                    args.json or "results/bench_natural.jsonl", *full)
        return
    if args.sweep:
        print(sweep(args.digits, args.seeds[0]))
        return
    if args.sweep_pretrained:
        print(sweep_pretrained(args.digits, args.seeds[0]))
        return
    digits, seeds = ([0, 1], [0]) if args.quick else (args.digits, args.seeds)
    log = None if not args.json else str(args.json) + ".partial.jsonl"
    if log is not None:
        from pathlib import Path

        Path(log).parent.mkdir(parents=True, exist_ok=True)
    rows = run(digits, seeds, args.methods, log)
    print(summary_table(rows))
    if args.json:
        from svddlib.cache import atomic_write_json

        atomic_write_json(args.json, {"rows": rows, "digits": digits, "seeds": seeds,
                                      "threads": args.threads, "torch": torch.__version__})


if __name__ == "__main__":
    main()
