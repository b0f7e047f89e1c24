"""The course's command line, over the course map and papermill runner (:mod:`svddlib.course_map`,
whose names are re-exported here) and the site (:mod:`svddlib.site`).

Command line::

    python -m svddlib.course list
    python -m svddlib.course run                       # every notebook, mode from $SVDD_MODE or teach
    python -m svddlib.course run 30_hypersphere_collapse --mode smoke -p lr 0.01 -p n_epochs 5
    python -m svddlib.course site                      # the executed course as HTML (svddlib.site)
"""
from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

from .course_map import (CELL_TIMEOUTS, COMMON_PARAMETERS, NOTEBOOKS, NotebookSpec,
                         available_notebooks, check_parameter_types, declared_parameters,
                         notebook_spec, notebooks_dir, run_notebook)
from .modes import MODES, resolve_mode
from .paths import results_root

__all__ = ["NotebookSpec", "NOTEBOOKS", "COMMON_PARAMETERS", "CELL_TIMEOUTS", "notebook_spec",
           "notebooks_dir", "available_notebooks", "declared_parameters", "run_notebook",
           "check_parameter_types", "main"]


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _cli(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m svddlib.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the course map")
    run = sub.add_parser("run", help="execute notebooks with papermill")
    run.add_argument("names", nargs="*", help="notebooks to run (default: all available)")
    run.add_argument("--mode", choices=MODES, default=None)
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                     metavar=("NAME", "VALUE"), help="set a parameter (Python literal)")
    run.add_argument("--output-dir", type=Path, default=None)
    run.add_argument("--cell-timeout", type=int, default=None,
                     help="seconds per cell (default by mode: smoke 300, teach 1800, paper 86400)")
    site_cmd = sub.add_parser("site", help="build the executed course as a static HTML book "
                                            "under results/site/ (executes only what is missing)")
    site_cmd.add_argument("names", nargs="*", help="notebooks to publish (default: all available)")
    site_cmd.add_argument("--mode", choices=MODES, default=None)
    args = parser.parse_args(argv)
    if args.command == "site":
        from .site import site_cli  # nbformat and Jupyter Book only when asked for

        return site_cli(args.names, args.mode)
    if args.command == "list":
        for spec in NOTEBOOKS.values():
            status = "ready" if spec.name in available_notebooks() else "planned"
            print(f"{spec.name:26s} [{status:7s}] {spec.title}  (paper {spec.paper_section})")
        return 0
    names = args.names or available_notebooks()
    params = {k: _parse_value(v) for k, v in args.parameter}
    mode = resolve_mode(args.mode)
    for name in names:
        start = time.perf_counter()
        print(f"running {name} in {mode} mode ...", flush=True)
        target = run_notebook(name, mode, params, args.output_dir, args.cell_timeout)
        print(f"  done in {time.perf_counter() - start:.0f} s -> {target}", flush=True)
    print(f"\nExecuted notebooks: {target.parent}\nFigures: {results_root() / 'figures'}\n"
          f"Tables: {results_root() / 'tables'}")
    return 0


def main(argv=None) -> int:
    try:
        return _cli(argv)
    except (ValueError, FileNotFoundError, NotADirectoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
