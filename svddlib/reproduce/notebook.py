"""What the runner notebooks (71-73, 90) share: their seeds, overrides and sweep call.

Kept here once instead of in each notebook; every function takes the notebook's ``cfg`` (the
object :func:`svddlib.setup_notebook` returns).
"""
from __future__ import annotations

__all__ = ["notebook_seeds", "notebook_overrides", "notebook_sweep"]


def notebook_seeds(cfg) -> list:
    """``cfg.seeds`` when given, else the mode's default seeds shifted by ``cfg.seed``."""
    from .specs import DEFAULT_SEEDS

    if cfg.seeds is not None:
        return list(cfg.seeds)
    return [cfg.seed + s for s in DEFAULT_SEEDS[cfg.mode]]


def notebook_overrides(cfg, keys=("n_epochs", "max_train")) -> dict | None:
    """The runner overrides among ``keys`` that the notebook's parameters set (None: none)."""
    return {k: cfg[k] for k in keys if cfg[k] is not None} or None


def notebook_sweep(cfg, name: str, seeds=None, overrides=None):
    """:func:`~svddlib.reproduce.runner.run_sweep` of artefact ``name`` in the notebook's mode,
    executor and force flag; progress bars outside smoke mode."""
    from .runner import run_sweep

    return run_sweep(name, cfg.mode, seeds=seeds, executor=cfg.executor, overrides=overrides,
                     force=cfg.force_retrain, progress=cfg.mode != "smoke")
