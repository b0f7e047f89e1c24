"""Issue 11: the steady state of Eq. (7), the c_t floor, gradient-norm balancing, the eval-mode
collapse judgement and the rep_dim = 2 feature snapshots, against hand computations."""
import math

import pytest
import torch

from svddlib.experiments import eval_collapsed, feature_snapshots
from svddlib.regularizers import variance_regularizer
from svddlib.training import TrainConfig, _feature_grad_norms, train
from svddlib.weighting import AdaptiveWeight, GradNormWeight, lag_factor, steady_state_weight
from svddlib.objectives import one_class_loss


def test_steady_state_by_hand_and_as_limit_of_the_recursion():
    assert steady_state_weight(0.3, 0.6, beta=0.5) == pytest.approx(0.25)   # 0.5 * 0.3 / 0.6
    w = AdaptiveWeight(alpha=0.9, beta=0.5)
    for _ in range(400):
        w.update(0.3, 0.6)
    assert w.value == pytest.approx(0.25, rel=1e-12)
    assert w.value * 0.6 == pytest.approx(0.5 * 0.3)    # c L_reg -> beta L_SVDD
    with pytest.raises(ValueError):
        steady_state_weight(1.0, 0.0)


def test_lag_factor_by_hand_and_against_the_recursion():
    assert lag_factor(0.9, 1.0) == pytest.approx(1.0)
    assert lag_factor(0.5, 0.75) == pytest.approx(0.5 / (1 - 0.5 / 0.75))  # = 1.5
    w, rho = AdaptiveWeight(alpha=0.5, beta=1.0), 1.0
    for _ in range(200):
        rho *= 0.75
        w.update(rho, 1.0)
    assert w.value / rho == pytest.approx(1.5, rel=1e-9)
    with pytest.raises(ValueError):
        lag_factor(0.9, 0.8)


def test_floor_by_hand():
    w = AdaptiveWeight(alpha=0.9, beta=0.5, c0=0.0, c_min=0.15)
    assert w.value == 0.15
    assert w.update(2.0, 1.0) == pytest.approx(0.235)   # 0.9*0.15 + 0.05*2 = 0.235
    assert w.update(0.0, 1.0) == pytest.approx(0.2115)  # 0.9*0.235
    for _ in range(100):
        w.update(0.0, 1.0)                              # a collapsing L_SVDD ...
    assert w.value == 0.15                              # ... cannot take it below the floor
    with pytest.raises(ValueError):
        AdaptiveWeight(c_min=-1.0)


def test_feature_gradient_norms_by_hand():
    # one-class loss on n = 2 features in R^2 with c = 0: grad_i = 2 phi_i / n = phi_i
    feats = torch.tensor([[3.0, 0.0], [0.0, 4.0]], requires_grad=True)
    l_svdd = one_class_loss(feats, torch.zeros(2))
    l_reg = variance_regularizer(feats, threshold=100.0)   # active: 100 - var
    g_svdd, g_reg = _feature_grad_norms(feats, l_svdd, l_reg)
    assert g_svdd == pytest.approx(5.0)                     # ||[[3, 0], [0, 4]]||_F
    # var = 1/(p (n-1)) sum ||phi_i - mean||^2, grad_i = -2 (phi_i - mean) / (p (n-1)) = -(phi_i - mean)
    # phi - mean = [[1.5, -2], [-1.5, 2]]: Frobenius norm sqrt(2 * 6.25) = 3.5355
    assert g_reg == pytest.approx(math.sqrt(12.5))
    # the bound of GradNormWeight: ratio >= p (n - 1) / n = 1 here
    assert g_svdd / g_reg >= 2 * 1 / 2


def test_gradnorm_and_floor_reach_the_trainer():
    torch.manual_seed(0)
    x = torch.randn(40, 3)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LeakyReLU(), torch.nn.Linear(4, 2))
    cfg = TrainConfig(n_epochs=2, batch_size=20, lr=1e-2, regularizer="variance", d0=10.0,
                      weighting="gradnorm", alpha=0.0, beta=1.0, progress=False, device="cpu")
    res = train(net, x, cfg)   # alpha = 0: c_t is the last minibatch's ratio of gradient norms
    assert res.history[-1]["c_t"] >= 2 * 19 / 20 * (1 - 1e-6)   # >= p (n-1)/n, the bound
    net2 = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LeakyReLU(), torch.nn.Linear(4, 2))
    res2 = train(net2, x, cfg, weighting="adaptive", alpha=0.9, c_min=7.0)
    assert all(h["c_t"] >= 7.0 for h in res2.history)


def _summary(val_spread, collapsed=False, initial=1.0):
    return {"history": [{"val_score_spread": val_spread, "collapsed": collapsed}],
            "initial_score_spread": initial, "config": {"collapse_ratio": 1e-3}}


def test_eval_collapsed_by_hand():
    assert eval_collapsed(_summary(0.0))                 # a constant map: all scores equal
    assert not eval_collapsed(_summary(0.5))
    assert eval_collapsed(_summary(0.5, collapsed=True))  # the training flag still counts
    assert eval_collapsed(_summary(0.05), ratio=0.1)
    assert not eval_collapsed(_summary(float("nan")))    # no validation spread: training flag
    with pytest.raises(ValueError):
        eval_collapsed({"history": [], "initial_score_spread": 1.0})


def test_feature_snapshots_lie_on_one_trajectory(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    data = {"setup": "one_vs_all", "dataset": "mnist5k", "normal_class": 0, "seed": 0,
            "max_train": 60, "max_eval": 80}
    net = {"network": "lenet-mnist", "bias": True, "batchnorm": False, "rep_dim": 2}
    train_cfg = {"lr": 1e-3, "n_epochs": 3, "seed": 0, "device": "cpu"}
    snaps = feature_snapshots("t", "smoke", data, net, train_cfg, [0, 1, 3], max_points=50)
    assert snaps["epochs"] == [0, 1, 3] and len(snaps["center"]) == 2
    assert all(len(snaps["features"][e]) == 50 and len(snaps["features"][e][0]) == 2
               for e in ("0", "1", "3"))
    assert snaps["features"]["0"] != snaps["features"]["1"]
    # the staged run equals one uninterrupted run of 3 epochs
    from svddlib.data import to_tensors
    from svddlib.experiments import build_data, build_network
    tensors, _ = to_tensors(build_data(**data), "gcn-minmax")
    model = build_network("lenet-mnist", 0, bias=True, batchnorm=False, rep_dim=2)
    res = train(model, tensors["train"], TrainConfig(**train_cfg, progress=False),
                center=torch.tensor(snaps["center"]))
    res.model.eval()
    with torch.no_grad():
        direct = res.model(tensors["test"][:50])
    assert torch.allclose(direct, torch.tensor(snaps["features"]["3"]), atol=1e-5)


def test_summarize_collapse_uses_the_eval_spread():
    import pandas as pd

    from svddlib.experiments import summarize_collapse
    frame = pd.DataFrame({
        "variant": ["jitter", "jitter", "fine", "fine"], "epoch": [1, 2, 1, 2],
        "l_svdd": [0.3, 1e-6, 0.3, 0.2], "collapsed": [False, False, False, False],
        "feature_var_rel": [1.0, 0.5, 1.0, 0.9], "score_spread_rel": [1.0, 0.5, 1.0, 0.9],
        "val_score_spread_rel": [0.5, 0.0, 0.5, 0.4], "collapse_epoch": [None] * 4,
        "test_auc_best": [0.6] * 4, "test_auc": [0.6, 0.5, 0.6, 0.7]})
    table = summarize_collapse(frame)
    # the training flag missed the constant map (its features jittered); the eval spread did not
    assert table.loc["jitter", "outcome"] == "collapse onto c" and table.loc["jitter", "eval_collapsed"]
    assert table.loc["fine", "outcome"] == "no collapse"
