"""Shared plumbing: paths, seeding, metrics, the results cache, modes and notebook set-up."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from svddlib import cache, config, course, metrics, paths, plotting, seeding


def test_results_and_data_roots_follow_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path / "res"))
    monkeypatch.setenv("SVDD_DATA_ROOT", str(tmp_path))
    assert paths.results_root() == tmp_path / "res"
    assert paths.figures_root() == tmp_path / "res" / "figures"
    assert paths.data_root() == tmp_path.resolve()


def test_missing_data_root_names_variable_and_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_DATA_ROOT", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"SVDD_DATA_ROOT=.*nowhere.*mkdir -p"):
        paths.data_root()


def test_project_root_holds_pyproject():
    assert (paths.project_root() / "pyproject.toml").exists()


def test_set_seed_makes_torch_and_numpy_repeatable():
    import torch

    g1 = seeding.set_seed(3)
    a = (np.random.rand(), torch.rand(2, generator=g1))
    g2 = seeding.set_seed(3)
    b = (np.random.rand(), torch.rand(2, generator=g2))
    assert a[0] == b[0] and torch.equal(a[1], b[1])
    assert seeding.numpy_rng(5).random() == seeding.numpy_rng(5).random()


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_seed_is_rejected(bad):
    with pytest.raises(ValueError, match="seed"):
        seeding.set_seed(bad)


def test_auc_matches_hand_count():
    # pairs (anomaly, normal): (0.9,0.1) (0.9,0.5) (0.4,0.1) (0.4,0.5) -> 3 of 4 ordered right
    assert metrics.auc([0, 0, 1, 1], [0.1, 0.5, 0.9, 0.4]) == pytest.approx(0.75)


def test_auc_rejects_single_class_and_nan():
    with pytest.raises(ValueError, match="both"):
        metrics.auc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        metrics.auc([0, 1], [0.1, float("nan")])


def test_config_hash_ignores_key_order_and_sees_values():
    assert cache.config_hash({"a": 1, "b": (2, 3)}) == cache.config_hash({"b": [2, 3], "a": 1})
    assert cache.config_hash({"a": 1}) != cache.config_hash({"a": 2})


def test_load_or_run_caches_and_force_recomputes(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    calls = []

    def run(folder):
        calls.append(folder)
        (folder / "weights.txt").write_text("w")
        return {"auc": 0.5 + len(calls) / 10}

    first = cache.load_or_run("nb", "smoke", {"lr": 1e-3}, run)
    second = cache.load_or_run("nb", "smoke", {"lr": 1e-3}, run)
    assert first == second == {"auc": 0.6} and len(calls) == 1
    stored = cache.run_dir("nb", "smoke", {"lr": 1e-3})
    assert json.loads((stored / "config.json").read_text()) == {"lr": 1e-3}
    assert (stored / "weights.txt").exists() and "torch" in (stored / "versions.json").read_text()
    assert cache.load_or_run("nb", "smoke", {"lr": 1e-3}, run, force=True) == {"auc": 0.7}


def test_interrupted_run_leaves_no_cache_entry(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))

    def crash(folder):
        (folder / "partial.pt").write_text("x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cache.load_or_run("nb", "smoke", {"x": 1}, crash)
    final = cache.run_dir("nb", "smoke", {"x": 1})
    assert list(final.parent.iterdir()) == [Path(f"{final}.lock")]  # only the entry's lock file


def test_atomic_write_json_replaces_whole_file(tmp_path):
    target = tmp_path / "m.json"
    cache.atomic_write_json(target, {"a": np.float32(0.5)})
    cache.atomic_write_json(target, {"b": 1})
    assert json.loads(target.read_text()) == {"b": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_resolve_mode_order_and_errors(monkeypatch):
    monkeypatch.delenv("SVDD_MODE", raising=False)
    assert config.resolve_mode() == "teach"
    monkeypatch.setenv("SVDD_MODE", "smoke")
    assert config.resolve_mode() == "smoke"
    assert config.resolve_mode("paper") == "paper"
    with pytest.raises(ValueError, match=r"unknown mode 'fast'.*smoke, teach, paper"):
        config.resolve_mode("fast")
    monkeypatch.setenv("SVDD_MODE", "quick")
    with pytest.raises(ValueError, match="SVDD_MODE"):
        config.resolve_mode()


def test_setup_notebook_fills_presets_and_rejects_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    cfg = config.setup_notebook("00_introduction", mode="smoke", seed=1, n_preview=None)
    assert cfg.mode == "smoke" and cfg.seed == 1
    assert cfg.n_preview == course.NOTEBOOKS["00_introduction"].presets["smoke"]["n_preview"]
    assert cfg.results_dir == tmp_path / "00_introduction" / "smoke"
    assert "generator" not in cfg.public()
    cfg2 = config.setup_notebook("00_introduction", mode="smoke", n_preview=4)
    assert cfg2.n_preview == 4
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['n_previews'\]"):
        config.setup_notebook("00_introduction", mode="smoke", n_previews=4)
    with pytest.raises(ValueError, match="unknown notebook"):
        config.setup_notebook("99_nothing")


def test_save_figure_is_deterministic(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    first = plotting.save_figure(fig, "line").read_bytes()
    second = plotting.save_figure(fig, "line").read_bytes()
    plt.close(fig)
    assert first == second and first[:4] == b"\x89PNG"


def test_course_cli_rejects_unknown_mode_and_parameter(capsys):
    with pytest.raises(SystemExit):
        course.main(["run", "00_introduction", "--mode", "fast"])
    code = course.main(["run", "00_introduction", "--mode", "smoke", "-p", "n_previw", "3"])
    assert code == 2
    assert "unknown parameter(s) ['n_previw']" in capsys.readouterr().err


def test_course_map_lists_every_existing_notebook():
    on_disk = sorted(p.stem for p in course.notebooks_dir().glob("*.ipynb"))
    assert on_disk == sorted(course.available_notebooks())
    assert all(not course.NOTEBOOKS[name].planned for name in on_disk)


def test_interrupted_notebook_run_leaves_no_executed_copy(tmp_path, monkeypatch):
    """papermill writes cell by cell; a run stopped half-way must not leave its partial copy
    where a finished executed notebook is expected (the site would publish it)."""
    import papermill

    def interrupted(source, output, **kwargs):
        open(output, "w").write("{}")  # what papermill has written so far
        raise KeyboardInterrupt

    monkeypatch.setattr(papermill, "execute_notebook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        course.run_notebook("00_introduction", "smoke", output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
