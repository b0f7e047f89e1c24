"""EfficientNet-Lite0 backbone: offline ImageNet weights, the bias switch, pooling, the split
into a frozen front and a trainable tail, the split learning rate, the feature extractor."""
import socket

import numpy as np
import pytest
import torch
from torch import nn

from svddlib import models
from svddlib.models import efficientnet as eff

torch.set_num_threads(1)


def _bias_like(model):
    return [n for n, p in model.named_parameters()
            if n.endswith("bias") or (n.endswith("weight") and p.ndim == 1)]


def test_weights_load_offline_with_weights_only(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("EfficientNet-Lite0 tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    state = torch.load(eff.weights_path(), map_location="cpu", weights_only=True)
    net = models.EfficientNetLite0Backbone(bias=True, pooling="avg")
    assert net.pretrained
    stem = net.layers[1][0].weight
    assert torch.equal(stem, state["_conv_stem.weight"])
    random = models.EfficientNetLite0Backbone(weights=None, bias=True)
    assert not random.pretrained and not torch.equal(random.layers[1][0].weight, stem)


def test_matches_the_package_network_with_imagenet_normalisation():
    from efficientnet_lite_pytorch import EfficientNet

    ref = EfficientNet.from_name("efficientnet-lite0", image_size=None)
    ref.load_state_dict(torch.load(eff.weights_path(), weights_only=True))
    net = models.EfficientNetLite0Backbone(bias=True, pooling="avg", input_size=32).eval()
    x = torch.rand(2, 3, 32, 32)
    mean, std = torch.tensor(eff.IMAGENET_MEAN), torch.tensor(eff.IMAGENET_STD)
    with torch.no_grad():
        expected = ref.eval().extract_features((x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1))
        assert torch.allclose(net(x), expected.mean((2, 3)), atol=1e-5)


def test_bias_free_has_no_learnable_constant():
    net = models.EfficientNetLite0Backbone(bias=False, rep_dim=8, input_size=32).eval()
    assert _bias_like(net) == [] and models.count_bias_parameters(net) == 0
    assert all(not m.affine for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    with_bias = models.EfficientNetLite0Backbone(bias=True, rep_dim=8, input_size=32)
    names = _bias_like(with_bias)
    assert "layers.21.bias" in names and any(n.endswith("1.bias") for n in names)
    assert all(m.affine for m in with_bias.modules() if isinstance(m, nn.BatchNorm2d))


@pytest.mark.parametrize("pooling, dim", [(True, 1280), ("avg", 1280), (False, 1280 * 2 * 2)])
def test_pooling_resize_and_grey_input(pooling, dim):
    net = models.EfficientNetLite0Backbone(pooling=pooling, input_size=64).eval()
    assert net.rep_dim == dim
    with torch.no_grad():
        grey = torch.rand(2, 1, 28, 28)
        assert net(grey).shape == (2, dim)  # resized inside, grey repeated to RGB
        assert torch.allclose(net(grey), net(grey.expand(-1, 3, -1, -1)))
    with pytest.raises(ValueError, match="1 or 3"):
        net(torch.zeros(1, 2, 28, 28))
    with pytest.raises(ValueError, match="pooling"):
        models.EfficientNetLite0Backbone(pooling="median")
    with pytest.raises(ValueError, match="weights"):
        models.EfficientNetLite0Backbone(weights="coco")


def test_split_front_and_tail_compose_to_the_network():
    net = models.EfficientNetLite0Backbone(bias=True, rep_dim=4, input_size=32).eval()
    x = torch.rand(3, 3, 32, 32)
    for n in (0, 2, 16):
        front, tail = net.split(n)
        with torch.no_grad():
            assert torch.allclose(tail(front(x)), net(x), atol=1e-6)
    with pytest.raises(ValueError, match="n_trainable_blocks"):
        net.split(17)


def test_split_learning_rate_head_ten_times_the_body():
    net = models.EfficientNetLite0Backbone(rep_dim=4, input_size=32)
    body, head = net.param_groups(1e-4)
    assert head["lr"] == pytest.approx(eff.HEAD_LR_FACTOR * 1e-4) and body["lr"] == 1e-4
    assert [p.shape for p in head["params"]] == [(4, 1280)]
    assert len(body["params"]) + 1 == len(list(net.parameters()))
    assert len(models.EfficientNetLite0Backbone(input_size=32).param_groups(1e-4)) == 1


def test_fast_path_model_freezes_the_exact_imagenet_front():
    model = eff.fast_path_model(2, bias=False, rep_dim=4, input_size=32)
    front, tail = model
    assert not any(p.requires_grad for p in front.parameters())
    assert all(m.affine for m in front.modules() if isinstance(m, nn.BatchNorm2d))
    assert models.count_bias_parameters(tail) == 0 and len(tail.param_groups(1e-3)) == 2


def test_feature_extractor_is_the_frozen_imagenet_network():
    images = np.random.default_rng(0).random((3, 3, 32, 32), dtype=np.float32)
    feats = models.efficientnet_lite0_features(images, pooling="avg", input_size=32,
                                               batch_size=2)
    net = models.EfficientNetLite0Backbone(bias=True, pooling="avg", input_size=32).eval()
    with torch.no_grad():
        assert np.allclose(feats, net(torch.tensor(images)).numpy(), atol=1e-6)
    assert feats.shape == (3, 1280) and feats.dtype == np.float32
