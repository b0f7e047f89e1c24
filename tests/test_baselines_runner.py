"""run_baseline end to end on embedded data, and proof that test data never steer a choice."""
import json
import warnings

import numpy as np
import pytest
import torch

from svddlib.baselines.runner import BASELINES, default_config, fit_baseline, run_baseline
from svddlib.data import ADData, ADSplit, one_vs_all

torch.set_num_threads(1)
SHALLOW = ["ocsvm_pca", "if_pca", "ocsvm_cnn", "if_cnn", "ocsvm_cnn_nopool"]


@pytest.fixture(scope="module")
def tiny():
    """MNIST-5k, digit 3 normal, cut to 40 training and 60 validation/test images."""
    return one_vs_all("mnist5k", 3, seed=0).subsample(max_train=40, max_eval=60, seed=0)


@pytest.fixture(scope="module")
def colour_tiny():
    """32x32 colour images: smooth random gradients are normal, pixel noise is anomalous."""
    rng = np.random.default_rng(0)

    def split(n_normal, n_anomalous):
        ramp = np.linspace(0, 1, 32)
        slopes = rng.uniform(50, 200, size=(n_normal, 1, 1, 3))
        normal = ramp[None, :, None, None] * slopes + ramp[None, None, :, None] * slopes[:, :, :, ::-1]
        noise = rng.uniform(0, 255, size=(n_anomalous, 32, 32, 3))
        images = np.clip(np.r_[normal, noise], 0, 255).astype(np.uint8)
        return ADSplit(images, np.r_[np.zeros(n_normal), np.ones(n_anomalous)].astype(int))

    return ADData("colour-toy", split(30, 0), split(10, 10), split(10, 10))


class ExplodingSplit:
    """A test split that fails on any use: proves fitting and selection never read it."""

    def __getattr__(self, name):
        raise AssertionError(f"the test split was read ({name!r}) while fitting/selecting")

    def __len__(self):
        raise AssertionError("the test split was read (len) while fitting/selecting")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random-init ResNet warning
        return fn(*args, **kwargs)


def _smoke(name, **extra):
    return {"mode": "smoke", **extra}


@pytest.mark.parametrize("name", SHALLOW + ["geo", "dsvdd"])
def test_each_baseline_runs_end_to_end(tiny, name):
    extra = {"width": 4} if name == "geo" else {}
    result = _quiet(run_baseline, name, tiny, _smoke(name, **extra))
    assert 0.0 <= result["val_auc"] <= 1.0 and 0.0 <= result["test_auc"] <= 1.0
    assert result["n_train"] == len(tiny.train.images) and result["n_test"] == len(tiny.test.images)
    json.dumps(result)  # plugs into svddlib.cache.load_or_run
    if name.startswith(("ocsvm", "if")):
        assert result["val_auc"] == max(r["val_auc"] for r in result["grid"])


@pytest.mark.parametrize("name", ["if_pca", "ocsvm_cnn", "geo", "dsvdd"])
def test_baselines_run_on_colour_images(colour_tiny, name):
    extra = {"width": 4} if name == "geo" else {}
    result = _quiet(run_baseline, name, colour_tiny, _smoke(name, **extra))
    assert 0.0 <= result["test_auc"] <= 1.0
    if name == "if_pca":  # pixel noise is trivially far from smooth gradients
        assert result["test_auc"] > 0.9


@pytest.mark.parametrize("name", ["ocsvm_pca", "geo", "dsvdd"])
def test_fitting_and_selection_never_read_the_test_split(tiny, name):
    spied = ADData(tiny.name, tiny.train, tiny.val, ExplodingSplit(), tiny.info)
    extra = {"width": 4} if name == "geo" else {}
    result = _quiet(run_baseline, name, spied, _smoke(name, **extra), evaluate_test=False)
    assert result["test_auc"] is None and np.isfinite(result["val_auc"])
    with pytest.raises(AssertionError, match="test split was read"):
        _quiet(run_baseline, name, spied, _smoke(name, **extra))


def test_poisoned_test_labels_change_nothing_but_the_test_auc(tiny):
    # Flipping every test label turns the best test choice into the worst one: an
    # implementation that looked at test labels would select differently here.
    poisoned_test = ADSplit(tiny.test.images, 1 - tiny.test.labels, classes=tiny.test.classes)
    poisoned = ADData(tiny.name, tiny.train, tiny.val, poisoned_test, tiny.info)
    cfg = {"mode": "teach", "pca_grid": [2, 8, 32], "nu_grid": [0.05, 0.2],
           "gamma_factors": [0.25, 1.0, 4.0]}
    clean, dirty = run_baseline("ocsvm_pca", tiny, cfg), run_baseline("ocsvm_pca", poisoned, cfg)
    assert len({r["val_auc"] for r in clean["grid"]}) > 1  # the grid really offers a choice
    assert dirty["selected"] == clean["selected"] and dirty["val_auc"] == clean["val_auc"]
    assert dirty["test_auc"] == pytest.approx(1.0 - clean["test_auc"])


def test_fit_baseline_returns_a_scorer_for_new_images(tiny):
    scorer, info = fit_baseline("if_pca", tiny, _smoke("if_pca"))
    scores = scorer(tiny.val.images[:5])
    assert scores.shape == (5,) and np.isfinite(scores).all()
    assert info["label"] == "IF w/ PCA" and info["config"]["model"] == "iforest"


def test_default_configs_follow_the_paper():
    geo = default_config("geo", "paper")
    assert (geo["arch"], geo["batch_size"], geo["lr"], geo["weight_decay"], geo["n_epochs"]) == \
        ("resnet18", 35, 1e-4, 5e-4, 3)
    assert default_config("if_cnn", "teach")["pooling"] == "max"
    assert default_config("if_cnn_nopool", "teach")["pooling"] is None
    assert set(BASELINES) >= {"ocsvm_pca", "if_pca", "ocsvm_cnn", "if_cnn", "geo", "dsvdd"}


def test_bad_names_and_keys_raise(tiny):
    with pytest.raises(ValueError, match="unknown baseline"):
        run_baseline("kde", tiny)
    with pytest.raises(ValueError, match="unknown config key"):
        run_baseline("if_pca", tiny, {"mode": "smoke", "n_trees": 10})


def test_feature_cache_computes_cnn_features_once_and_changes_nothing(colour_tiny, tmp_path,
                                                                      monkeypatch):
    """The OC-SVM and IF rows (and their seeds) share one computation of the frozen ImageNet
    features per image set, through svddlib.cache.array_store; the AUCs are those of the
    uncached run."""
    from svddlib import cache

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    store, keys = cache.array_store("cnn-features"), []

    def counting(key, compute):
        keys.append(key["images"])
        return store(key, compute)

    plain = run_baseline("ocsvm_cnn", colour_tiny, _smoke("ocsvm_cnn"))
    cached = [run_baseline(name, colour_tiny, _smoke(name, seed=seed), feature_cache=counting)
              for name in ("ocsvm_cnn", "if_cnn") for seed in (0, 1)]
    assert cached[0]["test_auc"] == plain["test_auc"]
    assert cached[0]["val_auc"] == plain["val_auc"]
    # train, val and test of one data set: three arrays, whatever the method and seed
    entries = list((tmp_path / "cnn-features" / "shared").glob("*/array.npy"))
    assert len(entries) == 3 and len(set(keys)) == 3 and len(keys) == 12
    # pixel features never go through the cache
    run_baseline("if_pca", colour_tiny, _smoke("if_pca"), feature_cache=counting)
    assert len(keys) == 12


def test_array_store_recomputes_an_unreadable_array(tmp_path, monkeypatch):
    from svddlib import cache

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    store, calls = cache.array_store("arrays"), []

    def compute():
        calls.append(1)
        return np.arange(6.0).reshape(2, 3)

    first = store({"k": 1}, compute)
    assert np.array_equal(store({"k": 1}, compute), first) and len(calls) == 1
    (cache.run_dir("arrays", "shared", {"k": 1}) / "array.npy").write_bytes(b"not an array")
    with pytest.warns(cache.CorruptEntryWarning):
        again = store({"k": 1}, compute)
    assert np.array_equal(again, first) and len(calls) == 2
