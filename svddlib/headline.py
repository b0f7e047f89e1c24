"""The course's headline figure: the paper's claim measured on one network.

A LeNet with bias terms in the collapse regime of notebook 43 (MNIST-5k one-vs-all, leaky
ReLU, no BatchNorm, the high learning rate), trained without a regularizer, with the paper's
variance hinge and adaptive weight, and with the one control of 43 that prevents collapse and
keeps a useful detector in our runs (the hinge with ``d0`` scaled to the network's own initial
feature variance). The bias-free Deep SVDD of the same regime is the reference. The runs are
43's runs, with 43's presets, in the one store of runs (:mod:`svddlib.run_store`), so a course
run trains them once.

Notebooks call :func:`paper_claim_figure`; it returns the figure, a per-setting table and a
reading guide whose numbers come from the runs.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HEADLINE_NOTEBOOK", "headline_settings", "headline_runs", "headline_test_noise",
           "paper_claim_figure", "HeadlineFigure"]

#: The notebook whose presets and cache the headline runs share.
HEADLINE_NOTEBOOK = "43_why_regularizers_fail_or_work"

#: Labels of the settings, in drawing order.
NO_BIAS, BIAS, PAPER_REG, CONTROL = ("D. SVDD (no bias)", "D. SVDD w/ bias",
                                     "w/ bias & var. reg. (paper's d0)",
                                     "w/ bias & var. reg., d0 scaled (control)")


def _preset(mode: str) -> dict:
    from .course import notebook_spec

    return notebook_spec(HEADLINE_NOTEBOOK).presets[mode]


def headline_settings(mode: str, seed: int = 0) -> tuple:
    """``(data_spec, net_spec, settings)`` of the headline runs, as notebook 43 builds them:
    ``settings`` maps a label to ``(bias, train options)``; ``d0`` of the control is ``None``
    (it is set per seed from the initial feature variance)."""
    p = _preset(mode)
    data_spec = {"setup": "one_vs_all", "dataset": "mnist5k", "normal_class": p["normal_class"],
                 "seed": seed, "max_train": p["max_train"], "max_eval": p["max_eval"]}
    net_spec = {"network": "lenet-mnist", "batchnorm": False, "activation": "leaky_relu"}
    adaptive = {"weighting": "adaptive", "alpha": p["alpha"], "beta": p["beta"]}
    variance = {"regularizer": "variance", "d0": p["d0"], "r": p["r"]}
    settings = {NO_BIAS: (False, {}), BIAS: (True, {}), PAPER_REG: (True, {**variance, **adaptive}),
                CONTROL: (True, {**variance, **adaptive, "d0": None})}
    return data_spec, net_spec, settings


def headline_runs(mode: str, seed: int = 0, force: bool = False) -> dict:
    """The cached run summaries ``{label: [summary per seed]}`` of the headline settings
    (43's seeds ``seed, seed + 1, ...``; trained only where 43 has not trained them)."""
    from .config import Config, resolve_device
    from .experiments import initial_feature_variance, run_notebook_setting

    p = _preset(mode)
    cfg = Config(notebook=HEADLINE_NOTEBOOK, mode=mode, n_epochs=p["n_epochs"], force_retrain=force)
    data_spec, net_spec, settings = headline_settings(mode, seed)
    runs = {}
    for label, (bias, options) in settings.items():
        for s in range(seed, seed + p["n_seeds"]):
            opts = dict(options)
            if "d0" in opts and opts["d0"] is None:
                opts["d0"] = p["d0_fraction"] * initial_feature_variance(
                    data_spec, {**net_spec, "bias": True}, s)
            result = run_notebook_setting(cfg, data_spec, {**net_spec, "bias": bias}, s,
                                          lr=p["lr_collapse"], keep_scores=False,
                                          objective="one-class", nu=p["nu"],
                                          device=resolve_device(), **opts)
            runs.setdefault(label, []).append(result)
    return runs


def headline_test_noise(mode: str, seed: int = 0) -> float:
    """AUC std of a detector without skill on the headline runs' test set
    (:func:`svddlib.metrics.auc_null_std` of its normal and anomalous counts)."""
    from .experiments import build_data
    from .metrics import auc_null_std

    labels = build_data(**headline_settings(mode, seed)[0]).test.labels
    return auc_null_std(int((labels == 0).sum()), int((labels == 1).sum()))


@dataclass
class HeadlineFigure:
    """What :func:`paper_claim_figure` returns."""

    figure: object          # the matplotlib figure
    table: object           # pandas DataFrame, one row per setting
    reading_guide: str      # Markdown, numbers from ``table``
    paper_reg_works: bool   # whether the paper's regularizer prevents collapse with a gain

    def take_home(self) -> str:
        """One sentence with the numbers: the paper's regularizer and the control against the
        plain and the bias-free network (last-epoch test AUC, collapsed seeds)."""
        t = self.table

        def part(label):
            return (f"{t.loc[label, 'test AUC, last epoch']:.3f} ({t.loc[label, 'seeds collapsed']}"
                    f" of {t.loc[label, 'seeds']} seeds collapsed)")

        found = ("prevents the collapse with a visible gain" if self.paper_reg_works
                 else "does not prevent the collapse with a visible gain")
        return (f"In the collapse regime the paper's variance hinge {found}: last-epoch test AUC "
                f"{part(PAPER_REG)} against {part(BIAS)} without a regularizer; the hinge with "
                f"d0 scaled to the network reaches {part(CONTROL)}, the bias-free network "
                f"{part(NO_BIAS)}.")


def _table(runs: dict):
    import numpy as np
    import pandas as pd

    from .experiments import eval_collapsed

    rows = {}
    for label, summaries in runs.items():
        rows[label] = {
            "test AUC, last epoch": float(np.mean([s["test_auc_last"] for s in summaries])),
            "test AUC, best validation epoch": float(np.mean([s["test_auc_best"] for s in summaries])),
            "feature variance, last / initial": float(np.median(
                [s["history"][-1]["feature_var"] / s["initial_feature_var"] for s in summaries])),
            "seeds collapsed": int(sum(eval_collapsed(s) for s in summaries)),
            "seeds": len(summaries)}
    return pd.DataFrame(rows).T.astype({"seeds collapsed": int, "seeds": int})


def _works(table, label: str, test_noise: float) -> bool:
    """Where the plain network with biases collapses (in some seed): ``label`` collapses in no
    seed and gains more than two skill-free AUC stds (``test_noise``) at the last epoch."""
    row, bias = table.loc[label], table.loc[BIAS]
    gain = row["test AUC, last epoch"] - bias["test AUC, last epoch"]
    return bool(bias["seeds collapsed"] > 0 and row["seeds collapsed"] == 0
                and gain > 2 * test_noise)


def _draw(runs: dict, table):
    from . import plotting

    histories = {label: [s["history"] for s in summaries] for label, summaries in runs.items()}
    for label, summaries in runs.items():
        for history, s in zip(histories[label], summaries):
            for h in history:
                h["feature_var_rel"] = h["feature_var"] / s["initial_feature_var"]
    colors = {NO_BIAS: plotting.PALETTE["D. SVDD"], BIAS: plotting.PALETTE["D. SVDD w/ bias"],
              PAPER_REG: "#8172B3", CONTROL: plotting.PALETTE["D. SVDD w/ bias & noise reg."]}
    fig = plotting.plot_histories(histories, ["feature_var_rel", "test_auc"], colors=colors,
                                  linestyles={NO_BIAS: "-.", PAPER_REG: "--"}, band=True,
                                  log_metrics=("feature_var_rel",))
    fig.set_size_inches(11, 3.8)
    fig.axes[0].set_title("feature variance / its initial value")
    fig.axes[0].get_legend().remove()
    fig.axes[1].set_ylim(0, 1)
    n = int(table["seeds"].iloc[0])
    fig.suptitle(f"The paper's claim on one network (lines: median of {n} seeds, band: their range)",
                 y=1.02)
    fig.tight_layout()
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize="small",
               bbox_to_anchor=(0.5, 0.0), frameon=False)
    return fig


def _largest_gap(runs: dict, a: str, b: str) -> float:
    """Largest per-epoch difference between the seed-mean test AUC curves of ``a`` and ``b``."""
    import numpy as np

    def curve(label):
        return np.mean([[h["test_auc"] for h in s["history"]] for s in runs[label]], axis=0)

    return float(np.max(np.abs(curve(a) - curve(b))))


def _guide(table, works: bool, mode: str, test_noise: float, gap: float) -> str:
    p = _preset(mode)

    def auc(label):
        return f"{table.loc[label, 'test AUC, last epoch']:.3f}"

    def coll(label):
        return f"{table.loc[label, 'seeds collapsed']} of {table.loc[label, 'seeds']}"

    verdict = ("prevents collapse in every seed and gains more than two such stds of AUC"
               if works else "does **not** both prevent collapse and gain more than two such"
               " stds of AUC here (a gain needs a collapse to prevent), so the figure"
               " shows a control of notebook 43 instead (there, the one that prevents collapse and keeps a"
               " useful detector): the same hinge with its threshold"
               f" $d_0$ set to {p['d0_fraction']:g} times the network's own initial feature variance")
    return (
        f"**How to read the figure.** One LeNet with bias terms on MNIST-5k (digit "
        f"{p['normal_class']} normal), trained {p['n_epochs']} epochs at the body learning rate "
        f"{p['lr_collapse']:g} of the collapse regime (notebook 43, section 2). Left: the spread "
        f"of the features relative to the start, on a log axis; a line that dives by orders of "
        f"magnitude is a collapse onto the centre. Right: the test AUC of the same epochs; near "
        f"the dotted chance line the detector scores normal and anomalous images alike. "
        f"A run counts as collapsed when the spread of its validation scores ends below a "
        f"thousandth of the start (`eval_collapsed`, see the glossary); the AUC only uses the "
        f"order of the scores, so a collapsed run can still rank above chance. "
        f"Without a regularizer the network with biases ends at AUC {auc(BIAS)} "
        f"({coll(BIAS)} seeds collapsed); the bias-free network (the remedy of Ruff et al.) "
        f"ends at {auc(NO_BIAS)} ({coll(NO_BIAS)}). One AUC on this test set has a std of "
        f"{test_noise:.3f} for a detector without skill (`svddlib.metrics.auc_null_std`). "
        f"The paper's variance hinge with its "
        f"$d_0={p['d0']:g}$ and the adaptive weight ends at {auc(PAPER_REG)} "
        f"({coll(PAPER_REG)}; its mean AUC curve differs from the plain network's by at most "
        f"{gap:.3f} at any epoch, so it may hide that curve): it {verdict}. That control ends "
        f"at {auc(CONTROL)} "
        f"({coll(CONTROL)} collapsed). Means over {table.loc[BIAS, 'seeds']} seeds at the last "
        f"epoch (notebook 43 gives the full table and the other controls). **Why the AUC "
        f"swings, and below chance.** While the features shrink, which images end nearest the "
        f"centre changes from epoch to epoch, so the AUC of one run jumps by far more than the "
        f"test-set std above; an AUC well below 0.5 means that, at that epoch, the anomalies "
        f"(the other digits) sit *closer* to the centre than the normal digit: the shrinking map "
        f"ranks them systematically the wrong way, which no small test set produces by chance.")


def paper_claim_figure(mode: str, seed: int = 0, force: bool = False) -> HeadlineFigure:
    """Run (or load) the headline settings in ``mode`` and draw feature variance and test AUC
    per epoch: at most four lines, the seeds as a band. See the module docstring."""
    runs = headline_runs(mode, seed, force)
    test_noise = headline_test_noise(mode, seed)
    table = _table(runs)
    works = _works(table, PAPER_REG, test_noise)
    gap = _largest_gap(runs, BIAS, PAPER_REG)
    return HeadlineFigure(_draw(runs, table), table, _guide(table, works, mode, test_noise, gap),
                          works)
