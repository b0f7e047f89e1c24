"""CIFAR-10 (Krizhevsky 2009) from its official "python version" pickle batches.

Layout looked for: ``<root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``
with ``root`` defaulting to ``<data_root>/cifar10`` (``SVDD_DATA_ROOT`` moves it), or ``root``
pointing at the ``cifar-10-batches-py`` folder itself. ``download=True`` fetches and unpacks
the archive there through torchvision (needs internet, about 170 MB). The batches are read
directly (not through ``torchvision.datasets.CIFAR10``), so any copy in the standard format
works and the loader needs no checksum match.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from ._files import DatasetNotFoundError, dataset_folder
from .types import RawData

__all__ = ["load_cifar10", "CIFAR10_CLASSES", "read_cifar_batch"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One pickle batch -> (uint8 images (n, 32, 32, 3), int64 labels (n,))."""
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = batch.get(b"data", batch.get("data"))
        labels = batch.get(b"labels", batch.get("labels"))
        data = np.asarray(data, dtype=np.uint8)
        labels = np.asarray(labels, dtype=np.int64)
        images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            KeyError) as err:
        raise ValueError(f"cannot read CIFAR-10 batch {path}: {err}. Delete the folder and "
                         "load with download=True to fetch a fresh copy.") from err
    return np.ascontiguousarray(images), labels


def batches_folder(root) -> Path:
    folder = dataset_folder("cifar10", root)
    return folder if folder.name == "cifar-10-batches-py" else folder / "cifar-10-batches-py"


def load_cifar10(root=None, download: bool = False) -> RawData:
    """CIFAR-10 as a :class:`RawData`: 50,000 train / 10,000 test, uint8 (N, 32, 32, 3)."""
    folder = batches_folder(root)
    needed = [*TRAIN_BATCHES, "test_batch"]
    if download and not all((folder / n).exists() for n in needed):
        from torchvision.datasets import CIFAR10

        CIFAR10(root=str(folder.parent), train=True, download=True)
    missing = [n for n in needed if not (folder / n).exists()]
    if missing:
        raise DatasetNotFoundError(
            f"CIFAR-10 not found: looked in {folder} and missed {', '.join(missing)}. "
            f"Call load_cifar10(download=True) (needs internet), or download {URL} and "
            f"unpack it into {folder.parent}. Set SVDD_DATA_ROOT to use another data folder.")
    train = [read_cifar_batch(folder / n) for n in TRAIN_BATCHES]
    test_images, test_labels = read_cifar_batch(folder / "test_batch")
    return RawData(
        "cifar10", np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train]),
        test_images, test_labels, class_names=_class_names(folder),
        info={"source": str(folder), "url": URL},
    )


def _class_names(folder: Path) -> tuple[str, ...]:
    meta = folder / "batches.meta"
    if not meta.exists():
        return CIFAR10_CLASSES
    try:
        with open(meta, "rb") as f:
            names = pickle.load(f, encoding="bytes")
        names = names.get(b"label_names", names.get("label_names"))
        return tuple(n.decode() if isinstance(n, bytes) else str(n) for n in names)
    except Exception as err:
        raise ValueError(f"cannot read CIFAR-10 class names from {meta}: {err}") from err
