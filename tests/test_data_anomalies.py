"""Block-permutation and strokes anomalies (Section V-A of Chong et al. 2020)."""
import numpy as np
import pytest

from svddlib.data import block_permutation, make_anomalies, strokes
from svddlib.data.anomalies import _random_non_identity_permutations


def _images(n=64, h=32, w=32, colour=True, seed=0):
    shape = (n, h, w, 3) if colour else (n, h, w)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def _changed_fraction(a, b):
    diff = a != b
    return (diff.any(axis=-1) if a.ndim == 4 else diff).mean()


# ---------------------------------------------------------------- block permutation
def test_block_permutation_hand_example_2x2():
    # 4x4 grey image with blocks A B / C D of 2x2 pixels holding the values 1, 2, 3, 4.
    img = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], np.uint8)
    out = block_permutation(img[None], 2, np.random.default_rng(0))[0]
    blocks = out.reshape(2, 2, 2, 2).swapaxes(1, 2).reshape(4, 2, 2)
    # every block is constant and holds one of the original values, each value exactly once
    assert all((b == b[0, 0]).all() for b in blocks)
    assert sorted(b[0, 0] for b in blocks) == [1, 2, 3, 4]
    assert [b[0, 0] for b in blocks] != [1, 2, 3, 4]  # never the identity


@pytest.mark.parametrize("colour", [True, False])
def test_block_permutation_shape_dtype_and_same_pixels(colour):
    x = _images(colour=colour)
    y = block_permutation(x, 4, np.random.default_rng(1))
    assert y.shape == x.shape and y.dtype == np.uint8
    # a permutation of blocks keeps the multiset of pixel values of each image
    for a, b in zip(x, y):
        flat_a = a.reshape(-1, *a.shape[2:]) if colour else a.ravel()
        flat_b = b.reshape(-1, *b.shape[2:]) if colour else b.ravel()
        assert np.array_equal(np.sort(flat_a, axis=0), np.sort(flat_b, axis=0))
    assert not np.array_equal(x, y)


def test_block_permutation_moves_whole_blocks():
    # label every pixel by its block id: after permuting, each 8x8 block holds one id only
    ids = np.repeat(np.repeat(np.arange(16).reshape(4, 4), 8, 0), 8, 1).astype(np.uint8)
    out = block_permutation(np.stack([ids] * 20), 4, np.random.default_rng(2))
    for img in out:
        blocks = img.reshape(4, 8, 4, 8).swapaxes(1, 2).reshape(16, 64)
        assert (blocks == blocks[:, :1]).all()
        assert sorted(blocks[:, 0]) == list(range(16))


def test_block_permutation_never_identity():
    rng = np.random.default_rng(3)
    perms = _random_non_identity_permutations(5000, 4, rng)  # identity has chance 1/24
    assert not (perms == np.arange(4)).all(axis=1).any()
    assert all(sorted(p) == [0, 1, 2, 3] for p in perms[:100])
    # distinct blocks everywhere: every output must differ from its input
    ids = np.repeat(np.repeat(np.arange(4).reshape(2, 2), 2, 0), 2, 1).astype(np.uint8)
    out = block_permutation(np.stack([ids] * 500), 2, np.random.default_rng(4))
    assert (out != ids).reshape(500, -1).any(axis=1).all()


def test_block_permutation_size_not_divisible_keeps_border():
    x = _images(n=10, h=30, w=29)
    y = block_permutation(x, 4, np.random.default_rng(5))  # blocks 7x7, grid covers 28x28
    assert y.shape == x.shape
    assert np.array_equal(y[:, 28:], x[:, 28:]) and np.array_equal(y[:, :, 28:], x[:, :, 28:])
    assert not np.array_equal(y[:, :28, :28], x[:, :28, :28])


def test_block_permutation_is_deterministic():
    x = _images()
    a = block_permutation(x, 8, np.random.default_rng(7))
    b = block_permutation(x, 8, np.random.default_rng(7))
    c = block_permutation(x, 8, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(a, block_permutation(x, 8, 7))  # int seeds work too


def test_block_permutation_changed_fraction_grows_with_n():
    x = _images(n=300)
    fractions = [_changed_fraction(x, block_permutation(x, n, np.random.default_rng(0)))
                 for n in (2, 4, 8)]
    # expected moved share is 1 - E[fixed blocks] / N^2 = 1 - 1/N^2 (conditioned on not identity)
    assert fractions[0] < fractions[1] < fractions[2]
    assert 0.6 < fractions[0] < 0.9 and fractions[2] > 0.95


@pytest.mark.parametrize("bad", [1, 0, 33, 2.5, True])
def test_block_permutation_rejects_bad_n(bad):
    with pytest.raises(ValueError):
        block_permutation(_images(n=2), bad, np.random.default_rng(0))


def test_anomalies_reject_bad_inputs():
    with pytest.raises(TypeError):
        block_permutation(_images(n=2).astype(np.float32), 2, 0)
    with pytest.raises(ValueError):
        block_permutation(np.zeros((2, 8, 8, 4), np.uint8), 2, 0)
    with pytest.raises(TypeError):
        strokes(_images(n=2), 3, rng="seed")


# ---------------------------------------------------------------- strokes
@pytest.mark.parametrize("colour", [True, False])
def test_strokes_shape_dtype_and_one_colour_per_image(colour):
    x = _images(colour=colour)
    y, mask = strokes(x, 3, np.random.default_rng(0), return_mask=True)
    assert y.shape == x.shape and y.dtype == np.uint8 and mask.shape == x.shape[:3]
    assert np.array_equal(y[~mask], x[~mask])  # unpainted pixels untouched
    for img, m in zip(y, mask):
        assert m.any()
        painted = img[m]
        assert (painted == painted[0]).all()  # one colour per image


def test_strokes_horizontal_segment_by_hand():
    # A stroke from (y, x) = (4, 1) to (4, 6) with thickness 3 paints the pixel centres within
    # 1.5 of the segment: rows 3..5 over columns 1..6 (distance <= 1), and by the round caps
    # columns 0 and 7 of rows 3..5 (distance 1 on row 4, sqrt(2) = 1.41 on rows 3 and 5).
    # Rows 2 and 6 are at distance 2, column 8 at distance >= 2: not painted.
    from svddlib.data.anomalies import _paint_mask

    starts = np.array([[[4.0, 1.0]]], np.float32)
    ends = np.array([[[4.0, 6.0]]], np.float32)
    mask = _paint_mask(starts, ends, np.array([[True]]), 9, 9, 1.5)[0]
    expected = np.zeros((9, 9), bool)
    expected[3:6, 0:8] = True
    assert np.array_equal(mask, expected)


def test_strokes_deterministic_and_seed_dependent():
    x = _images()
    a = strokes(x, 5, np.random.default_rng(3))
    assert np.array_equal(a, strokes(x, 5, np.random.default_rng(3)))
    assert not np.array_equal(a, strokes(x, 5, np.random.default_rng(4)))


def test_strokes_changed_fraction_grows_with_thickness():
    x = _images(n=200)
    masks = [strokes(x, m, np.random.default_rng(0), return_mask=True)[1] for m in (1, 3, 5, 9)]
    fractions = [m.mean() for m in masks]
    assert fractions == sorted(fractions) and fractions[0] < fractions[-1] / 3
    for thin, thick in zip(masks, masks[1:]):  # same geometry: a thicker stroke covers more
        assert not (thin & ~thick).any()


def test_strokes_values_in_range_and_count_option():
    x = np.zeros((50, 16, 16, 3), np.uint8)
    y, mask = strokes(x, 1, 0, n_strokes=(1, 1), length=(0.5, 0.5), return_mask=True)
    assert y.min() >= 0 and y.max() <= 255
    # one segment of length 8 at thickness 1 paints roughly 8..12 pixels (less if it leaves)
    assert (mask.sum(axis=(1, 2)) <= 14).all()


def test_make_anomalies_dispatches():
    x = _images(n=4)
    assert np.array_equal(make_anomalies(x, "block_permutation", 2, 0), block_permutation(x, 2, 0))
    assert np.array_equal(make_anomalies(x, "strokes", 2, 0), strokes(x, 2, 0))
    with pytest.raises(ValueError):
        make_anomalies(x, "rotation", 2, 0)
