"""Aggregation of a runs frame into the paper's layout, the comparison, verdicts and the
best-before-collapse metric, on hand-built frames with hand-computed expectations."""
import math

import matplotlib

matplotlib.use("Agg")  # tests only; the library never selects a backend
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from svddlib.experiments import best_before_collapse  # noqa: E402
from svddlib.reproduce import (cell_stats, comparison, get_spec, means, paper_claims,  # noqa: E402
                               stds, table, verdict, verdict_claim)
from svddlib.reproduce.aggregate import MISSING  # noqa: E402
from svddlib.reproduce.paper import Claim  # noqa: E402
from svddlib.reproduce.plots import plot_comparison, plot_fig1, plot_fig2  # noqa: E402

T3 = get_spec("table3")
OVA, ST1 = T3.columns


def _run(row, column, seed, auc, status="trained", **extra):
    return {"artefact": "table3", "row": row, "column": column, "seed": seed,
            "status": status, "auc": auc, **extra}


def _frame(*runs):
    return pd.DataFrame(list(runs))


def test_mean_and_sample_std_over_runs_failed_runs_left_out():
    runs = _frame(_run("D. SVDD", ST1, 0, 70.0), _run("D. SVDD", ST1, 1, 74.0),
                  _run("D. SVDD", ST1, 2, None, status="failed", error="boom"),
                  _run("D. SVDD", ST1, 3, 99.0, status="failed"))
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", ST1)]
    assert stats["mean"] == 72.0
    assert stats["std"] == pytest.approx(math.sqrt(8.0))  # ((2^2 + 2^2) / (2 - 1)) ** 0.5
    assert (stats["n_runs"], stats["n_failed"], stats["n_values"]) == (2, 2, 2)


def test_missing_and_single_run_cells():
    runs = _frame(_run("D. SVDD", ST1, 0, 70.0))
    m, s, t = means(runs, T3), stds(runs, T3), table(runs, T3)
    assert list(m.index) == list(T3.rows) and list(m.columns) == list(T3.columns)
    assert m.loc["D. SVDD", ST1] == 70.0 and math.isnan(s.loc["D. SVDD", ST1])
    assert t.loc["D. SVDD", ST1] == "70.0"
    assert t.loc["GEO w/ Dirichlet", OVA] == MISSING and math.isnan(m.loc["D. SVDD", OVA])


def test_all_failed_cell_is_missing_never_a_number():
    runs = _frame(_run("D. SVDD", ST1, 0, 80.0, status="failed"))
    assert table(runs, T3).loc["D. SVDD", ST1] == MISSING


def test_groups_mean_and_std_over_group_means():
    # class 0: seeds 60, 64 -> 62; class 1: 80 -> 80; class 2: 70, 72 -> 71
    runs = _frame(*[_run("D. SVDD", OVA, s, a, group=g) for g, s, a in
                    [(0, 0, 60.0), (0, 1, 64.0), (1, 0, 80.0), (2, 0, 70.0), (2, 1, 72.0)]])
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", OVA)]
    assert stats["mean"] == pytest.approx(71.0)  # (62 + 80 + 71) / 3
    assert stats["std"] == pytest.approx(9.0)  # deviations -9, 9, 0 -> sqrt(162 / 2)
    assert (stats["n_runs"], stats["n_values"]) == (5, 3)


def test_choice_selected_on_validation_per_cell():
    runs = _frame(_run("D. SVDD", ST1, 0, 60.0, choice="k=5", val_auc=90.0),
                  _run("D. SVDD", ST1, 1, 62.0, choice="k=5", val_auc=70.0),   # mean val 80
                  _run("D. SVDD", ST1, 0, 99.0, choice="k=50", val_auc=75.0),
                  _run("D. SVDD", ST1, 1, 97.0, choice="k=50", val_auc=75.0))  # mean val 75
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", ST1)]
    assert stats["mean"] == 61.0 and stats["selected"] == "k=5" and stats["n_runs"] == 2


def test_comparison_diff_and_within_two_std():
    # paper: D. SVDD strokes 1 = 85.7; ours 80 +- 2.83 (runs 78, 82): |diff| 5.7 > 5.66
    runs = _frame(_run("D. SVDD", ST1, 0, 78.0), _run("D. SVDD", ST1, 1, 82.0),
                  _run("D. SVDD w/ bias", ST1, 0, 80.0), _run("D. SVDD w/ bias", ST1, 1, 90.0),
                  _run("GEO w/ Dirichlet", ST1, 0, 70.0))
    comp = comparison(runs, T3).set_index(["row", "column"])
    row = comp.loc[("D. SVDD", ST1)]
    assert row["paper_mean"] == 85.7 and row["diff"] == pytest.approx(-5.7)
    assert not row["paper_within_2std"]
    assert comp.loc[("D. SVDD w/ bias", ST1), "paper_within_2std"]  # 85 +- 7.07 vs 85.1
    assert pd.isna(comp.loc[("GEO w/ Dirichlet", ST1), "paper_within_2std"])  # one run
    assert pd.isna(comp.loc[("D. SVDD", OVA), "paper_within_2std"])  # missing cell
    assert verdict(row, "paper") == "does not replicate"
    assert verdict(comp.loc[("D. SVDD w/ bias", ST1)], "paper") == "replicates"
    assert verdict(comp.loc[("GEO w/ Dirichlet", ST1)], "paper") == "cannot be tested in this mode"
    assert verdict(comp.loc[("D. SVDD w/ bias", ST1)], "teach") == "cannot be tested in this mode"


def test_verdict_claim_counts_testable_comparisons():
    table_ = pd.DataFrame({"a": [3.0, 1.0], "b": [1.0, 2.0], "c": [math.nan, 0.0]},
                          index=["x", "y"])
    gt = lambda r1, c1, r2, c2: (((1.0, r1, c1),), ((1.0, r2, c2),))  # noqa: E731
    claim = Claim("table3", "toy", "q", "majority",
                  (gt("x", "a", "y", "a"), gt("x", "b", "y", "b"), gt("x", "c", "y", "c")))
    out = verdict_claim(claim, table_)
    assert (out["n_tested"], out["n_hold"]) == (2, 1)  # the NaN comparison is not testable
    assert out["verdict"] == "does not replicate"  # 1/2 is not a majority
    half = Claim("table3", "toy", "q", "half", claim.comparisons)
    assert verdict_claim(half, table_)["verdict"] == "replicates"
    diff = Claim("table3", "toy", "q", "all",  # (x_a - y_a) = 2 > (x_b - y_b) = -1
                 ((((1.0, "x", "a"), (-1.0, "y", "a")), ((1.0, "x", "b"), (-1.0, "y", "b"))),))
    assert verdict_claim(diff, table_)["verdict"] == "replicates"
    none = Claim("table3", "toy", "q", "all", (gt("x", "c", "y", "c"),))
    assert verdict_claim(none, table_)["verdict"] == "cannot be tested in this mode"


def test_runs_frame_must_have_the_columns():
    with pytest.raises(ValueError, match="lacks column"):
        cell_stats(pd.DataFrame({"row": [], "column": []}), T3)


def test_best_before_collapse_by_hand():
    hist = [{"test_auc": 0.6, "collapsed": False}, {"test_auc": 0.8, "collapsed": False},
            {"test_auc": 0.9, "collapsed": True}, {"test_auc": 0.95, "collapsed": False}]
    assert best_before_collapse(hist) == 0.8  # epochs 1-2 only, collapse at epoch 3
    assert best_before_collapse([dict(h, collapsed=False) for h in hist]) == 0.95
    assert best_before_collapse([{"test_auc": 0.5, "collapsed": True},
                                 {"test_auc": 0.7, "collapsed": False}]) == 0.5
    assert best_before_collapse([{"test_auc": float("nan"), "collapsed": False},
                                 {"test_auc": 0.7, "collapsed": False}]) == 0.7
    with pytest.raises(ValueError, match="empty"):
        best_before_collapse([])


def _fake_runs(name, value=lambda i, r: 60.0 + i % 7):
    runs = pd.DataFrame(get_spec(name).resolve("teach"))
    runs["status"] = "trained"
    runs["auc"] = [value(i, r) for i, r in enumerate(runs["row"])]
    runs["val_auc"] = 70.0
    return runs


def test_plots_draw_every_cell():
    fig = plot_comparison(_fake_runs("table3"), mode="teach")
    assert len(fig.axes[0].get_yticklabels()) == len(T3.rows) * len(T3.columns)
    plt.close(fig)
    fig = plot_fig1(_fake_runs("fig1"))
    assert len(fig.axes) == 8 and len(fig.axes[0].lines) >= 3
    plt.close(fig)
    fig2 = _fake_runs("fig2")
    fig = plot_fig2(fig2)
    assert len(fig.axes) == 4 and not any(t.get_text() == "n/a" for t in fig.axes[0].texts)
    plt.close(fig)
    missing = fig2["row"].str.startswith("no pooling") & (fig2["kind"] == "deep_svdd")
    fig = plot_fig2(fig2[~missing])  # cells without runs get an empty slot marked n/a
    assert any(t.get_text() == "n/a" for t in fig.axes[0].texts)
    plt.close(fig)


def test_claims_on_a_constructed_table():
    # Fig. 2 shallow claim: 'no pooling' better for OC-SVM and IF in every column
    runs = _fake_runs("fig2", lambda i, r: 80.0 if r.startswith("no pooling") else 60.0)
    claim = next(c for c in paper_claims("fig2") if c.name == "shallow_better_without_pooling")
    out = verdict_claim(claim, means(runs, get_spec("fig2")))
    assert out["verdict"] == "replicates" and out["n_tested"] == 8
    deep = next(c for c in paper_claims("fig2") if c.name == "deep_better_without_pooling_voc")
    assert verdict_claim(deep, means(runs, get_spec("fig2")))["verdict"] == "replicates"
    deep_nopool = runs["row"].str.startswith("no pooling") & (runs["kind"] == "deep_svdd")
    assert verdict_claim(deep, means(runs[~deep_nopool], get_spec("fig2")))["verdict"] == \
        "cannot be tested in this mode"  # without the 'no pooling' Deep SVDD cells


def test_group_and_choice_derived_from_metrics_when_labels_are_absent():
    runs = _frame(_run("D. SVDD", OVA, 0, 60.0, normal_class=0, k=None),
                  _run("D. SVDD", OVA, 0, 80.0, normal_class=1, k=None),
                  _run("D. SVDD", OVA, 1, 90.0, normal_class=1, k=None),
                  _run(NOISE, ST1, 0, 50.0, normal_class=None, k=5, val_auc=60.0),
                  _run(NOISE, ST1, 0, 70.0, normal_class=None, k=30, val_auc=65.0))
    stats = cell_stats(runs, T3).set_index(["row", "column"])
    assert stats.loc[("D. SVDD", OVA), "mean"] == pytest.approx((60 + 85) / 2)  # class means
    assert stats.loc[("D. SVDD", OVA), "n_values"] == 2
    assert stats.loc[(NOISE, ST1), "mean"] == 70.0 and stats.loc[(NOISE, ST1), "selected"] == "k=30"


NOISE = "D. SVDD w/ bias & noise reg."


def test_plots_take_another_metric_column():
    runs = _fake_runs("fig1")
    runs["auc_last"] = 50.0  # every variant equal: all differences to D. SVDD are 0
    fig = plot_fig1(runs, metric="auc_last")
    assert all((line.get_ydata() == 0).all() for line in fig.axes[0].lines[:3])
    plt.close(fig)
    with pytest.raises(ValueError, match="no column 'auc_best'"):
        plot_fig1(runs, metric="auc_best")
