"""plot_histories: one panel per metric, one line per run and seed, clear errors."""
import matplotlib

matplotlib.use("Agg")  # tests only; the library never selects a backend
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from svddlib.plotting import CHANCE_GID, PALETTE, plot_histories  # noqa: E402


def _curves(ax):
    return [line for line in ax.lines if line.get_gid() != CHANCE_GID]


def _history(scale):
    return [{"epoch": e, "feature_var": scale / e, "test_auc": 0.5 + 0.1 * e} for e in (1, 2, 3)]


def test_one_panel_per_metric_one_line_per_seed():
    runs = {"D. SVDD w/ bias": [_history(1.0), _history(2.0)],  # two seeds
            "other": pd.DataFrame(_history(3.0))}
    fig = plot_histories(runs, ["feature_var", "test_auc"],
                         references={"test_auc": {"chance": 0.5}})
    var_ax, auc_ax = fig.axes[:2]
    assert var_ax.get_yscale() == "log" and auc_ax.get_yscale() == "linear"
    assert len(var_ax.lines) == 3  # 2 seeds + 1 run
    assert len(_curves(auc_ax)) == 4  # ... + the reference line
    assert len(auc_ax.lines) == 5  # ... + the chance line of an AUC panel
    assert auc_ax.get_title() == "test AUC" and var_ax.get_title() == "feature variance"
    np.testing.assert_allclose(var_ax.lines[1].get_ydata(), [2.0, 1.0, 2.0 / 3])
    assert matplotlib.colors.to_hex(var_ax.lines[0].get_color()) == PALETTE["D. SVDD w/ bias"].lower()
    assert [t.get_text() for t in var_ax.get_legend().get_texts()] == ["D. SVDD w/ bias", "other"]
    plt.close(fig)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="empty"):
        plot_histories({})
    with pytest.raises(ValueError, match="no per-epoch"):
        plot_histories({"a": _history(1.0)}, ["l_reg"])


def test_cycle_colours_avoid_explicit_ones():
    fig = plot_histories({"D. SVDD w/ bias": _history(1.0), "a": _history(2.0), "b": _history(3.0)},
                         ["test_auc"])
    hexes = [matplotlib.colors.to_hex(line.get_color()) for line in _curves(fig.axes[0])]
    assert len(set(hexes)) == 3
    plt.close(fig)


def test_linestyles_per_label():
    fig = plot_histories({"a": _history(1.0), "b": _history(2.0)}, ["test_auc"],
                         linestyles={"a": "--"})
    assert [line.get_linestyle() for line in _curves(fig.axes[0])] == ["--", "-"]
    plt.close(fig)
