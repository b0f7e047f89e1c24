"""Anomaly-detection splits of Section V-A of Chong et al. 2020, built from a :class:`RawData`.

Three setups:

``one_vs_all(raw, normal_class, seed)``
    One class is normal. 80% of its official training images (random, per seed) are the
    training set; the other 20% plus *all* training images of the other classes form the
    validation set (anomalies = other classes); the official test set is the test set.

``image_alteration(raw, anomaly, strength, seed)``
    Every natural image is normal. The official division is cut into natural train / val /
    test pools by a :class:`SplitRule` (the paper's rules are in :data:`PAPER_SPLIT_RULES`),
    then every natural val and test image gets one altered counterpart (block permutation
    with N blocks per side, or strokes of thickness M), so val and test hold as many anomalies
    as normal images. The train set holds natural images only.

``semi_supervised(raw, seed, ...)``
    As above, plus a few *labeled* anomalies in the training set (``semi_labels == -1``); the
    natural training images stay unlabeled (``semi_labels == 0``). In the alteration setup
    the labeled anomalies are of one type, validation and test use other types (Table VI).

All randomness comes from ``seed``: one ``numpy.random.SeedSequence`` is spawned into
independent streams for the index split and for the anomalies of each split, so e.g. the test
anomalies do not change when only the validation anomaly type changes.

Split sizes follow from index arithmetic alone (:func:`alteration_split_sizes`), which a test
checks against the sizes printed in the paper.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .anomalies import canonical_anomaly, make_anomalies
from .registry import load_raw
from .types import ADData, ADSplit, RawData, round_half_up

__all__ = [
    "SplitRule", "SplitSizes", "PAPER_SPLIT_RULES", "OFFICIAL_SIZES", "PAPER_SIZES",
    "round_half_up", "n_labeled_anomalies", "alteration_split_sizes",
    "one_vs_all", "image_alteration", "semi_supervised", "load_raw",
]


# --------------------------------------------------------------------------------------------
# Index arithmetic
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SplitRule:
    """How an official (train, held-out) division becomes natural train / val / test pools.

    ``val_from_train``: fraction of the official train set moved to validation.
    ``test_from_heldout``: fraction of the official held-out set kept for test; the rest of
    the held-out set goes to validation. Counts are rounded half up.
    """

    val_from_train: float = 0.2
    test_from_heldout: float = 1.0

    def __post_init__(self):
        if not 0.0 <= self.val_from_train < 1.0:
            raise ValueError(f"val_from_train must be in [0, 1), got {self.val_from_train}")
        if not 0.0 < self.test_from_heldout <= 1.0:
            raise ValueError(f"test_from_heldout must be in (0, 1], got {self.test_from_heldout}")
        takes_train, takes_heldout = self.val_from_train > 0, self.test_from_heldout < 1
        if takes_train == takes_heldout:
            raise ValueError(
                "a SplitRule takes validation data from exactly one official set: set "
                "val_from_train > 0 (test_from_heldout=1) or test_from_heldout < 1 "
                f"(val_from_train=0); got {self}")

    @property
    def val_pool(self) -> str:
        """The official set validation data come from: 'train' or 'test' (held-out)."""
        return "train" if self.val_from_train > 0 else "test"


#: The paper's rules (Section V-A): CIFAR-10 and WikiArt move 20% of train to validation and
#: test on the official held-out set; VOC2012 keeps train and cuts its official *val* set into
#: 60% test and 40% validation.
PAPER_SPLIT_RULES = {
    "cifar10": SplitRule(val_from_train=0.2, test_from_heldout=1.0),
    "voc2012": SplitRule(val_from_train=0.0, test_from_heldout=0.6),
    "wikiart": SplitRule(val_from_train=0.2, test_from_heldout=1.0),
}

#: Official (train, held-out) sizes. CIFAR-10: train/test. VOC2012: ImageSets/Main train.txt
#: and val.txt. WikiArt: the six styles of the paper in the ArtGAN style split
#: (style_train.csv / style_val.csv). The WikiArt numbers are *inferred* from the paper, not
#: counted: validation 3,928 = 2 x 1,964 natural images = 20% of the train set, so the train
#: set has 1,964 / 0.2 = 9,820 images (and 9,820 - 1,964 = 7,856 = the paper's train size);
#: test 8,410 = 2 x 4,205, the whole official val set. The semi-supervised train size 8,728 =
#: 7,856 + floor(7,856 / 9) confirms the same rounding as VOC (6,352 = 5,717 + floor(5,717/9)).
OFFICIAL_SIZES = {"cifar10": (50_000, 10_000), "voc2012": (5_717, 5_823),
                  "wikiart": (9_820, 4_205)}

#: Sizes printed in Section V-A (train, val, test, semi-supervised train); None = not given.
PAPER_SIZES = {"cifar10": (40_000, 20_000, 20_000, None),
               "voc2012": (5_717, 4_658, 6_988, 6_352),
               "wikiart": (7_856, 3_928, 8_410, 8_728)}


@dataclass(frozen=True)
class SplitSizes:
    """Sample counts of an image-alteration dataset (val and test include the anomalies)."""

    train: int
    val: int
    test: int
    train_semi: int


def n_labeled_anomalies(n_unlabeled: int, labeled_fraction: float = 0.1) -> int:
    """Labeled anomalies to add to ``n_unlabeled`` normal images so that they make up
    ``labeled_fraction`` of the training set, rounded down: floor(n f / (1 - f)).

    With f = 0.1 this is n // 9, which reproduces the paper's semi-supervised train sizes:
    VOC2012 5,717 + 635 = 6,352 and WikiArt 7,856 + 872 = 8,728.
    """
    if not 0.0 < labeled_fraction < 1.0:
        raise ValueError(f"labeled_fraction must be in (0, 1), got {labeled_fraction}")
    return int(np.floor(n_unlabeled * labeled_fraction / (1.0 - labeled_fraction) + 1e-9))


def _pool_counts(n_train: int, n_heldout: int, rule: SplitRule) -> tuple[int, int, int, int]:
    """(train natural, val from train, val from held-out, test natural)."""
    val_from_train = round_half_up(n_train * rule.val_from_train)
    test = round_half_up(n_heldout * rule.test_from_heldout)
    return n_train - val_from_train, val_from_train, n_heldout - test, test


def alteration_split_sizes(n_train_official: int, n_heldout_official: int,
                           rule: SplitRule = SplitRule(),
                           labeled_fraction: float = 0.1) -> SplitSizes:
    """Sizes of the image-alteration splits from the official set sizes alone.

    Natural pools follow ``rule``; val and test are doubled by one anomaly per natural image;
    the semi-supervised train set adds :func:`n_labeled_anomalies` labeled anomalies.
    Example (VOC2012, official train 5,717 / val 5,823, 60% of val to test):
    test = 2 x round(0.6 x 5,823) = 2 x 3,494 = 6,988; val = 2 x 2,329 = 4,658.
    """
    train, val_a, val_b, test = _pool_counts(n_train_official, n_heldout_official, rule)
    return SplitSizes(train=train, val=2 * (val_a + val_b), test=2 * test,
                      train_semi=train + n_labeled_anomalies(train, labeled_fraction))


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------
def _streams(seed) -> list[np.random.Generator]:
    """Independent generators: [index split, train anomalies, val anomalies, test anomalies]."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(4)]


def _choose(index: np.ndarray, n_take: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Split ``index`` into a random subset of ``n_take`` and the rest (both sorted)."""
    perm = rng.permutation(len(index))
    return np.sort(index[perm[:n_take]]), np.sort(index[perm[n_take:]])


def _class_id(raw: RawData, cls) -> int:
    if isinstance(cls, str):
        if cls not in raw.class_names:
            raise ValueError(f"{raw.name} has no class {cls!r}; classes: {raw.class_names}")
        return raw.class_names.index(cls)
    present = np.unique(raw.train_classes)
    if isinstance(cls, bool) or not isinstance(cls, (int, np.integer)) or cls not in present:
        raise ValueError(f"class {cls!r} is not among the classes of {raw.name}: "
                         f"{present.tolist()} ({raw.class_names})")
    return int(cls)


def _natural(raw: RawData, pool: str, index: np.ndarray, normal: np.ndarray | None = None,
             semi: int = 0) -> ADSplit:
    """Natural images of ``pool`` at ``index``; label 0 where ``normal`` (default all) else 1."""
    classes = raw.classes(pool)[index]
    labels = np.zeros(len(index), np.int64) if normal is None else (~normal).astype(np.int64)
    return ADSplit(raw.images(pool)[index], labels, np.full(len(index), semi, np.int64),
                   classes, index)


def _concat(*parts: ADSplit) -> ADSplit:
    return ADSplit(np.concatenate([p.images for p in parts]),
                   np.concatenate([p.labels for p in parts]),
                   np.concatenate([p.semi_labels for p in parts]),
                   np.concatenate([p.classes for p in parts]),
                   np.concatenate([p.source_index for p in parts]))


def _altered(split: ADSplit, anomaly, rng, semi: int = 0) -> ADSplit:
    """The anomalous counterparts of ``split`` (label 1, same classes and source indices)."""
    kind, strength = anomaly
    images = make_anomalies(split.images, kind, strength, rng)
    n = len(split)
    return ADSplit(images, np.ones(n, np.int64), np.full(n, semi, np.int64), split.classes,
                   split.source_index)


def _check_anomaly(anomaly, name: str) -> tuple[str, int | float]:
    if not (isinstance(anomaly, (tuple, list)) and len(anomaly) == 2):
        raise ValueError(f"{name} must be a pair (type, strength), e.g. ('blocks', 8) or "
                         f"('strokes', 5); got {anomaly!r}")
    return canonical_anomaly(anomaly[0]), anomaly[1]


def _ova_indices(raw, normal, train_fraction, rng):
    """(train indices, val pool, val indices) of the one-vs-all setup. Without a separate
    validation pool, train and val both come from the official train set."""
    if not 0.0 < train_fraction <= 1.0:
        raise ValueError(f"train_fraction must be in (0, 1], got {train_fraction}")
    normal_idx = np.flatnonzero(raw.train_classes == normal)
    if "val" in raw.pools():
        return normal_idx, "val", np.arange(len(raw.val_images))
    train_idx, val_normal = _choose(normal_idx, round_half_up(len(normal_idx) * train_fraction),
                                    rng)
    others = np.flatnonzero(raw.train_classes != normal)
    return train_idx, "train", np.union1d(val_normal, others)


def one_vs_all(dataset, normal_class, seed: int = 0, train_fraction: float = 0.8,
               **loader_kwargs) -> ADData:
    """One-vs-all setup: ``normal_class`` (index or name) normal, all other classes anomalous.

    Train: a random ``train_fraction`` (80%) of the normal class's official training images.
    Val: the remaining normal training images plus every training image of the other classes.
    Test: the official test set. ``dataset`` is a name for :func:`load_raw` or a RawData.
    """
    raw = load_raw(dataset, **loader_kwargs)
    normal = _class_id(raw, normal_class)
    train_idx, val_pool, val_idx = _ova_indices(raw, normal, train_fraction, _streams(seed)[0])
    test_idx = np.arange(len(raw.test_images))
    val = _natural(raw, val_pool, val_idx, raw.classes(val_pool)[val_idx] == normal)
    test = _natural(raw, "test", test_idx, raw.test_classes == normal)
    info = _info(raw, "one_vs_all", seed, val_pool=val_pool, normal_class=normal,
                 normal_class_name=_name(raw, normal), train_fraction=train_fraction)
    return ADData(f"{raw.name}-ova{normal}", _natural(raw, "train", train_idx), val, test, info)


def _alteration_indices(raw: RawData, rule: SplitRule, rng):
    """Natural pools {split: (raw pool, indices)} following ``rule``."""
    if "val" in raw.pools():  # a separate validation pool (photo patches): use it as it is
        return {p: (p, np.arange(len(raw.images(p)))) for p in ("train", "val", "test")}
    n_tr, n_ho = len(raw.train_images), len(raw.test_images)
    train_n, val_a, val_b, test_n = _pool_counts(n_tr, n_ho, rule)
    if min(train_n, test_n, val_a + val_b) < 1:
        raise ValueError(f"{raw.name}: {n_tr} train / {n_ho} held-out images are too few for "
                         f"{rule} (empty train, val or test)")
    val_from_train, train_idx = _choose(np.arange(n_tr), val_a, rng)
    test_idx, val_from_heldout = _choose(np.arange(n_ho), test_n, rng)
    val = ("train", val_from_train) if rule.val_pool == "train" else ("test", val_from_heldout)
    return {"train": ("train", train_idx), "val": val, "test": ("test", test_idx)}


def _rule_for(raw: RawData, rule: SplitRule | None) -> SplitRule:
    if rule is not None:
        return rule
    return PAPER_SPLIT_RULES.get(raw.info.get("split_rule", raw.name), SplitRule())


def image_alteration(dataset, anomaly: str = "blocks", strength: int | float = 2, seed: int = 0,
                     rule: SplitRule | None = None, val_anomaly=None,
                     **loader_kwargs) -> ADData:
    """Image-alteration setup: all natural images normal, altered counterparts anomalous.

    ``anomaly`` is 'blocks' (block permutation, ``strength`` = N blocks per side) or
    'strokes' (``strength`` = thickness M). Natural pools follow ``rule`` (default: the
    paper's rule for the dataset, :data:`PAPER_SPLIT_RULES`; 20% of train to validation for
    other datasets). Val and test each get one anomaly per natural image, so they are
    balanced; ``val_anomaly=(type, strength)`` uses a different alteration for validation.
    Val and test list the natural images first, then their counterparts in the same order.
    """
    raw = load_raw(dataset, **loader_kwargs)
    test_anomaly = _check_anomaly((anomaly, strength), "anomaly/strength")
    val_anomaly = test_anomaly if val_anomaly is None else _check_anomaly(val_anomaly,
                                                                           "val_anomaly")
    rule = _rule_for(raw, rule)
    split_rng, _, val_rng, test_rng = _streams(seed)
    pools = _alteration_indices(raw, rule, split_rng)
    train, val_nat, test_nat = (_natural(raw, *pools[k]) for k in ("train", "val", "test"))
    val = _concat(val_nat, _altered(val_nat, val_anomaly, val_rng))
    test = _concat(test_nat, _altered(test_nat, test_anomaly, test_rng))
    info = _info(raw, "image_alteration", seed, rule=rule, pools=pools,
                 test_anomaly=test_anomaly, val_anomaly=val_anomaly)
    name = f"{raw.name}-{test_anomaly[0]}{test_anomaly[1]}"
    return ADData(name, train, val, test, info)


def semi_supervised(dataset, seed: int = 0, *, normal_class=None, anomaly_class=None,
                    train_anomaly=None, val_anomaly=None, test_anomaly=None,
                    labeled_fraction: float = 0.1, train_fraction: float = 0.8,
                    rule: SplitRule | None = None, **loader_kwargs) -> ADData:
    """Semi-supervised variants of both setups (labeled anomalies have ``semi_labels == -1``).

    One-vs-all (give ``normal_class`` and ``anomaly_class``): the one-vs-all train set plus
    a random ``labeled_fraction`` (10%) of the *anomaly class's* training images, as the paper
    words it ("10% of samples from a single anomaly class"; 500 images on CIFAR-10). All
    other training images go to validation, the official test set is the test set.

    Image alteration (give ``train_anomaly=(type, strength)``, and optionally different
    ``val_anomaly`` / ``test_anomaly``, as in Table VI: e.g. train ('blocks', 8), val
    ('strokes', 9), test ('blocks', 2)): all natural training images stay unlabeled and the
    altered counterparts of a random subset of them are added as labeled anomalies, so that
    they are ``labeled_fraction`` of the *training set* (:func:`n_labeled_anomalies`).
    """
    if normal_class is not None:
        if anomaly_class is None or train_anomaly is not None:
            raise ValueError("one-vs-all semi-supervised needs normal_class and anomaly_class "
                             "(and no train_anomaly)")
        return _semi_one_vs_all(load_raw(dataset, **loader_kwargs), normal_class,
                                anomaly_class, seed, labeled_fraction, train_fraction)
    if train_anomaly is None:
        raise ValueError("give normal_class + anomaly_class (one-vs-all) or train_anomaly="
                         "(type, strength) (image alteration)")
    return _semi_alteration(load_raw(dataset, **loader_kwargs), seed, train_anomaly,
                            val_anomaly, test_anomaly, labeled_fraction, rule)


def _semi_one_vs_all(raw, normal_class, anomaly_class, seed, labeled_fraction, train_fraction):
    if "val" in raw.pools():
        raise ValueError(f"{raw.name} has a separate validation pool; the semi-supervised "
                         "one-vs-all setup needs a dataset with classes (e.g. mnist5k, cifar10)")
    if not 0.0 < labeled_fraction <= 1.0:
        raise ValueError(f"labeled_fraction must be in (0, 1], got {labeled_fraction}")
    base = one_vs_all(raw, normal_class, seed=seed, train_fraction=train_fraction)
    normal, anom = base.info["normal_class"], _class_id(raw, anomaly_class)
    if anom == normal:
        raise ValueError("anomaly_class must differ from normal_class")
    rng = _streams(seed)[1]
    anom_idx = np.flatnonzero(raw.train_classes == anom)
    labeled_idx, _ = _choose(anom_idx, round_half_up(len(anom_idx) * labeled_fraction), rng)
    labeled = _natural(raw, "train", labeled_idx, np.zeros(len(labeled_idx), bool), semi=-1)
    keep_val = ~np.isin(base.val.source_index, labeled_idx)
    info = dict(base.info, setup="semi_supervised_one_vs_all", anomaly_class=anom,
                labeled_fraction=labeled_fraction, n_labeled=len(labeled_idx))
    return ADData(f"{base.name}-semi{anom}", _concat(base.train, labeled),
                  base.val.subset(keep_val), base.test, info)


def _semi_alteration(raw, seed, train_anomaly, val_anomaly, test_anomaly, labeled_fraction,
                     rule):
    train_anomaly = _check_anomaly(train_anomaly, "train_anomaly")
    val_anomaly = train_anomaly if val_anomaly is None else _check_anomaly(val_anomaly,
                                                                           "val_anomaly")
    test_anomaly = val_anomaly if test_anomaly is None else _check_anomaly(test_anomaly,
                                                                           "test_anomaly")
    base = image_alteration(raw, test_anomaly[0], test_anomaly[1], seed=seed, rule=rule,
                            val_anomaly=val_anomaly)
    rng = _streams(seed)[1]
    n_lab = n_labeled_anomalies(len(base.train), labeled_fraction)
    chosen, _ = _choose(np.arange(len(base.train)), n_lab, rng)
    labeled = _altered(base.train.subset(chosen), train_anomaly, rng, semi=-1)
    info = dict(base.info, setup="semi_supervised_alteration", train_anomaly=train_anomaly,
                labeled_fraction=labeled_fraction, n_labeled=n_lab)
    name = f"{base.name}-semi-{train_anomaly[0]}{train_anomaly[1]}"
    return ADData(name, _concat(base.train, labeled), base.val, base.test, info)


def _name(raw: RawData, cls: int) -> str:
    return raw.class_names[cls] if 0 <= cls < len(raw.class_names) else str(cls)


def _info(raw: RawData, setup: str, seed, **extra) -> dict:
    info = {"dataset": raw.name, "setup": setup, "seed": int(seed),
            "sources": {"train": "train", "val": extra.pop("val_pool", "train"),
                        "test": "test"},
            "raw_info": dict(raw.info)}
    pools = extra.pop("pools", None)
    if pools is not None:
        info["sources"] = {k: pool for k, (pool, _) in pools.items()}
    rule = extra.pop("rule", None)
    if rule is not None:
        info["rule"] = {"val_from_train": rule.val_from_train,
                        "test_from_heldout": rule.test_from_heldout}
    info.update(extra)
    return info
