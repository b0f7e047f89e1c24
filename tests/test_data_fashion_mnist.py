"""Fashion-MNIST loader: IDX files (gzipped or not) in real on-disk format, clear errors."""
import gzip

import numpy as np
import pytest

from svddlib.data import DatasetNotFoundError, load_fashion_mnist, load_raw
from svddlib.data import fashion_mnist as fm


def _write_idx(path, array, compress):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape)
    data = header + array.astype(np.uint8).tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(data)


@pytest.mark.parametrize("compress", [True, False])
def test_reads_idx_files(tmp_path, compress):
    rng = np.random.default_rng(0)
    arrays = {"train_images": rng.integers(0, 256, (5, 28, 28)),
              "train_classes": np.arange(5) % 10, "test_images": rng.integers(0, 256, (3, 28, 28)),
              "test_classes": np.array([9, 0, 1])}
    for key, stem in fm._FILES.items():
        _write_idx(tmp_path / (stem + (".gz" if compress else "")), arrays[key], compress)
    raw = load_fashion_mnist(tmp_path)
    assert np.array_equal(raw.train_images, arrays["train_images"])
    assert raw.train_images.dtype == np.uint8 and raw.test_classes.tolist() == [9, 0, 1]
    assert raw.class_names[0] == "T-shirt/top" and len(raw.class_names) == 10
    assert load_raw("fashion_mnist", root=tmp_path).train_images.shape == (5, 28, 28)


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
    (tmp_path / "bad").write_bytes(b"\x00\x00\x09\x01abcd")
    with pytest.raises(ValueError, match="IDX"):
        fm.read_idx(tmp_path / "bad")


@pytest.mark.skipif(not fm.SYSTEM_FOLDER.is_dir(), reason="Debian dataset-fashion-mnist absent")
def test_debian_package_copy():
    raw = load_raw("Fashion-MNIST")
    assert raw.train_images.shape == (60000, 28, 28) and raw.test_images.shape == (10000, 28, 28)
    assert np.bincount(raw.test_classes).tolist() == [1000] * 10


def test_side_pads_with_black_background(tmp_path):
    images = np.full((2, 28, 28), 200, np.uint8)
    for key, stem in fm._FILES.items():
        array = images if key.endswith("images") else np.array([1, 2])
        _write_idx(tmp_path / stem, array, False)
    raw = load_raw("fashion_mnist", root=tmp_path, side=32)
    assert raw.train_images.shape == (2, 32, 32) and raw.info["side"] == 32
    # a 2-px black frame around the untouched 28 x 28 image (LeNet-5's padding of MNIST)
    assert np.array_equal(raw.train_images[:, 2:30, 2:30], images)
    assert raw.train_images.sum() == images.sum() and raw.test_classes.tolist() == [1, 2]
    with pytest.raises(ValueError, match="side"):
        load_fashion_mnist(tmp_path, side=27)


def test_strokes_of_m1_leave_holes_at_28_but_not_at_32():
    """Why Table III's strokes column pads to 32 px: a stroke of M = 1 scaled to 28 px is
    0.875 px wide, so along a shallow one some pixel columns hold no pixel centre within
    0.4375 px of it (a hole in the line); at 32 px (1 px) every column it crosses is painted."""
    from svddlib.data import strokes
    from svddlib.data.anomalies import stroke_strength

    for side, holes_expected in ((28, True), (32, False)):
        width = stroke_strength(1, "cifar10", side)
        canvas = np.zeros((200, side, side), np.uint8)
        _, masks = strokes(canvas, width, np.random.default_rng(0), n_strokes=(1, 1),
                           return_mask=True)
        # one straight stroke per image: its painted columns are contiguous unless it has holes
        holes = [np.any(np.diff(np.flatnonzero(m.any(axis=0))) > 1) for m in masks]
        assert any(holes) == holes_expected, (side, width)
