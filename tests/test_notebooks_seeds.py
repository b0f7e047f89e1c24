"""Every notebook in smoke mode under seeds other than 0 (issue 11).

Assert cells must hold for any seed (tolerances from sample sizes, findings guarded by the
parameters they hold for), so each notebook found in ``notebooks/`` is executed with papermill
under other seeds: part 1 (00-43, whose asserts check training outcomes: collapse, loss bands,
steady states) under seeds 1 and 2; part 2 (50-90, which run the paper's sweeps and check what
a sweep guarantees) under seed 1 only, so its shared smoke sweeps are trained once (a second
seed cost about 200 s of a 23-min ``make test``). ``SVDD_SEED_TEST_SEEDS="3 4"`` runs every
notebook under the seeds given.
"""
import os

import papermill
import pytest

from svddlib import course
from svddlib.paths import project_root
from notebook_outputs import assert_clean_outputs

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))
ASKED = os.environ.get("SVDD_SEED_TEST_SEEDS")
PART1_SEEDS, PART2_SEEDS = (1, 2), (1,)


def _seeds(path) -> tuple:
    if ASKED:
        return tuple(int(s) for s in ASKED.split())
    return PART1_SEEDS if path.stem < "50" else PART2_SEEDS


CASES = [(path, seed) for path in NOTEBOOKS for seed in _seeds(path)]


@pytest.fixture(scope="module")
def results_per_seed(tmp_path_factory):
    """One results folder per seed for this module: notebooks 42, 50, 70-73 and 90 run the same
    smoke sweeps, which they then train once per seed instead of once per notebook and seed;
    nothing cached under one seed is seen under another."""
    folders = {}

    def folder(seed):
        if seed not in folders:
            folders[seed] = tmp_path_factory.mktemp(f"seed{seed}-results")
        return folders[seed]

    return folder


@pytest.mark.parametrize("path, seed", CASES, ids=[f"{p.stem}-{s}" for p, s in CASES])
def test_notebook_holds_for_another_seed(path, seed, tmp_path, results_per_seed, monkeypatch):
    assert seed != 0, "seed 0 is what nbval runs already"
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(results_per_seed(seed)))
    try:
        executed = course.run_notebook(path.stem, "smoke", {"seed": seed}, output_dir=tmp_path,
                                       cell_timeout=600)
    except papermill.PapermillExecutionError as err:
        pytest.fail(f"{path.stem} fails in smoke mode with seed={seed}: {err.ename}: {err.evalue}"[:3000])
    assert_clean_outputs(executed)

