"""Project-root-relative locations of data, results and figures.

Jupyter, nbval and papermill start kernels in different working directories, so no path here
depends on the current directory. Each location can be moved with an environment variable:

==================  ======================  ==========================================
variable            default                 holds
==================  ======================  ==========================================
SVDD_PROJECT_ROOT   the checkout            everything below
SVDD_DATA_ROOT      <root>/data             downloaded datasets and data caches
SVDD_RESULTS_ROOT   <root>/results          executed notebooks, cached runs, figures
==================  ======================  ==========================================
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "data_root", "results_root", "figures_root", "tables_root"]


def project_root() -> Path:
    """The checkout holding ``pyproject.toml`` (or ``$SVDD_PROJECT_ROOT``)."""
    env = os.environ.get("SVDD_PROJECT_ROOT")
    if env:
        return _existing_dir(Path(env), "SVDD_PROJECT_ROOT")
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.home() / "svdd-course"  # a non-editable install: keep outputs in one place


def _existing_dir(path: Path, variable: str) -> Path:
    path = path.expanduser().resolve()
    if not path.is_dir():
        raise FileNotFoundError(
            f"{variable}={path} is not an existing folder. Create it (mkdir -p {path}) "
            f"or unset {variable} to use the default location."
        )
    return path


def data_root() -> Path:
    """Folder of datasets: ``$SVDD_DATA_ROOT`` (must exist) or ``<root>/data`` (created)."""
    env = os.environ.get("SVDD_DATA_ROOT")
    if env:
        return _existing_dir(Path(env), "SVDD_DATA_ROOT")
    path = project_root() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_root() -> Path:
    """Folder of everything the course writes: ``$SVDD_RESULTS_ROOT`` or ``<root>/results``."""
    env = os.environ.get("SVDD_RESULTS_ROOT")
    path = Path(env).expanduser().resolve() if env else project_root() / "results"
    if path.exists() and not path.is_dir():
        where = "SVDD_RESULTS_ROOT=" if env else "the results folder "
        raise NotADirectoryError(f"{where}{path} is a file, not a folder; point SVDD_RESULTS_ROOT "
                                 "at a folder (it is created if missing) or move the file")
    path.mkdir(parents=True, exist_ok=True)
    return path


def figures_root() -> Path:
    """``<results>/figures``: one sub-folder per notebook."""
    path = results_root() / "figures"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tables_root() -> Path:
    """``<results>/tables``: result tables (CSV and Markdown), one sub-folder per notebook."""
    path = results_root() / "tables"
    path.mkdir(parents=True, exist_ok=True)
    return path
