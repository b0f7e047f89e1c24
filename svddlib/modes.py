"""The three run modes of the course and of the experiment runner.

``smoke``  CI: tiny data, one or two epochs, seconds.
``teach``  the default: a laptop CPU, minutes, the findings visible.
``paper``  the paper's full protocol (GPU).

This module sits below everything that needs a mode (baselines, the experiment runner, the
notebook set-up in :mod:`svddlib.config`), so none of them imports the course layer for it.
"""
from __future__ import annotations

import os

__all__ = ["MODES", "resolve_mode"]

MODES = ("smoke", "teach", "paper")


def resolve_mode(mode: str | None = None) -> str:
    """``mode`` if given, else ``$SVDD_MODE``, else ``'teach'``; anything else is an error."""
    chosen = mode if mode is not None else os.environ.get("SVDD_MODE") or "teach"
    if chosen not in MODES:
        source = "the mode parameter" if mode is not None else "the environment variable SVDD_MODE"
        raise ValueError(f"unknown mode {chosen!r} from {source}; choose one of {', '.join(MODES)}")
    return chosen
