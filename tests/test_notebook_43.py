"""Notebook 43 from papermill with non-default parameters: the parameters reach the runs and the
summary it writes holds sane, complete numbers."""
import json
import math
import re

from notebook_outputs import assert_clean_outputs
from svddlib import course


def test_why_regularizers_with_non_default_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    params = {"seed": 3, "normal_class": 1, "objectives": ["soft-boundary"], "c_min": 2.0,
              "d0_fraction": 10.0, "large_weight": 20.0, "snapshot_epochs": [0, 2]}
    executed = course.run_notebook("43_why_regularizers_fail_or_work", "smoke", params,
                                   output_dir=tmp_path, cell_timeout=600)
    assert_clean_outputs(executed)  # the explorer is static HTML, no widget state
    explorers = [out["data"]["text/html"] for cell in json.loads(executed.read_text())["cells"]
                 for out in cell.get("outputs", []) if "const images" in str(out.get("data", {}))]
    panels = json.loads(re.search(r"const images = (\{.*?\});", "".join(explorers[0])).group(1))
    assert len(panels) == 4 * 2 * len(params["snapshot_epochs"])  # variants x regimes x epochs
    summary = json.loads((tmp_path / "43_why_regularizers_fail_or_work" / "smoke" / "summary.json").read_text())
    assert summary["mode"] == "smoke" and summary["seed"] == 3
    assert summary["objectives"] == ["one-class", "soft-boundary"]   # one-class always runs
    cells = summary["table_I"]
    assert len(cells) == 2 * 2 * 6   # regimes x objectives x rows
    assert all(0.0 <= c["auc_best"] <= 1.0 and c["collapsed"] in (0, 1) for c in cells.values())
    controls = summary["controls"]
    assert {"var. reg. | adaptive, d0 scaled", "noise reg. | gradnorm", "noise reg. | adaptive, floor"} <= set(controls)
    assert all(math.isfinite(c["auc_last"]) for c in controls.values())
    assert all(isinstance(c["useful_detector"], bool) for c in controls.values())
    assert 0.0 <= summary["reference_auc_last"] <= 1.0
