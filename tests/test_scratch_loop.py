"""The from-scratch loop of notebooks 40-41 equals svddlib.training.train (noise and variance),
and the notebook helpers of svddlib.experiments build the runs the notebooks used to."""
import numpy as np
import pytest
import torch

from svddlib import regularizers
from svddlib.config import Config
from svddlib.experiments import build_network, collapse_row, run_notebook_setting
from svddlib.scratch import regularized_from_scratch
from svddlib.training import TrainConfig, train

NET_KW = {"bias": True, "batchnorm": False, "activation": "leaky_relu"}


def _noise_line(feats, epoch, head, coins):
    return regularizers.noise_regularizer(head(feats), coins)


def _variance_line(feats, epoch, head, coins):
    return regularizers.variance_regularizer(feats, regularizers.variance_threshold(epoch, 0.1, 3))


@pytest.mark.parametrize("line, head_k, options", [
    (_noise_line, 7, {"regularizer": "noise", "k": 7}),
    (_variance_line, None, {"regularizer": "variance", "d0": 0.1, "r": 3})])
def test_scratch_loop_equals_the_trainer(line, head_k, options):
    x = torch.rand(60, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    scratch = regularized_from_scratch(build_network("lenet-mnist", 3, **NET_KW), x, 2, 1e-2, 1e-1,
                                       50, 5e-4, 3, line, head_k=head_k)
    library = train(build_network("lenet-mnist", 3, **NET_KW), x,
                    TrainConfig(n_epochs=2, lr=1e-2, lr_head=1e-1, seed=3, device="cpu",
                                progress=False, **options))
    assert np.allclose(scratch, [h["l_svdd"] for h in library.history], rtol=1e-4)


def test_notebook_setting_run_passes_the_notebook_settings(monkeypatch):
    import svddlib.experiments as ex

    seen = {}
    monkeypatch.setattr(ex, "run_deep_svdd", lambda *a, **kw: seen.update(args=a, kw=kw) or {})
    cfg = Config(notebook="nb", mode="teach", lr=1e-2, n_epochs=3, force_retrain=True)
    run_notebook_setting(cfg, {"d": 1}, {"n": 2}, 7, lr=1e-3, keep_scores=False, k=5)
    name, mode, data, net, train_cfg = seen["args"]
    assert (name, mode, data, net) == ("nb", "teach", {"d": 1}, {"n": 2})
    assert train_cfg == {"lr": 1e-3, "lr_head": 1e-2, "n_epochs": 3, "seed": 7, "progress": True,
                         "k": 5}
    assert seen["kw"] == {"keep_scores": False, "force": True}


def test_collapse_row_by_hand():
    summary = {"history": [{"feature_var": 4.0, "collapsed": False},
                           {"feature_var": 0.5, "collapsed": False, "val_score_spread": 1e-6}],
               "initial_feature_var": 2.0, "initial_score_spread": 1.0,
               "test_auc_best": 0.7, "test_auc_last": 0.6, "collapse_epoch": None}
    row = collapse_row(summary)
    assert row["final feature var / initial"] == 0.25 and row["test AUC (best val epoch)"] == 0.7
    assert row["collapse epoch"] is None and row["collapsed (last epoch)"]  # 1e-6 < 1e-3 x 1
