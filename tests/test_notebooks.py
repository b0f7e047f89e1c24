"""Notebook hygiene, papermill runs with non-default parameters, and proof that failures fail.

nbval itself executes every notebook (``pytest --nbval-lax`` collects ``notebooks/``); the tests
here check the notebooks' form and the papermill route.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from svddlib import course
from svddlib.config import COMMON_PARAMETERS
from svddlib.paths import project_root

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))
KEEP_OUTPUT_TAG = "nbval-check-output"


def _cells_tagged(nb, tag):
    return [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_hygiene(path):
    nb = nbformat.read(path, as_version=4)
    assert len(_cells_tagged(nb, "parameters")) == 1, "exactly one cell tagged 'parameters'"
    spec = course.notebook_spec(path.stem)
    expected = set(COMMON_PARAMETERS) | set(spec.presets["smoke"])
    assert set(papermill.inspect_notebook(str(path))) == expected
    assert all(set(p) == set(spec.presets["smoke"]) for p in spec.presets.values())
    assert nb.metadata["kernelspec"]["name"] == "python3"
    stored = [c for c in nb.cells if c.cell_type == "code" and c.get("outputs")
              and KEEP_OUTPUT_TAG not in c.metadata.get("tags", [])]
    assert not stored, "store notebooks stripped of outputs"
    text = "\n".join(c.source for c in nb.cells)
    for section in ("Learning goals", "Summary", "Exercises", "References"):
        assert f"## {section}" in text, f"missing section {section!r}"
    assert f'setup_notebook("{path.stem}"' in text
    assert "sys.path" not in text


def _write_notebook(path: Path, sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("broken", ["assert 1 + 1 == 3, 'deliberate'", "raise RuntimeError('boom')"])
def test_nbval_fails_on_a_broken_notebook(tmp_path, broken):
    good = _write_notebook(tmp_path / "good.ipynb", ["x = 2", "assert x == 2"])
    bad = _write_notebook(tmp_path / "bad.ipynb", ["x = 2", broken])
    run = lambda nb: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q",
         "-o", "addopts=", "--rootdir", str(tmp_path), str(nb)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run(good).returncode == 0
    failed = run(bad)
    assert failed.returncode == 1, failed.stdout[-2000:]


def test_papermill_raises_on_a_broken_notebook(tmp_path):
    bad = _write_notebook(tmp_path / "bad.ipynb", ["assert False, 'deliberate'"])
    with pytest.raises(papermill.PapermillExecutionError, match="deliberate"):
        papermill.execute_notebook(str(bad), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   progress_bar=False, execution_timeout=120)


def test_runner_rejects_unknown_parameter_before_running():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['n_preveiw'\]"):
        course.run_notebook("00_introduction", "smoke", {"n_preveiw": 3})


def test_introduction_with_non_default_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    out = course.run_notebook("00_introduction", "smoke", {"n_preview": 4, "seed": 7},
                              output_dir=tmp_path, cell_timeout=600)
    summary = json.loads((tmp_path / "00_introduction" / "smoke" / "summary.json").read_text())
    assert summary["mode"] == "smoke" and summary["n_preview"] == 4 and summary["seed"] == 7
    assert summary["mnist5k_images"] == 5000
    assert out.exists()


def test_deep_svdd_with_non_default_parameters(tmp_path, monkeypatch):
    import math

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    params = {"normal_class": 3, "objective": "soft-boundary", "nu": 0.2}
    course.run_notebook("20_deep_svdd", "smoke", params, output_dir=tmp_path, cell_timeout=600)
    summary = json.loads((tmp_path / "20_deep_svdd" / "smoke" / "summary.json").read_text())
    # the parameters reached the notebook and the runs it trained
    assert summary["mode"] == "smoke"
    assert (summary["normal_class"], summary["objective"], summary["nu"]) == (3, "soft-boundary", 0.2)
    assert summary["data_name"] == "mnist5k-ova3"
    assert summary["main_run"]["objective"] == "soft-boundary" and summary["main_run"]["nu"] == 0.2
    assert set(summary["final_l_svdd"]) == {"one-class + AE", "soft-boundary + AE",
                                            "soft-boundary, no AE"}
    assert list(summary["auc_table"]) == ["digit 3", "mean"]  # smoke: the detailed digit only
    # metrics in sane ranges
    assert 0.0 <= summary["main_run"]["test_auc_best"] <= 1.0
    for row in summary["auc_table"].values():
        assert all(0.0 <= value <= 1.0 for value in row.values())
    assert all(math.isfinite(v) and v >= 0 for v in summary["final_l_svdd"].values())
    assert all(math.isfinite(v) and v > 0 for v in summary["main_run"]["ae_losses"])
    assert summary["soft_boundary_radius_last"] > 0
    assert summary["nu_property"]["0.2"]["whole_set"] == pytest.approx(0.2, abs=1 / summary["n_train"])
    assert 0 <= summary["n_centre_coordinates_moved"] <= 32
