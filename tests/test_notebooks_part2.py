"""Notebooks 50, 60, 70 and 71 (issue 10) from papermill with non-default parameters: the
parameters reach the runner's sweeps and the 2-D picture, and the summaries hold sane, complete
numbers; outside paper mode they run on the offline stand-ins (Fashion-MNIST, photographs,
landscapes) and show a gallery of each.

The three share one results folder, so 71 reads the Table III runs that 70 trained (as in a
course run); each runs in smoke mode with seed 1 (the notebook's own draws and the sweeps), which
is also what checks that their assert cells hold for a seed other than 0
(``tests/test_notebooks_seeds.py`` runs part 1 only).
"""
import json
import math

import pytest

from notebook_outputs import assert_clean_outputs
from svddlib import course
from svddlib.reproduce import get_spec
from svddlib.reproduce.specs import PAPER_SIDE


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return tmp_path_factory.mktemp("part2")


def _run(name, params, folder, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(folder))
    assert_clean_outputs(course.run_notebook(name, "smoke", params, output_dir=folder,
                                             cell_timeout=600))
    return json.loads((folder / name / "smoke" / "summary.json").read_text())


def test_semi_supervised_with_non_default_parameters(results, monkeypatch):
    params = {"normal_class": 1, "anomaly_class": 7, "eta": 2.0, "picture_epochs": 1, "seed": 1,
              "seeds": [1]}
    summary = _run("50_semi_supervised", params, results, monkeypatch)
    assert (summary["normal_class"], summary["anomaly_class"], summary["eta"]) == (1, 7, 2.0)
    assert summary["picture_epochs"] == 1
    assert summary["eq3_scratch"] == pytest.approx(summary["eq3_svddlib"], rel=1e-12)
    for key in ("picture_auc", "picture_seen_auc", "picture_unseen_mean_auc"):
        assert set(summary[key]) == {"unlabeled only", "with labeled anomalies"}
        assert all(0.0 <= v <= 100.0 for v in summary[key].values())
    assert all(math.isfinite(v) and v > 0 for v in summary["distance_ratio"].values())
    assert summary["table6_seeds"] == [1]
    assert "failed" not in summary["table6_status"]
    spec = get_spec("table6")
    assert len(summary["table6_means"]) == len(spec.rows) * len(spec.columns)
    assert all(0.0 <= v <= 100.0 for v in summary["table6_means"].values())
    assert {"noise_best_ova", "blocks_train_generalises", "noise_beats_variance"} <= set(summary["claims"])
    for figure in ("table6_standins", "table6_one_vs_all_pairs"):
        assert (results / "figures" / "50_semi_supervised" / f"{figure}.png").exists()


def test_baselines_on_the_cifar10_stand_in(results, monkeypatch):
    summary = _run("60_baselines", {"methods": ["ocsvm_pca", "ocsvm_cnn"], "seed": 1}, results,
                   monkeypatch)
    assert summary["dataset"] == "fashion_mnist" and summary["normal_classes"] == [3]
    assert summary["caps"] == {"max_train": 60, "max_eval": 60, "max_anomalies": 1000}
    assert set(summary["mean_test_auc"]) == {"OC-SVM w/ PCA", "OC-SVM w/ CNN feat."}
    assert all(0.0 <= v <= 1.0 for v in summary["mean_test_auc"].values())
    assert (results / "figures" / "60_baselines" / "one_vs_all_classes.png").exists()


def test_one_vs_all_with_non_default_parameters(results, monkeypatch):
    summary = _run("70_one_vs_all", {"normal_classes": [2], "seed": 1, "seeds": [1]}, results,
                   monkeypatch)
    assert summary["dataset"] == "fashion_mnist"
    assert summary["normal_classes"] == [2] and summary["seeds"] == [1]
    assert "failed" not in summary["status"]
    spec = get_spec("table3")
    assert set(summary["ours_mean"]) == set(spec.rows) == set(summary["paper_mean"])
    assert all(0.0 <= v <= 100.0 for v in summary["ours_mean"].values())
    assert all(set(row) == {"2"} for row in summary["per_class"].values())
    assert math.isnan(summary["rank_corr"]) or -1.0 <= summary["rank_corr"] <= 1.0
    assert set(summary["ranking"]) == {"paper (CIFAR-10)", "ours (smoke, fashion_mnist)"}
    assert summary["ranking"]["paper (CIFAR-10)"]["best"] == "GEO w/ Dirichlet"


def test_image_alterations_with_non_default_parameters(results, monkeypatch):
    summary = _run("71_image_alterations", {"seed": 1, "seeds": [1], "n_gallery": 2, "n_epochs": 1},
                   results, monkeypatch)
    assert summary["dataset"] == "photographs" and summary["seeds"] == [1]
    assert all("failed" not in status for status in summary["status"].values())
    # the stroke-thickness mapping: the paper's M scaled by the ratio of the image sides
    strokes = [m for m in summary["mapping"] if m["anomaly"] == "strokes"]
    assert {m["column"] for m in strokes} == {"CIFAR10 Strokes 1", "VOC2012 Strokes 5",
                                              "VOC2012 Strokes 9", "WikiArt Strokes 5",
                                              "WikiArt Strokes 9"}
    for m in strokes:
        assert m["paper image side (px)"] in PAPER_SIDE.values()
        assert m["strength used"] == pytest.approx(
            m["paper strength"] * m["stand-in side (px)"] / m["paper image side (px)"], abs=1e-3)
    blocks = [m for m in summary["mapping"] if m["anomaly"] == "blocks"]
    assert sorted(m["strength used"] for m in blocks) == [2, 2, 8, 8]
    for name in ("table2", "table3", "table4"):
        spec = get_spec(name)
        assert len(summary["means"][name]) <= len(spec.rows) * len(spec.columns)
        assert all(0.0 <= v <= 100.0 for v in summary["means"][name].values())
    assert any(k.startswith("paper | table2") for k in summary["geo_margins"])
    # a gallery per stand-in: photographs (VOC2012), landscapes (WikiArt), Fashion-MNIST (CIFAR-10)
    assert {m["stand-in"] for m in summary["mapping"]} == {"photographs", "landscapes",
                                                           "fashion_mnist"}
    for stand_in in ("photographs", "landscapes", "fashion_mnist"):
        assert (results / "figures" / "71_image_alterations" / f"anomaly_gallery_{stand_in}.png").exists()
