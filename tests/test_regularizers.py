"""Noise (Eq. (4)) and variance (Eq. (5)) regularizers against hand computations."""
import math

import pytest
import torch

from svddlib import regularizers as reg


def test_noise_loss_of_zero_logits_is_log2():
    g = torch.Generator().manual_seed(0)
    assert reg.noise_regularizer(torch.zeros(7, 5), g).item() == pytest.approx(math.log(2))


def test_noise_loss_by_hand_with_given_targets():
    logits = torch.tensor([[0.0, math.log(3.0)]])  # sigmoid(log 3) = 3/4
    # label 1: -log(1/2) = log 2 and -log(3/4) = log(4/3)
    loss = reg.noise_regularizer(logits, targets=torch.tensor([[1.0, 1.0]]))
    assert loss.item() == pytest.approx((math.log(2) + math.log(4 / 3)) / 2)
    # label 0 for the second task: -log(1 - 3/4) = log 4
    loss = reg.noise_regularizer(logits, targets=torch.tensor([[1.0, 0.0]]))
    assert loss.item() == pytest.approx((math.log(2) + math.log(4)) / 2)


def test_random_labels_fresh_uniform_and_seeded():
    g = torch.Generator().manual_seed(1)
    a = reg.random_binary_labels((200, 50), g)
    b = reg.random_binary_labels((200, 50), g)
    assert set(a.unique().tolist()) == {0.0, 1.0}
    assert abs(a.mean().item() - 0.5) < 0.02
    assert not torch.equal(a, b)  # drawn anew at every iteration
    again = reg.random_binary_labels((200, 50), torch.Generator().manual_seed(1))
    assert torch.equal(a, again)


def test_noise_head_shapes_and_k_check():
    head = reg.NoiseHead(p=3, k=4)
    assert head(torch.zeros(2, 3)).shape == (2, 4)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="k"):
            reg.NoiseHead(p=3, k=bad)


def test_minibatch_variance_by_hand():
    # feature 1: (1, 3), mean 2, unbiased var (1 + 1) / 1 = 2; feature 2: (2, 6) -> (4 + 4) / 1 = 8
    f = torch.tensor([[1.0, 2.0], [3.0, 6.0]])
    assert reg.minibatch_variance(f).item() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="2 samples"):
        reg.minibatch_variance(f[:1])


def test_variance_hinge_value_and_gradient():
    f = torch.tensor([[1.0, 2.0], [3.0, 6.0]], requires_grad=True)
    loss = reg.variance_regularizer(f, threshold=6.0)
    assert loss.item() == pytest.approx(1.0)  # 6 - 5
    loss.backward()
    # d/dphi_iq of -(1/p) sum_q var_q = -(1/p) * 2 (phi_iq - mean_q) / (n - 1)
    assert f.grad.flatten().tolist() == pytest.approx([1.0, 2.0, -1.0, -2.0])
    assert reg.variance_regularizer(f, threshold=4.0).item() == 0.0  # above threshold: no penalty


def test_variance_hinge_single_sample_is_zero():
    f = torch.ones(1, 3, requires_grad=True)
    loss = reg.variance_regularizer(f, 0.1)
    assert loss.item() == 0.0
    loss.backward()


def test_annealing_schedule():
    got = [reg.variance_threshold(e, d0=0.1, r=3) for e in range(7)]
    assert got == pytest.approx([0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001])
    assert reg.variance_threshold(2, d0=1.0, r=1) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="r"):
        reg.variance_threshold(0, r=0)
    with pytest.raises(ValueError, match="d0"):
        reg.variance_threshold(0, d0=0.0)
