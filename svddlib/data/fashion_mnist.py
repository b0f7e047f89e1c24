"""Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from its official IDX files (MIT licence).

Looked for in ``root`` (default ``<data_root>/fashion_mnist``), then in the folder of the
Debian/Ubuntu package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``, installed
by ``make datasets``): ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` (gzipped or not). 60,000 training
and 10,000 test images, uint8 (N, 28, 28), 10 classes of clothing.
"""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ._files import DatasetNotFoundError, dataset_folder
from .types import RawData

__all__ = ["load_fashion_mnist", "FASHION_MNIST_CLASSES", "read_idx", "SYSTEM_FOLDER"]

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")
SYSTEM_FOLDER = Path("/usr/share/datasets/fashion-mnist")
_FILES = {"train_images": "train-images-idx3-ubyte", "train_classes": "train-labels-idx1-ubyte",
          "test_images": "t10k-images-idx3-ubyte", "test_classes": "t10k-labels-idx1-ubyte"}
_URL = "https://github.com/zalandoresearch/fashion-mnist"


def read_idx(path: Path) -> np.ndarray:
    """An IDX file of unsigned bytes (magic 0x0000080D, D dimensions) as a uint8 array."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
        if raw[:3] != b"\x00\x00\x08" or len(raw) < 4:
            raise ValueError("not an IDX file of unsigned bytes")
        ndim = raw[3]
        shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
        data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
        return data.reshape(shape).copy()
    except (OSError, EOFError, ValueError) as err:
        raise ValueError(f"cannot read IDX file {path}: {err}") from err


def _find(folder: Path, stem: str) -> Path | None:
    return next((p for p in (folder / f"{stem}.gz", folder / stem) if p.exists()), None)


def _pad(images: np.ndarray, side: int) -> np.ndarray:
    """(N, h, w) uint8 images centred on a black (0) canvas of side x side."""
    top, left = (side - images.shape[1]) // 2, (side - images.shape[2]) // 2
    if images.shape[1:] == (side, side):
        return images
    out = np.zeros((len(images), side, side), np.uint8)
    out[:, top:top + images.shape[1], left:left + images.shape[2]] = images
    return out


def load_fashion_mnist(root=None, side: int = 28) -> RawData:
    """Fashion-MNIST as a :class:`RawData`: 60,000 train / 10,000 test, uint8 (N, side, side).

    ``side`` > 28 pads every image with its black background, centred (LeNet-5's 32-px MNIST
    input): at ``side=32``, CIFAR-10's side, a stroke of the paper's M = 1 px paints one full
    pixel, where at 28 px it would be 0.875 px wide and skip pixel centres.
    """
    if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 28:
        raise ValueError(f"side must be an integer >= 28 (the images are 28 px), got {side!r}")
    folders = [dataset_folder("fashion_mnist", root)] + ([SYSTEM_FOLDER] if root is None else [])
    for folder in folders:
        paths = {k: _find(folder, stem) for k, stem in _FILES.items()}
        if all(paths.values()):
            arrays = {k: read_idx(p) for k, p in paths.items()}
            images = {k: _pad(arrays[k], int(side)) for k in ("train_images", "test_images")}
            return RawData("fashion_mnist", images["train_images"], arrays["train_classes"],
                           images["test_images"], arrays["test_classes"],
                           class_names=FASHION_MNIST_CLASSES,
                           info={"source": str(folder), "side": int(side)})
    raise DatasetNotFoundError(
        f"Fashion-MNIST not found: looked in {', '.join(map(str, folders))} for "
        f"{', '.join(s + '[.gz]' for s in _FILES.values())}. Install the Debian package "
        f"dataset-fashion-mnist (make datasets) or download the four files from {_URL}.")
