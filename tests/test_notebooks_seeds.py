"""Notebooks in smoke mode under seeds other than 0 (issue 11).

Assert cells must hold for any seed (tolerances from sample sizes, findings guarded by the
parameters they hold for). Part 1 (00-43, whose asserts check training outcomes: collapse, loss
bands, steady states) runs here under seeds 1 and 2. Part 2 (50-90) runs under seed 1 or 2 with
non-default parameters in ``tests/test_notebooks_part2.py`` and ``test_notebooks_part2b.py``, so
it is not run a third time here (that cost about 200 s of ``make test``; under seeds 2 and 3 all
of part 2 passed on 2026-12-07). ``SVDD_SEED_TEST_SEEDS="3 4"`` runs every notebook, part 2
included, under the seeds given.
"""
import os

import papermill
import pytest

from svddlib import course
from svddlib.paths import project_root
from notebook_outputs import assert_clean_outputs

NOTEBOOKS = sorted((project_root() / "notebooks").glob("*.ipynb"))
ASKED = os.environ.get("SVDD_SEED_TEST_SEEDS")
PART1_SEEDS = (1, 2)


def _seeds(path) -> tuple:
    if ASKED:
        return tuple(int(s) for s in ASKED.split())
    return PART1_SEEDS if path.stem < "50" else ()


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

