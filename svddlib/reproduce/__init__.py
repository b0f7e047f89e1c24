"""The experiment runner: every table and figure of Chong et al. (2020) as a sweep of runs.

``ARTEFACTS`` / ``get_spec`` (:mod:`.specs`) declare the runs per mode, ``paper_table`` /
``paper_claims`` (:mod:`.paper`) hold the paper's printed numbers and stated findings,
``execute_run`` / ``cache_config`` (:mod:`.execute`) run one of them (a
:class:`~svddlib.run_spec.RunSpec` as a dict with its cell's labels), :mod:`.aggregate` turns
the tidy runs frame into the paper's layout and compares it with the paper, :mod:`.plots`
draws the comparisons, and :func:`run_sweep` (:mod:`.runner`) runs a whole artefact through the
cache on a chosen executor (``python -m svddlib reproduce``, :mod:`.cli`).
"""
from .aggregate import (cell_stats, comparison, means, near_chance, noise, stds, table, verdict,
                        pretrained_features, verdict_claim, verdict_for_mode, verdict_on_runs)
from .execute import cache_config, execute_run
from .paper import needs_imagenet, paper_claims, paper_means, paper_table
from .runner import EXECUTORS, SweepResult, plan_sweep, run_sweep
from .specs import ARTEFACTS, ArtefactSpec, get_spec

__all__ = ["ARTEFACTS", "ArtefactSpec", "get_spec", "cache_config", "execute_run",
           "paper_table", "paper_means", "paper_claims", "needs_imagenet", "cell_stats", "means",
           "stds", "noise", "near_chance", "table", "comparison", "verdict", "verdict_claim",
           "verdict_on_runs", "verdict_for_mode", "pretrained_features", "plot_comparison",
           "plot_fig1", "plot_fig2",
           "run_sweep", "plan_sweep", "SweepResult", "EXECUTORS"]


def __getattr__(name):  # plots import matplotlib: only on first use
    if name in ("plot_comparison", "plot_fig1", "plot_fig2"):
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'svddlib.reproduce' has no attribute {name!r}")
