"""Every table and figure of Sections V-VI of Chong et al. (2020) as a spec of runs.

An :class:`ArtefactSpec` resolves, per mode, to a list of JSON-able run dicts. Each run dict
holds the labels of its cell (``artefact``, ``row``, ``column``, ``seed``) and the JSON form of
its :class:`~svddlib.run_spec.RunSpec` (``data``, and ``net`` / ``train`` for Deep SVDD or
``method`` / ``baseline`` for a baseline). :func:`svddlib.reproduce.execute.cache_config` drops
the labels, so a run shared by two tables (e.g. the adaptive rows of Table I are the one-class
rows of Table IV) is trained once.

Modes
-----
``paper``  the protocol of Section V exactly: CIFAR-10 / VOC2012 / WikiArt with the paper's
           split rules (sizes as printed), ImageNet ResNet-18 with max pooling, Adam, 30 epochs,
           batch 50, weight decay 5e-4, lr 1e-3 for the noise head g and 1e-4 for every other
           layer, nu 0.2 (VOC2012) / 0.1 (WikiArt) for soft-boundary, eta 1, alpha 0.9,
           beta 0.5, c0 0, r 3, d0 0.1, k chosen on validation from :data:`PAPER_K_GRID`,
           5 seeds, test AUC at the best validation epoch.
``teach``  a 2-core CPU: Fashion-MNIST for CIFAR-10, photographs for VOC2012 and painted
           landscapes for WikiArt (installed offline), ImageNet EfficientNet-Lite0 with its
           last block and head fine-tuned, few epochs, capped sizes (see ``trims``).
``smoke``  the same as teach, tiny (each run well under two seconds).

Seeds: the paper's OC-SVM rows have a standard deviation of exactly 0.0 over its five runs,
so its runs shared one split and one set of anomalies; here too the data seed is fixed
(:data:`DATA_SEED`) and the run's seed changes the network initialisation, minibatch order and
the baselines' randomness.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

from ..data.anomalies import PAPER_SIDE, stroke_strength
from ..modes import MODES
from ..presets import (DATA_SEED, DEFAULT_SEEDS, FMNIST_STROKES_SIDE, PAPER_K_GRID, PAPER_NU,
                       PRESETS, SMALL_BASELINE, SMALL_CAPS, STAND_IN, TEACH_K, TEACH_NET,
                       teach_input_size)
from ..run_spec import BaselinePart, DataPart, NetPart, RunSpec

__all__ = ["ArtefactSpec", "ARTEFACTS", "get_spec", "MODES", "PAPER_K_GRID", "DATA_SEED",
           "DEFAULT_SEEDS", "PAPER_NU", "FIG2_LETTERS", "OVERRIDE_KEYS", "stroke_strength"]

#: Letters of the methods in Fig. 2 (caption).
FIG2_LETTERS = {"A": "OC-SVM", "B": "IF", "C": "D. SVDD", "D": "D. SVDD w/ bias",
                "E": "D. SVDD w/ bias & noise reg."}
#: Keys of ``overrides`` that trim a mode further.
OVERRIDE_KEYS = ("n_epochs", "max_train", "max_eval", "normal_classes", "anomaly_classes",
                 "k_grid")

NOISE, VAR = "D. SVDD w/ bias & noise reg.", "D. SVDD w/ bias & var. reg."
VARIANT_ORDER = ("D. SVDD", "D. SVDD w/ bias", NOISE, VAR)
BASELINE_ORDER = ("ocsvm_pca", "ocsvm_cnn", "if_pca", "if_cnn", "geo")
DATASET_LABEL = {"cifar10": "CIFAR10", "voc2012": "VOC2012", "wikiart": "WikiArt"}
LR_LABELS = {1e-3: "1e-3", 1e-2: "1e-2", 1e-1: "1e-1"}

_TRIMS_TEACH = (
    "Fashion-MNIST (28-px grey, the Debian package dataset-fashion-mnist) stands in for "
    "CIFAR-10 one-vs-all and CIFAR-10 strokes; 64-px photograph patches (svddlib.data "
    "'photographs': the six bundled photographs and the Plasma wallpaper photographs) stand in "
    "for VOC2012, 64-px patches of painted landscapes ('landscapes': Wesnoth story art) for "
    "WikiArt, {n_train} train / {n_val} val / {n_test} test patches; stroke thickness M is "
    "scaled to the image side (M x 64/224 on patches; Fashion-MNIST is padded to CIFAR-10's "
    "{fmnist_strokes_side} px for the strokes column, so M = 1 stays 1 px; run['notes'] has "
    "the mapping), block permutation N x N is kept; network: ImageNet EfficientNet-Lite0 "
    "(ReLU6, p = 1280, inputs resized to {input_size} px, Fashion-MNIST to {fmnist_size} px) "
    "instead of ImageNet ResNet-18, with only its last MBConv block and 1x1 head convolution "
    "fine-tuned (BatchNorm statistics frozen at ImageNet's) on the cached outputs of the "
    "frozen rest, {n_epochs} epochs (soft-boundary warm-up {warm_up_n_epochs}); the "
    "CNN-feature baselines use the same frozen network; train capped at {max_train}, val/test "
    "at {max_eval}; seeds {seeds}; one-vs-all normal classes {classes}; k fixed at {k} instead "
    "of chosen on validation from {{5, ..., 200}}; OC-SVM with smaller grids "
    "(svddlib.presets.SMALL_BASELINE; IF w/ PCA keeps the paper's PCA grid), GEO (a small "
    "network from scratch) capped at 40 steps and 100 train / 100 eval images (SMALL_CAPS); "
    "learning rates, batch size, weight decay, alpha, beta, c0, r, d0, eta, the data seed (0 "
    "for every seed) and the best-validation-epoch protocol as in paper mode")


_TRIMS_PAPER = (
    "nothing of the protocol of Section V (datasets under --data-root / SVDD_DATA_ROOT, "
    "ImageNet weights from the torch hub cache); where the paper is silent: every k of the "
    "grid {5, ..., 200} is run for the noise regularizer and the aggregation keeps, per cell, "
    "the k with the best mean validation AUC (so a noise row costs 8x the runs); the split "
    "and the anomalies are drawn once (data seed 0) for all five seeds, as the paper's "
    "OC-SVM std of 0.0 implies; soft-boundary R is updated after a warm-up of 10 epochs (the "
    "reference code's default)")


def _seeds(mode: str, seeds) -> tuple:
    if seeds is None:
        return DEFAULT_SEEDS[mode]
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("the seed list is empty; give at least one seed (e.g. --seeds 0 1 2) "
                         "or None for the mode's default")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ValueError(f"seeds must be non-negative integers, got {s!r}")
    return seeds


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def _preset(mode: str, overrides: dict | None) -> dict:
    preset = dict(PRESETS[mode])
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(OVERRIDE_KEYS))
    if unknown:
        raise ValueError(f"unknown override(s) {unknown}; known: {', '.join(OVERRIDE_KEYS)}")
    for key in ("normal_classes", "k_grid"):
        if key in overrides and not list(overrides[key]):
            raise ValueError(f"override {key!r} is empty; give at least one value")
    preset.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in overrides.items()})
    return preset


# ------------------------------------------------------------------------------------ settings
@dataclass(frozen=True)
class Setting:
    """One column's data: setup + paper dataset + anomaly types (for alteration setups)."""

    setup: str                      # one_vs_all | image_alteration | semi_supervised
    dataset: str                    # the paper's dataset: cifar10 | voc2012 | wikiart
    anomaly: tuple | None = None    # (type, strength) of the test set (image alteration)
    train_anomaly: tuple | None = None  # labeled anomalies (semi-supervised alteration)
    val_anomaly: tuple | None = None


def _scale(anomaly, dataset: str, side: int | None, notes: dict, key: str):
    """The stand-in's (type, strength); strokes are scaled to ``side`` pixels."""
    if anomaly is None:
        return None
    kind, strength = anomaly
    if side is None or kind != "strokes":
        return [kind, strength]
    scaled = stroke_strength(strength, dataset, side)
    notes[key] = {"paper_thickness": strength, "paper_side": PAPER_SIDE[dataset],
                  "side": side, "thickness": scaled}
    return [kind, scaled]


def _data(setting: Setting, mode: str, preset: dict, normal_class=None,
          anomaly_class=None) -> tuple[dict, dict]:
    """(data spec for svddlib.experiments.build_data, notes)."""
    notes: dict = {}
    paper = mode == "paper"
    if paper:
        dataset, side, loader = setting.dataset, None, {}
    else:
        dataset = STAND_IN[setting.dataset]
        if setting.dataset != "cifar10":
            side, loader = preset["patches"]["size"], dict(preset["patches"])
        elif setting.setup == "image_alteration":  # strokes: padded so that M = 1 is 1 px
            side, loader = FMNIST_STROKES_SIDE, {"side": FMNIST_STROKES_SIDE}
        else:
            side, loader = 28, {}
        notes["stand_in"] = f"{dataset} ({side} px) for {setting.dataset}"
    spec = {"setup": setting.setup, "dataset": dataset, "seed": DATA_SEED, **loader}
    if setting.setup == "one_vs_all":
        spec["normal_class"] = normal_class
    elif setting.setup == "image_alteration":
        kind, strength = _scale(setting.anomaly, setting.dataset, side, notes, "test_anomaly")
        spec.update(anomaly=kind, strength=strength)
    elif normal_class is not None:  # semi-supervised one-vs-all
        spec.update(normal_class=normal_class, anomaly_class=anomaly_class)
    else:  # semi-supervised image alteration (Table VI)
        spec.update(train_anomaly=_scale(setting.train_anomaly, setting.dataset, side, notes,
                                         "train_anomaly"),
                    val_anomaly=_scale(setting.val_anomaly, setting.dataset, side, notes,
                                       "val_anomaly"),
                    test_anomaly=_scale(setting.anomaly, setting.dataset, side, notes,
                                        "test_anomaly"))
    if not paper:
        spec.update(max_train=preset["max_train"], max_eval=preset["max_eval"])
    return spec, notes


def _net(mode: str, bias: bool, pooling: bool = True, dataset: str = "") -> dict:
    if mode == "paper":
        net = {"network": "resnet18", "weights": "imagenet", "bias": bias,
               "pooling": "max" if pooling else False, "rep_dim": None}
        if not pooling:
            net["input_size"] = PAPER_SIDE[dataset]
        return net
    return {**TEACH_NET, "bias": bias, "pooling": "max" if pooling else False,
            "input_size": teach_input_size(STAND_IN[dataset])}


def _train(mode: str, preset: dict, variant: str, seed: int, objective: str, dataset: str,
           head_lr: float = 1e-3, lr_scope: str = "head", weighting: str = "adaptive",
           k: int = TEACH_K):
    """The TrainConfig of a Deep SVDD row; fields a variant does not use are kept at canonical
    values so that equal computations have equal configs (and share one cache entry)."""
    from ..experiments import variant_spec
    from ..training import TrainConfig

    regularizer = variant_spec(variant)["regularizer"]
    body_lr = head_lr / 10 if lr_scope == "head" else head_lr
    cfg = TrainConfig(
        objective=objective, nu=PAPER_NU[dataset] if objective == "soft-boundary" else 0.1,
        eta=1.0, lr=body_lr,
        lr_head=head_lr if regularizer == "noise" else 10 * body_lr,
        n_epochs=preset["n_epochs"], batch_size=50, weight_decay=5e-4,
        regularizer=regularizer, k=k if regularizer == "noise" else TEACH_K,
        alpha=0.9, beta=0.5, c0=0.0, d0=0.1, r=3,
        weighting=weighting if regularizer != "none" else "adaptive", fixed_weight=1.0,
        warm_up_n_epochs=preset["warm_up_n_epochs"] if objective == "soft-boundary" else 10,
        seed=seed, device="auto", progress=False)
    return cfg


# ------------------------------------------------------------------------------------ cells
@dataclass(frozen=True)
class Row:
    """A row of an artefact: a Deep SVDD variant (with options) or a baseline method."""

    label: str
    variant: str | None = None       # key of svddlib.experiments.VARIANTS
    method: str | None = None        # key of svddlib.baselines.METHOD_LABELS
    objective: str = "one-class"
    weighting: str = "adaptive"
    lr_scope: str = "head"
    pooling: bool = True


@dataclass(frozen=True)
class Column:
    label: str
    setting: Setting
    head_lr: float = 1e-3


def _classes(preset: dict, setting: Setting) -> list:
    """[(normal_class, anomaly_class)] of a one-vs-all column (anomaly None if unsupervised)."""
    normals = list(preset["normal_classes"])
    if setting.setup != "semi_supervised":
        return [(c, None) for c in normals]
    choice = preset["anomaly_classes"]
    if choice is None:
        return [(c, a) for c in normals for a in range(10) if a != c]
    if choice == "next":
        return [(c, (c + 1) % 10) for c in normals]
    return [(c, a) for c in normals for a in choice if a != c]


def _cell_runs(spec_name: str, row: Row, column: Column, mode: str, preset: dict,
               seeds: tuple) -> list[dict]:
    from ..experiments import variant_spec

    setting = column.setting
    one_vs_all = setting.setup == "one_vs_all" or (setting.setup == "semi_supervised"
                                                   and setting.train_anomaly is None)
    class_pairs = _classes(preset, setting) if one_vs_all else [(None, None)]
    runs = []
    for normal, anomaly_class in class_pairs:
        data, notes = _data(setting, mode, preset, normal, anomaly_class)
        for seed in seeds:
            base = {"artefact": spec_name, "row": row.label, "column": column.label,
                    "seed": seed, "mode": mode, "data": data, "notes": notes,
                    "group": normal, "choice": None}
            if row.method is not None:
                runs.append(_baseline_run(base, row, mode, seed))
                continue
            ks = preset["k_grid"] if row.variant == NOISE else (TEACH_K,)
            for k in ks:
                spec = RunSpec(DataPart.from_json(data), NetPart.from_json(
                    _net(mode, variant_spec(row.variant)["bias"], row.pooling, setting.dataset)),
                    _train(mode, preset, row.variant, seed, row.objective, setting.dataset,
                           column.head_lr, row.lr_scope, row.weighting, k),
                    pretrain_epochs=0, preprocessing="imagenet" if mode == "paper" else "none")
                run = dict(base, **spec.to_json())
                if len(ks) > 1:
                    run["choice"] = f"k={k}"
                runs.append(copy.deepcopy(run))
    return runs


def _baseline_run(base: dict, row: Row, mode: str, seed: int) -> dict:
    from ..baselines import default_config

    cfg = default_config(row.method, mode)
    base = copy.deepcopy(base)
    if mode != "paper":
        cfg.update(copy.deepcopy(SMALL_BASELINE.get(row.method, {})))
        caps = SMALL_CAPS.get(row.method, {})
        if mode == "teach":
            for key, cap in caps.items():
                now = base["data"].get(key)
                base["data"][key] = cap if now is None else min(now, cap)  # overrides trim more
    if mode != "paper" and cfg.get("features") == "efficientnet-lite0":
        cfg["input_size"] = teach_input_size(base["data"]["dataset"])
    cfg["seed"] = seed
    if mode == "paper":
        cfg["device"] = "auto"  # resolved where the run executes (CUDA when available)
    spec = RunSpec(DataPart.from_json(base["data"]), baseline=BaselinePart(row.method, cfg))
    return copy.deepcopy(dict(base, **spec.to_json()))


# ------------------------------------------------------------------------------------ spec
@dataclass(frozen=True)
class ArtefactSpec:
    """One table or figure of the paper: rows and columns as labelled there, and its runs."""

    name: str
    title: str
    paper_section: str
    rows: tuple
    columns: tuple
    trims: dict
    metric: str = "auc"
    note: str = ""
    _rows: tuple = field(default=(), repr=False, compare=False)
    _columns: tuple = field(default=(), repr=False, compare=False)

    def resolve(self, mode: str, seeds=None, data_root=None, overrides=None) -> list[dict]:
        """The run dicts of this artefact in ``mode`` (JSON-able; see the module docstring).

        ``seeds``: None = the mode's default (:data:`DEFAULT_SEEDS`); ``data_root``: folder
        holding the datasets (paper mode; ``<data_root>/<dataset>``); ``overrides``: trims
        the mode further (:data:`OVERRIDE_KEYS`).
        """
        mode = _check_mode(mode)
        seeds = _seeds(mode, seeds)
        preset = _preset(mode, overrides)
        runs = []
        for row in self._rows:
            for column in self._columns:
                for run in _cell_runs(self.name, row, column, mode, preset, seeds):
                    run["data_root"] = None if data_root is None else str(data_root)
                    runs.append(run)
        return runs


def _make(name, title, section, rows, columns, extra_trims: dict | None = None,
          metric="auc", note="") -> ArtefactSpec:
    preset = PRESETS["teach"]
    teach = _TRIMS_TEACH.format(**preset["patches"], n_epochs=preset["n_epochs"],
                                warm_up_n_epochs=preset["warm_up_n_epochs"],
                                max_train=preset["max_train"], max_eval=preset["max_eval"],
                                seeds=list(DEFAULT_SEEDS["teach"]),
                                classes=list(preset["normal_classes"]), k=TEACH_K,
                                input_size=TEACH_NET["input_size"],
                                fmnist_size=teach_input_size("fashion_mnist"),
                                fmnist_strokes_side=FMNIST_STROKES_SIDE)
    smoke = PRESETS["smoke"]
    trims = {
        "paper": _TRIMS_PAPER,
        "teach": teach,
        "smoke": (f"as teach, but {smoke['n_epochs']} epoch, train {smoke['max_train']} / "
                  f"eval {smoke['max_eval']} images, seed 0, normal class 0 only: checks that "
                  "the pipeline runs, not the paper's numbers"),
    }
    for mode, text in (extra_trims or {}).items():
        trims[mode] = f"{trims[mode]}; {text}"
    return ArtefactSpec(name, title, section, tuple(r.label for r in rows),
                        tuple(c.label for c in columns), trims, metric, note,
                        tuple(rows), tuple(columns))


def _variants(objective="one-class", prefix: str | None = None, **kw) -> list[Row]:
    return [Row(f"{prefix} | {v}" if prefix else v, variant=v, objective=objective, **kw)
            for v in VARIANT_ORDER]


def _baselines(methods=BASELINE_ORDER, **kw) -> list[Row]:
    from ..baselines import METHOD_LABELS

    return [Row(METHOD_LABELS[m], method=m, **kw) for m in methods]


def _alteration_columns(kind: str, strengths) -> list[Column]:
    word = "Strokes" if kind == "strokes" else "Block perm."
    cols = []
    for ds in ("voc2012", "wikiart"):
        for s in strengths:
            size = f"{s}" if kind == "strokes" else f"{s}\u00d7{s}"
            cols.append(Column(f"{DATASET_LABEL[ds]} {word} {size}",
                               Setting("image_alteration", ds, (kind, s))))
    return cols


def _lr_columns() -> list[Column]:
    return [Column(f"{c.label} | lr {LR_LABELS[lr]}", c.setting, lr)
            for c in _alteration_columns("blocks", (2, 8)) for lr in (1e-3, 1e-2, 1e-1)]


_SEMI_TRIPLES = ((("blocks", 8), ("strokes", 9), ("strokes", 5)),
                 (("strokes", 9), ("blocks", 8), ("blocks", 2)),
                 (("strokes", 9), ("strokes", 5), ("blocks", 2)))


def _short(anomaly) -> str:
    kind, s = anomaly
    return f"{'Bp.' if kind == 'blocks' else 'St.'}{s}"


def _semi_columns() -> list[Column]:
    cols = [Column("CIFAR10 One-vs-all", Setting("semi_supervised", "cifar10"))]
    for ds in ("voc2012", "wikiart"):
        for train, val, test in _SEMI_TRIPLES:
            cols.append(Column(f"{DATASET_LABEL[ds]} train {_short(train)} / val {_short(val)}"
                               f" / test {_short(test)}",
                               Setting("semi_supervised", ds, test, train, val)))
    return cols


def _lr_specs() -> list[ArtefactSpec]:
    """Table V and Fig. 1: the learning-rate columns, best test AUC before collapse."""
    lr_trim = ("Table V reports the best test AUC of the epochs before the first collapsed "
               "epoch (the paper: 'the test performances of the best performing model before "
               "the hypersphere collapses'); auc_last and auc (best validation epoch) are in "
               "the runs frame too")
    return [
        _make("table5", "Table V: learning rates of the head g (other layers 10x lower), "
              "soft-boundary, best test AUC before collapse", "VI, Table V",
              _variants("soft-boundary", "soft-boundary"), _lr_columns(),
              {"teach": lr_trim, "smoke": lr_trim, "paper": lr_trim},
              metric="auc_before_collapse"),
        _make("fig1", "Fig. 1: AUC difference to standard D. SVDD across learning rates "
              "(soft-boundary); rows 'head' = the lr of g, body 10x lower; 'all' = one lr "
              "everywhere", "VI, Fig. 1",
              _variants("soft-boundary", "head", lr_scope="head")
              + _variants("soft-boundary", "all", lr_scope="all"), _lr_columns(),
              {"teach": lr_trim, "smoke": lr_trim, "paper": lr_trim},
              metric="auc_before_collapse",
              note="the 'head' rows are the runs of Table V; the paper prints no numbers for "
                   "Fig. 1 (see svddlib.reproduce.paper.paper_claims('fig1'))"),
    ]


def _build() -> dict[str, ArtefactSpec]:
    strokes59 = _alteration_columns("strokes", (5, 9))
    blocks28 = _alteration_columns("blocks", (2, 8))
    table1_rows = [Row(f"{v} | {w}", variant=v, weighting=w)
                   for v in (NOISE, VAR) for w in ("fixed", "adaptive")]
    specs = [
        _make("table1", "Table I: adaptive vs fixed weighting (c_t = 1), one-class", "VI, Table I",
              table1_rows, strokes59,
              note="the adaptive rows are the one-class rows of Table IV (same runs)"),
        _make("table2", "Table II: block permutation 2x2 / 8x8, one-class", "VI, Table II",
              _baselines() + _variants(), blocks28),
        _make("table3", "Table III: CIFAR-10 one-vs-all (mean over normal classes) and strokes 1, "
              "one-class", "VI, Table III", _baselines() + _variants(),
              [Column("CIFAR10 One-vs-all", Setting("one_vs_all", "cifar10")),
               Column("CIFAR10 Strokes 1", Setting("image_alteration", "cifar10",
                                                   ("strokes", 1)))],
              note="one-vs-all cells: mean and std over the normal classes of the per-class "
                   "mean over seeds (the paper's std is over its 10 classes)"),
        _make("table4", "Table IV: strokes 5 / 9, soft-boundary and one-class", "VI, Table IV",
              _baselines() + _variants("soft-boundary", "soft-boundary")
              + _variants("one-class", "one-class"), strokes59),
        *_lr_specs(),
        _make("fig2", "Fig. 2: with and without the pooling layer of ResNet-18 (methods A-E), "
              "one-class", "VI, Fig. 2",
              _fig2_rows("teach"), blocks28,
              {"teach": _fig2_teach_trim(),
               "smoke": "as teach"},
              note="the 'pooling' rows are runs of Table II"),
        _make("table6", "Table VI: semi-supervised Deep SVDD (eq. 3), one-class", "VI, Table VI",
              _variants(), _semi_columns(),
              {"teach": "CIFAR10 one-vs-all: for each normal class one labeled anomaly class "
                        "(the next class) instead of all nine",
               "smoke": "one normal class, one labeled anomaly class"},
              note="CIFAR10 column: mean and std over normal classes of the mean over anomaly "
                   "classes and seeds; the paper's header is garbled in its text: the columns "
                   "are (train, val, test) = (Bp.8, St.9, St.5), (St.9, Bp.8, Bp.2), "
                   "(St.9, St.5, Bp.2) for VOC2012 and for WikiArt"),
    ]
    return {s.name: s for s in specs}


def _fig2_teach_trim() -> str:
    """What 'no pooling' means for teach's network (its last map at the stand-ins' input side)."""
    from ..models.efficientnet import last_map_shape

    shape = last_map_shape(TEACH_NET["input_size"])
    return (f"'no pooling' flattens EfficientNet-Lite0's last map ({' x '.join(map(str, shape))} "
            f"at {TEACH_NET['input_size']}-px inputs, p = {math.prod(shape)}) for the deep rows "
            "C-E and for the features of A, B")


def _fig2_rows(_mode) -> list[Row]:
    rows = []
    for pooled in (True, False):
        scope = "pooling" if pooled else "no pooling"
        for method in ("ocsvm_cnn", "if_cnn"):
            name = method if pooled else f"{method}_nopool"
            label = "OC-SVM w/ CNN feat." if method.startswith("ocsvm") else "IF w/ CNN feat."
            rows.append(Row(f"{scope} | {label}", method=name))
        for v in ("D. SVDD", "D. SVDD w/ bias", NOISE):
            rows.append(Row(f"{scope} | {v}", variant=v, pooling=pooled))
    return rows


ARTEFACTS: dict[str, ArtefactSpec] = _build()


def get_spec(name: str) -> ArtefactSpec:
    """The spec of artefact ``name`` ('table1'..'table6', 'fig1', 'fig2')."""
    if name not in ARTEFACTS:
        raise ValueError(f"unknown artefact {name!r}; choose one of {', '.join(ARTEFACTS)} "
                         "(or 'all' on the command line)")
    return ARTEFACTS[name]
