"""Results cache: a finished run is stored once and loaded on every re-run.

Layout: ``<results>/<name>/<mode>/<config-hash>/`` holding ``config.json`` (the resolved
configuration), ``metrics.json`` (what the run returned), ``versions.json`` (library versions)
and whatever the run itself wrote there (weights, histories). A run first writes into a
temporary sibling folder which is renamed into place only when it finished, so an interrupted
run never leaves a half-written entry that a later call would load.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from .paths import results_root

__all__ = [
    "config_hash", "atomic_write_json", "atomic_torch_save", "load_or_run", "run_dir",
    "library_versions", "save_summary",
]


def _jsonable(obj: Any) -> Any:
    """Canonical JSON-able form of a config (tuples as lists, numpy scalars as Python)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"config value {obj!r} of type {type(obj).__name__} is not JSON-able")


def config_hash(config: dict) -> str:
    """A short, stable hash of a configuration (key order does not matter)."""
    text = json.dumps(_jsonable(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path, obj) -> Path:
    """Write ``obj`` as indented JSON to ``path`` atomically (temp file + rename)."""
    text = json.dumps(_jsonable(obj), indent=2, sort_keys=True)
    return _atomic_write(Path(path), lambda tmp: tmp.write_text(text + "\n"))


def atomic_torch_save(obj, path) -> Path:
    """``torch.save`` to ``path`` atomically (temp file + rename)."""
    import torch

    return _atomic_write(Path(path), lambda tmp: torch.save(obj, tmp))


def library_versions() -> dict:
    """Versions of Python and the main libraries, stored next to every cached result."""
    import numpy
    import sklearn
    import torch

    from . import __version__

    return {
        "python": platform.python_version(), "svddlib": __version__, "torch": torch.__version__,
        "numpy": numpy.__version__, "scikit-learn": sklearn.__version__,
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
    }


def run_dir(name: str, mode: str, config: dict) -> Path:
    """Where the result of ``config`` for notebook/experiment ``name`` in ``mode`` lives."""
    return results_root() / name / mode / config_hash(config)


def load_or_run(name: str, mode: str, config: dict, run: Callable[[Path], dict],
                force: bool = False) -> dict:
    """Return the cached metrics of ``config``, or call ``run(folder)`` and cache what it returns.

    ``run`` receives an empty folder where it may save weights or histories and must return a
    JSON-able dict of metrics. ``force=True`` recomputes and replaces the cached entry.
    """
    final = run_dir(name, mode, config)
    metrics_file = final / "metrics.json"
    if metrics_file.exists() and not force:
        return json.loads(metrics_file.read_text())
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        metrics = run(work)
        if not isinstance(metrics, dict):
            raise TypeError(f"run() must return a dict of metrics, got {type(metrics).__name__}")
        atomic_write_json(work / "config.json", config)
        atomic_write_json(work / "versions.json", library_versions())
        atomic_write_json(work / "metrics.json", metrics)  # written last: marks completion
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return json.loads(metrics_file.read_text())


def save_summary(cfg, metrics: dict) -> Path:
    """Write a notebook's key results to ``<results>/<notebook>/<mode>/summary.json``.

    Tests that run notebooks with papermill read this file and check sanity ranges.
    """
    return atomic_write_json(Path(cfg.results_dir) / "summary.json",
                             {"notebook": cfg.notebook, "mode": cfg.mode, **metrics})
