"""Notebooks 72, 73 and 90 (issue 10) from papermill with non-default parameters: the parameters
reach the runner's sweeps and the probes, and the summaries hold sane, complete numbers.

Each runs in smoke mode in its own results folder, so what it reports was trained by it.
"""
import json
import math

import pytest

from notebook_outputs import assert_clean_outputs
from svddlib import course
from svddlib.reproduce import get_spec, paper_claims
from svddlib.reproduce.aggregate import VERDICTS
from svddlib.reproduce.specs import VARIANT_ORDER


def _run(name, params, folder, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(folder))
    assert_clean_outputs(course.run_notebook(name, "smoke", params, output_dir=folder,
                                             cell_timeout=600))
    return json.loads((folder / name / "smoke" / "summary.json").read_text())


def test_learning_rates_with_non_default_parameters(tmp_path, monkeypatch):
    summary = _run("72_learning_rates", {"seed": 1, "n_epochs": 2}, tmp_path, monkeypatch)
    assert summary["seeds"] == [1] and summary["n_epochs"] == 2
    spec, fig1 = get_spec("table5"), get_spec("fig1")
    assert summary["n_runs_table5"] == len(spec.rows) * len(spec.columns)
    assert summary["n_runs_fig1"] == len(fig1.rows) * len(fig1.columns)
    assert "failed" not in summary["status_table5"]
    assert len(summary["table5_means"]) == len(spec.rows) * len(spec.columns)
    assert all(0.0 <= v <= 100.0 for v in summary["table5_means"].values())
    assert math.isfinite(summary["mean_diff_to_paper"])
    assert summary["selection_gain_null"] > 0  # the best of two epochs of random scores
    # per variant at the highest lr: in how many of the seeds some run ends collapsed
    assert set(summary["top_lr_seeds_collapsing"]) == set(VARIANT_ORDER)
    assert all(0 <= n <= len(summary["seeds"]) for n in summary["top_lr_seeds_collapsing"].values())
    assert set(summary["claims"]) == {c.name for name in ("table5", "fig1")
                                      for c in paper_claims(name)}
    assert set(summary["claims"].values()) == {VERDICTS[2]}  # smoke tests no finding


def test_pooling_with_non_default_parameters(tmp_path, monkeypatch):
    params = {"seed": 2, "n_probe": 12, "probe_side": 32}
    summary = _run("73_pooling", params, tmp_path, monkeypatch)
    assert summary["seeds"] == [2]
    assert summary["n_probe"] == 12 and summary["probe_side"] == 32
    probe = summary["probe"]
    assert set(probe) == {f"{b} | {f}" for b in ("2x2", "8x8") for f in ("pooling", "no pooling")}
    assert all(math.isfinite(v) and v >= 0 for v in probe.values())
    # 32-px patches leave a 1x1 map: pooling over one position changes nothing
    for blocks in ("2x2", "8x8"):
        assert probe[f"{blocks} | pooling"] == pytest.approx(probe[f"{blocks} | no pooling"], rel=1e-5)
    # outside paper mode the probe and rows A, B use the ImageNet EfficientNet-Lite0
    assert summary["probe_network"] == "EfficientNet-Lite0" and summary["weights"] == "imagenet"
    assert summary["pretrained_features"] is True
    spec = get_spec("fig2")
    assert summary["n_runs"] > 0
    # every row runs, the deep 'no pooling' rows C-E too (EfficientNet-Lite0's flattened map)
    assert summary["n_missing_cells"] == 0
    assert len(summary["fig2_means"]) == len(spec.rows) * len(spec.columns)
    assert all(0.0 <= v <= 100.0 for v in summary["fig2_means"].values())
    assert set(summary["claims"].values()) == {VERDICTS[2]}


def test_paper_results_with_non_default_parameters(tmp_path, monkeypatch):
    params = {"seed": 1, "artefacts": ["table1", "table6"]}
    summary = _run("90_paper_results", params, tmp_path, monkeypatch)
    assert summary["artefacts"] == ["table1", "table6"] and summary["seeds"] == [1]
    assert set(summary["sweeps"]) == {"table1", "table6"}
    for name, sweep in summary["sweeps"].items():
        assert sweep["failed"] == 0 and sweep["runs"] == sweep["trained"] + sweep["cached"] > 0
    assert all(v is not None and math.isfinite(v) for v in summary["mean_diff"].values())
    assert {k.split("/")[0] for k in summary["verdicts"]} == {"table1", "table6"}
    assert sum(summary["verdict_counts"].values()) == len(summary["verdicts"])
    assert set(summary["verdicts"].values()) == {VERDICTS[2]}


def test_paper_results_rejects_an_unknown_artefact(tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    with pytest.raises(papermill.PapermillExecutionError, match="unknown artefact 'table7'"):
        course.run_notebook("90_paper_results", "smoke", {"artefacts": ["table7"]},
                            output_dir=tmp_path, cell_timeout=600)
