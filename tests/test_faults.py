"""The runner and its cache under faults (issue 20): concurrent sweeps on one results folder,
corrupt or incomplete cache entries and checkpoints, a parent killed under its workers, a Dask
address that never answers, bad seeds, failed runs, and the same table on every executor.

Most sweeps use the toy spec of ``tests/reproduce_toy.py`` (what is tested is the runner);
the checkpoint, model and executor cases run a few real smoke runs.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from svddlib.cache import CorruptEntryWarning, entry_lock, run_dir
from svddlib.reproduce import runner
from svddlib.reproduce.cli import main as reproduce_main

sys.path.insert(0, str(Path(__file__).parent))
import reproduce_toy as toy  # noqa: E402

TESTS = Path(__file__).parent


@pytest.fixture()
def results(tmp_path, monkeypatch):
    root = tmp_path / "results"
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(root))
    monkeypatch.setenv("TOY_COUNTER", str(tmp_path / "counter.jsonl"))
    monkeypatch.setenv("PYTHONPATH",
                       os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
    return root


def _entry(results, run) -> Path:
    return run_dir(runner.CACHE_NAME, "smoke", toy.cache_config(run))


def _work_folders(results) -> list:
    folder = results / runner.CACHE_NAME / "smoke"
    return [p for p in folder.glob(".*") if p.is_dir()] if folder.exists() else []


def _one_line_error(capsys, code, argv, call=reproduce_main) -> str:
    assert call(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


# ------------------------------------------------------------------ 1. exit status and seeds
def test_out_of_range_and_repeated_seeds_are_one_line_errors(capsys, results):
    err = _one_line_error(capsys, 2, ["table5", "--mode", "smoke", "--seeds", "4294967296"])
    assert "4294967296" in err and "2**32 - 1" in err
    err = _one_line_error(capsys, 2, ["table2", "--mode", "smoke", "--seeds", "0", "0"])
    assert "distinct" in err and "[0]" in err
    assert runner.check_seeds([0, 2 ** 32 - 1]) == [0, 2 ** 32 - 1]
    assert not results.exists() or not list(results.rglob("metrics.json"))


def test_a_failed_run_makes_the_exit_status_non_zero(capsys, results, monkeypatch):
    """Runs are faked (only the runner is tested); the GEO runs raise."""
    from svddlib.reproduce import execute

    def fake(run, folder=None):
        if run["row"] == "GEO w/ Dirichlet":
            raise RuntimeError("this run always fails")
        return {"auc": 60.0 + run["seed"], "auc_last": 60.0, "auc_before_collapse": 60.0,
                "val_auc": 60.0}

    monkeypatch.setattr(execute, "execute_run", fake)
    err = _one_line_error(capsys, 1, ["table2", "--mode", "smoke", "--seeds", "0",
                                      "--no-progress"])
    assert err.startswith("error: 4 of 36 runs failed")
    monkeypatch.setattr(execute, "execute_run", lambda run, folder=None: fake({**run, "row": ""}))
    assert reproduce_main(["table2", "--mode", "smoke", "--seeds", "0", "--no-progress"]) == 0


# ------------------------------------------------------------------ 2. concurrent sweeps
_CONCURRENT_SCRIPT = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
import reproduce_toy as toy
from svddlib.reproduce.runner import run_sweep
if __name__ == "__main__":
    ready = Path({ready!r})
    (ready / str(os.getpid())).touch()
    while len(list(ready.iterdir())) < 3:  # all three start together
        time.sleep(0.01)
    result = run_sweep(toy.ToySpec(seconds=0.2), "smoke", execute=toy.execute,
                       cache_config=toy.cache_config, progress=False)
    print(json.dumps(result.runs["status"].value_counts().to_dict()))
"""


def test_three_concurrent_sweeps_train_every_run_once(results, tmp_path):
    script, ready = tmp_path / "sweep.py", tmp_path / "ready"
    ready.mkdir()
    script.write_text(_CONCURRENT_SCRIPT.format(tests=str(TESTS), ready=str(ready)))
    procs = [subprocess.Popen([sys.executable, str(script)], env=dict(os.environ),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1].decode()[-2000:] for o in outs]
    counts = [json.loads(o[0].decode().strip().splitlines()[-1]) for o in outs]
    runs = [(e["row"], e["column"], e["seed"]) for e in toy.executions()]
    assert len(runs) == 12 and len(set(runs)) == 12  # each distinct run trained exactly once
    assert sum(c.get("trained", 0) for c in counts) == 12
    assert all(set(c) <= {"trained", "cached"} and sum(c.values()) == 12 for c in counts)
    assert not _work_folders(results)


# ------------------------------------------------------------------ 3. corrupt cache entries
def test_corrupt_or_incomplete_entries_are_moved_aside_and_recomputed(results):
    first = toy.sweep(seeds=[0])
    assert set(first.runs["status"]) == {"trained"}
    runs = toy.ToySpec().resolve("smoke", seeds=[0])
    empty, truncated, missing = (_entry(results, r) for r in runs[:3])
    (empty / "metrics.json").write_text("")
    text = (truncated / "metrics.json").read_text()
    (truncated / "metrics.json").write_text(text[: len(text) // 2])
    (missing / "metrics.json").unlink()
    with pytest.warns(CorruptEntryWarning) as dry:  # a dry run lists them; changes nothing
        plan = runner.plan_sweep(toy.ToySpec(), "smoke", seeds=[0],
                                 cache_config=toy.cache_config)
    assert plan["cached"].tolist() == [False, False, False, True]
    assert (empty / "metrics.json").exists() and len(dry) == 3
    with pytest.warns(CorruptEntryWarning) as warned:
        again = toy.sweep(seeds=[0])
    messages = [str(w.message) for w in warned]
    for folder in (empty, truncated, missing):
        assert any(m.startswith(f"{folder}: ") and "moved aside to" in m for m in messages)
    assert again.runs["status"].tolist() == ["trained"] * 3 + ["cached"]
    assert again.runs["auc"].tolist() == first.runs["auc"].tolist()
    assert len(list((empty.parent / "corrupt").iterdir())) == 3
    assert len(toy.executions()) == 4 + 3


def test_garbage_checkpoint_is_moved_aside_and_the_run_trains(results, monkeypatch):
    from test_reproduce_runner import OneRunSpec

    from svddlib.reproduce import cache_config
    from svddlib.training import CHECKPOINT_NAME

    spec = OneRunSpec(n_epochs=2)
    ckpt = run_dir(runner.CACHE_NAME, "smoke", cache_config(spec.resolve("smoke")[0])
                   ).with_suffix(".ckpt") / CHECKPOINT_NAME
    ckpt.parent.mkdir(parents=True)
    ckpt.write_bytes(b"not a checkpoint" * 100)
    with pytest.warns(CorruptEntryWarning, match=f"{ckpt}: unreadable checkpoint") as warned:
        result = runner.run_sweep(spec, "smoke", progress=False)
    assert result.runs["status"].tolist() == ["trained"]
    assert not any("weights_only=False" in str(w.message) for w in warned)
    assert len(list((ckpt.parent.parent / "corrupt").glob(f"{ckpt.parent.name}-*"))) == 1


def test_truncated_or_deleted_model_is_retrained_and_load_model_names_the_fix(tmp_path,
                                                                                monkeypatch):
    from svddlib.experiments import load_model, run_deep_svdd

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    spec = dict(data_spec={"dataset": "mnist5k", "normal_class": 1, "max_train": 60,
                           "max_eval": 60},
                net_spec={"network": "lenet-mnist", "rep_dim": 8},
                train_cfg={"n_epochs": 1, "batch_size": 30, "progress": False})
    run_deep_svdd("faults", "smoke", **spec)
    model = next(tmp_path.glob("runs/smoke/*/model.pt"))
    model.write_bytes(model.read_bytes()[:1000])  # truncated (a full disk, a partial copy)
    with pytest.warns(CorruptEntryWarning, match=f"{model.parent}: model.pt is corrupt"), \
            pytest.raises(FileNotFoundError, match="run run_deep_svdd with the same arguments"):
        load_model("faults", "smoke", **spec)
    run_deep_svdd("faults", "smoke", **spec)  # the fix the message names: it retrains
    assert load_model("faults", "smoke", **spec).best_epoch == 1
    model.unlink()  # deleted
    with pytest.warns(CorruptEntryWarning, match="model.pt is missing"):
        run_deep_svdd("faults", "smoke", **spec)
    assert model.exists() and load_model("faults", "smoke", **spec).best_epoch == 1


# ------------------------------------------------------------------ 4. orphaned workers


@pytest.mark.parametrize("executor, sig", [("process", signal.SIGTERM),
                                           ("process", signal.SIGKILL),
                                           ("dask", signal.SIGKILL)])
def test_workers_stop_when_the_sweep_process_dies(results, tmp_path, executor, sig):
    script = toy.write_sweep_script(tmp_path / "parent.py",
                                    {"seconds": 3.0, "rows": ("a", "b", "c", "d")},
                                    executor=executor, n_workers=2)
    proc = subprocess.Popen([sys.executable, str(script)], env=dict(os.environ),
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(toy.executions()) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)  # both workers are in a run
    assert len(toy.executions()) >= 2, "the workers never started a run"
    workers = {e["pid"] for e in toy.executions()}
    children = psutil.Process(proc.pid).children(recursive=True)
    assert workers <= {c.pid for c in children}
    proc.send_signal(sig)
    proc.wait()
    _, alive = psutil.wait_procs(children, timeout=10)
    alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for p in alive:
        p.kill()
    assert not alive, f"{executor} workers alive 10 s after {sig.name} to their parent"
    toy.sweep(seeds=[0])  # the next sweep
    assert not _work_folders(results)




def test_work_folders_of_a_killed_sweep_are_removed_at_the_next_start(results, tmp_path):
    script = toy.write_sweep_script(tmp_path / "sequential.py", {"seconds": 30.0})
    proc = subprocess.Popen([sys.executable, str(script)], env=dict(os.environ))
    deadline = time.time() + 120
    while not _work_folders(results) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    [stale] = _work_folders(results)  # SIGKILL leaves the run's work folder
    busy = stale.parent / ".0123456789ab.x1y2z3"  # a live run's folder: its lock is held
    busy.mkdir()
    with entry_lock(stale.parent / "0123456789ab"):
        toy.sweep(seeds=[1])  # another sweep on the same results folder
        assert _work_folders(results) == [busy]


# ------------------------------------------------------------------ 5. a silent Dask address
def test_a_port_that_accepts_but_never_answers_fails_within_the_timeout():
    pytest.importorskip("distributed")
    import distributed.comm  # noqa: F401  (imported before the clock starts)

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # the kernel accepts connections; nobody ever answers
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.perf_counter()
        with pytest.raises(ValueError, match=f"cannot reach the Dask scheduler at '{address}' "
                                             "within 2 s") as err:
            runner.connect_scheduler(address, timeout=2)
        elapsed = time.perf_counter() - start
    assert "\n" not in str(err.value)
    assert elapsed < 2 + 3, f"took {elapsed:.1f} s with a 2 s timeout"  # not minutes


# ------------------------------------------------------------------ 6. one table, every executor
class _Rows:
    """The Table II smoke runs of ``rows`` (a spec-like object for run_sweep)."""

    def __init__(self, rows):
        from svddlib.reproduce import get_spec

        spec = get_spec("table2")
        self.name, self.title, self.metric = spec.name, spec.title, spec.metric
        self.rows, self.columns = spec.rows, spec.columns
        self.runs = [r for r in spec.resolve("smoke", seeds=[0]) if r["row"] in rows]

    def resolve(self, mode, seeds=None, data_root=None, overrides=None):
        return [dict(r) for r in self.runs]


def test_same_table_sequentially_in_a_process_pool_and_on_dask(results, tmp_path,
                                                               monkeypatch):
    """CNN-feature baseline (a randomly initialised ResNet-18 without ImageNet weights) and a
    Deep SVDD row; the pytest process has drawn random numbers before, pool and Dask workers
    are fresh, and thread counts differ (this process's default against 1 per worker)."""
    pytest.importorskip("distributed")
    spec = _Rows(("IF w/ CNN feat.", "D. SVDD w/ bias"))
    tables = {}
    for executor in ("sequential", "process", "dask"):
        monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path / executor))
        result = runner.run_sweep(spec, "smoke", executor=executor, n_workers=2,
                                  progress=False)
        assert set(result.runs["status"]) == {"trained"}, result.failed()["error"].tolist()
        tables[executor] = result.table().to_markdown()
    assert tables["process"] == tables["sequential"]
    assert tables["dask"] == tables["sequential"]


# ------------------------------------------------------------------ 8. smaller cases


def test_interrupted_process_pool_prints_no_thread_traceback(results, tmp_path):
    script = toy.write_sweep_script(tmp_path / "interrupt.py",
                                    {"seconds": 1.0, "rows": ("a", "b", "c")},
                                    executor="process", n_workers=2)
    proc = subprocess.Popen([sys.executable, str(script)], env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while len(toy.executions()) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode != 0 and "KeyboardInterrupt" in output
    assert "InvalidStateError" not in output and "Exception in thread" not in output, output


@pytest.mark.parametrize("name, value, expected", [("seed", "abc", "int"),
                                                   ("lr", "'0.01'", "float")])
def test_notebook_parameter_of_the_wrong_type_is_a_one_line_error(capsys, results, name,
                                                                  value, expected):
    from svddlib.course import main as course_main

    err = _one_line_error(capsys, 2, ["run", "30_hypersphere_collapse", "--mode", "smoke",
                                      "-p", name, value], call=course_main)
    assert f"parameter {name!r}" in err and f"expects {expected}" in err and f"-p {name} " in err
    assert not list(results.rglob("*.ipynb"))  # nothing executed


def test_a_results_root_that_is_a_file_is_a_one_line_error(capsys, tmp_path, monkeypatch):
    target = tmp_path / "results"
    target.write_text("not a folder")
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(target))
    err = _one_line_error(capsys, 2, ["table2", "--mode", "smoke", "--dry-run"])
    assert f"SVDD_RESULTS_ROOT={target} is a file" in err
