"""DeepSVDD on images as users have them, and with the pretrained EfficientNet-Lite0 backbone
(issue 19): input conversion, the fast path and full fine-tuning, regularizers, pickling."""
import pickle

import numpy as np
import pytest
import torch

from svddlib.detector import DeepSVDD, as_image_tensor
from svddlib.models import count_bias_parameters

torch.set_num_threads(1)
PRETRAINED = dict(net="efficientnet-lite0", input_size=32, rep_dim=8, n_epochs=1,
                  batch_size=8, random_state=0)


def _images(n=16, seed=0, channels=3):
    shape = (n, 20, 20, channels) if channels else (n, 20, 20)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_as_image_tensor_layouts():
    rgb = _images(4)
    x = as_image_tensor(rgb)
    assert x.shape == (4, 3, 20, 20) and x.dtype == torch.float32
    assert torch.equal(x[1, 2], torch.tensor(rgb[1, :, :, 2] / 255.0, dtype=torch.float32))
    assert as_image_tensor(_images(4, channels=0)).shape == (4, 1, 20, 20)
    assert torch.equal(as_image_tensor(x), x) and torch.equal(as_image_tensor(x.numpy()), x)
    assert as_image_tensor(x[:, :1, :, :].squeeze(1)).shape == (4, 1, 20, 20)


@pytest.mark.parametrize("bad, match", [
    (np.zeros(10), r"shape \(10,\)"), (np.zeros((4, 7)), "images"),
    (np.zeros((4, 2, 20, 20), np.float32), "1 or 3 channels"),
    (np.zeros((4, 20, 20, 3), np.float32), "channels last"),
    (np.zeros((4, 20, 20, 5), np.uint8), "1 or 3 channels"),
    (np.array([["a"]] * 3), "numeric"),
    (np.full((2, 1, 4, 4), np.nan, np.float32), "NaN")])
def test_bad_image_input_is_a_one_line_error(bad, match):
    with pytest.raises(ValueError, match=match) as err:
        as_image_tensor(bad)
    assert "\n" not in str(err.value)


def test_uint8_hwc_and_float_nchw_give_identical_scores():
    rgb = _images(16)
    det = DeepSVDD(**PRETRAINED).fit(rgb)
    floats = torch.tensor(rgb).permute(0, 3, 1, 2).float() / 255
    assert np.array_equal(det.anomaly_score(rgb), det.anomaly_score(floats))
    again = DeepSVDD(**PRETRAINED).fit(floats.numpy())
    assert np.allclose(again.anomaly_score(rgb), det.anomaly_score(rgb), rtol=1e-5)
    with pytest.raises(ValueError, match="3-channel images, but DeepSVDD was fitted on 1"):
        DeepSVDD(**PRETRAINED).fit(_images(8, channels=0)).anomaly_score(rgb)


@pytest.mark.parametrize("finetune, bias", [("last", False), ("full", False), ("last", True)])
def test_pretrained_fast_and_full_paths_train(finetune, bias):
    det = DeepSVDD(**PRETRAINED, finetune=finetune, bias=bias).fit(_images(16))
    trained = det.model_[1] if finetune == "last" else det.model_
    assert (count_bias_parameters(trained) == 0) == (not bias)
    before = DeepSVDD(**{**PRETRAINED, "n_epochs": 1}, finetune=finetune, bias=bias)
    fresh = before._new_model((3, 20, 20))
    changed = [not torch.equal(a, b) for a, b in zip(fresh.parameters(), det.model_.parameters())]
    assert any(changed)
    if finetune == "last":  # the frozen front keeps its ImageNet weights
        n_front = len(list(fresh[0].parameters()))
        assert not any(changed[:n_front])
    assert det.anomaly_score(_images(5, seed=1)).shape == (5,)


@pytest.mark.parametrize("regularizer", ["noise", "variance"])
def test_regularizers_work_with_the_pretrained_backbone(regularizer):
    det = DeepSVDD(**{**PRETRAINED, "n_epochs": 2}, regularizer=regularizer, k=4)
    det.fit(_images(16), validation_data=(_images(8, seed=2), np.r_[[0] * 4, [1] * 4]))
    assert len(det.history_) == 2 and np.isfinite(det.history_[-1]["l_reg"])
    assert det.best_epoch_ in (1, 2)


def test_fitted_pretrained_detector_pickles_with_identical_scores():
    det = DeepSVDD(**PRETRAINED).fit(_images(16))
    back = pickle.loads(pickle.dumps(det))
    x = _images(6, seed=3)
    assert np.array_equal(back.anomaly_score(x), det.anomaly_score(x))
    assert np.array_equal(back.predict(x), det.predict(x))


def test_pretrained_defaults_and_options():
    det = DeepSVDD(net="efficientnet-lite0")
    assert det._option("weights") == "imagenet" and det._lr() == 3e-5 and det._fast_path()
    with pytest.raises(ValueError, match="finetune"):
        DeepSVDD(**PRETRAINED, finetune="some").fit(_images(4))
    with pytest.raises(ValueError, match="input_size=32 does not apply to net='lenet-mnist'"):
        DeepSVDD(net="lenet-mnist", input_size=32).fit(_images(4, channels=0))


def test_frozen_bn_stats_keep_the_pretrained_statistics_and_knn_pickles():
    """bn_stats='frozen': training leaves the BatchNorm running statistics as they were
    (they move with 'update'); a kNN-scoring detector pickles with identical scores."""
    def stats(det):
        return [b.clone() for n, b in det.model_[1].named_buffers() if "running_mean" in n]

    kw = {**PRETRAINED, "rep_dim": None}
    untrained = DeepSVDD(**kw)._new_model((3, 20, 20))
    before = [b for n, b in untrained[1].named_buffers() if "running_mean" in n]
    frozen = DeepSVDD(**kw, bn_stats="frozen", scoring="knn").fit(_images(16))
    moved = DeepSVDD(**kw).fit(_images(16))
    assert all(torch.equal(a, b) for a, b in zip(before, stats(frozen)))
    assert not all(torch.equal(a, b) for a, b in zip(before, stats(moved)))
    back = pickle.loads(pickle.dumps(frozen))
    x = _images(6, seed=3)
    assert np.array_equal(back.anomaly_score(x), frozen.anomaly_score(x))
    with pytest.raises(ValueError, match="bn_stats must be one of"):
        DeepSVDD(**kw, bn_stats="fixed").fit(_images(4))
    with pytest.raises(ValueError, match="bn_stats='frozen' does not apply to net='mlp'"):
        DeepSVDD(net="mlp", bn_stats="frozen").fit(np.zeros((4, 3), np.float32))
