"""Trainer of Section V-B: determinism, resume, best-epoch selection, collapse flag, NaN handling."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from svddlib import training
from svddlib.models import MLP, LeNetMNIST, LeNetMNISTAutoencoder
from svddlib.training import TrainConfig, train

torch.set_num_threads(1)
QUIET = dict(progress=False)


def _tabular(n=120, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    xv = torch.randn(60, 5, generator=g)
    xv[30:] *= 3.0  # anomalies: wider spread
    yv = np.array([0] * 30 + [1] * 30)
    return x, (xv, yv)


def _mlp(bias=False, batchnorm=True, seed=0):
    torch.manual_seed(seed)
    return MLP(5, (16,), rep_dim=4, bias=bias, batchnorm=batchnorm)


def _strip_time(history):
    """History without wall-clock times; NaN replaced by None so that equal runs compare equal."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in h.items() if k != "time"} for h in history]


def test_history_fields_and_noise_loss_near_log2():
    x, val = _tabular()
    res = train(_mlp(), x, TrainConfig(n_epochs=3, lr=1e-3, regularizer="noise", k=8, **QUIET),
                val=val, test=val)
    keys = {"epoch", "l_svdd", "l_reg", "c_t", "feature_var", "score_spread", "radius",
            "val_auc", "test_auc", "time", "collapsed", "reg_threshold"}
    assert keys <= set(res.history[0]) and [h["epoch"] for h in res.history] == [1, 2, 3]
    assert all(abs(h["l_reg"] - math.log(2)) < 0.1 for h in res.history)
    assert res.history[-1]["c_t"] > 0 and res.head is not None
    assert res.best_epoch in (1, 2, 3)


def test_deterministic_for_a_seed():
    x, val = _tabular()
    cfg = TrainConfig(n_epochs=2, lr=1e-3, regularizer="noise", k=4, seed=3, **QUIET)
    a = train(_mlp(), x, cfg, val=val)
    b = train(_mlp(), x, cfg, val=val)
    assert _strip_time(a.history) == _strip_time(b.history)
    c = train(_mlp(), x, cfg, val=val, seed=4)
    assert _strip_time(a.history) != _strip_time(c.history)


def test_resume_gives_same_history_as_uninterrupted(tmp_path):
    x, val = _tabular()
    cfg = TrainConfig(n_epochs=4, lr=1e-3, regularizer="noise", k=4, objective="soft-boundary",
                      warm_up_n_epochs=1, **QUIET)
    full = train(_mlp(), x, cfg, val=val)
    first = train(_mlp(), x, cfg, val=val, checkpoint_dir=tmp_path, n_epochs=2)
    assert len(first.history) == 2 and (tmp_path / training.CHECKPOINT_NAME).exists()
    resumed = train(_mlp(seed=99), x, cfg, val=val, checkpoint_dir=tmp_path)  # other init: restored
    assert _strip_time(resumed.history) == _strip_time(full.history)
    assert resumed.best_epoch == full.best_epoch
    for p, q in zip(resumed.model.parameters(), full.model.parameters()):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="different configuration"):
        train(_mlp(), x, cfg, val=val, checkpoint_dir=tmp_path, lr=5e-3)


def test_checkpoint_every_throttles_the_writes(tmp_path, monkeypatch):
    x, _ = _tabular()
    cfg = TrainConfig(n_epochs=3, lr=1e-3, **QUIET)
    train(_mlp(), x, cfg, checkpoint_dir=tmp_path / "never", checkpoint_every=1e9)
    assert not (tmp_path / "never" / training.CHECKPOINT_NAME).exists()
    from svddlib import cache

    written, real = [], cache.atomic_torch_save
    monkeypatch.setattr(cache, "atomic_torch_save",
                        lambda obj, path: (written.append(obj["epoch"]), real(obj, path))[1])
    train(_mlp(), x, cfg, checkpoint_dir=tmp_path / "each")  # default: after every epoch
    assert written == [1, 2, 3]


def test_best_validation_epoch_model_is_returned():
    x, val = _tabular()
    res = train(_mlp(bias=True, batchnorm=False), x,
                TrainConfig(n_epochs=5, lr=1e-2, **QUIET), val=val, test=val)
    best = res.history[res.best_epoch - 1]
    assert best["val_auc"] == max(h["val_auc"] for h in res.history)
    assert res.test_auc_best == best["test_auc"] and res.test_auc_last == res.history[-1]["test_auc"]
    from svddlib.metrics import auc
    assert auc(val[1], res.score(val[0])) == pytest.approx(res.val_auc_best)
    assert set(res.last_state) == set(res.model.state_dict())


def test_soft_boundary_radius_warm_up():
    x, _ = _tabular()
    res = train(_mlp(), x, TrainConfig(n_epochs=3, lr=1e-3, objective="soft-boundary", nu=0.2,
                                       warm_up_n_epochs=2, **QUIET))
    radii = [h["radius"] for h in res.history]
    assert radii[0] == 0.0 and radii[1] == 0.0 and radii[2] > 0.0
    assert res.best_epoch == 3 and res.radius == radii[2]  # no val set: last epoch


def test_variance_threshold_annealing_and_fixed_weight():
    x, _ = _tabular()
    res = train(_mlp(), x, TrainConfig(n_epochs=3, lr=1e-3, regularizer="variance", d0=10.0, r=1,
                                       weighting="fixed", **QUIET))
    assert [h["reg_threshold"] for h in res.history] == pytest.approx([10.0, 1.0, 0.1])
    assert res.history[0]["l_reg"] > 0 and all(h["c_t"] == 1.0 for h in res.history)


def test_collapse_flag_logic_by_hand():
    st = type("S", (), {})()
    st.cfg, st.init_var, st.init_spread, st.epoch, st.radius, st.collapse_epoch = (
        TrainConfig(collapse_ratio=1e-3), 1.0, 2.0, 4, 0.0, None)
    ok = training._history_record(st, {"feature_var": 2e-3, "score_spread": 1.0}, {}, 0.1)
    assert not ok["collapsed"] and st.collapse_epoch is None
    low_var = training._history_record(st, {"feature_var": 5e-4, "score_spread": 1.0}, {}, 0.1)
    assert low_var["collapsed"] and st.collapse_epoch == 5
    low_spread = training._history_record(st, {"feature_var": 1.0, "score_spread": 1e-3}, {}, 0.1)
    assert low_spread["collapsed"]  # 1e-3 < 1e-3 * 2


def test_bias_network_collapses_bias_free_does_not():
    x, val = _tabular(n=200)
    cfg = TrainConfig(n_epochs=40, lr=1e-2, **QUIET)
    with_bias = train(_mlp(bias=True, batchnorm=False), x, cfg, val=val)
    no_bias = train(_mlp(bias=False, batchnorm=False), x, cfg, val=val)
    assert with_bias.collapsed and with_bias.collapse_epoch is not None
    assert with_bias.history[-1]["feature_var"] < 1e-3 * with_bias.initial_feature_var
    assert not no_bias.collapsed and no_bias.collapse_epoch is None


def test_semi_supervised_pushes_labeled_anomalies_away():
    x, _ = _tabular()
    semi = np.zeros(len(x), dtype=int)
    x[:10] += 4.0
    semi[:10] = -1
    res = train(_mlp(), x, TrainConfig(n_epochs=5, lr=1e-2, **QUIET), semi_labels=semi)
    scores = res.score(x)
    assert scores[:10].min() > np.median(scores[10:])
    with pytest.raises(ValueError, match="one-class"):
        train(_mlp(), x, TrainConfig(objective="soft-boundary", **QUIET), semi_labels=semi)
    with pytest.raises(ValueError, match="semi_labels"):
        train(_mlp(), x, TrainConfig(**QUIET), semi_labels=np.full(len(x), 2))


def test_nan_input_is_rejected():
    x, val = _tabular()
    x[3, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        train(_mlp(), x, TrainConfig(**QUIET))


class _NaNAfter(nn.Module):
    """Wraps a net and returns NaN features from the n-th training forward call on."""

    def __init__(self, net, n):
        super().__init__()
        self.net, self.n, self.calls = net, n, 0

    def forward(self, x):
        out = self.net(x)
        if self.training:
            self.calls += 1
            if self.calls >= self.n:
                return out * float("nan")
        return out


def test_nan_loss_stops_and_keeps_best():
    x, val = _tabular()  # 120 samples, batch 50 -> 3 iterations per epoch
    model = _NaNAfter(_mlp(), n=8)  # NaN in epoch 3, iteration 2
    with pytest.warns(RuntimeWarning, match="epoch 3, iteration 2"):
        res = train(model, x, TrainConfig(n_epochs=5, lr=1e-3, **QUIET), val=val)
    assert res.nan_epoch == 3 and "epoch 3" in res.stopped_reason
    assert len(res.history) == 2 and res.best_epoch in (1, 2)
    assert all(torch.isfinite(p).all() for p in res.model.parameters())


@pytest.mark.parametrize("kw, match", [({"lr": -1e-3}, "lr"), ({"lr_head": 0.0}, "lr_head"),
                                       ({"nu": 0.0}, "nu"), ({"nu": 1.5}, "nu"), ({"k": 0}, "k"),
                                       ({"alpha": 1.2}, "alpha"), ({"beta": -0.1}, "beta"),
                                       ({"objective": "svm"}, "objective"),
                                       ({"regularizer": "both"}, "regularizer"),
                                       ({"n_epochs": 0}, "n_epochs"), ({"device": "tpu9"}, "device")])
def test_config_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kw)


def test_wrong_input_shape_for_net():
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        train(LeNetMNIST(), torch.zeros(4, 3, 32, 32), TrainConfig(**QUIET))


def test_lenet_trains_and_autoencoder_pretraining_transfers():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(40, 1, 28, 28, generator=g)
    torch.manual_seed(0)
    ae = LeNetMNISTAutoencoder(rep_dim=8)
    losses = training.pretrain_autoencoder(ae, x, n_epochs=3, lr=1e-2, batch_size=20, progress=False)
    assert losses[-1] < losses[0]
    net = LeNetMNIST(rep_dim=8)
    net.load_state_dict(ae.encoder.state_dict())
    res = train(net, x, TrainConfig(n_epochs=2, batch_size=20, lr=1e-3, **QUIET))
    assert res.center.shape == (8,) and (res.center.abs() >= 0.1).all()  # eps trick
    assert res.score(x).shape == (40,)


def test_val_score_spread_is_the_eval_mode_std_of_validation_scores():
    x, val = _tabular()
    res = train(_mlp(), x, TrainConfig(n_epochs=1, lr=1e-3, **QUIET), val=val)
    assert res.best_epoch == 1  # so res.score uses the weights the history was recorded with
    expected = np.std(res.score(val[0]), ddof=1)
    assert res.history[0]["val_score_spread"] == pytest.approx(expected, rel=1e-9)


class _ConstantMap(torch.nn.Module):
    """phi(x) = b for every x: the collapsed network of Section IV-A."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(5, 4))
        self.b = torch.nn.Parameter(torch.ones(4))

    def forward(self, x):
        return x @ self.w * 0.0 + self.b


def test_val_score_spread_is_zero_for_a_constant_map():
    x, val = _tabular()
    res = train(_ConstantMap(), x, TrainConfig(n_epochs=1, lr=1e-3, **QUIET), val=val)
    assert res.history[0]["val_score_spread"] == 0.0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the machine without CUDA")
def test_cuda_on_a_machine_without_it_is_a_clear_error_at_train_time():
    from svddlib.config import resolve_device as notebook_device

    cfg = TrainConfig(device="cuda", n_epochs=1, **QUIET)  # a config may name another machine's GPU
    x, val = _tabular()
    with pytest.raises(ValueError, match="CUDA is not available"):
        train(_mlp(), x, cfg, val=val)
    with pytest.raises(ValueError, match="CUDA is not available"):
        notebook_device("cuda:0")
    assert notebook_device(None) == "cpu"
