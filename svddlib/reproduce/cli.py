"""``python -m svddlib reproduce``: run the sweep of a paper artefact and write its tables.

Examples::

    python -m svddlib reproduce table4 --mode teach
    python -m svddlib reproduce all --mode teach --executor process --workers 2
    python -m svddlib reproduce table3 --mode paper --data-root /data/svdd \\
        --executor dask --scheduler tcp://scheduler:8786 --seeds 0 1 2 3 4
    python -m svddlib reproduce table1 --mode teach --dry-run
    python -m svddlib reproduce table2 --mode smoke --set train.n_epochs=3 --set data.max_train=200

Tables (CSV + Markdown of ours vs the paper's) go to ``<results>/tables/reproduce/<artefact>/
<mode>/``, figures to ``<results>/figures/reproduce/``. Bad input (unknown artefact, missing
dataset in paper mode, unreachable scheduler, empty, repeated or out-of-range seeds, an unknown
``--set`` key or a value of the wrong type) is a one-line error, exit code 2; a sweep in which
any run failed ends with a one-line summary and exit code 1 (after writing the tables of the
runs that finished). ``--set PART.FIELD=VALUE`` changes that field of every run's
:class:`~svddlib.run_spec.RunSpec` (runs without that part, e.g. ``train`` of a baseline, are
left alone); its tables and figure are named ``<mode>-set-PART_FIELD=VALUE...`` (dots as
``_``), beside the preset's, never over them.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from ..modes import MODES
from .runner import (EXECUTORS, artefact_spec, check_datasets, check_seeds, connect_scheduler,
                     local_cluster_client, plan_sweep, run_sweep)

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m svddlib reproduce", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artefacts", nargs="+", metavar="ARTEFACT",
                        help="table1 .. table6, fig1, fig2, or all")
    parser.add_argument("--mode", choices=MODES, default=None,
                        help="smoke | teach | paper (default: $SVDD_MODE, else teach)")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="folder holding cifar10/, voc2012/, wikiart/ (as SVDD_DATA_ROOT)")
    parser.add_argument("--executor", choices=EXECUTORS, default="sequential")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786 (--executor dask)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of --executor process / local dask (default 2)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads per run (default: cores / workers in pools)")
    parser.add_argument("--seeds", type=int, nargs="*", default=None,
                        help="seeds to run (default: the mode's seeds)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the run list and how many are cached; run nothing")
    parser.add_argument("--force", action="store_true", help="retrain cached runs")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--set", action="append", default=[], metavar="PART.FIELD=VALUE",
                        dest="sets", help="change a field of every run's spec (parts: data, "
                        "net, train), e.g. train.n_epochs=3; repeatable")
    return parser


def _artefact_names(requested: list[str]) -> list[str]:
    from .specs import ARTEFACTS

    names = list(ARTEFACTS) if "all" in requested else list(dict.fromkeys(requested))
    for name in names:
        artefact_spec(name)  # ValueError naming the known artefacts
    return names


def _set_data_root(path: Path | None) -> None:
    if path is None:
        return
    path = path.expanduser()
    if not path.is_dir():
        raise ValueError(f"--data-root {path} is not an existing folder; create it or point "
                         "it at the folder holding cifar10/, voc2012/, wikiart/")
    os.environ["SVDD_DATA_ROOT"] = str(path.resolve())


def _sets(assignments: list[str]) -> dict:
    """``--set`` assignments as ``{"part.field": value}``, checked against the run spec."""
    from ..run_spec import parse_assignment

    return dict(parse_assignment(text) for text in assignments)


def _dry_run(names, mode, args, sets) -> None:
    for name in names:
        plan = plan_sweep(name, mode, seeds=args.seeds, data_root=args.data_root, sets=sets)
        print(plan.to_string(index=False))
        unique = plan.drop_duplicates("config_hash")
        print(f"{name} ({mode}): {len(plan)} runs, {len(unique)} distinct, "
              f"{int(unique['cached'].sum())} already cached\n")


def _variant(sets: dict) -> str:
    """The file-name suffix of a ``--set`` sweep (``''`` without one), e.g. ``-set-train_lr=0_002``
    for ``train.lr=0.002``, so its tables and figure never overwrite the preset's."""
    text = "".join(f"-set-{key}={value}" for key, value in sorted(sets.items()))
    return re.sub(r"[^A-Za-z0-9=_-]", "_", text)


def _report(result, sets: dict) -> None:
    from ..plotting import save_figure

    variant = _variant(sets)
    paths = result.save(f"reproduce/{result.artefact}/{result.mode}{variant}")
    print(f"\n{result.spec.title} ({result.mode} mode)\n")
    print(result.table().to_markdown())
    counts = result.runs["status"].value_counts().to_dict()
    print(f"\nruns: {counts}; tables: {paths[0].parent}")
    for _, row in result.failed().iterrows():
        print(f"  failed: {row['row']} | {row['column']} | seed {row['seed']}: {row['error']}")
    from . import plots

    fig = plots.plot_comparison(result)
    fig = getattr(fig, "figure", fig)
    print(f"figure: {save_figure(fig, f'{result.artefact}_{result.mode}{variant}', 'reproduce')}")


def _one_line_cache_warnings() -> None:
    """Print a :class:`~svddlib.cache.CorruptEntryWarning` as one line, ``warning: ...``
    (not Python's two-line form with the source line); other warnings as usual."""
    import warnings

    from ..cache import CorruptEntryWarning

    show = warnings.showwarning
    if getattr(show, "one_line_cache_warnings", False):  # already installed
        return

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, CorruptEntryWarning):
            print(f"warning: {message}", file=file or sys.stderr)
        else:
            show(message, category, filename, lineno, file, line)

    showwarning.one_line_cache_warnings = True
    warnings.showwarning = showwarning


def _cli(argv=None) -> int:
    from ..modes import resolve_mode

    _one_line_cache_warnings()
    args = _parser().parse_args(argv)
    mode = resolve_mode(args.mode)
    check_seeds(args.seeds)
    sets = _sets(args.sets)
    names = _artefact_names(args.artefacts)
    _set_data_root(args.data_root)
    if mode == "paper":
        for name in names:
            check_datasets(artefact_spec(name).resolve(mode, seeds=args.seeds,
                                                       data_root=args.data_root))
    if args.dry_run:
        _dry_run(names, mode, args, sets)
        return 0
    if args.scheduler and args.executor != "dask":
        raise ValueError("--scheduler needs --executor dask")
    executor = args.executor
    if executor == "dask":  # one client for every artefact; connect up front
        executor = (connect_scheduler(args.scheduler) if args.scheduler
                    else local_cluster_client(args.workers or 2))
    failed, total = 0, 0
    try:
        for name in names:
            result = run_sweep(name, mode, seeds=args.seeds, executor=executor,
                               n_workers=args.workers, data_root=args.data_root,
                               force=args.force, progress=not args.no_progress,
                               threads=args.threads, sets=sets)
            _report(result, sets)
            failed, total = failed + len(result.failed()), total + len(result.runs)
    finally:
        if not isinstance(executor, str):
            cluster = getattr(executor, "cluster", None)
            executor.close()
            if cluster is not None:
                cluster.close()
    if failed:
        print(f"error: {failed} of {total} runs failed (errors above); their cells are "
              "missing. Fix the cause and run the same command again: finished runs are cached",
              file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    """Entry point; returns 2 with a one-line error on bad input, 1 when a run failed, 130
    when interrupted."""
    try:
        return _cli(argv)
    except (ValueError, FileNotFoundError, NotADirectoryError) as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished runs are cached and a Deep SVDD run in flight keeps its "
              "last checkpoint; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
