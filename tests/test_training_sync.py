"""The training step does not wait for the device: the adaptive weight c_t (Eq. 7) and the radius
stay tensors, and the NaN check runs every few steps on a GPU; the results do not change."""
import math
import sys

import pytest
import torch
from torch import nn

from svddlib import training
from svddlib.training import TrainConfig, train
from svddlib.weighting import AdaptiveWeight
from test_training import _NaNAfter  # tests/ is on sys.path (pytest's rootdir insertion)

QUIET = {"progress": False, "device": "cpu", "batch_size": 16, "lr": 1e-2}


def _data(n=100, d=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    x, xv = torch.randn(n, d, generator=g), torch.randn(40, d, generator=g)
    return x, (xv, (torch.arange(40) % 2).numpy())


def _mlp(d=6, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(d, 12), nn.ReLU(), nn.Linear(12, 3))


def test_update_tensor_is_update_without_leaving_the_device():
    on_host, on_device = AdaptiveWeight(0.9, 0.5, 0.2, c_min=0.01), AdaptiveWeight(0.9, 0.5, 0.2, c_min=0.01)
    pairs = [(1.5, 0.5), (2.0, 0.0), (float("nan"), 1.0), (0.3, float("inf")), (1e-4, 2.0), (4.0, 1.0)]
    for l_svdd, l_reg in pairs:  # float32 losses, as the trainer has them
        l_svdd, l_reg = torch.tensor(l_svdd), torch.tensor(l_reg)
        expected = on_host.update(l_svdd.item(), l_reg.item())
        got = on_device.update_tensor(l_svdd, l_reg)
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
        assert float(got) == expected
    # by hand: 0.9 * 0.2 + 0.05 * 3 = 0.33, then the zero and non-finite steps keep the value
    assert on_device.value == pytest.approx(0.9 * (0.9 * 0.33 + 0.05 * 5e-5) + 0.05 * 4.0, rel=1e-6)
    assert on_device.state_dict() == on_host.state_dict()


def test_training_step_calls_no_item(monkeypatch):
    """With the periodic NaN check (as on a GPU), svddlib calls no Tensor.item() per step.
    (torch's Adam reads its step counter with .item(), but that counter lives on the CPU.)"""
    x, val = _data()
    monkeypatch.setitem(training.NAN_CHECK_EVERY, "cpu", 10 ** 6)
    calls = []
    real_item = torch.Tensor.item

    def item(self):
        caller = sys._getframe(1).f_code.co_filename
        if "svddlib" in caller:
            calls.append(caller)
        return real_item(self)

    monkeypatch.setattr(torch.Tensor, "item", item)
    for kw in ({"regularizer": "noise", "k": 4}, {"objective": "soft-boundary", "regularizer":
                                                   "variance", "warm_up_n_epochs": 1}):
        train(_mlp(), x, TrainConfig(n_epochs=3, **QUIET, **kw), val=val)
    assert calls == []


@pytest.mark.parametrize("every", [1, 4, 100])
def test_periodic_nan_check_reports_the_first_bad_iteration(monkeypatch, every):
    monkeypatch.setitem(training.NAN_CHECK_EVERY, "cpu", every)
    x, val = _data(n=112)  # batch 16 -> 7 iterations per epoch
    with pytest.warns(RuntimeWarning, match="epoch 2, iteration 3"):
        res = train(_NaNAfter(_mlp(), n=10), x, TrainConfig(n_epochs=4, **QUIET), val=val)
    assert res.nan_epoch == 2 and len(res.history) == 1 and res.best_epoch == 1
    assert all(torch.isfinite(p).all() for p in res.model.parameters())


def test_soft_boundary_radius_is_a_float_after_every_epoch():
    x, val = _data()
    res = train(_mlp(), x, TrainConfig(n_epochs=3, objective="soft-boundary", warm_up_n_epochs=1,
                                       **QUIET), val=val)
    radii = [h["radius"] for h in res.history]
    assert all(type(r) is float for r in radii) and radii[0] == 0.0 and radii[-1] > 0
    assert type(res.radius) is float and math.isfinite(res.radius)
