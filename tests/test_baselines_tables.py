"""Cached one-vs-all tables of the baselines (svddlib.baselines.tables)."""
import pytest

from svddlib.baselines import runner, tables
from svddlib.baselines.tables import (RUFF2018_MNIST_DEEP_SVDD, mean_auc_table,
                                      one_vs_all_results, per_class_table)


def test_one_vs_all_table_runs_then_loads_from_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    kwargs = dict(methods=["if_pca"], classes=[0, 1], mode="smoke", max_train=30, max_eval=60,
                  cache_name="test_tables", log=None)
    first = one_vs_all_results(**kwargs)
    assert list(first["normal_class"]) == [0, 1] and first["test_auc"].between(0, 1).all()

    def boom(*args, **kwargs):
        raise AssertionError("should have been loaded from the cache")

    monkeypatch.setattr(runner, "run_baseline", boom)
    second = one_vs_all_results(**kwargs)
    assert list(second["test_auc"]) == list(first["test_auc"])

    reference = {"Ruff": RUFF2018_MNIST_DEEP_SVDD}
    means = mean_auc_table(first, reference)
    # reference row: mean of the digits 0 and 1 = (98.0 + 99.7) / 2
    assert means.loc["Ruff", "test AUC mean (%)"] == pytest.approx(98.85, abs=0.05)
    assert means.loc["IF w/ PCA", "test AUC mean (%)"] == \
        pytest.approx(100 * first["test_auc"].mean(), abs=0.05)
    per_class = per_class_table(first, reference)
    assert list(per_class.columns) == [0, 1] and per_class.loc["Ruff", 1] == 99.7


def test_reference_numbers_are_per_digit_percentages():
    assert len(RUFF2018_MNIST_DEEP_SVDD) == 10
    assert sum(RUFF2018_MNIST_DEEP_SVDD) / 10 == pytest.approx(94.8)
    assert tables.__doc__ and "full" in tables.__doc__


def test_cap_anomalies_keeps_all_normals():
    from svddlib.baselines.tables import cap_anomalies
    from svddlib.data import one_vs_all

    data = one_vs_all("mnist5k", 5, seed=0)
    capped = cap_anomalies(data, 50, seed=1)
    for before, after in ((data.val, capped.val), (data.test, capped.test)):
        assert after.n_normal == before.n_normal and after.n_anomalous == 50
    assert capped.train is data.train
    with pytest.raises(ValueError, match="max_anomalies"):
        cap_anomalies(data, 0)


def test_anomalies_are_capped_before_the_eval_subsample(monkeypatch, tmp_path):
    """max_anomalies first, then max_eval stratified over what remains: a cap near the number of
    normal images gives balanced val/test splits (stratifying first would keep the 1:9 ratio)."""
    from svddlib.data import one_vs_all

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    seen = {}

    def capture(name, data, config, feature_cache=None):
        seen["data"] = data
        return {"val_auc": 0.5, "test_auc": 0.5, "fit_seconds": 0.0}

    monkeypatch.setattr(runner, "run_baseline", capture)
    full = one_vs_all("mnist5k", 5, seed=0)
    one_vs_all_results(["if_pca"], classes=[5], mode="smoke", max_eval=40,
                       max_anomalies=full.test.n_normal, cache_name="test_order", log=None)
    test = seen["data"].test
    assert len(test) <= 41 and abs(test.n_normal - test.n_anomalous) <= 2
