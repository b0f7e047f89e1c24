"""One progress bar for the library: a widget only where a person watches a Jupyter notebook.

An executed copy (papermill, nbclient, nbval) would keep a widget as dead state ("Loading
widget..."), so there the plain text bar of ``tqdm.std`` is used. A kernel counts as watched
when a Jupyter server started it (it sets ``JPY_SESSION_NAME``); ``SVDD_PROGRESS=text`` or
``=widget`` overrides the choice.
"""
from __future__ import annotations

import os

__all__ = ["tqdm", "progress_class"]


def progress_class():
    """``tqdm.auto.tqdm`` in a watched notebook, ``tqdm.std.tqdm`` everywhere else."""
    choice = os.environ.get("SVDD_PROGRESS", "").strip().lower()
    if choice not in ("", "text", "widget"):
        raise ValueError(f"SVDD_PROGRESS must be 'text' or 'widget', got {choice!r}")
    if choice == "widget" or (choice == "" and os.environ.get("JPY_SESSION_NAME")):
        from tqdm.auto import tqdm as bar
    else:
        from tqdm.std import tqdm as bar
    return bar


def tqdm(*args, **kwargs):
    """A progress bar of :func:`progress_class` (same arguments as ``tqdm.tqdm``)."""
    return progress_class()(*args, **kwargs)
