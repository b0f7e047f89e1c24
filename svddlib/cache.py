"""Results cache: a finished run is stored once and loaded on every re-run.

Layout: ``<results>/<name>/<mode>/<config-hash>/`` holding ``config.json`` (the resolved
configuration), ``metrics.json`` (what the run returned), ``versions.json`` (library versions)
and whatever the run itself wrote there (weights, histories). A run first writes into a
temporary sibling folder which is renamed into place only when it finished, so an interrupted
run never leaves a half-written entry that a later call would load.

Faults: a run is computed under a per-entry lock (``<hash>.lock``, :mod:`filelock`), so
concurrent sweeps on one results folder (processes on one machine, or workers on a shared file
system that supports ``flock``) compute each entry once; the waiting one loads the result. An
entry whose ``metrics.json`` is empty, truncated or not a dict (or that lacks a file its caller
requires) is moved aside to ``<results>/<name>/<mode>/corrupt/`` with a one-line warning naming
it, and recomputed. Work folders left by a killed process are removed the next time a run of
the same entry starts (:func:`remove_stale_work`).
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

from .paths import results_root

__all__ = [
    "config_hash", "atomic_write", "atomic_write_json", "atomic_torch_save", "load_or_run", "run_dir",
    "library_versions", "save_summary", "CorruptEntryWarning", "move_aside", "read_entry",
    "entry_lock", "remove_stale_work", "array_store",
]


class CorruptEntryWarning(UserWarning):
    """A cache entry or checkpoint could not be read; it was moved aside and is recomputed."""


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


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` atomically: ``write(tmp)`` fills a temporary file beside it, which then
    replaces ``path`` (a failed write leaves no file); returns ``path``."""
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
    return atomic_write(Path(path), lambda tmp: tmp.write_text(text + "\n"))


def atomic_torch_save(obj, path) -> Path:
    """``torch.save`` to ``path`` atomically (temp file + rename)."""
    import torch

    return atomic_write(Path(path), lambda tmp: torch.save(obj, tmp))


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


def move_aside(path, reason: str, into=None, name: str | None = None) -> Path:
    """Move a corrupt entry or file to ``<into>/<name>.<UTC time>.<random>`` (default: the folder
    ``corrupt/`` beside it, its own name) with a one-line :class:`CorruptEntryWarning` naming
    both paths; returns the new path."""
    path = Path(path)
    target = Path(into) if into is not None else path.parent / "corrupt"
    target.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime('%Y%m%dT%H%M%S', time.gmtime())
    dest = target / f"{name or path.name}.{stamp}.{secrets.token_hex(3)}"
    try:
        os.replace(path, dest)
    except FileNotFoundError:  # another process moved it first
        return dest
    warnings.warn(f"{path}: {reason}; moved aside to {dest} and recomputed",
                  CorruptEntryWarning, stacklevel=2)
    return dest


def _read_metrics(folder: Path, required) -> tuple[dict | None, str | None]:
    """``(metrics, None)`` of a complete entry, else ``(None, what is wrong)``."""
    try:
        metrics = json.loads((folder / "metrics.json").read_text())
    except FileNotFoundError:
        return None, "metrics.json is missing"
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        return None, f"unreadable metrics.json ({type(err).__name__}: {str(err).splitlines()[0]})"
    if not isinstance(metrics, dict):
        return None, f"metrics.json holds a {type(metrics).__name__}, not a dict"
    for name, valid in (required or {}).items():
        if not (folder / name).is_file():
            return None, f"{name} is missing"
        if valid is not None and not valid(folder / name):
            return None, f"{name} is corrupt"
    return metrics, None


def read_entry(folder, required: dict | None = None, on_problem: str = "move") -> dict | None:
    """The metrics of the cache entry ``folder``, or None when it is absent or incomplete.

    ``required``: file name -> None or ``check(path) -> bool``; an entry missing one of these
    (or failing its check) is incomplete. An incomplete or corrupt entry is, by
    ``on_problem``: ``"move"``d aside (:func:`move_aside`; do this holding the entry's lock,
    :func:`entry_lock`, so that a fresh entry another process just wrote is never moved),
    ``"warn"``ed about, or ``"ignore"``d; None is returned either way.
    """
    if on_problem not in ("move", "warn", "ignore"):
        raise ValueError(f"on_problem must be 'move', 'warn' or 'ignore', got {on_problem!r}")
    folder = Path(folder)
    if not folder.is_dir():
        return None
    metrics, problem = _read_metrics(folder, required)
    if problem is None:
        return metrics
    if on_problem == "move":
        move_aside(folder, problem)
    elif on_problem == "warn":
        warnings.warn(f"{folder}: {problem}; it will be recomputed", CorruptEntryWarning,
                      stacklevel=2)
    return None


def entry_lock(final: Path):
    """The inter-process lock of the cache entry ``final`` (a ``<hash>.lock`` file beside it)."""
    from filelock import FileLock

    return FileLock(str(final) + ".lock")


def remove_stale_work(final: Path) -> None:
    """Remove the work folders ``.<hash>.*`` of entry ``final`` that no process is using (the
    entry's lock is free), e.g. after a SIGKILL. Never waits for a lock that is held."""
    from filelock import Timeout

    final = Path(final)
    stale = [p for p in final.parent.glob(f".{final.name}.*") if p.is_dir()]
    if not stale:
        return
    try:
        with entry_lock(final).acquire(timeout=0):
            for path in stale:
                shutil.rmtree(path, ignore_errors=True)
    except Timeout:  # a live run holds it: its work folder is not stale
        pass


def _install(work: Path, final: Path) -> None:
    """Put the finished work folder in place of ``final`` (held under the entry's lock)."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        os.replace(final, old)
    os.replace(work, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_or_run(name: str, mode: str, config: dict, run: Callable[[Path], dict],
                force: bool = False, required: dict | None = None) -> dict:
    """Return the cached metrics of ``config``, or call ``run(folder)`` and cache what it returns.

    ``run`` receives an empty folder where it may save weights or histories and must return a
    JSON-able dict of metrics. ``force=True`` recomputes and replaces the cached entry.
    ``required``: files the entry must hold to count as complete (see :func:`read_entry`).
    Concurrent calls for one entry compute it once (the others wait and load it).
    """
    final = run_dir(name, mode, config)
    if not force and (cached := read_entry(final, required, "ignore")) is not None:
        return cached
    final.parent.mkdir(parents=True, exist_ok=True)
    with entry_lock(final):
        if not force and (cached := read_entry(final, required)) is not None:
            return cached  # another process computed it while we waited (or it was complete)
        for stale in final.parent.glob(f".{final.name}.*"):  # we hold the lock: left by a kill
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
        try:
            metrics = run(work)
            if not isinstance(metrics, dict):
                raise TypeError(f"run() must return a dict of metrics, got "
                                f"{type(metrics).__name__}")
            atomic_write_json(work / "config.json", config)
            atomic_write_json(work / "versions.json", library_versions())
            atomic_write_json(work / "metrics.json", metrics)  # written last: marks completion
            _install(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return json.loads((final / "metrics.json").read_text())


def _readable_npy(path: Path) -> bool:
    import numpy as np

    try:
        np.load(path, mmap_mode="r")
    except (OSError, ValueError, EOFError):
        return False
    return True


def array_store(name: str, mode: str = "shared") -> Callable:
    """``store(key, compute) -> array``: the array cached under ``<results>/<name>/<mode>/``
    for the JSON-able ``key``, or ``compute()``'s result, saved there (``array.npy``) first.
    Built on :func:`load_or_run`, so concurrent callers compute one key once, and an entry
    whose array is missing or unreadable is moved aside and recomputed."""
    import numpy as np

    def store(key: dict, compute: Callable[[], Any]):
        def run(folder: Path) -> dict:
            array = np.asarray(compute())
            np.save(folder / "array.npy", array)
            return {"shape": list(array.shape), "dtype": str(array.dtype)}

        load_or_run(name, mode, key, run, required={"array.npy": _readable_npy})
        return np.load(run_dir(name, mode, key) / "array.npy")

    return store


def save_summary(labels, metrics: dict, folder=None) -> Path:
    """Write key results to ``<folder>/summary.json`` (default
    ``<results>/<notebook>/<mode>/``) with the ``notebook`` and ``mode`` of ``labels``, a plain
    mapping (a notebook's :class:`~svddlib.config.Config` is one); returns the file.

    Tests that run notebooks with papermill read this file and check sanity ranges.
    """
    notebook, mode = labels["notebook"], labels["mode"]
    folder = results_root() / notebook / mode if folder is None else Path(folder)
    return atomic_write_json(folder / "summary.json", {"notebook": notebook, "mode": mode,
                                                       **metrics})
