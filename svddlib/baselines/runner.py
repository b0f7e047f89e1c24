"""One entry point for every baseline: ``run_baseline(name, data, config) -> metrics dict``.

Every baseline follows the same protocol as Deep SVDD (Section V of Chong et al. 2020):

1. fit on the (normal) training split;
2. choose hyperparameters, if any, by the AUC on the validation split;
3. only then score the test split and report its AUC.

Steps 1-2 never read ``data.test`` (a test passes a test split that raises on any access), so
test data cannot leak into any choice. The returned dict is JSON-able, so it plugs into
``svddlib.cache.load_or_run`` like the Deep SVDD runs:
``load_or_run(name, mode, config, lambda d: run_baseline(method, data, config))``.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import time

import numpy as np

from ..metrics import auc
from ..presets import TEACH_INPUT_SIZE

__all__ = ["BASELINES", "METHOD_LABELS", "default_config", "fit_baseline", "run_baseline"]

#: Display names, as in the rows of Tables II-IV of the paper.
METHOD_LABELS = {
    "ocsvm_pca": "OC-SVM w/ PCA",
    "if_pca": "IF w/ PCA",
    "ocsvm_cnn": "OC-SVM w/ CNN feat.",
    "if_cnn": "IF w/ CNN feat.",
    "ocsvm_cnn_nopool": "OC-SVM w/ CNN feat. (no pooling)",
    "if_cnn_nopool": "IF w/ CNN feat. (no pooling)",
    "geo": "GEO w/ Dirichlet",
    "dsvdd": "D. SVDD (AE pretraining)",
}
BASELINES = tuple(METHOD_LABELS)
#: Side the CNN-feature baselines resize images to outside paper mode, where their network is
#: the ImageNet EfficientNet-Lite0 of svddlib.models: that of teach's network
#: (:data:`svddlib.presets.TEACH_INPUT_SIZE`, 80 px: its last map is 3 x 3).
PRETRAINED_INPUT_SIZE = TEACH_INPUT_SIZE
#: Side GEO's small network (trained from scratch, 72 transformations per image) sees outside
#: paper mode: 64-px stand-in patches are resized to it, which makes GEO 4x cheaper.
GEO_INPUT_SIZE = 32

_SHALLOW = {  # name -> (model, feature kind, pooling)
    "ocsvm_pca": ("ocsvm", "pixels", None),
    "if_pca": ("iforest", "pixels", None),
    "ocsvm_cnn": ("ocsvm", "resnet18", "max"),
    "if_cnn": ("iforest", "resnet18", "max"),
    "ocsvm_cnn_nopool": ("ocsvm", "resnet18", None),
    "if_cnn_nopool": ("iforest", "resnet18", None),
}


# --------------------------------------------------------------------------------------------
# Configurations
# --------------------------------------------------------------------------------------------
def default_config(name: str, mode: str = "teach") -> dict:
    """The default configuration of baseline ``name`` in ``mode`` (smoke / teach / paper)."""
    from ..modes import resolve_mode
    from ..presets import BASELINE_SMOKE as SMOKE
    from .shallow import OCSVM_GAMMA_FACTORS, OCSVM_NU_GRID, PCA_GRID

    _check_name(name)
    mode = resolve_mode(mode)
    cfg: dict = {"method": name, "mode": mode, "seed": 0, "device": "cpu"}
    if name in _SHALLOW:
        model, features, pooling = _SHALLOW[name]
        cfg.update(model=model, features=features)
        if features == "pixels":
            cfg.update(preprocessing="gcn-minmax",
                       pca_grid=list(PCA_GRID) if mode != "smoke" else list(SMOKE["pca_grid"]))
        elif mode == "paper":
            cfg.update(preprocessing="imagenet", weights="imagenet", pooling=pooling,
                       input_size=None, pca_grid=[None])
        else:  # the pretrained network that installs offline (teach mode's backbone)
            cfg.update(features="efficientnet-lite0", preprocessing="none", weights="imagenet",
                       pooling=pooling, input_size=PRETRAINED_INPUT_SIZE, pca_grid=[None])
        if model == "ocsvm":
            smoke = mode == "smoke"
            cfg.update(nu_grid=list(SMOKE["nu_grid"] if smoke else OCSVM_NU_GRID),
                       gamma_factors=list(SMOKE["gamma_factors"] if smoke else OCSVM_GAMMA_FACTORS))
    elif name == "geo":
        # paper: pretrained ResNet-18, Adam lr 1e-4, batch 35 (Section V-B). A small CNN trained
        # from scratch for the same ceil(200/72) = 3 epochs underfits with lr 1e-4 (MNIST-5k
        # digit 3: cross-entropy 3.9, AUC 0.90), so smoke/teach use lr 1e-3 and batch 128
        # (cross-entropy 2.2, AUC 0.98).
        paper = mode == "paper"
        cfg.update(arch="resnet18" if paper else "small",
                   weights="imagenet" if paper else "auto",
                   preprocessing="imagenet" if paper else "gcn-minmax",
                   n_epochs=SMOKE["geo_n_epochs"] if mode == "smoke" else math.ceil(200 / 72),
                   batch_size=35 if paper else 128, lr=1e-4 if paper else 1e-3,
                   weight_decay=5e-4, shift=8, score="dirichlet",
                   max_steps=SMOKE["geo_max_steps"] if mode == "smoke" else None, width=8,
                   input_size=None if paper else GEO_INPUT_SIZE)
    elif name == "dsvdd":
        from .pretrain import default_pretrain_config

        cfg.update(default_pretrain_config(mode))
    return cfg


def _check_name(name: str) -> None:
    if name not in METHOD_LABELS:
        raise ValueError(f"unknown baseline {name!r}; choose one of {', '.join(BASELINES)}")


def _resolve_config(name: str, config: dict | None) -> dict:
    mode = (config or {}).get("mode")
    cfg = default_config(name, mode)
    unknown = sorted(set(config or {}) - set(cfg))
    if unknown:
        raise ValueError(f"unknown config key(s) {unknown} for baseline {name!r}; "
                         f"known keys: {sorted(cfg)}")
    cfg.update(copy.deepcopy(config or {}))
    cfg["method"] = name
    return cfg


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------
class _Inputs:
    """Turns the uint8 images of a split into float tensors, with statistics of train only."""

    def __init__(self, train_images: np.ndarray, preprocessing: str):
        from ..data import preprocessing as prep

        self.preprocessing = preprocessing
        self.stats = prep.fit_preprocessing(train_images, preprocessing)
        self._to_tensor = prep.to_tensor

    def __call__(self, images: np.ndarray):
        return self._to_tensor(images, self.preprocessing, self.stats)


def _shallow_features(cfg: dict, inputs: _Inputs, images: np.ndarray, extractor=None,
                      feature_cache=None):
    """Pixels or frozen CNN features of ``images``; CNN features with ImageNet weights go
    through ``feature_cache`` when one is given (:func:`feature_key`)."""
    from ..models import efficientnet_lite0_features
    from .features import flatten_pixels, resnet18_features

    if cfg["features"] == "pixels":
        return flatten_pixels(inputs(images))

    def compute():
        x = inputs(images)
        if cfg["features"] == "efficientnet-lite0":
            return efficientnet_lite0_features(x, net=extractor)
        return resnet18_features(x, extractor=extractor, device=cfg["device"])

    if feature_cache is None or cfg["weights"] != "imagenet":
        return compute()
    return feature_cache(feature_key(cfg, inputs, images), compute)


def _digest(array: np.ndarray) -> str:
    array = np.ascontiguousarray(array)
    return hashlib.sha1(f"{array.dtype}{array.shape}".encode() + array.tobytes()).hexdigest()


def feature_key(cfg: dict, inputs: _Inputs, images: np.ndarray) -> dict:
    """What frozen ImageNet CNN features of ``images`` depend on: the network, its input side
    and pooling, the preprocessing with the statistics fitted on the training images, and
    the images themselves (a digest of their bytes). Equal keys, equal features: the OC-SVM
    and IF rows of a table and all their seeds share one computation."""
    return {"features": cfg["features"], "weights": cfg["weights"], "pooling": cfg["pooling"],
            "input_size": cfg["input_size"], "preprocessing": cfg["preprocessing"],
            "stats": dataclasses.asdict(inputs.stats), "images": _digest(images)}


def _extractor(cfg: dict):
    """The frozen network of a CNN-feature baseline (None for pixel features)."""
    from ..models import EfficientNetLite0Backbone
    from .features import ResNet18Features

    if cfg["features"] == "resnet18":
        return ResNet18Features(cfg["weights"], cfg["pooling"], cfg["input_size"],
                                seed=cfg["seed"])
    if cfg["features"] == "efficientnet-lite0":
        return EfficientNetLite0Backbone(cfg["weights"], bias=True,
                                         pooling=cfg["pooling"] or False,
                                         input_size=cfg["input_size"]).eval()
    return None


# --------------------------------------------------------------------------------------------
# Fit + select (never touches data.test), then evaluate
# --------------------------------------------------------------------------------------------
def fit_baseline(name: str, data, config: dict | None = None, feature_cache=None):
    """Fit baseline ``name`` on ``data.train`` and select its hyperparameters on ``data.val``.

    Returns ``(scorer, info)``: ``scorer(images_uint8) -> anomaly scores`` (higher = more
    anomalous) and a JSON-able ``info`` dict (resolved config, selected hyperparameters, the
    validation AUC of every grid point, timings). ``data.test`` is never read.
    ``feature_cache``: ``store(key, compute) -> array`` (e.g. :func:`svddlib.cache.array_store`)
    that the CNN-feature baselines keep their frozen ImageNet features in.
    """
    _check_name(name)
    cfg = _resolve_config(name, config)
    start = time.perf_counter()
    if name in _SHALLOW:
        scorer, info = _fit_shallow(cfg, data, feature_cache)
    elif name == "geo":
        scorer, info = _fit_geo(cfg, data)
    else:
        from .pretrain import fit_standard_deep_svdd

        scorer, info = fit_standard_deep_svdd(cfg, data)
    info = {"method": name, "label": METHOD_LABELS[name], "config": _jsonable(cfg), **info,
            "fit_seconds": time.perf_counter() - start}
    return scorer, info


def _fit_shallow(cfg: dict, data, feature_cache=None):
    from .shallow import parameter_grid, select_on_validation

    inputs = _Inputs(data.train.images, cfg["preprocessing"])
    extractor = _extractor(cfg)
    extra = {}

    def features(images):
        return _shallow_features(cfg, inputs, images, extractor, feature_cache)

    x_train = features(data.train.images)
    if extractor is not None:
        extra["weights_used"] = getattr(extractor, "weights_used", cfg["weights"])
    x_val = features(data.val.images)
    grid_kwargs = {k: cfg[k] for k in ("nu_grid", "gamma_factors") if k in cfg}
    grid = parameter_grid(cfg["model"], pca_grid=cfg["pca_grid"], seed=cfg["seed"], **grid_kwargs)
    detector, best, records = select_on_validation(grid, x_train, x_val, data.val.labels)

    def scorer(images):
        return detector.score_samples(features(images))

    val_auc = max(r["val_auc"] for r in records)
    return scorer, {"selected": best, "val_auc": val_auc, "grid": records,
                    "feature_dim": int(x_train.shape[1]), **extra}


def _fit_geo(cfg: dict, data):
    import torch

    from .geo import GEODetector

    prepare = _Inputs(data.train.images, cfg["preprocessing"])

    def inputs(images):  # resized to input_size (None: as they are)
        x = prepare(images)
        side = cfg["input_size"]
        if side is None or x.shape[-1] == side:
            return x
        return torch.nn.functional.interpolate(x, size=(side, side), mode="bilinear",
                                               align_corners=False, antialias=True)

    detector = GEODetector(arch=cfg["arch"], weights=cfg["weights"], n_epochs=cfg["n_epochs"],
                           batch_size=cfg["batch_size"], lr=cfg["lr"],
                           weight_decay=cfg["weight_decay"], shift=cfg["shift"],
                           score=cfg["score"], device=cfg["device"], seed=cfg["seed"],
                           max_steps=cfg["max_steps"], width=cfg["width"])
    detector.fit(inputs(data.train.images))

    def scorer(images):
        return detector.score_samples(inputs(images))

    val_auc = auc(data.val.labels, scorer(data.val.images))
    return scorer, {"selected": {}, "val_auc": val_auc, "history": detector.history}


def run_baseline(name: str, data, config: dict | None = None, evaluate_test: bool = True,
                 return_scores: bool = False, feature_cache=None) -> dict:
    """Fit, select on validation, then score the test split: a JSON-able metrics dict.

    Keys: ``method``, ``label``, ``config``, ``selected``, ``val_auc``, ``test_auc`` (None when
    ``evaluate_test`` is false), ``grid`` (shallow methods), ``n_train``/``n_val``/``n_test``,
    timings. ``return_scores`` adds the validation and test scores as lists.
    ``feature_cache``: see :func:`fit_baseline`.
    """
    scorer, info = fit_baseline(name, data, config, feature_cache)
    result = {**info, "n_train": len(data.train.images), "n_val": len(data.val.images)}
    if return_scores:
        result["val_scores"] = np.asarray(scorer(data.val.images)).tolist()
    result["test_auc"] = None
    if evaluate_test:  # the test split is read here, after every choice is made
        start = time.perf_counter()
        test_scores = scorer(data.test.images)
        result["test_auc"] = auc(data.test.labels, test_scores)
        result["n_test"] = len(data.test.images)
        result["test_seconds"] = time.perf_counter() - start
        if return_scores:
            result["test_scores"] = np.asarray(test_scores).tolist()
    return result


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
