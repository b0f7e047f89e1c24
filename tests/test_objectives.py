"""Deep SVDD objectives (Eq. (1)-(3) of Chong et al. 2020) against hand computations."""
import math

import pytest
import torch
from torch import nn

from svddlib import objectives as obj

# Two samples, two features, centre c = (1, 0):
#   ||(1,2)-(1,0)||^2 = 0 + 4 = 4,   ||(3,1)-(1,0)||^2 = 4 + 1 = 5
FEATURES = torch.tensor([[1.0, 2.0], [3.0, 1.0]])
CENTER = torch.tensor([1.0, 0.0])


def test_squared_distances_by_hand():
    assert obj.squared_distances(FEATURES, CENTER).tolist() == [4.0, 5.0]


def test_one_class_loss_is_mean_distance():
    assert obj.one_class_loss(FEATURES, CENTER).item() == pytest.approx((4 + 5) / 2)


def test_soft_boundary_loss_by_hand():
    # R = 2, nu = 0.5: 4 + 1/(0.5*2) * (max(0, 4-4) + max(0, 5-4)) = 4 + 1 = 5
    assert obj.soft_boundary_loss(FEATURES, CENTER, 2.0, 0.5).item() == pytest.approx(5.0)
    # R = 1, nu = 1: 1 + (3 + 4) / 2 = 4.5
    assert obj.soft_boundary_loss(FEATURES, CENTER, 1.0, 1.0).item() == pytest.approx(4.5)


def test_soft_boundary_gradient_only_from_violators():
    f = FEATURES.clone().requires_grad_(True)
    obj.soft_boundary_loss(f, CENTER, 2.0, 0.5).backward()
    # sample 0 sits on the sphere (no violation); sample 1 gets 1/(nu n) * 2 (phi - c)
    # = 1/(0.5 * 2) * 2 * (2, 1) = (4, 2)
    assert f.grad.tolist() == [[0.0, 0.0], [4.0, 2.0]]


def test_semi_supervised_loss_by_hand():
    # unlabeled 4, labeled anomaly eta * (5 + 0)^-1 = 0.2 -> mean 2.1
    loss = obj.semi_supervised_loss(FEATURES, CENTER, torch.tensor([0, -1]), eta=1.0, eps=0.0)
    assert loss.item() == pytest.approx(2.1)
    # labeled normal 2 * (4 + 1) = 10, labeled anomaly 2 / (5 + 1) = 1/3 -> mean 31/6
    loss = obj.semi_supervised_loss(FEATURES, CENTER, torch.tensor([1, -1]), eta=2.0, eps=1.0)
    assert loss.item() == pytest.approx(31 / 6)


def test_semi_supervised_without_labels_is_one_class():
    loss = obj.semi_supervised_loss(FEATURES, CENTER, torch.tensor([0, 0]), eta=3.0)
    assert loss.item() == pytest.approx(4.5)


def test_svdd_loss_dispatch():
    assert obj.svdd_loss(FEATURES, CENTER).item() == pytest.approx(4.5)
    assert obj.svdd_loss(FEATURES, CENTER, "soft-boundary", 2.0, 0.5).item() == pytest.approx(5.0)
    sb_zero_labels = obj.svdd_loss(FEATURES, CENTER, "soft-boundary", 2.0, 0.5, torch.tensor([0, 0]))
    assert sb_zero_labels.item() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="one-class"):
        obj.svdd_loss(FEATURES, CENTER, "soft-boundary", 2.0, 0.5, torch.tensor([0, -1]))
    with pytest.raises(ValueError, match="objective"):
        obj.svdd_loss(FEATURES, CENTER, "hard-boundary")


def test_eps_trick_pushes_small_coordinates():
    c = obj.push_away_from_zero(torch.tensor([0.05, -0.05, 0.0, 0.3, -0.2]), eps=0.1)
    assert c.tolist() == pytest.approx([0.1, -0.1, 0.1, 0.3, -0.2])


def test_init_center_mean_in_eval_mode_with_eps():
    lin = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.eye(2))
    model = nn.Sequential(lin, nn.Dropout(p=0.999))  # train mode would zero almost everything
    data = torch.tensor([[1.0, 0.1], [3.0, -0.2]])  # mean (2, -0.05) -> (2, -0.1)
    c = obj.init_center(model, data, eps=0.1, batch_size=1)
    assert c.tolist() == pytest.approx([2.0, -0.1])
    assert model.training  # mode restored


def test_init_center_accepts_loader_of_tuples():
    lin = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        lin.weight.fill_(2.0)
    loader = [(torch.tensor([[1.0]]), 0), (torch.tensor([[2.0]]), 0)]
    assert obj.init_center(lin, loader).tolist() == pytest.approx([3.0])


def test_radius_is_quantile_of_unsquared_distances():
    sq = torch.tensor([0.0, 1.0, 4.0, 9.0, 16.0])  # distances 0..4
    assert obj.radius_quantile(sq, 0.25) == pytest.approx(3.0)   # position 0.75 * 4 = 3
    assert obj.radius_quantile(sq, 0.1) == pytest.approx(3.6)    # between 3 and 4
    assert obj.radius_quantile(sq, 1.0) == pytest.approx(0.0)


def test_anomaly_scores():
    d = torch.tensor([4.0, 5.0])
    assert obj.anomaly_scores(d).tolist() == [4.0, 5.0]
    assert obj.anomaly_scores(d, 2.0, "soft-boundary").tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="radius"):
        obj.anomaly_scores(d, None, "soft-boundary")


@pytest.mark.parametrize("nu", [0, -0.1, 1.5, float("nan"), "0.1"])
def test_bad_nu_rejected(nu):
    with pytest.raises(ValueError, match="nu"):
        obj.soft_boundary_loss(FEATURES, CENTER, 1.0, nu)


def test_shape_mismatch_rejected():
    with pytest.raises(ValueError, match="center"):
        obj.squared_distances(FEATURES, torch.zeros(3))
    with pytest.raises(ValueError, match="semi_labels"):
        obj.semi_supervised_loss(FEATURES, CENTER, torch.tensor([0, 0, 1]))
    with pytest.raises(ValueError, match="eta"):
        obj.semi_supervised_loss(FEATURES, CENTER, torch.tensor([0, 1]), eta=0.0)
    assert math.isfinite(obj.one_class_loss(FEATURES, CENTER).item())
