"""``python -m svddlib reproduce``: bad input is a one-line error with exit code 2; a dry run
lists the runs and counts the cached ones; a smoke run writes the tables and the figure."""
import os
import subprocess
import sys

import pytest

from svddlib.__main__ import main as svddlib_main
from svddlib.reproduce.cli import main


@pytest.fixture()
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path / "results"))
    monkeypatch.delenv("SVDD_DATA_ROOT", raising=False)  # restored after --data-root sets it
    return tmp_path / "results"


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def test_unknown_artefact(capsys, results):
    err = _error(capsys, ["table9", "--mode", "smoke"])
    assert "'table9'" in err and "table1" in err and "fig2" in err


def test_empty_seed_list(capsys, results):
    err = _error(capsys, ["table1", "--mode", "smoke", "--seeds"])
    assert "seed list is empty" in err and "--seeds 0 1 2" in err


def test_missing_dataset_in_paper_mode_names_the_fix(capsys, results, tmp_path):
    (tmp_path / "empty").mkdir()
    err = _error(capsys, ["table3", "--mode", "paper", "--data-root", str(tmp_path / "empty")])
    assert "CIFAR-10 not found" in err and str(tmp_path / "empty" / "cifar10") in err
    assert "--data-root" in err and "SVDD_DATA_ROOT" in err and "data/README.md" in err
    err = _error(capsys, ["table2", "--mode", "paper", "--data-root", str(tmp_path / "nowhere")])
    assert "is not an existing folder" in err


def test_unreachable_scheduler(capsys, results):
    err = _error(capsys, ["table1", "--mode", "smoke", "--executor", "dask",
                          "--scheduler", "tcp://127.0.0.1:9"])
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err
    err = _error(capsys, ["table1", "--mode", "smoke", "--scheduler", "tcp://127.0.0.1:9"])
    assert "needs --executor dask" in err


def test_dry_run_then_run_then_everything_cached(capsys, results):
    assert main(["table2", "--mode", "smoke", "--seeds", "0", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "table2 (smoke):" in out and "0 already cached" in out
    n_distinct = int(out.split(" distinct")[0].rsplit(" ", 1)[-1])
    assert main(["table2", "--mode", "smoke", "--seeds", "0", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Block perm." in out and "tables:" in out
    folder = results / "tables" / "reproduce" / "table2" / "smoke"
    assert {p.name for p in folder.iterdir()} >= {"table.csv", "table.md", "comparison.csv",
                                                  "comparison.md", "runs.csv"}
    assert (results / "figures" / "reproduce" / "table2_smoke.png").exists()
    assert main(["table2", "--mode", "smoke", "--seeds", "0", "--dry-run"]) == 0
    assert f"{n_distinct} already cached" in capsys.readouterr().out
    # --set trains its own runs (baselines have no training part: cached) and writes its tables
    # beside the preset's, never over them
    preset_table = (folder / "table.csv").read_text()
    assert main(["table2", "--mode", "smoke", "--seeds", "0", "--no-progress",
                 "--set", "train.lr=0.002"]) == 0
    assert "'trained': 16" in capsys.readouterr().out.replace('"', "'")
    variant = folder.parent / "smoke-set-train_lr=0_002"
    assert (variant / "table.csv").read_text() != preset_table
    assert (folder / "table.csv").read_text() == preset_table
    assert (results / "figures" / "reproduce" / "table2_smoke-set-train_lr=0_002.png").exists()


def test_python_dash_m_svddlib(results):
    env = {**os.environ, "SVDD_MODE": "smoke"}
    bad = subprocess.run([sys.executable, "-m", "svddlib", "reproduce", "nope"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "unknown artefact 'nope'" in bad.stderr
    assert svddlib_main([]) == 2 and svddlib_main(["--help"]) == 0
    assert svddlib_main(["fly"]) == 2


def test_interrupt_says_how_to_resume(capsys, results, monkeypatch):
    from svddlib.reproduce import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run_sweep", interrupted)
    assert main(["table2", "--mode", "smoke", "--seeds", "0", "--no-progress"]) == 130
    assert "run the same command again" in capsys.readouterr().err
