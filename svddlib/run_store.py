"""The one store of runs: ``<results>/runs/<mode>/<key>/`` (:mod:`svddlib.cache`).

Every run, whether a notebook asked for it (:func:`svddlib.experiments.run_deep_svdd`) or a
paper table did (:func:`svddlib.reproduce.run_sweep`), is computed by :func:`through_cache` under
the key of its :class:`~svddlib.run_spec.RunSpec`, so a run trained anywhere is found
everywhere. A run killed part-way resumes from its checkpoint in ``<key>.ckpt/`` (removed once
the run is cached).

Cached results of earlier versions (notebook runs under ``<results>/<notebook>/<mode>/``,
sweep runs under ``<results>/reproduce/<mode>/``, keys that hashed the device and the progress
flag) are not read: each such run is recomputed once into this store.
"""
from __future__ import annotations

import shutil
from typing import Callable

from .cache import load_or_run, run_dir

__all__ = ["RUNS", "through_cache", "checkpoint_dir"]

#: The cache name of every run: ``<results>/runs/<mode>/<key>/``.
RUNS = "runs"


def checkpoint_dir(mode: str, config: dict):
    """Where the run of ``config`` keeps its training checkpoint until it is cached."""
    return run_dir(RUNS, mode, config).with_suffix(".ckpt")


def through_cache(mode: str, config: dict, compute: Callable, *, force: bool = False,
                  required: dict | None = None, ran: list | None = None) -> dict:
    """The cached record of ``config``, else ``compute(folder, checkpoints)`` cached.

    ``checkpoints`` is :func:`checkpoint_dir` (cleared first when ``force``: a forced run starts
    from scratch); ``required``: files a complete entry holds (:func:`svddlib.cache.read_entry`);
    ``ran``: a list that gets one item when ``compute`` was called (not loaded from the cache).
    """
    checkpoints = checkpoint_dir(mode, config)

    def work(folder):  # under the entry's lock: no other process computes it meanwhile
        if ran is not None:
            ran.append(True)
        if force:
            shutil.rmtree(checkpoints, ignore_errors=True)
        return compute(folder, checkpoints)

    record = load_or_run(RUNS, mode, config, work, force=force, required=required)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return record
