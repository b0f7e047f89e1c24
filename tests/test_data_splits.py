"""One-vs-all, image-alteration and semi-supervised splits (Section V-A)."""
import numpy as np
import pytest

from svddlib.data import (OFFICIAL_SIZES, PAPER_SIZES, PAPER_SPLIT_RULES, ADData, ADSplit,
                          RawData, SplitRule, alteration_split_sizes, image_alteration,
                          n_labeled_anomalies, one_vs_all, semi_supervised)
from svddlib.data.splits import round_half_up


def _coded_images(start, n, side=4):
    """Colour images whose first three bytes spell a unique id (start + i) in base 256."""
    rng = np.random.default_rng(start)
    imgs = rng.integers(0, 256, size=(n, side, side, 3), dtype=np.uint8)
    ids = np.arange(start, start + n)
    flat = imgs.reshape(n, -1)
    flat[:, 0], flat[:, 1], flat[:, 2] = ids // 65536, (ids // 256) % 256, ids % 256
    return imgs


def _ids(images):
    flat = images.reshape(len(images), -1).astype(np.int64)
    return set(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2])


def _raw(name, n_train, n_test, n_classes=10, side=4):
    train_cls = np.arange(n_train) % n_classes
    test_cls = np.arange(n_test) % n_classes
    return RawData(name, _coded_images(0, n_train, side), train_cls,
                   _coded_images(n_train, n_test, side), test_cls,
                   class_names=tuple(f"c{i}" for i in range(n_classes)))


# ---------------------------------------------------------------- index arithmetic
def test_round_half_up_and_labeled_counts_by_hand():
    assert round_half_up(3493.8) == 3494 and round_half_up(2.5) == 3 and round_half_up(2.4) == 2
    assert n_labeled_anomalies(5717) == 635  # 5717 / 9 = 635.2
    assert n_labeled_anomalies(7856) == 872  # 7856 / 9 = 872.9, rounded down
    assert n_labeled_anomalies(900) == 100   # exactly 10% of 1000
    with pytest.raises(ValueError):
        n_labeled_anomalies(10, 1.0)


@pytest.mark.parametrize("name", ["cifar10", "voc2012", "wikiart"])
def test_paper_split_sizes_from_official_sizes(name):
    sizes = alteration_split_sizes(*OFFICIAL_SIZES[name], PAPER_SPLIT_RULES[name])
    train, val, test, semi = PAPER_SIZES[name]
    assert (sizes.train, sizes.val, sizes.test) == (train, val, test)
    if semi is not None:
        assert sizes.train_semi == semi


def test_split_rule_validation():
    with pytest.raises(ValueError):
        SplitRule(val_from_train=0.0, test_from_heldout=1.0)  # no validation data at all
    with pytest.raises(ValueError):
        SplitRule(val_from_train=0.2, test_from_heldout=0.5)  # from two sources
    with pytest.raises(ValueError):
        SplitRule(val_from_train=1.0)


@pytest.mark.parametrize("name", ["cifar10", "voc2012", "wikiart"])
def test_image_alteration_reproduces_paper_sizes_end_to_end(name):
    n_train, n_test = OFFICIAL_SIZES[name]
    raw = _raw(name, n_train, n_test, side=4)
    data = image_alteration(raw, "blocks", 2, seed=0)
    train, val, test, semi = PAPER_SIZES[name]
    assert (len(data.train), len(data.val), len(data.test)) == (train, val, test)
    if semi is not None:
        sdata = semi_supervised(raw, seed=0, train_anomaly=("blocks", 2),
                                val_anomaly=("strokes", 1), test_anomaly=("blocks", 2))
        assert len(sdata.train) == semi
        assert (sdata.train.semi_labels == -1).sum() == semi - train


# ---------------------------------------------------------------- image alteration
@pytest.mark.parametrize("name", ["cifar10", "voc2012"])
def test_image_alteration_disjoint_balanced_and_paired(name):
    raw = _raw(name, 500, 200, side=8)
    data = image_alteration(raw, "strokes", 2, seed=1)
    assert isinstance(data, ADData)
    for split in (data.val, data.test):
        n = len(split) // 2
        assert split.n_normal == split.n_anomalous == n  # balanced
        assert np.array_equal(split.labels, np.r_[np.zeros(n), np.ones(n)])
        assert np.array_equal(split.source_index[:n], split.source_index[n:])  # paired
        assert not np.array_equal(split.images[:n], split.images[n:])
    assert data.train.n_anomalous == 0 and (data.train.semi_labels == 0).all()
    train_ids = _ids(data.train.images)
    val_ids = _ids(data.val.images[data.val.labels == 0])
    test_ids = _ids(data.test.images[data.test.labels == 0])
    assert not (train_ids & val_ids) and not (train_ids & test_ids) and not (val_ids & test_ids)
    assert len(train_ids | val_ids | test_ids) == 700  # every natural image used once
    assert test_ids <= _ids(raw.test_images)  # test comes from the official held-out set
    if name == "cifar10":
        assert len(data.train) == 400 and len(data.val) == 200 and len(data.test) == 400
    else:  # VOC: train kept, held-out cut into 60% test / 40% val
        assert len(data.train) == 500 and len(data.val) == 160 and len(data.test) == 240


def test_image_alteration_deterministic_and_seeded():
    raw = _raw("cifar10", 200, 50, side=8)
    a, b = image_alteration(raw, "blocks", 4, seed=3), image_alteration(raw, "blocks", 4, seed=3)
    c = image_alteration(raw, "blocks", 4, seed=4)
    for key in ("train", "val", "test"):
        assert np.array_equal(a.splits()[key].images, b.splits()[key].images)
    assert not np.array_equal(a.train.source_index, c.train.source_index)


def test_image_alteration_uses_separate_val_pool():
    raw = _raw("x", 30, 20, side=8)
    raw = RawData("x", raw.train_images, raw.train_classes, raw.test_images, raw.test_classes,
                  val_images=_coded_images(1000, 10, 8), val_classes=np.zeros(10, np.int64))
    data = image_alteration(raw, "blocks", 2, seed=0)
    assert (len(data.train), len(data.val), len(data.test)) == (30, 20, 40)
    assert _ids(data.val.images[:10]) == set(range(1000, 1010))


def test_image_alteration_bad_arguments():
    raw = _raw("cifar10", 20, 10, side=8)
    with pytest.raises(ValueError):
        image_alteration(raw, "rotate", 2)
    with pytest.raises(ValueError):
        image_alteration(raw, "blocks", 2, seed=-1)
    with pytest.raises(ValueError):
        image_alteration(raw, "blocks", 2, val_anomaly="strokes")


# ---------------------------------------------------------------- one-vs-all
def test_one_vs_all_sizes_labels_and_disjointness():
    raw = _raw("cifar10", 1000, 300)  # 100 train / 30 test images per class
    data = one_vs_all(raw, normal_class=3, seed=0)
    assert len(data.train) == 80 and (data.train.classes == 3).all()
    assert data.train.n_anomalous == 0
    assert len(data.val) == 1000 - 80 and data.val.n_normal == 20 and data.val.n_anomalous == 900
    assert np.array_equal(data.val.labels, (data.val.classes != 3).astype(int))
    assert len(data.test) == 300 and data.test.n_normal == 30
    assert np.array_equal(data.test.labels, (data.test.classes != 3).astype(int))
    train_ids, val_ids, test_ids = (_ids(s.images) for s in (data.train, data.val, data.test))
    assert not (train_ids & val_ids) and not ((train_ids | val_ids) & test_ids)
    assert data.info["normal_class"] == 3 and data.info["normal_class_name"] == "c3"


def test_one_vs_all_class_by_name_and_errors():
    raw = _raw("cifar10", 100, 30)
    assert one_vs_all(raw, "c2").info["normal_class"] == 2
    with pytest.raises(ValueError):
        one_vs_all(raw, 10)
    with pytest.raises(ValueError):
        one_vs_all(raw, "dog")


def test_one_vs_all_mnist5k_offline():
    data = one_vs_all("mnist5k", normal_class=7, seed=0)
    assert data.train.images.shape == (320, 28, 28) and data.train.images.dtype == np.uint8
    assert (len(data.val), data.val.n_normal, len(data.test), data.test.n_normal) == \
        (3680, 80, 1000, 100)


# ---------------------------------------------------------------- semi-supervised
def test_semi_supervised_one_vs_all():
    raw = _raw("cifar10", 1000, 300)
    data = semi_supervised(raw, seed=0, normal_class=0, anomaly_class=5)
    labeled = data.train.semi_labels == -1
    assert labeled.sum() == 10  # 10% of the 100 training images of class 5
    assert (data.train.classes[labeled] == 5).all() and (data.train.labels[labeled] == 1).all()
    assert (data.train.semi_labels[~labeled] == 0).all() and (data.train.classes[~labeled] == 0).all()
    assert len(data.val) == 1000 - 80 - 10
    assert not (_ids(data.train.images) & _ids(data.val.images))
    with pytest.raises(ValueError):
        semi_supervised(raw, seed=0, normal_class=0, anomaly_class=0)
    with pytest.raises(ValueError):
        semi_supervised(raw, seed=0)


def test_semi_supervised_alteration_types_per_split():
    raw = _raw("voc2012", 90, 50, side=8)
    data = semi_supervised(raw, seed=2, train_anomaly=("blocks", 2),
                           val_anomaly=("strokes", 3), test_anomaly=("blocks", 4))
    labeled = data.train.semi_labels == -1
    assert labeled.sum() == 10 and len(data.train) == 100  # 90 unlabeled + 90 // 9
    assert (data.train.labels == labeled).all()

    def same_pixels(a, b):  # block permutation keeps each image's pixel multiset
        return all(np.array_equal(np.sort(x.reshape(-1, 3), 0), np.sort(y.reshape(-1, 3), 0))
                   for x, y in zip(a, b))

    src = data.train.source_index[labeled]
    assert same_pixels(data.train.images[labeled], raw.train_images[src])
    n = len(data.val) // 2
    assert not same_pixels(data.val.images[n:], data.val.images[:n])  # strokes change pixels
    m = len(data.test) // 2
    assert same_pixels(data.test.images[m:], data.test.images[:m])
    assert data.info["train_anomaly"] == ("blocks", 2)


def test_adsplit_validation_and_subsample():
    imgs = np.zeros((4, 2, 2), np.uint8)
    with pytest.raises(ValueError):
        ADSplit(imgs, np.array([0, 1, 2, 0]))
    with pytest.raises(ValueError):
        ADSplit(imgs, np.array([0, 1]))
    split = ADSplit(imgs, np.array([0, 0, 1, 1]))
    assert (split.semi_labels == 0).all() and (split.classes == -1).all()
    data = image_alteration(_raw("cifar10", 200, 100, side=8), "blocks", 2, seed=0)
    small = data.subsample(max_train=50, max_eval=40, seed=0)
    assert len(small.train) == 50 and small.val.n_normal == small.val.n_anomalous == 20
