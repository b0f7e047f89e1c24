"""Standard Deep SVDD with autoencoder pretraining (svddlib.baselines.pretrain)."""
import numpy as np
import pytest
import torch

from svddlib.baselines.pretrain import (default_pretrain_config, pretrained_deep_svdd_net,
                                        standard_deep_svdd_nets)
from svddlib.models import LeNetCIFAR, LeNetMNIST, count_bias_parameters

torch.set_num_threads(1)


def test_nets_are_chosen_by_image_shape_and_are_bias_free():
    net, ae = standard_deep_svdd_nets((1, 28, 28))
    assert isinstance(net, LeNetMNIST) and isinstance(ae.encoder, LeNetMNIST)
    assert count_bias_parameters(net) == 0 and count_bias_parameters(ae) == 0
    net, _ = standard_deep_svdd_nets((3, 32, 32), rep_dim=16)
    assert isinstance(net, LeNetCIFAR) and net.rep_dim == 16
    with pytest.raises(ValueError, match="shape"):
        standard_deep_svdd_nets((3, 64, 64))
    with pytest.raises(ValueError, match="net must be"):
        standard_deep_svdd_nets((1, 28, 28), net="vgg")


def test_encoder_weights_are_transferred_after_pretraining():
    cfg = {**default_pretrain_config("smoke"), "seed": 0, "device": "cpu", "ae_batch_size": 8}
    x = torch.rand(16, 1, 28, 28)
    net, losses = pretrained_deep_svdd_net(x, cfg)
    assert len(losses) == 1 and np.isfinite(losses[0])
    fresh, _ = standard_deep_svdd_nets((1, 28, 28))
    trained = net.state_dict()
    # every tensor of the Deep SVDD net came from the autoencoder, not from a fresh init
    changed = [k for k, v in fresh.state_dict().items()
               if v.dtype.is_floating_point and not torch.equal(v, trained[k])]
    assert changed
    # same seed -> same pretrained weights
    again, _ = pretrained_deep_svdd_net(x, cfg)
    for k, v in again.state_dict().items():
        assert torch.equal(v, trained[k])
