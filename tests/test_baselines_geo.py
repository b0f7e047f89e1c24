"""GEO: the 72 geometric transformations and the transformation-classifier detector."""
import math

import numpy as np
import pytest
import torch

from svddlib.baselines.geo import (GEO_SHIFT, GEODetector, GeoTransform, SmallTransformNet,
                                   all_transformations, apply_transformations,
                                   geometric_transformations, reflect_index,
                                   transformation_index_maps)

torch.set_num_threads(1)

# a 4x4 ramp: value = 4 * row + column, asymmetric under every flip / rotation / shift
RAMP = np.arange(16).reshape(1, 4, 4)


def _index(transform: GeoTransform, shift: int = 1) -> int:
    return geometric_transformations(shift).index(transform)


def test_there_are_72_distinct_transformations_with_identity_first():
    ts = geometric_transformations()
    assert len(ts) == 72 and len(set(ts)) == 72
    assert ts[0] == GeoTransform(False, 0, 0, 0)
    assert {t.tx for t in ts} == {0, -GEO_SHIFT, GEO_SHIFT} == {t.ty for t in ts}
    assert {t.k for t in ts} == {0, 1, 2, 3} and {t.flip for t in ts} == {False, True}


def test_reflect_index_mirrors_with_edge_repeated():
    # size 4: ... 1 0 | 0 1 2 3 | 3 2 ...
    np.testing.assert_array_equal(reflect_index(np.arange(-2, 6), 4), [1, 0, 0, 1, 2, 3, 3, 2])


@pytest.mark.parametrize("transform, expected", [
    (GeoTransform(False, 0, 0, 0), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]),
    # one counter-clockwise quarter turn: the last column becomes the first row
    (GeoTransform(False, 0, 0, 1), [[3, 7, 11, 15], [2, 6, 10, 14], [1, 5, 9, 13], [0, 4, 8, 12]]),
    (GeoTransform(False, 0, 0, 2), [[15, 14, 13, 12], [11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1, 0]]),
    # left-right mirror
    (GeoTransform(True, 0, 0, 0), [[3, 2, 1, 0], [7, 6, 5, 4], [11, 10, 9, 8], [15, 14, 13, 12]]),
    # mirror then a quarter turn = transpose
    (GeoTransform(True, 0, 0, 1), [[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]]),
    # content one pixel down; the top row is the mirror image of row 0 (= row 0)
    (GeoTransform(False, 0, 1, 0), [[0, 1, 2, 3], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]),
    # content one pixel left; the last column repeats column 3
    (GeoTransform(False, -1, 0, 0), [[1, 2, 3, 3], [5, 6, 7, 7], [9, 10, 11, 11],
                                     [13, 14, 15, 15]]),
    # mirror, one pixel right, then a half turn
    (GeoTransform(True, 1, 0, 2), [[13, 14, 15, 15], [9, 10, 11, 11], [5, 6, 7, 7], [1, 2, 3, 3]]),
    # one pixel down, then a quarter turn
    (GeoTransform(False, 0, 1, 1), [[3, 3, 7, 11], [2, 2, 6, 10], [1, 1, 5, 9], [0, 0, 4, 8]]),
])
def test_hand_checked_transformations_of_a_ramp(transform, expected):
    out = apply_transformations(RAMP, _index(transform), shift=1)
    np.testing.assert_array_equal(out[0], expected)


def test_all_72_outputs_distinct_on_an_asymmetric_image():
    image = torch.from_numpy(np.random.default_rng(0).random((1, 1, 32, 32)).astype(np.float32))
    copies = all_transformations(image)
    assert copies.shape == (1, 72, 1, 32, 32)
    assert len({c.numpy().tobytes() for c in copies[0]}) == 72
    assert torch.equal(copies[0, 0], image[0])
    # the 8 flip/rotation-only transformations permute the pixels
    for j, t in enumerate(geometric_transformations()):
        if t.tx == 0 and t.ty == 0:
            assert torch.equal(copies[0, j].flatten().sort().values, image.flatten().sort().values)


def test_translation_by_8_matches_a_padded_crop():
    x = np.random.default_rng(1).random((2, 3, 32, 32))
    j = geometric_transformations().index(GeoTransform(False, 8, -8, 0))
    out = apply_transformations(x, j)
    padded = np.pad(x, ((0, 0), (0, 0), (8, 8), (8, 8)), mode="symmetric")
    # content 8 px right and 8 px up: output[r, c] = input[r + 8, c - 8]
    np.testing.assert_array_equal(out, padded[:, :, 16:48, 0:32])


def test_per_image_ids_match_single_transformations_and_numpy_matches_torch():
    rng = np.random.default_rng(2)
    x = rng.random((5, 2, 16, 16)).astype(np.float32)
    ids = np.array([0, 7, 36, 71, 50])
    batch = apply_transformations(torch.from_numpy(x), torch.from_numpy(ids))
    for i, j in enumerate(ids):
        np.testing.assert_array_equal(batch[i].numpy(), apply_transformations(x[i:i + 1], j)[0])
    grey = rng.random((3, 16, 16))
    assert apply_transformations(grey, 5).shape == grey.shape


def test_index_maps_shape_and_errors():
    assert transformation_index_maps(8, 8, 2).shape == (72, 64)
    with pytest.raises(ValueError, match="square"):
        transformation_index_maps(8, 6)
    with pytest.raises(ValueError, match="one transformation id per image"):
        apply_transformations(np.zeros((3, 8, 8)), [0, 1])
    with pytest.raises(ValueError, match=r"\[0, 72\)"):
        apply_transformations(np.zeros((1, 8, 8)), 72)
    with pytest.raises(ValueError, match="shift"):
        geometric_transformations(0)


def test_small_net_output_shape():
    net = SmallTransformNet(3, 72, width=4)
    assert net(torch.zeros(2, 3, 16, 16)).shape == (2, 72)


def test_geo_detector_end_to_end_tiny():
    rng = np.random.default_rng(3)
    train = torch.from_numpy(rng.random((6, 1, 16, 16)).astype(np.float32))
    test = torch.from_numpy(rng.random((4, 1, 16, 16)).astype(np.float32))
    det = GEODetector(arch="small", width=4, shift=4, max_steps=3, seed=0).fit(train)
    assert det.n_epochs == math.ceil(200 / 72) == 3
    assert det.alphas.shape == (72, 72) and (det.alphas > 0).all()
    scores = det.score_samples(test)
    assert scores.shape == (4,) and np.isfinite(scores).all()
    np.testing.assert_allclose(scores, -det.normality_scores(test))
    # same seed -> same scores
    again = GEODetector(arch="small", width=4, shift=4, max_steps=3, seed=0).fit(train)
    np.testing.assert_allclose(again.score_samples(test), scores, rtol=1e-5)
    simple = GEODetector(arch="small", width=4, shift=4, max_steps=1, score="simple").fit(train)
    assert np.isfinite(simple.score_samples(test)).all()


def test_geo_detector_learns_and_scores_transformed_images_as_anomalous():
    # normal images: a bright blob in the upper-left corner (clear orientation); anomalies:
    # the same images upside down. A classifier that learnt the transformations must give
    # the anomalies higher scores.
    rng = np.random.default_rng(4)
    x = rng.random((40, 1, 12, 12)).astype(np.float32) * 0.2
    x[:, :, 1:5, 1:6] += 1.0
    normal, anomalous = torch.from_numpy(x[:30]), torch.from_numpy(x[30:, :, ::-1].copy())
    det = GEODetector(arch="small", width=8, shift=2, n_epochs=1, lr=3e-3, batch_size=64,
                      score="simple", seed=0).fit(normal)
    assert det.history[-1]["loss"] < math.log(72)
    s_normal = det.score_samples(torch.from_numpy(x[20:30]))
    s_anomalous = det.score_samples(anomalous)
    assert s_anomalous.mean() > s_normal.mean()


def test_geo_detector_bad_input():
    with pytest.raises(ValueError, match="score"):
        GEODetector(score="max")
    with pytest.raises(TypeError, match="float"):
        GEODetector(max_steps=1).fit(torch.zeros(4, 1, 8, 8, dtype=torch.uint8))
    with pytest.raises(RuntimeError, match="fit"):
        GEODetector().score_samples(torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="architecture"):
        GEODetector(arch="vgg", max_steps=1).fit(torch.zeros(4, 1, 8, 8))


def test_resnet18_classifier_accepts_small_grey_images():
    from svddlib.baselines.geo import geo_classifier

    net = geo_classifier("resnet18", in_channels=1, weights=None).eval()
    with torch.no_grad():
        assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 72)
