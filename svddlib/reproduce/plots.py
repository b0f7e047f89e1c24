"""Figures of the runner: ours vs the paper, and redraws of the paper's Fig. 1 and Fig. 2.

Every function takes the tidy runs frame (or a sweep result with ``.runs``) and the artefact's
spec, draws on given axes (new ones when None) and returns the figure. No backend is chosen.
"""
from __future__ import annotations

import math

import numpy as np

from ..plotting import PALETTE, auc_limits, chance_line
from . import aggregate
from .specs import FIG2_LETTERS, LR_LABELS, get_spec

__all__ = ["plot_comparison", "plot_fig1", "plot_fig2"]

_OURS, _PAPER = "#4C72B0", "#DD8452"


def _runs_and_spec(result, spec, metric=None):
    runs = getattr(result, "runs", result)
    if metric is not None:  # e.g. 'auc_last' next to the protocol's AUC
        if metric not in runs.columns:
            raise ValueError(f"the runs frame has no column {metric!r}")
        runs = runs.assign(auc=runs[metric])
    if spec is None:
        spec = getattr(result, "spec", None)
        if spec is None:
            names = runs["artefact"].unique() if "artefact" in runs.columns else []
            if len(names) != 1:
                raise ValueError("pass spec=... (the runs frame does not name one artefact)")
            spec = get_spec(names[0])
    elif isinstance(spec, str):
        spec = get_spec(spec)
    return runs, spec


def plot_comparison(result, ax=None, spec=None, mode: str | None = None, metric=None):
    """Dot plot, one line per cell: our mean ± std (blue) and the paper's (orange), AUC in %.

    ``result``: a sweep result (``.runs``) or the runs frame; ``spec``: the artefact (name or
    spec; taken from the runs when they name one); ``metric``: another column of the runs
    frame than the protocol's ``auc`` (e.g. 'auc_last'). Missing cells show no dot.
    """
    import matplotlib.pyplot as plt

    runs, spec = _runs_and_spec(result, spec, metric)
    comp = aggregate.comparison(runs, spec)
    n = len(comp)
    created = ax is None
    if created:
        _, ax = plt.subplots(figsize=(7.5, max(2.5, 0.28 * n + 1)))
    y = np.arange(n)[::-1]
    ax.errorbar(comp["ours_mean"], y + 0.15, xerr=comp["ours_std"].fillna(0), fmt="o",
                color=_OURS, ms=4, capsize=2, label="ours")
    ax.errorbar(comp["paper_mean"], y - 0.15, xerr=comp["paper_std"].fillna(0), fmt="s",
                color=_PAPER, ms=4, capsize=2, label="paper")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r}  |  {c}" for r, c in zip(comp["row"], comp["column"])],
                       fontsize="x-small")
    chance_line(ax, 50, axis="x")
    auc_limits(ax, comp[["ours_mean", "paper_mean"]].to_numpy(float), axis="x")
    ax.set_xlabel("test AUC (%)")
    where = f" ({mode} mode)" if mode else ""
    ax.set_title(f"{spec.name}: ours{where} vs the paper")
    ax.legend(loc="lower right", fontsize="small")
    if created:
        ax.figure.tight_layout()
    return ax.figure


def _setting(column: str) -> tuple[str, str]:
    """'VOC2012 Block perm. 2×2 | lr 1e-3' -> ('VOC2012 Block perm. 2×2', '1e-3')."""
    setting, lr = column.split(" | lr ")
    return setting, lr


def plot_fig1(result, axes=None, spec=None, metric=None):
    """Redraw of Fig. 1: AUC of each variant minus that of standard D. SVDD against the
    learning rate, one panel per setting; top row 'head' (the lr of g, body 10x lower),
    bottom row 'all' (one lr in all layers). Error bars: sqrt(std_variant^2 + std_D.SVDD^2)
    of the cell stds (the runs of two variants are not paired). ``metric='auc_last'`` draws
    the last-epoch AUC instead of the best before collapse."""
    import matplotlib.pyplot as plt

    runs, spec = _runs_and_spec(result, spec or "fig1", metric)
    mean, std = aggregate.means(runs, spec), aggregate.stds(runs, spec)
    settings = list(dict.fromkeys(_setting(c)[0] for c in spec.columns))
    lrs = list(LR_LABELS.values())
    if axes is None:
        _, axes = plt.subplots(2, len(settings), figsize=(3.2 * len(settings), 5.5),
                               sharex=True, squeeze=False)
    axes = np.asarray(axes).reshape(2, len(settings))
    x = [float(v) for v in lrs]
    for i, scope in enumerate(("head", "all")):
        for j, setting in enumerate(settings):
            ax = axes[i, j]
            cols = [f"{setting} | lr {lr}" for lr in lrs]
            base_m = mean.loc[f"{scope} | D. SVDD", cols].to_numpy(float)
            base_s = std.loc[f"{scope} | D. SVDD", cols].fillna(0).to_numpy(float)
            for row in spec.rows:
                if not row.startswith(f"{scope} | ") or row.endswith("| D. SVDD"):
                    continue
                variant = row.split(" | ", 1)[1]
                m = mean.loc[row, cols].to_numpy(float) - base_m
                s = np.sqrt(std.loc[row, cols].fillna(0).to_numpy(float) ** 2 + base_s ** 2)
                ax.errorbar(x, m, yerr=s, marker="o", capsize=2, label=variant,
                            color=PALETTE.get(variant))
            ax.axhline(0, color="grey", lw=0.8)
            ax.annotate("= D. SVDD", (0.01, 0), xycoords=("axes fraction", "data"),
                        va="bottom", fontsize="x-small", color="0.35")
            ax.set_xscale("log")
            scope_text = "lr of g; body 10x lower" if scope == "head" else "same lr in all layers"
            ax.set_title(f"{setting}\n({scope_text})", fontsize="small")
            if i == 1:
                ax.set_xlabel("learning rate")
    fig = axes[0, 0].figure
    fig.supylabel("AUC minus D. SVDD's AUC (points)", fontsize="medium")
    fig.tight_layout()
    handles, labels = axes[0, 0].get_legend_handles_labels()  # below the panels, off the data
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=len(labels), fontsize="small", frameon=False)
    return fig


def plot_fig2(result, axes=None, spec=None):
    """Redraw of Fig. 2: AUC with and without the pooling layer of ResNet-18 for methods A-E
    (A OC-SVM, B IF on CNN features; C D. SVDD, D w/ bias, E w/ bias & noise reg.), one panel
    per column; bars mean, error bars std. Missing cells (e.g. no-pooling Deep SVDD outside
    paper mode) are drawn as an empty slot marked 'n/a'."""
    import matplotlib.pyplot as plt

    runs, spec = _runs_and_spec(result, spec or "fig2")
    mean, std = aggregate.means(runs, spec), aggregate.stds(runs, spec)
    letters = list(FIG2_LETTERS)
    methods = list(dict.fromkeys(r.split(" | ", 1)[1] for r in spec.rows))
    if axes is None:
        _, axes = plt.subplots(1, len(spec.columns), figsize=(3.2 * len(spec.columns), 3.4),
                               sharey=True, squeeze=False)
    axes = np.asarray(axes).ravel()
    x = np.arange(len(methods))
    for ax, column in zip(axes, spec.columns):
        for k, (scope, colour) in enumerate((("pooling", _OURS), ("no pooling", "#55A868"))):
            m = np.array([mean.loc[f"{scope} | {meth}", column] for meth in methods], float)
            s = np.array([std.loc[f"{scope} | {meth}", column] for meth in methods], float)
            pos = x + (k - 0.5) * 0.38
            ax.bar(pos, np.nan_to_num(m), 0.38, yerr=np.nan_to_num(s), color=colour,
                   capsize=2, label=scope)
            for p, v in zip(pos, m):
                if math.isnan(v):
                    ax.text(p, 1, "n/a", rotation=90, ha="center", va="bottom",
                            fontsize="x-small")
        ax.set_xticks(x)
        ax.set_xticklabels(letters[:len(methods)])
        ax.set_title(column, fontsize="small")
        chance_line(ax, 50)
    axes[0].set_ylabel("test AUC (%)")
    axes[0].legend(fontsize="x-small", loc="lower left")
    fig = axes[0].figure
    fig.suptitle("A OC-SVM, B IF (CNN features), C D. SVDD, D w/ bias, E w/ bias & noise reg.",
                 fontsize="small")
    fig.tight_layout()
    return fig
