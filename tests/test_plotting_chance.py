"""Every AUC axis that the notebooks draw through svddlib.plotting (and the runner's plots)
carries a labelled chance line, and AUC axes keep chance in view."""
import ast
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # tests only; the library never selects a backend
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from svddlib.plotting import CHANCE_GID, auc_limits, chance_line, plot_histories  # noqa: E402
from svddlib.reproduce import get_spec  # noqa: E402
from svddlib.reproduce.plots import plot_comparison, plot_fig1, plot_fig2  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _code(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            yield "\n".join(line for line in src.splitlines()
                            if not line.lstrip().startswith(("%", "!")))


def _history_metric_lists():
    """The literal metric lists of every plotting.plot_histories call in the notebooks."""
    found = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        for src in _code(path):
            for node in ast.walk(ast.parse(src)):
                if (isinstance(node, ast.Call) and getattr(node.func, "attr", None) ==
                        "plot_histories" and len(node.args) > 1
                        and isinstance(node.args[1], (ast.List, ast.Tuple))):
                    found.append((path.stem, [ast.literal_eval(e) for e in node.args[1].elts]))
    return found


def _has_chance(ax):
    return any(line.get_gid() == CHANCE_GID for line in ax.lines) and any(
        "chance" in t.get_text() for t in ax.texts)


def _auc_axes(fig):
    return [ax for ax in fig.axes if "AUC" in (ax.get_title() + ax.get_xlabel() + ax.get_ylabel())
            and "difference" not in ax.get_ylabel()]


def test_every_auc_panel_of_the_notebooks_histories_has_a_chance_line():
    lists = _history_metric_lists()
    auc_lists = [(nb, m) for nb, m in lists if any("auc" in x for x in m)]
    assert len(auc_lists) >= 4, lists  # the scan finds the notebooks' calls
    for nb, metrics in auc_lists:
        history = [{"epoch": e, **{m: 0.1 + 0.2 * e for m in metrics}} for e in (1, 2, 3)]
        fig = plot_histories({"run": history}, metrics)
        axes = _auc_axes(fig)
        assert len(axes) == sum("auc" in m for m in metrics), (nb, metrics)
        assert all(_has_chance(ax) for ax in axes), (nb, metrics)
        plt.close(fig)


def _fake_runs(name, auc=lambda i: 60.0 + i % 7):
    runs = pd.DataFrame(get_spec(name).resolve("teach"))
    runs["status"], runs["val_auc"] = "trained", 70.0
    runs["auc"] = [auc(i) for i in range(len(runs))]
    return runs


@pytest.mark.parametrize("draw, name", [(plot_comparison, "table2"), (plot_fig2, "fig2")])
def test_runner_plots_have_chance_lines(draw, name):
    fig = draw(_fake_runs(name))
    axes = _auc_axes(fig)
    assert axes and all(_has_chance(ax) for ax in axes)
    plt.close(fig)


def test_fig1_difference_axes_mark_zero_not_chance():
    fig = plot_fig1(_fake_runs("fig1"))
    assert not _auc_axes(fig) and all(any(t.get_text() == "= D. SVDD" for t in ax.texts)
                                      for ax in fig.axes)
    plt.close(fig)


def test_auc_limits_keep_chance_in_view():
    fig, ax = plt.subplots()
    auc_limits(ax, [49.0, 52.0, 53.5])  # noise around chance: the axis must not zoom in
    assert ax.get_ylim() == (45.0, 100.0)
    auc_limits(ax, [0.2, 0.9], top=1.0)
    assert ax.get_ylim() == pytest.approx((0.17, 1.0))
    lines = chance_line(ax, 0.5, axis="both")
    assert len(lines) == 2 and sum("chance" in t.get_text() for t in ax.texts) == 2
    with pytest.raises(ValueError, match="axis must be"):
        chance_line(ax, axis="z")
    plt.close(fig)


def test_tables_show_significant_digits():
    from svddlib.plotting import set_style

    try:
        set_style()
        text = repr(pd.DataFrame({"ratio": [1e-7, 4.6e-4, 0.7086]}))
        assert "1e-07" in text and "0.00046" in text and "0.7086" in text
    finally:
        pd.reset_option("display.float_format")
        import matplotlib as mpl

        mpl.rcdefaults()
