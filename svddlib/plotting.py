"""One figure style for the course and one way to save figures.

The library never selects a matplotlib backend: notebooks show figures inline, and papermill
keeps them only when the kernel's default inline backend is left alone.
"""
from __future__ import annotations

from pathlib import Path

from .cache import _atomic_write
from .paths import figures_root, tables_root

__all__ = ["set_style", "save_figure", "save_table", "PALETTE"]

#: Colours used for the model variants throughout the course.
PALETTE = {
    "D. SVDD": "#4C72B0",
    "D. SVDD w/ bias": "#DD8452",
    "D. SVDD w/ bias & noise reg.": "#55A868",
    "D. SVDD w/ bias & var. reg.": "#C44E52",
    "normal": "#4C72B0",
    "anomaly": "#C44E52",
}


def set_style() -> None:
    """Seaborn's white grid, readable font sizes, and compact figures."""
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update({"figure.figsize": (6.4, 4.0), "figure.dpi": 100, "savefig.dpi": 120,
                         "axes.titlesize": "medium", "savefig.bbox": "tight"})


def _folder(root: Path, cfg) -> Path:
    sub = getattr(cfg, "notebook", None) if cfg is not None else None
    folder = root / sub if sub else root
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_figure(fig, name: str, cfg=None) -> Path:
    """Save ``fig`` as ``<results>/figures/<notebook>/<name>.png`` with deterministic metadata.

    The PNG carries no timestamp, so the same figure saved twice gives the same bytes.
    """
    path = _folder(figures_root(), cfg) / f"{Path(name).stem}.png"
    return _atomic_write(path, lambda tmp: fig.savefig(
        tmp, format="png", metadata={"Software": "svddlib (matplotlib)"}))


def save_table(df, name: str, cfg=None) -> Path:
    """Save a pandas DataFrame as CSV and Markdown under ``<results>/tables/<notebook>/``."""
    folder = _folder(tables_root(), cfg)
    _atomic_write(folder / f"{name}.md", lambda tmp: tmp.write_text(df.to_markdown() + "\n"))
    return _atomic_write(folder / f"{name}.csv", lambda tmp: df.to_csv(tmp))
