"""The verdict rule with noise: noise bands from seeds and test-set size, comparisons near
chance, duplicated columns counted once, and "inconclusive" findings (fabricated cells)."""
import math

import pandas as pd
import pytest

from svddlib.metrics import auc_null_std
from svddlib.reproduce import (cell_stats, comparison, get_spec, means, needs_imagenet,
                               paper_claims, paper_means, pretrained_features, verdict_claim,
                               verdict_for_mode, verdict_on_runs)
from svddlib.reproduce.aggregate import (CHANCE_MARGIN, VERDICTS, diff_column,
                                         duplicate_columns, near_chance)
from svddlib.reproduce.paper import Claim

REPLICATES, FAILS, UNTESTABLE, INCONCLUSIVE = VERDICTS
T3 = get_spec("table3")
OVA, ST1 = T3.columns


def test_auc_null_std_by_hand():
    assert auc_null_std(1, 1) == pytest.approx(0.5)  # AUC 0 or 1, each with probability 1/2
    assert auc_null_std(1, 2) == pytest.approx(math.sqrt(1 / 6))  # AUC 0, 1/2, 1 equally likely
    assert auc_null_std(75, 75) == pytest.approx(math.sqrt(151 / (12 * 75 * 75)))
    with pytest.raises(ValueError, match="at least one"):
        auc_null_std(0, 5)


def _run(row, column, seed, auc, n_test=100, **extra):
    return {"artefact": "table3", "row": row, "column": column, "seed": seed,
            "status": "trained", "auc": auc, "n_test": n_test, **extra}


def test_noise_of_a_cell_by_hand():
    # seeds 70, 74: s^2 = 8; test noise on 50 + 50 images: h = 100 sqrt(101 / 30000)
    h2 = 1e4 * 101 / 30000
    runs = pd.DataFrame([_run("D. SVDD", ST1, 0, 70.0), _run("D. SVDD", ST1, 1, 74.0)])
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", ST1)]
    assert stats["noise"] == pytest.approx(math.sqrt(8 / 2 + h2))
    # two classes of two seeds: pooled s_w^2 = (8 + 2) / 2 = 5; var = (2 (5/2 + h2)) / 4
    runs = pd.DataFrame([_run("D. SVDD", OVA, s, a, group=g) for g, s, a in
                         [(0, 0, 70.0), (0, 1, 74.0), (1, 0, 90.0), (1, 1, 92.0)]])
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", OVA)]
    assert stats["noise"] == pytest.approx(math.sqrt(2 * (5 / 2 + h2) / 4))
    assert stats["std"] == pytest.approx(19 / math.sqrt(2))  # class means 72, 91: the spread


def _gt(r1, c1, r2, c2):
    return (((1.0, r1, c1),), ((1.0, r2, c2),))


def test_inconclusive_comparisons_and_the_finding_rule():
    # x beats y by 10 in a, 1 in b, 10 in c; noise 2 per cell: band 2 * sqrt(8) = 5.66
    means = pd.DataFrame({"a": [80.0, 70.0], "b": [71.0, 70.0], "c": [60.0, 70.0]},
                         index=["x", "y"])
    noise = means * 0 + 2.0
    comps = (_gt("x", "a", "y", "a"), _gt("x", "b", "y", "b"), _gt("x", "c", "y", "c"))
    out = verdict_claim(Claim("table3", "t", "q", "majority", comps), means, noise)
    assert (out["n_hold"], out["n_fail"], out["n_inconclusive"], out["n_near_chance"]) == (1, 1, 1, 0)
    assert out["verdict"] == INCONCLUSIVE  # 1/3 or 2/3 depending on the undecided one
    assert verdict_claim(Claim("table3", "t", "q", "half", comps[:2]), means,
                         noise)["verdict"] == REPLICATES  # 1 of 2 hold whatever b does
    assert verdict_claim(Claim("table3", "t", "q", "all", comps), means,
                         noise)["verdict"] == FAILS  # c fails beyond the noise
    assert verdict_claim(Claim("table3", "t", "q", "majority", comps), means)["verdict"] == \
        REPLICATES  # without noise bands b holds: 2 of 3 (the rule before noise)


def test_cells_near_chance_are_inconclusive():
    means = pd.DataFrame({"a": [54.0, 46.0], "b": [90.0, 54.0]}, index=["x", "y"])
    claim = Claim("table3", "t", "q", "all", (_gt("x", "a", "y", "a"),))
    assert verdict_claim(claim, means, chance_margin=CHANCE_MARGIN)["verdict"] == INCONCLUSIVE
    assert verdict_claim(claim, means)["verdict"] == REPLICATES
    one_side = Claim("table3", "t", "q", "all", (_gt("x", "b", "y", "b"),))  # 90 vs 54
    assert verdict_claim(one_side, means, chance_margin=CHANCE_MARGIN)["verdict"] == REPLICATES
    assert list(near_chance(pd.Series([44.0, 45.5, 50.0, 55.0, math.nan]))) == \
        [False, True, True, False, False]


def test_duplicated_columns_count_once():
    t1 = get_spec("table1")
    # teach: photographs stand in for VOC2012 and landscapes for WikiArt, no column shares data
    for mode in ("teach", "paper"):
        assert all(k == v for k, v in duplicate_columns(t1, mode).items())
        # Table V's learning-rate columns share data, not training: no duplicates either
        assert all(k == v for k, v in duplicate_columns(get_spec("table5"), mode).items())
    claim = next(c for c in paper_claims("table1") if c.name == "adaptive_better")
    runs = _fabricated("table1", lambda row, col: 90.0 if "adaptive" in row else 60.0)
    out = verdict_on_runs(claim, runs, t1, "teach")
    assert (out["n_tested"], out["n_merged"], out["verdict"]) == (8, 0, REPLICATES)
    # a stand-in shared by both datasets: each WikiArt comparison merges with its VOC2012 twin
    shared = {c: c.replace("WikiArt", "VOC2012") for c in t1.columns}
    out = verdict_claim(claim, means(runs, t1), duplicates=shared)
    assert (out["n_tested"], out["n_merged"], out["verdict"]) == (4, 4, REPLICATES)


def _fabricated(name, auc, n_test=150):
    """Every run of ``name`` in teach mode with the AUC ``auc(row, column)`` + 0.5 x seed."""
    runs = pd.DataFrame(get_spec(name).resolve("teach"))
    runs["status"], runs["n_test"], runs["val_auc"] = "trained", n_test, 70.0
    runs["auc"] = [auc(r, c) + 0.5 * s for r, c, s in zip(runs["row"], runs["column"],
                                                          runs["seed"])]
    return runs


@pytest.mark.parametrize("cells", ["inside the band", "near chance"])
def test_no_finding_is_decided_inside_the_noise_band_in_teach_mode(cells):
    # rows differ by less than the band (test noise alone is ~4.7 points per cell on 150
    # images), or by a lot but all near chance
    rows = {r: i for name in ("table1", "table2", "table3", "table4", "table5", "table6", "fig1",
                              "fig2") for i, r in enumerate(get_spec(name).rows)}
    cols = {c: i for name in ("table2", "table4", "table5") for i, c in
            enumerate(get_spec(name).columns)}
    if cells == "inside the band":
        auc = lambda r, c: 75.0 + 0.3 * (rows[r] % 5) + 0.2 * (cols.get(c, 0) % 4)  # noqa: E731
    else:
        auc = lambda r, c: 46.0 + 1.5 * (rows[r] % 5) + 0.5 * (cols.get(c, 0) % 4)  # noqa: E731
    for claim in paper_claims():
        runs = _fabricated(claim.artefact, auc)
        out = verdict_on_runs(claim, runs, get_spec(claim.artefact), "teach")
        assert out["verdict"] in (INCONCLUSIVE, UNTESTABLE), (claim.name, out)


def test_findings_beyond_the_band_are_decided():
    # the control of the test above: 30-point gaps far from chance decide every finding
    claim = next(c for c in paper_claims("table2") if c.name == "easier_blocks")
    runs = _fabricated("table2", lambda r, c: 90.0 if "8\u00d78" in c else 60.0)
    assert verdict_on_runs(claim, runs, get_spec("table2"), "teach")["verdict"] == REPLICATES
    runs = _fabricated("table2", lambda r, c: 60.0 if "8\u00d78" in c else 90.0)
    assert verdict_on_runs(claim, runs, get_spec("table2"), "teach")["verdict"] == FAILS


def test_verdict_for_mode_and_paper_helpers():
    geo = next(c for c in paper_claims("table3") if c.name == "ocsvm_cnn_second")
    blocks = next(c for c in paper_claims("table2") if c.name == "easier_blocks")
    assert needs_imagenet(geo) and not needs_imagenet(blocks)
    ours = {"n_tested": 3, "verdict": REPLICATES}
    assert verdict_for_mode(blocks, ours, "smoke", True)[0] == UNTESTABLE
    assert verdict_for_mode(geo, ours, "teach", False)[0] == UNTESTABLE
    assert verdict_for_mode(geo, ours, "teach", True) == (REPLICATES, "")
    assert verdict_for_mode(blocks, dict(ours, n_tested=0), "teach", True)[0] == UNTESTABLE
    assert paper_means("fig2") is None
    fig1 = paper_means("fig1")
    assert fig1.loc["head | D. SVDD"].equals(paper_means("table5").loc["soft-boundary | D. SVDD"])


def test_diff_is_a_stand_in_difference_outside_paper_mode():
    runs = pd.DataFrame([_run("D. SVDD", ST1, 0, 70.0)])
    assert diff_column("paper") == "diff" and diff_column("teach") == "stand-in diff"
    assert "stand-in diff" in comparison(runs, T3, mode="teach").columns
    assert comparison(runs, T3, mode="paper")["diff"].notna().any()


def test_notebook_helpers_of_the_runner_and_the_tables():
    from svddlib.config import Config
    from svddlib.plotting import mean_std_text
    from svddlib.reproduce.aggregate import cells_near_chance, seeds_holding, side_by_side
    from svddlib.reproduce.notebook import notebook_overrides, notebook_seeds

    cfg = Config(mode="teach", seed=3, seeds=None, n_epochs=4, max_train=None)
    assert notebook_seeds(cfg) == [3, 4] and notebook_overrides(cfg) == {"n_epochs": 4}
    assert notebook_seeds(Config(cfg, seeds=[7])) == [7]
    assert notebook_overrides(Config(cfg, n_epochs=None)) is None
    claim = Claim("table3", "t", "q", "all", (_gt("x", "a", "y", "a"), _gt("x", "b", "y", "a")))
    table_ = pd.DataFrame({"a": [52.0, 80.0], "b": [48.0, math.nan]}, index=["x", "y"])
    assert cells_near_chance(claim, table_) == (2, 3)  # x/a, x/b near; y/a not
    runs = _fabricated("table2", lambda r, c: 90.0 if "8\u00d78" in c else 60.0)
    easier = next(c for c in paper_claims("table2") if c.name == "easier_blocks")
    assert seeds_holding(easier, runs, get_spec("table2"), "teach", [0, 1]) == (2, 2)
    comp = comparison(runs, get_spec("table2"), mode="teach")
    wide = side_by_side(comp, get_spec("table2"))
    assert wide.shape == (len(get_spec("table2").rows), 4 * len(get_spec("table2").columns))
    assert ("VOC2012 Block perm. 2\u00d72", "stand-in diff") in wide.columns
    assert mean_std_text([0.5, 0.7]) == "60.0 \u00b1 14.1" and mean_std_text([0.5]) == "50.0"


def test_within_two_std_of_a_one_vs_all_cell_uses_the_seed_spread_not_the_classes():
    # paper D. SVDD one-vs-all: 67.9; ours: classes at 53 and 83 (mean 68, class std 21.2),
    # seeds +-1 around each class mean: seed std sqrt(2), so 68 - 67.9 = 0.1 is within 2 sqrt(2)
    runs = pd.DataFrame([_run("D. SVDD", OVA, s, m + d, group=g) for g, m in ((0, 53.0), (1, 83.0))
                         for s, d in ((0, -1.0), (1, 1.0))])
    stats = cell_stats(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", OVA)]
    assert stats["seed_std"] == pytest.approx(math.sqrt(2)) and stats["std"] > 20
    comp = comparison(runs, T3).set_index(["row", "column"]).loc[("D. SVDD", OVA)]
    assert bool(comp["paper_within_2std"])
    shifted = runs.assign(auc=runs["auc"] + 5)  # 73: 5.1 > 2 sqrt(2), though < 2 x 21.2
    comp = comparison(shifted, T3).set_index(["row", "column"]).loc[("D. SVDD", OVA)]
    assert not bool(comp["paper_within_2std"])


def test_pretrained_features_follow_the_runs_configuration():
    for mode in ("smoke", "teach", "paper"):  # EfficientNet-Lite0 / ResNet-18, ImageNet weights
        assert pretrained_features(get_spec("fig2"), mode)
        assert pretrained_features(T3, mode)
        assert not pretrained_features(get_spec("table5"), mode)  # no CNN-feature rows


class _RandomFeatures:
    """A spec whose CNN-feature runs are configured with random ('auto') weights."""

    def resolve(self, mode, seeds):
        runs = get_spec("fig2").resolve(mode, seeds=seeds)
        for run in runs:
            if run["kind"] == "baseline":
                run["baseline"]["weights"] = "auto"
        return runs


def test_pretrained_features_are_false_for_random_weights():
    assert not pretrained_features(_RandomFeatures(), "teach")
