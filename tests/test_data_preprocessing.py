"""GCN + min-max (LeNet path), ImageNet normalisation (ResNet path), tensors, gallery figure."""
import numpy as np
import pytest
import torch

from svddlib.data import (ADData, ADSplit, anomaly_gallery, fit_preprocessing,
                          global_contrast_normalization, to_tensor, to_tensors)


def test_gcn_by_hand():
    # [0, 0, 0, 4]: mean 1 -> [-1, -1, -1, 3]; mean |.| = 6 / 4 = 1.5 -> [-2/3, -2/3, -2/3, 2]
    x = torch.tensor([[0.0, 0.0, 0.0, 4.0], [1.0, 3.0, 1.0, 3.0]])
    out = global_contrast_normalization(x)
    # [1, 3, 1, 3]: mean 2 -> [-1, 1, -1, 1]; mean |.| = 1 -> unchanged
    expected = torch.tensor([[-2 / 3, -2 / 3, -2 / 3, 2.0], [-1.0, 1.0, -1.0, 1.0]])
    assert torch.allclose(out, expected)
    assert torch.equal(global_contrast_normalization(torch.ones(1, 3)), torch.zeros(1, 3))


def test_gcn_minmax_stats_come_from_train_only():
    # train image pixels (grey, 1x2): [0, 255] -> GCN [-1, 1]; [0, 0]: constant -> [0, 0]
    train = np.array([[[0, 255]], [[0, 0]]], np.uint8)
    stats = fit_preprocessing(train)
    assert (stats.lo, stats.hi) == pytest.approx((-1.0, 1.0))
    # a test image [0, 0, 0, 255] (1x4) gives GCN [-2/3]*3 + [2]; scaled by the *train*
    # range: (v + 1) / 2 -> [1/6, 1/6, 1/6, 3/2] (values outside [0, 1] are allowed)
    test = np.array([[[0, 0, 0, 255]]], np.uint8)
    out = to_tensor(test, "gcn-minmax", stats)
    assert out.shape == (1, 1, 1, 4) and out.dtype == torch.float32
    assert torch.allclose(out.flatten(), torch.tensor([1 / 6, 1 / 6, 1 / 6, 1.5]))
    with pytest.raises(ValueError, match="fit_preprocessing"):
        to_tensor(test, "gcn-minmax")


def test_imagenet_and_none_by_hand():
    img = np.zeros((1, 1, 1, 3), np.uint8)
    img[0, 0, 0] = (255, 0, 51)
    out = to_tensor(img, "imagenet")
    expected = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.2 - 0.406) / 0.225]
    assert out.shape == (1, 3, 1, 1)
    assert torch.allclose(out.flatten(), torch.tensor(expected), atol=1e-6)
    grey = to_tensor(np.full((2, 3, 3), 255, np.uint8), "imagenet")
    assert grey.shape == (2, 3, 3, 3)  # grey repeated to three channels
    plain = to_tensor(img, "none")
    assert torch.allclose(plain.flatten(), torch.tensor([1.0, 0.0, 0.2]))
    with pytest.raises(ValueError):
        to_tensor(img, "zca")


def test_to_tensors_layout_and_range():
    rng = np.random.default_rng(0)
    split = lambda n: ADSplit(rng.integers(0, 256, (n, 5, 6, 3), dtype=np.uint8),
                              np.zeros(n, np.int64))
    data = ADData("toy", split(20), split(8), split(8))
    tensors, stats = to_tensors(data, "gcn-minmax")
    assert tensors["train"].shape == (20, 3, 5, 6)
    assert tensors["train"].min().item() == pytest.approx(0.0, abs=1e-6)
    assert tensors["train"].max().item() == pytest.approx(1.0, abs=1e-6)
    # channel order: NCHW channel c equals the HWC image's channel c
    plain = to_tensor(data.val, "none")
    assert torch.allclose(plain[2, 1], torch.from_numpy(data.val.images[2, :, :, 1]) / 255.0)


def test_gallery_returns_figure_with_grid():
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    imgs = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    fig = anomaly_gallery(imgs, n_images=2)
    try:
        assert isinstance(fig, Figure)
        assert len(fig.axes) == 2 * 7
        assert fig.axes[0].get_title() == "natural"
        assert fig.axes[1].get_title() == "block perm. N=2"
    finally:
        plt.close(fig)
    with pytest.raises(ValueError):
        anomaly_gallery(imgs, n_images=9)
