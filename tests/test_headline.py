"""The headline figure (svddlib.headline): 43's runs, at most four lines, numbers in the guide,
the rule that decides whether the paper's regularizer 'works'; plot_histories' seed bands."""
import matplotlib

import numpy as np
import pandas as pd
import pytest

from svddlib import headline, plotting


def _table(bias_auc, bias_coll, reg_auc, reg_coll):
    rows = {headline.BIAS: (bias_auc, bias_coll), headline.PAPER_REG: (reg_auc, reg_coll)}
    return pd.DataFrame({label: {"test AUC, last epoch": auc, "seeds collapsed": coll, "seeds": 2}
                         for label, (auc, coll) in rows.items()}).T


def test_works_needs_a_prevented_collapse_and_a_gain_beyond_the_noise():
    noise = 0.04
    assert headline._works(_table(0.60, 1, 0.70, 0), headline.PAPER_REG, noise)
    assert not headline._works(_table(0.60, 1, 0.65, 0), headline.PAPER_REG, noise)  # gain < 2 std
    assert not headline._works(_table(0.60, 1, 0.70, 1), headline.PAPER_REG, noise)  # still collapses
    assert not headline._works(_table(0.60, 0, 0.70, 0), headline.PAPER_REG, noise)  # nothing to prevent


def test_bands_draw_the_mean_and_the_range_of_the_seeds():
    matplotlib.use("Agg", force=False)
    runs = {"a": [[{"epoch": 1, "test_auc": 0.2}, {"epoch": 2, "test_auc": 0.6}],
                  [{"epoch": 1, "test_auc": 0.4}, {"epoch": 2, "test_auc": 1.0}]]}
    fig = plotting.plot_histories(runs, ["test_auc"], band=True)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_gid() != plotting.CHANCE_GID]
    assert len(lines) == 1 and np.allclose(lines[0].get_ydata(), [0.3, 0.8])
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.min(), 0.2) and np.isclose(band.max(), 1.0)
    per_seed = plotting.plot_histories(runs, ["test_auc"])  # default: one line per seed
    assert len([ln for ln in per_seed.axes[0].get_lines() if ln.get_gid() != plotting.CHANCE_GID]) == 2


@pytest.fixture(scope="module")
def claim(tmp_path_factory):
    import os

    old = os.environ.get("SVDD_RESULTS_ROOT")
    root = tmp_path_factory.mktemp("results")
    os.environ["SVDD_RESULTS_ROOT"] = str(root)
    try:
        yield headline.paper_claim_figure("smoke"), root
    finally:
        if old is None:
            os.environ.pop("SVDD_RESULTS_ROOT")
        else:
            os.environ["SVDD_RESULTS_ROOT"] = old


def test_figure_has_four_settings_a_chance_line_and_the_numbers_in_its_guide(claim):
    result, _ = claim
    assert list(result.table.index) == [headline.NO_BIAS, headline.BIAS, headline.PAPER_REG,
                                        headline.CONTROL]
    variance_ax, auc_ax = result.figure.axes[:2]
    for ax in (variance_ax, auc_ax):
        drawn = [ln for ln in ax.get_lines() if ln.get_gid() != plotting.CHANCE_GID]
        assert 0 < len(drawn) <= 4
    assert any(ln.get_gid() == plotting.CHANCE_GID for ln in auc_ax.get_lines())
    for label in result.table.index:
        assert f"{result.table.loc[label, 'test AUC, last epoch']:.3f}" in result.reading_guide
        assert f"{result.table.loc[label, 'test AUC, last epoch']:.3f}" in result.take_home()
    assert ("does **not**" in result.reading_guide) == (not result.paper_reg_works)


def test_runs_live_in_the_one_store_of_runs(claim):
    from svddlib.run_store import RUNS

    _, root = claim
    folder = root / RUNS / "smoke"
    n_runs = len([p for p in folder.iterdir() if p.is_dir()])
    assert n_runs == 4  # four settings, one seed in smoke mode
    headline.headline_runs("smoke")  # a second call trains nothing new
    assert len([p for p in folder.iterdir() if p.is_dir()]) == n_runs


def test_test_noise_is_the_null_std_of_the_test_set():
    from svddlib.experiments import build_data
    from svddlib.metrics import auc_null_std

    labels = build_data(**headline.headline_settings("smoke")[0]).test.labels
    n_anomalous = int(labels.sum())
    expected = auc_null_std(len(labels) - n_anomalous, n_anomalous)
    assert headline.headline_test_noise("smoke") == pytest.approx(expected)
    assert 0 < expected < 0.5
