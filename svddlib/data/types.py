"""Containers shared by every loader, split builder and trainer of the course.

Two levels:

* :class:`RawData` is what a *loader* returns: the images of a dataset in its official
  division (CIFAR-10 train/test, VOC2012 train/val, WikiArt train/val, ...), with the original
  class of each image. Nothing here knows about anomalies yet.
* :class:`ADData` is what a *split builder* (:func:`~svddlib.data.splits.one_vs_all`,
  :func:`~svddlib.data.splits.image_alteration`, :func:`~svddlib.data.splits.semi_supervised`)
  returns: three :class:`ADSplit` (train / val / test) with anomaly labels.

Images always stay ``uint8`` in (N, H, W) for grey or (N, H, W, 3) for colour;
:mod:`svddlib.data.preprocessing` turns them into float tensors.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ADSplit", "ADData", "RawData", "check_images", "round_half_up"]


def round_half_up(x: float) -> int:
    """Round to the nearest integer, halves up (Python's round() would round halves to even)."""
    return int(np.floor(x + 0.5 + 1e-9))


def check_images(images, name: str = "images") -> np.ndarray:
    """Return ``images`` as a uint8 array of shape (N, H, W) or (N, H, W, 3); raise otherwise."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise TypeError(
            f"{name} must have dtype uint8 (values 0..255), got {images.dtype}; "
            "convert with np.clip(x, 0, 255).astype(np.uint8)"
        )
    if images.ndim == 4 and images.shape[-1] != 3:
        raise ValueError(f"{name}: colour images need shape (N, H, W, 3), got {images.shape}")
    if images.ndim not in (3, 4):
        raise ValueError(
            f"{name} must have shape (N, H, W) (grey) or (N, H, W, 3) (colour), got {images.shape}"
        )
    return images


def _int_array(values, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) to match the images, got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


@dataclass
class ADSplit:
    """One split (train, val or test) of an anomaly-detection dataset.

    Attributes
    ----------
    images : uint8 array (N, H, W) or (N, H, W, 3).
    labels : int64 (N,), 0 = normal, 1 = anomaly (the ground truth used for AUC).
    semi_labels : int64 (N,), what a semi-supervised learner may see: 0 unlabeled,
        +1 labeled normal, -1 labeled anomaly (all 0 in unsupervised setups). Defaults to zeros.
    classes : int64 (N,), original class of the image (or of the natural image an altered
        anomaly was made from), -1 when the dataset has no classes. Defaults to -1.
    source_index : int64 (N,) or None, position of the (natural) image in the raw pool it was
        taken from (see ``ADData.info["sources"]``); lets tests and users trace every sample.
    """

    images: np.ndarray
    labels: np.ndarray
    semi_labels: np.ndarray | None = None
    classes: np.ndarray | None = None
    source_index: np.ndarray | None = None

    def __post_init__(self):
        check_images(self.images, "ADSplit.images")
        n = len(self.images)
        self.labels = _int_array(self.labels, n, "labels")
        if not np.isin(self.labels, (0, 1)).all():
            raise ValueError("labels must be 0 (normal) or 1 (anomaly)")
        if self.semi_labels is None:
            self.semi_labels = np.zeros(n, dtype=np.int64)
        self.semi_labels = _int_array(self.semi_labels, n, "semi_labels")
        if not np.isin(self.semi_labels, (-1, 0, 1)).all():
            raise ValueError("semi_labels must be -1 (labeled anomaly), 0 (unlabeled) or +1")
        if self.classes is None:
            self.classes = np.full(n, -1, dtype=np.int64)
        self.classes = _int_array(self.classes, n, "classes")
        if self.source_index is not None:
            self.source_index = _int_array(self.source_index, n, "source_index")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def n_normal(self) -> int:
        return int((self.labels == 0).sum())

    @property
    def n_anomalous(self) -> int:
        return int((self.labels == 1).sum())

    @property
    def is_colour(self) -> bool:
        return self.images.ndim == 4

    def subset(self, index) -> "ADSplit":
        """A new split holding the samples at ``index`` (integer array or boolean mask)."""
        index = np.asarray(index)
        return ADSplit(
            images=self.images[index],
            labels=self.labels[index],
            semi_labels=self.semi_labels[index],
            classes=self.classes[index],
            source_index=None if self.source_index is None else self.source_index[index],
        )

    def __repr__(self) -> str:
        return (f"ADSplit(n={len(self)}, shape={self.images.shape[1:]}, normal={self.n_normal}, "
                f"anomalous={self.n_anomalous}, labeled={int((self.semi_labels != 0).sum())})")


@dataclass
class ADData:
    """An anomaly-detection dataset: train, val and test splits plus a description ``info``.

    ``info`` records how the data were built (dataset, setup, normal class or anomaly type and
    strength, seed, which raw pool each split came from), so results can be traced back.
    """

    name: str
    train: ADSplit
    val: ADSplit
    test: ADSplit
    info: dict = field(default_factory=dict)

    def splits(self) -> dict[str, ADSplit]:
        return {"train": self.train, "val": self.val, "test": self.test}

    def subsample(self, max_train: int | None = None, max_eval: int | None = None,
                  seed: int = 0) -> "ADData":
        """A smaller copy for quick runs: at most ``max_train`` training samples and at most
        ``max_eval`` samples per evaluation split, drawn per label so the normal/anomaly
        ratio of each split is kept (at least one of each label that is present)."""
        rng = np.random.default_rng(seed)
        out = {}
        for key, split in self.splits().items():
            limit = max_train if key == "train" else max_eval
            out[key] = split if limit is None or len(split) <= limit else \
                split.subset(_stratified_pick(split.labels, limit, rng))
        info = dict(self.info, subsampled={"max_train": max_train, "max_eval": max_eval,
                                           "seed": seed})
        return ADData(self.name, out["train"], out["val"], out["test"], info)

    def __repr__(self) -> str:
        return (f"ADData({self.name!r}, train={self.train!r}, val={self.val!r}, "
                f"test={self.test!r})")


def _stratified_pick(labels: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    if limit < 1:
        raise ValueError(f"subsample limits must be >= 1, got {limit}")
    picked = []
    values, counts = np.unique(labels, return_counts=True)
    for value, count in zip(values, counts):
        take = max(1, int(round(limit * count / len(labels))))
        where = np.flatnonzero(labels == value)
        picked.append(rng.choice(where, size=min(take, count), replace=False))
    return np.sort(np.concatenate(picked))


@dataclass
class RawData:
    """Images of a dataset in its official division, before any anomaly-detection split.

    ``train_*`` is the official training set. ``test_*`` is the official held-out set
    (CIFAR-10 test, VOC2012 *val*, WikiArt *val*); the split builders decide how much of it
    becomes validation data (see :data:`svddlib.data.splits.PAPER_SPLIT_RULES`). ``val_*``
    is only set by sources that provide a separate validation pool (the photo patches, whose
    three pools come from disjoint image regions); builders then use it as it is.
    """

    name: str
    train_images: np.ndarray
    train_classes: np.ndarray
    test_images: np.ndarray
    test_classes: np.ndarray
    class_names: tuple[str, ...] = ()
    info: dict = field(default_factory=dict)
    val_images: np.ndarray | None = None
    val_classes: np.ndarray | None = None

    def __post_init__(self):
        for pool in self.pools():
            images = check_images(getattr(self, f"{pool}_images"), f"{pool}_images")
            setattr(self, f"{pool}_classes",
                    _int_array(getattr(self, f"{pool}_classes"), len(images), f"{pool}_classes"))
        if (self.val_images is None) != (self.val_classes is None):
            raise ValueError("give both val_images and val_classes, or neither")
        self.class_names = tuple(self.class_names)

    def pools(self) -> tuple[str, ...]:
        """Names of the pools present: ('train', 'test') or ('train', 'val', 'test')."""
        return ("train", "val", "test") if self.val_images is not None else ("train", "test")

    def images(self, pool: str) -> np.ndarray:
        return getattr(self, f"{pool}_images")

    def classes(self, pool: str) -> np.ndarray:
        return getattr(self, f"{pool}_classes")

    def __repr__(self) -> str:
        sizes = ", ".join(f"{p}={len(self.images(p))}" for p in self.pools())
        return f"RawData({self.name!r}, {sizes}, shape={self.train_images.shape[1:]})"
