"""Networks: output shapes, the bias switch, weight transfer from autoencoders, input checks."""
import warnings

import pytest
import torch
from torch import nn

from svddlib import models
from svddlib.models import resnet as resnet_mod


def _bias_like(model):
    return [n for n, p in model.named_parameters()
            if n.endswith("bias") or (n.endswith("weight") and p.ndim == 1)]


@pytest.mark.parametrize("cls, shape, p", [(models.LeNetMNIST, (1, 28, 28), 32),
                                           (models.LeNetCIFAR, (3, 32, 32), 128)])
def test_lenet_shapes_and_bias_switch(cls, shape, p):
    torch.manual_seed(0)
    net = cls()
    assert net(torch.randn(3, *shape)).shape == (3, p)
    assert _bias_like(net) == [] and models.count_bias_parameters(net) == 0
    assert all(not m.affine for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    with_bias = cls(bias=True, rep_dim=7)
    assert with_bias(torch.randn(2, *shape)).shape == (2, 7)
    names = _bias_like(with_bias)
    assert "fc.bias" in names and any(n.endswith("1.weight") for n in names)  # affine BN gamma
    assert all(m.affine for m in with_bias.modules() if isinstance(m, nn.BatchNorm2d))


def test_lenet_mnist_parameter_count_by_hand():
    # conv1 8*1*25 = 200, conv2 4*8*25 = 800, fc 4*7*7*32 = 6272 (no bias, no affine BN)
    assert sum(p.numel() for p in models.LeNetMNIST().parameters()) == 200 + 800 + 6272


def test_batchnorm_switch_and_activation_choice():
    net = models.LeNetMNIST(batchnorm=False, activation="sigmoid")
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert any(isinstance(m, nn.Sigmoid) for m in net.modules())
    assert any(isinstance(m, nn.Tanh) for m in models.LeNetCIFAR(activation="tanh").modules())
    with pytest.raises(ValueError, match="activation"):
        models.LeNetMNIST(activation="swish3")
    with pytest.raises(ValueError, match="rep_dim"):
        models.LeNetMNIST(rep_dim=0)


@pytest.mark.parametrize("ae_cls, shape", [(models.LeNetMNISTAutoencoder, (1, 28, 28)),
                                           (models.LeNetCIFARAutoencoder, (3, 32, 32))])
def test_autoencoder_reconstructs_shape_and_transfers_weights(ae_cls, shape):
    torch.manual_seed(0)
    ae = ae_cls(bias=True, rep_dim=16)
    x = torch.randn(2, *shape)
    assert ae(x).shape == x.shape
    net = ae.encoder_cls(bias=True, rep_dim=16)
    net.load_state_dict(ae.encoder.state_dict())  # strict: same architecture
    ae.eval(), net.eval()
    assert torch.equal(net(x), ae.encoder(x))
    assert _bias_like(ae_cls(bias=False)) == []


def test_wrong_input_shape_gives_clear_error():
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 1, 28, 28\)"):
        models.LeNetMNIST()(torch.zeros(2, 3, 32, 32))
    with pytest.raises(ValueError, match="LeNetCIFAR"):
        models.LeNetCIFAR()(torch.zeros(3, 32, 32))


@pytest.mark.parametrize("size", [32, 224])
def test_resnet_pooled_features(size):
    torch.manual_seed(0)
    net = models.resnet18_backbone(weights=None, bias=False, pooling=True).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, size, size)).shape == (1, 512)
    assert _bias_like(net) == []
    assert all(not m.affine for m in net.modules() if isinstance(m, nn.BatchNorm2d))


def test_resnet_without_pooling_and_projection():
    assert resnet_mod.resnet_feature_side(224) == 7 and resnet_mod.resnet_feature_side(32) == 1
    net = models.resnet18_backbone(pooling=False, input_size=32, rep_dim=10, bias=True).eval()
    with torch.no_grad():
        assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)
    assert net.feature_dim == 512 and "proj.bias" in _bias_like(net)
    big = models.resnet18_backbone(pooling=False, input_size=224)
    assert big.rep_dim == 512 * 7 * 7
    with pytest.raises(ValueError, match="224"):
        big(torch.zeros(1, 3, 32, 32))


def test_resnet_avg_pool_and_bad_options():
    assert models.resnet18_backbone(pooling="avg").pooling == "avg"
    with pytest.raises(ValueError, match="pooling"):
        models.resnet18_backbone(pooling="median")
    with pytest.raises(ValueError, match="weights"):
        models.resnet18_backbone(weights="coco")


def test_resnet_weights_fallback_warns(monkeypatch):
    import torchvision.models

    real = torchvision.models.resnet18

    def fake(weights=None, **kw):
        if weights is not None:
            raise OSError("no network")
        return real(weights=None, **kw)

    monkeypatch.setattr(torchvision.models, "resnet18", fake)
    with pytest.warns(RuntimeWarning, match="RANDOMLY INITIALISED"):
        net = models.resnet18_backbone(weights="imagenet")
    assert net.pretrained is False


def test_mlp_and_registry():
    net = models.build_model("mlp", in_features=5, hidden_dims=(4,), rep_dim=3)
    assert net(torch.randn(6, 5)).shape == (6, 3) and _bias_like(net) == []
    with pytest.raises(ValueError, match="unknown net"):
        models.build_model("vgg")
