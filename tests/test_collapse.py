"""Regression test: hypersphere collapse in the documented setting (Section IV-A of Chong et al.
2020), that the bias-free network escapes it, and what each regularizer does there.

Setting (measured; see notebooks/30_hypersphere_collapse.ipynb): MNIST-5k one-vs-all with
digit 0 normal, 300 training images, 200 validation / 200 test images, LeNetMNIST with ReLU and
no BatchNorm, one-class objective, Adam lr 1e-2 (noise head 1e-1), weight decay 5e-4, batch 50,
20 epochs, seeds 0 and 1. With biases the ReLU units die and the output becomes the last bias,
which walks onto c: feature variance, score spread and L_SVDD go to ~0 and the AUC to 0.5.

The findings asserted for the regularizers are the measured ones, not the paper's hopes: in this
setting none of them prevents the collapse. With adaptive weighting (Eq. 7) c_t is proportional
to L_SVDD / L_reg: for the noise regularizer (L_reg ~ log 2) it shrinks by orders of magnitude as
L_SVDD does; for the variance hinge (L_reg ~ d_t, annealed) it grows, but the hinge's gradient
does not reach dead ReLUs either. With the fixed c_t = 1 the collapse happens all the same.
"""
import math

import pandas as pd
import pytest
import torch

from svddlib.experiments import run_variants, summarize_collapse

torch.set_num_threads(1)

DATA = {"setup": "one_vs_all", "dataset": "mnist5k", "normal_class": 0, "max_train": 300,
        "max_eval": 200}
NET = {"network": "lenet-mnist", "batchnorm": False, "activation": "relu"}
TRAIN = {"lr": 1e-2, "lr_head": 1e-1, "n_epochs": 20, "progress": False, "device": "cpu"}
SEEDS = (0, 1)
REGULARIZERS = {
    "noise, adaptive": {"regularizer": "noise", "k": 50},
    "noise, c_t=1": {"regularizer": "noise", "k": 50, "weighting": "fixed"},
    "variance, adaptive": {"regularizer": "variance"},
    "variance, c_t=1": {"regularizer": "variance", "weighting": "fixed"},
}


def _seeded(seed, bias, train=None):
    return {"data": {"seed": seed}, "net": {"bias": bias}, "train": {"seed": seed, **(train or {})}}


@pytest.fixture(scope="module")
def frame():
    variants = {}
    for seed in SEEDS:
        variants[f"bias s{seed}"] = _seeded(seed, True)
        variants[f"bias-free s{seed}"] = _seeded(seed, False)
    for label, reg in REGULARIZERS.items():
        variants[label] = _seeded(SEEDS[0], True, reg)
    return run_variants("test_collapse", "smoke", variants, DATA, NET, TRAIN)


@pytest.fixture(scope="module")
def runs(frame):
    return {label: group.reset_index(drop=True) for label, group in frame.groupby("variant")}


def _last(history):
    return history.iloc[-1]


def _assert_collapsed(history):
    last = _last(history)
    assert last["collapsed"], "collapse flag not set at the last epoch"
    assert last["feature_var_rel"] < 1e-3, last["feature_var_rel"]
    assert last["score_spread_rel"] < 1e-3, last["score_spread_rel"]
    assert last["l_svdd"] < 1e-4, last["l_svdd"]  # the features sit on c: the trivial minimiser
    assert abs(last["test_auc"] - 0.5) < 0.05, last["test_auc"]
    # in eval mode the validation scores are (numerically) one constant
    assert last["val_score_spread"] < 1e-3 * history["val_score_spread"].iloc[0]


@pytest.mark.parametrize("seed", SEEDS)
def test_network_with_bias_collapses_onto_the_centre(runs, seed):
    _assert_collapsed(runs[f"bias s{seed}"])


@pytest.mark.parametrize("seed", SEEDS)
def test_bias_free_network_does_not_collapse(runs, seed):
    free, bias = _last(runs[f"bias-free s{seed}"]), _last(runs[f"bias s{seed}"])
    assert not free["collapsed"]
    assert free["feature_var_rel"] > 0.1, free["feature_var_rel"]
    assert free["test_auc"] > 0.7, free["test_auc"]
    assert free["l_svdd"] > 100 * bias["l_svdd"]  # no constant solution at c without a bias


@pytest.mark.parametrize("label", list(REGULARIZERS))
def test_no_regularizer_prevents_the_collapse_here(runs, label):
    _assert_collapsed(runs[label])


def test_adaptive_noise_weight_shrinks_with_the_svdd_loss(runs):
    history = runs["noise, adaptive"]  # L_reg stays near log 2, so c_t follows L_SVDD down
    assert history["c_t"].iloc[-1] < 1e-3 * history["c_t"].iloc[0]
    assert history["l_svdd"].iloc[-1] < 1e-3 * history["l_svdd"].iloc[0]


def test_adaptive_variance_weight_grows_yet_collapse_proceeds(runs):
    history = runs["variance, adaptive"]  # the hinge is active throughout: L_reg ~ d_t, which
    assert (history["l_reg"] > 0).all()  # is annealed 10x every 3 epochs, faster than L_SVDD
    assert history["c_t"].iloc[-1] > history["c_t"].iloc[0]
    assert history["feature_var"].iloc[-1] < history["reg_threshold"].iloc[-1]


def test_noise_loss_stays_at_log2_while_features_collapse(runs):
    for label in ("noise, adaptive", "noise, c_t=1"):
        assert abs(runs[label]["l_reg"].iloc[-1] - math.log(2)) < 0.05


def test_fixed_weight_is_one(runs):
    assert (runs["noise, c_t=1"]["c_t"] == 1.0).all()
    assert (runs["variance, c_t=1"]["c_t"] == 1.0).all()


def test_summary_outcomes(frame):
    outcome = summarize_collapse(frame)["outcome"]
    assert all(outcome[f"bias s{seed}"] == "collapse onto c" for seed in SEEDS)
    assert all(outcome[f"bias-free s{seed}"] == "no collapse" for seed in SEEDS)
    assert all(outcome[label] == "collapse onto c" for label in REGULARIZERS)


def test_summarize_collapse_classifies_end_states_by_hand():
    frame = pd.DataFrame({
        "variant": ["onto", "onto", "off", "off", "fine", "fine"], "epoch": [1, 2] * 3,
        "l_svdd": [0.3, 1e-5, 9e3, 0.3, 0.3, 0.01], "collapsed": [False, True, True, True, True, False],
        "feature_var_rel": [1.0, 1e-6, 1.0, 0.0, 1.0, 0.5], "score_spread_rel": [1.0] * 6,
        "collapse_epoch": [2, 2, 1, 1, 1, 1], "test_auc_best": [0.9] * 6,
        "test_auc": [0.9, 0.5, 0.9, 0.5, 0.9, 0.8]})
    table = summarize_collapse(frame)
    assert list(table.index) == ["onto", "off", "fine"]
    assert list(table["outcome"]) == ["collapse onto c", "constant map off c", "no collapse"]
    assert table.loc["onto", "l_svdd_last"] == 1e-5 and table.loc["fine", "test_auc_last"] == 0.8
    assert summarize_collapse(frame, max_loss=1.0).loc["off", "outcome"] == "collapse onto c"
    with pytest.raises(ValueError, match="max_loss"):
        summarize_collapse(frame, max_loss=0.0)


def test_run_variants_rejects_bad_variants():
    with pytest.raises(ValueError, match="non-empty"):
        run_variants("x", "smoke", {}, DATA, NET, TRAIN)
    with pytest.raises(ValueError, match="unknown keys"):
        run_variants("x", "smoke", {"a": {"model": {}}}, DATA, NET, TRAIN)
