"""One figure style for the course and one way to save figures.

The library never selects a matplotlib backend: notebooks show figures inline, and papermill
keeps them only when the kernel's default inline backend is left alone.
"""
from __future__ import annotations

from pathlib import Path

from .cache import atomic_write
from .paths import figures_root, tables_root

__all__ = ["set_style", "save_figure", "save_table", "plot_histories", "chance_line",
           "auc_limits", "metric_title", "mean_std_text", "image_explorer", "figure_png",
           "in_words", "TABLE_WORDS", "PALETTE", "LOG_SCALE_METRICS", "METRIC_TITLES",
           "CHANCE_GID"]

#: Colours used for the model variants throughout the course.
PALETTE = {
    "D. SVDD": "#4C72B0",
    "D. SVDD w/ bias": "#DD8452",
    "D. SVDD w/ bias & noise reg.": "#55A868",
    "D. SVDD w/ bias & var. reg.": "#C44E52",
    "normal": "#4C72B0",
    "anomaly": "#C44E52",
}


#: How tables show floats (pandas display only; the values are not rounded).
TABLE_FLOAT_FORMAT = "{:.4g}"


def set_style() -> None:
    """Seaborn's white grid, readable font sizes, compact figures, and tables that show
    floats with four significant digits (:data:`TABLE_FLOAT_FORMAT`)."""
    import matplotlib as mpl
    import seaborn as sns

    import pandas as pd

    sns.set_theme(style="whitegrid", context="notebook")
    # tables in significant digits: 1e-7 and 4.6e-4 must not both print as 0.0000
    pd.set_option("display.float_format", TABLE_FLOAT_FORMAT.format)
    mpl.rcParams.update({"figure.figsize": (6.4, 4.0), "figure.dpi": 100, "savefig.dpi": 120,
                         "axes.titlesize": "medium", "savefig.bbox": "tight"})


def _folder(root: Path, folder) -> Path:
    folder = Path(root, folder) if folder is not None else Path(root)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_figure(fig, name: str, folder=None) -> Path:
    """Save ``fig`` as ``<results>/figures/<folder>/<name>.png`` with deterministic metadata.

    ``folder``: a path relative to the figures root (an absolute one replaces it); a
    notebook's :class:`~svddlib.config.Config` stands for its notebook's name. The PNG carries
    no timestamp, so the same figure saved twice gives the same bytes.
    """
    path = _folder(figures_root(), folder) / f"{Path(name).stem}.png"
    return atomic_write(path, lambda tmp: fig.savefig(
        tmp, format="png", metadata={"Software": "svddlib (matplotlib)"}))


def save_table(df, name: str, folder=None) -> Path:
    """Save a pandas DataFrame as CSV and Markdown under ``<results>/tables/<folder>/``
    (``folder`` as for :func:`save_figure`); returns the CSV's path."""
    folder = _folder(tables_root(), folder)
    atomic_write(folder / f"{name}.md", lambda tmp: tmp.write_text(df.to_markdown() + "\n"))
    return atomic_write(folder / f"{name}.csv", lambda tmp: df.to_csv(tmp))


#: ``gid`` of the artist :func:`chance_line` draws (tests find chance lines by it).
CHANCE_GID = "chance"


def chance_line(ax, value: float = 50.0, axis: str = "y", label: str = "chance"):
    """A dotted line at the AUC of a detector without skill on AUC axis ``axis`` ('y', 'x' or
    'both'), labelled with ``label`` in small text at the end of the line; ``value`` 0.5 for
    AUCs in [0, 1]. Returns the lines (their ``gid`` is :data:`CHANCE_GID`)."""
    if axis not in ("x", "y", "both"):
        raise ValueError(f"axis must be 'x', 'y' or 'both', got {axis!r}")
    lines = []
    for which in ("y", "x") if axis == "both" else (axis,):
        if which == "y":
            lines.append(ax.axhline(value, color="0.45", ls=":", lw=1.1, gid=CHANCE_GID, zorder=1))
            ax.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), ha="left",
                        va="bottom", fontsize="x-small", color="0.35")
        else:
            lines.append(ax.axvline(value, color="0.45", ls=":", lw=1.1, gid=CHANCE_GID, zorder=1))
            ax.annotate(label, (value, 0.01), xycoords=("data", "axes fraction"), ha="left",
                        va="bottom", fontsize="x-small", color="0.35", rotation=90)
    return lines


def auc_limits(ax, values, axis: str = "y", top: float = 100.0) -> None:
    """Set an AUC axis from below chance to ``top`` (100 for %, 1 for [0, 1]) around
    ``values``, so that chance is on the axis and a few points of noise do not fill it."""
    import numpy as np

    scale = top / 100.0
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    low = min(45.0 * scale, float(finite.min()) - 3 * scale) if finite.size else 45.0 * scale
    (ax.set_xlim if axis == "x" else ax.set_ylim)(max(low, 0.0), top)


def mean_std_text(values, scale: float = 100.0, digits: int = 1) -> str:
    """"mean ± std" of ``values`` times ``scale`` (e.g. AUC in [0, 1] as %), sample std
    (ddof=1); the mean alone for a single value. Usable as a pandas aggregation."""
    import numpy as np

    v = scale * np.asarray(values, float)
    if v.size < 2:
        return f"{v.mean():.{digits}f}" if v.size else "\u2014"
    return f"{v.mean():.{digits}f} \u00b1 {v.std(ddof=1):.{digits}f}"


#: Words for the per-epoch history keys (panel titles instead of column names).
METRIC_TITLES = {
    "feature_var": "feature variance", "score_spread": "spread of the training scores",
    "val_score_spread": "spread of the validation scores", "l_svdd": "SVDD loss",
    "l_reg": "regularizer loss", "c_t": "weight c_t", "reg_threshold":
    "variance threshold d_t", "test_auc": "test AUC", "val_auc": "validation AUC",
    "radius": "radius R", "loss": "total loss",
}


#: Words for the short column names of the notebooks' summary tables (:func:`in_words`).
TABLE_WORDS = {
    "auc_best": "test AUC, best val. epoch (mean)", "auc_last": "test AUC, last epoch (mean)",
    "var_ratio": "feature variance, last / initial (median)", "collapsed": "runs collapsed",
    "final_c_t": "last c_t (median)", "max_c_t": "largest c_t", "max_c_t_far":
    "largest c_t while d_t > 10 x variance",
}


def in_words(table):
    """``table`` (a DataFrame) with its short column names replaced by :data:`TABLE_WORDS`, for
    display; the other columns keep their names."""
    return table.rename(columns=TABLE_WORDS)


def metric_title(metric: str) -> str:
    """The words for a history key (:data:`METRIC_TITLES`), else the key with spaces."""
    return METRIC_TITLES.get(metric, metric.replace("_", " "))


#: Per-epoch history keys that span orders of magnitude (drawn on a log axis).
LOG_SCALE_METRICS = ("feature_var", "score_spread", "l_svdd", "c_t", "reg_threshold")


def plot_histories(runs: dict, metrics=("feature_var", "test_auc"), *, axes=None,
                   references: dict | None = None, log_metrics=LOG_SCALE_METRICS,
                   colors: dict | None = None, linestyles: dict | None = None,
                   ncols: int | None = None, band: bool = False):
    """Per-epoch curves of several training runs, one panel per metric; returns the figure.

    ``runs`` maps a label to one history (a list of per-epoch dicts as in
    ``TrainResult.history`` or a DataFrame) or to a list of such histories (one per seed,
    drawn in the same colour); panels are titled in words (:func:`metric_title`) and AUC
    panels carry a chance line. ``references`` maps a metric to ``{label: y}`` horizontal lines
    (e.g. ``{"l_reg": {"log 2": 0.693}}``). Colours come from ``colors``, then :data:`PALETTE`,
    then the seaborn cycle; ``linestyles`` maps labels to matplotlib line styles (e.g. ``"--"``
    for a run that another one may hide). With ``band`` a label with several histories is
    drawn as one line (the median per epoch over the seeds: robust on log axes, the mean for
    two seeds) and a shaded band (their range) instead of one line per seed.
    """
    if not runs:
        raise ValueError("runs is empty: pass {label: history or [history per seed]}")
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    fig, axes = _panels(len(metrics), axes, ncols)
    color_of = _run_colors(runs, colors)
    for label, histories in runs.items():
        frames = _history_frames(label, histories, metrics)
        style = {"color": color_of[label], "lw": 1.6, "ls": (linestyles or {}).get(label, "-")}
        if band and len(frames) > 1:
            _draw_band(axes, metrics, frames, label, style)
            continue
        for i, frame in enumerate(frames):
            for ax, metric in zip(axes, metrics):
                ax.plot(frame["epoch"], frame[metric], alpha=0.85, marker="o", ms=2.5,
                        label=label if i == 0 else None, **style)
    for ax, metric in zip(axes, metrics):
        _dress_panel(ax, metric, (references or {}).get(metric, {}), metric in log_metrics)
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


def _panels(n: int, axes=None, ncols: int | None = None):
    """(figure, flat axes) for ``n`` panels: new subplots (``ncols`` wide, at most 3 by
    default; the spare ones hidden) or the given ``axes``."""
    import matplotlib.pyplot as plt
    import numpy as np

    if axes is None:
        ncols = ncols or min(n, 3)
        nrows = -(-n // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.2 * nrows), squeeze=False)
        axes = axes.ravel()
        for ax in axes[n:]:
            ax.set_visible(False)
    else:
        axes = np.atleast_1d(axes).ravel()
        fig = axes[0].figure
    if len(axes) < n:
        raise ValueError(f"{n} metrics need {n} axes, got {len(axes)}")
    return fig, axes


def _run_colors(runs: dict, colors: dict | None) -> dict:
    """A colour per run label: ``colors``, then :data:`PALETTE`, then the seaborn cycle
    without the colours already taken."""
    import seaborn as sns
    from matplotlib import colors as mpl_colors

    colors = {**PALETTE, **(colors or {})}
    taken = {mpl_colors.to_hex(colors[label]) for label in runs if label in colors}
    cycle = iter([c for c in map(mpl_colors.to_hex, sns.color_palette(n_colors=10))
                  if c not in taken] * 3)
    return {label: colors.get(label) or next(cycle) for label in runs}


def _history_frames(label: str, histories, metrics: list) -> list:
    """One DataFrame per history of run ``label`` (one history or a list, one per seed);
    an error naming the metrics a history lacks."""
    import pandas as pd

    if isinstance(histories, (pd.DataFrame, dict)) or (
            histories and isinstance(histories[0], dict)):
        histories = [histories]
    frames = [pd.DataFrame(history) for history in histories]
    for frame in frames:
        missing = [m for m in metrics if m not in frame]
        if missing:
            raise ValueError(f"run {label!r} has no per-epoch {missing}; "
                             f"it has {sorted(frame.columns)}")
    return frames


def _dress_panel(ax, metric: str, references: dict, log_scale: bool) -> None:
    """Reference lines, log scale, chance line (AUC), integer epochs and the title in words."""
    from matplotlib.ticker import MaxNLocator

    for text, y in references.items():
        ax.axhline(y, color="0.3", ls="--", lw=1)
        ax.annotate(text, (1, y), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize="small", color="0.3")
    if log_scale:
        ax.set_yscale("log")
    if "auc" in metric:
        chance_line(ax, 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_title(metric_title(metric))


def _draw_band(axes, metrics, frames, label, style):
    """One line per metric at the median over ``frames`` (seeds) per epoch, and their range
    as a shaded band (epochs that every frame has)."""
    import pandas as pd

    for ax, metric in zip(axes, metrics):
        wide = pd.concat([f.set_index("epoch")[metric] for f in frames], axis=1, join="inner")
        ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=style["color"],
                        alpha=0.18, lw=0)
        ax.plot(wide.index, wide.median(axis=1), label=label, **style)


def figure_png(fig, dpi: int = 50) -> bytes:
    """The PNG bytes of ``fig`` (closed afterwards), for :func:`image_explorer`."""
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def image_explorer(images: dict, choices: dict, title: str = "") -> str:
    """HTML that shows one of ``images`` at a time, picked with one drop-down per entry of
    ``choices`` (``{name: [values]}``, in order); ``images`` maps the tuple of chosen values
    (as strings) to PNG bytes. Plain HTML and a few lines of JavaScript: it works in a static
    page (the course site) and in JupyterLab, without a kernel or widget state."""
    import base64
    import html
    import json
    import uuid

    keys = [tuple(map(str, key)) for key in images]
    sizes = [len(values) for values in choices.values()]
    if not choices or any(len(key) != len(sizes) for key in keys):
        raise ValueError(f"every image key needs one value per choice {list(choices)}")
    data = {"|".join(key): base64.b64encode(png).decode() for key, png in zip(keys, images.values())}
    uid = f"explorer-{uuid.uuid4().hex[:8]}"
    selects = "".join(
        f'<label style="margin-right:1em">{html.escape(name)} <select data-choice="{i}">'
        + "".join(f"<option>{html.escape(str(v))}</option>" for v in values) + "</select></label>"
        for i, (name, values) in enumerate(choices.items()))
    first = "|".join(str(values[0]) for values in choices.values())
    return (f'<div id="{uid}"><div><b>{html.escape(title)}</b></div><div>{selects}</div>'
            f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data.get(first, "")}"></div>'
            f"<script>(function() {{ const root = document.getElementById('{uid}'); "
            f"const images = {json.dumps(data)}; const pick = root.querySelectorAll('select'); "
            "const show = () => { const key = Array.from(pick).map(s => s.value).join('|'); "
            "if (images[key]) root.querySelector('img').src = 'data:image/png;base64,' + images[key]; }; "
            "pick.forEach(s => s.addEventListener('change', show)); })();</script>")
