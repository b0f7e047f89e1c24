"""svddlib: Deep SVDD and its regularized variants against hypersphere collapse.

Reference implementation and teaching library for Chong, Ruff, Kloft and Binder (2020),
"Simple and Effective Prevention of Mode Collapse in Deep One-Class Classification".

Submodules are imported on first use, so ``import svddlib`` stays cheap.
"""
from __future__ import annotations

import importlib
import os

# With few cores, torch's OpenMP threads busy-wait and slow everything else down; this must be
# set before torch is first imported (it has no effect afterwards).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"

_SUBMODULES = {
    "baselines", "cache", "config", "course", "data", "detector", "kernel_svdd", "metrics",
    "models", "modes", "objectives", "paths", "plotting", "regularizers", "reproduce",
    "seeding", "training", "weighting", "experiments",
}
_SHORTCUTS = {
    "DeepSVDD": "detector",
    "setup_notebook": "config",
    "set_seed": "seeding",
    "auc": "metrics",
}

__all__ = sorted(_SUBMODULES | set(_SHORTCUTS))


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _SHORTCUTS:
        return getattr(importlib.import_module(f"{__name__}.{_SHORTCUTS[name]}"), name)
    raise AttributeError(f"module 'svddlib' has no attribute {name!r}")
