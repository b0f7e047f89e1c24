"""One run spec, one store: a run trained by a notebook's call is found by the sweep runner and
the reverse; fields that do not change a result stay out of the key; ``--set`` is checked."""
import dataclasses
import subprocess
import sys

import pytest

from svddlib import experiments
from svddlib.reproduce import get_spec, runner
from svddlib.reproduce.cli import main
from svddlib.run_spec import NOT_IN_KEY, RunSpec, apply_sets, parse_assignment


def _smoke_runs(kind="deep_svdd"):
    return [r for r in get_spec("table2").resolve("smoke") if r["kind"] == kind]


@dataclasses.dataclass(frozen=True)
class _OneRun:
    """An artefact of one run (what run_sweep needs of a spec)."""

    run: dict
    name: str = "one"
    metric: str = "auc"

    def resolve(self, mode, seeds=None, data_root=None, overrides=None):
        return [dict(self.run)]


def _notebook_call(run, **train):
    return experiments.run_deep_svdd("some_notebook", "smoke", run["data"], run["net"],
                                     {**run["train"], **train},
                                     preprocessing=run["preprocessing"])


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    return tmp_path


def test_json_round_trip_keeps_every_run_of_the_specs():
    for mode in ("smoke", "paper"):
        for run in get_spec("table4").resolve(mode) + get_spec("table6").resolve(mode):
            spec = RunSpec.from_json(run)
            assert RunSpec.from_json(spec.to_json()) == spec
            assert all(spec.to_json()[k] == run[k] for k in spec.to_json())


def test_fields_that_do_not_change_a_result_stay_out_of_the_key():
    spec = RunSpec.from_json(_smoke_runs()[0])
    other = apply_sets(spec, {"train.device": "cpu", "train.progress": True,
                              "train.eval_batch_size": 7, "train.num_workers": 0})
    assert other != spec and other.key() == spec.key()
    assert set(NOT_IN_KEY) >= {"device", "progress"}
    assert apply_sets(spec, {"train.n_epochs": 2}).key() != spec.key()
    assert apply_sets(spec, {"data.max_train": 10}).key() != spec.key()
    baseline = RunSpec.from_json(_smoke_runs("baseline")[0])
    moved = dataclasses.replace(baseline, baseline=dataclasses.replace(
        baseline.baseline, config={**baseline.baseline.config, "device": "cuda"}))
    assert moved.key() == baseline.key()


def test_a_notebook_run_is_found_by_the_runner(results):
    run = _smoke_runs()[0]
    summary = _notebook_call(run, progress=True, device="cpu")
    sweep = runner.run_sweep(_OneRun(run), "smoke", progress=False)
    assert sweep.runs["status"].tolist() == ["cached"]
    assert sweep.runs["auc"].iloc[0] == pytest.approx(100 * summary["test_auc_best"])


def test_a_runner_run_is_found_by_a_notebook(results, monkeypatch):
    run = _smoke_runs()[1]
    sweep = runner.run_sweep(_OneRun(run), "smoke", progress=False)
    assert sweep.runs["status"].tolist() == ["trained"]

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(experiments, "train_deep_svdd", no_training)
    summary = _notebook_call(run, device="cpu")
    assert 100 * summary["test_auc_best"] == pytest.approx(sweep.runs["auc"].iloc[0])
    assert len(summary["test_scores"]) == summary["n_test"]


def test_entries_of_the_old_cache_layout_are_recomputed_once(results):
    """Runs cached before the one store (``<results>/<notebook>/<mode>/<hash of every
    field>``) are not read: the run is computed again, into ``<results>/runs/``."""
    from svddlib.cache import load_or_run

    run = _smoke_runs()[0]
    old = {"data": run["data"], "net": run["net"], "train": run["train"], "pretrain_epochs": 0,
           "preprocessing": run["preprocessing"], "keep_scores": True}
    load_or_run("some_notebook", "smoke", old, lambda folder: {"test_auc_best": -1.0})
    summary = _notebook_call(run)
    assert summary["test_auc_best"] != -1.0
    assert (results / "runs" / "smoke" / RunSpec.from_json(run).key() / "model.pt").is_file()


def test_set_assignments_are_checked_against_the_spec():
    assert parse_assignment("train.n_epochs=3") == ("train.n_epochs", 3)
    assert parse_assignment("data.max_train=null") == ("data.max_train", None)
    assert parse_assignment("train.lr=1e-3") == ("train.lr", 1e-3)
    with pytest.raises(ValueError, match="unknown key train.'n_epoch'"):
        parse_assignment("train.n_epoch=3")
    with pytest.raises(ValueError, match="train.n_epochs must be int, got 'three'"):
        parse_assignment("train.n_epochs=three")
    with pytest.raises(ValueError, match="PART.FIELD=VALUE"):
        parse_assignment("n_epochs")
    spec = apply_sets(RunSpec.from_json(_smoke_runs()[0]), {"train.n_epochs": "3"})
    assert spec.train.n_epochs == 3
    baseline = RunSpec.from_json(_smoke_runs("baseline")[0])
    assert apply_sets(baseline, {"train.n_epochs": 3}) == baseline  # no training part


def test_set_changes_a_network_option_and_only_that():
    run = [r for r in get_spec("table5").resolve("smoke") if r["kind"] == "deep_svdd"][0]
    spec = RunSpec.from_json(run)
    assert parse_assignment("net.trainable_blocks=2") == ("net.trainable_blocks", 2)
    changed = apply_sets(spec, {"net.trainable_blocks": "2"})
    assert changed.net.options == {**spec.net.options, "trainable_blocks": 2}
    assert changed.net.network == spec.net.network and changed.train == spec.train
    assert changed.key() != spec.key()
    with pytest.raises(ValueError, match="net.trainable_blocks must be int or None"):
        parse_assignment("net.trainable_blocks=two")
    baseline = RunSpec.from_json(_smoke_runs("baseline")[0])
    assert apply_sets(baseline, {"net.trainable_blocks": 2}) == baseline  # no network


def test_set_changes_the_runs_of_a_dry_run(capsys, results):
    assert main(["table2", "--mode", "smoke", "--dry-run", "--set", "train.n_epochs=2"]) == 0
    plan = runner.plan_sweep("table2", "smoke", sets={"train.n_epochs": 2})
    base = runner.plan_sweep("table2", "smoke")
    deep = plan["kind"] == "deep_svdd"
    assert (plan["config_hash"][deep] != base["config_hash"][deep]).all()
    assert (plan["config_hash"][~deep] == base["config_hash"][~deep]).all()


@pytest.mark.parametrize("assignment, message", [
    ("train.n_epoch=3", "error: unknown key train.'n_epoch'; known keys: data.setup"),
    ("data.max_train=lots", "error: data.max_train must be int or None, got 'lots'"),
])
def test_a_bad_set_is_a_one_line_error(assignment, message):
    out = subprocess.run([sys.executable, "-m", "svddlib", "reproduce", "table2", "--mode",
                          "smoke", "--dry-run", "--set", assignment],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.startswith(message)
    assert len(out.stderr.strip().splitlines()) == 1
