"""A tiny artefact spec for the runner tests (not a test module): a few rows x columns x seeds,
each run a short real computation whose AUC is a deterministic function of its labels.

Every execution appends one line to the file named by ``$TOY_COUNTER`` (if set), so a test can
count how often each run really executed. The row ``"broken"`` always raises.
"""
import json
import os
import time
from dataclasses import dataclass, field

ROWS = ("method A", "method B")


@dataclass(frozen=True)
class ToySpec:
    name: str = "toy"
    title: str = "Toy table"
    paper_section: str = "none"
    rows: tuple = ROWS
    columns: tuple = ("col 1", "col 2")
    trims: dict = field(default_factory=lambda: {m: f"toy {m}" for m in ("smoke", "teach", "paper")})
    metric: str = "auc"
    seconds: float = 0.0     # CPU work per run
    dataset: str = "mnist5k"

    def resolve(self, mode, seeds=None, data_root=None, overrides=None):
        seeds = [0, 1, 2] if seeds is None else list(seeds)
        return [{"artefact": self.name, "row": r, "column": c, "seed": s, "kind": "toy",
                 "data": {"dataset": self.dataset}, "seconds": self.seconds,
                 "data_root": data_root, "train": {"n_epochs": (overrides or {}).get("n_epochs", 1)}}
                for r in self.rows for c in self.columns for s in seeds]


def cache_config(run):
    return {k: v for k, v in run.items() if k not in ("artefact", "data_root")}


def expected_auc(run):
    return 60.0 + 10 * (run["row"] == "method B") + 5 * (run["column"] == "col 2") + run["seed"]


def execute(run, folder=None):
    counter = os.environ.get("TOY_COUNTER")
    if counter:
        with open(counter, "a") as f:
            f.write(json.dumps({"row": run["row"], "column": run["column"], "seed": run["seed"],
                                "pid": os.getpid()}) + "\n")
    if run["row"] == "broken":
        raise RuntimeError("this run always fails\nsecond line")
    if run["seconds"]:
        import torch

        end, x = time.perf_counter() + run["seconds"], torch.ones(256, 256)
        while time.perf_counter() < end:
            x = torch.tanh(x @ x / 256)
    import torch

    return {"auc": expected_auc(run), "test_auc_last": expected_auc(run) - 1, "history": [1, 2],
            "pid": os.getpid(), "threads": torch.get_num_threads()}


_SWEEP_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import reproduce_toy as toy
from svddlib.reproduce.runner import run_sweep
if __name__ == "__main__":
    run_sweep(toy.ToySpec(**{spec!r}), "smoke", execute=toy.execute,
              cache_config=toy.cache_config, progress=False, **{sweep!r})
"""


def write_sweep_script(path, spec=None, **sweep):
    """Write a script that runs one toy sweep (``ToySpec(**spec)``, ``run_sweep(**sweep)``), for
    tests that signal or kill a sweep process; returns ``path``."""
    from pathlib import Path

    path = Path(path)
    path.write_text(_SWEEP_SCRIPT.format(tests=str(Path(__file__).parent), spec=spec or {},
                                         sweep=sweep))
    return path


def executions() -> list:
    """The runs that really executed, one dict each, from ``$TOY_COUNTER``."""
    from pathlib import Path

    path = Path(os.environ["TOY_COUNTER"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def sweep(spec=None, **kwargs):
    """``run_sweep`` of the toy spec (default ``ToySpec()``) in smoke mode, without progress."""
    from svddlib.reproduce import runner

    kwargs.setdefault("progress", False)
    return runner.run_sweep(spec or ToySpec(), "smoke", execute=execute,
                            cache_config=cache_config, **kwargs)
