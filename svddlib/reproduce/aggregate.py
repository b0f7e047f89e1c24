"""From the tidy runs frame of a sweep to the paper's layout, and a comparison with the paper.

Input: a pandas DataFrame with one row per run and at least the columns ``row``, ``column``,
``seed``, ``status`` ('trained' | 'cached' | 'failed') and ``auc`` (test AUC in %, the
artefact's metric); optional ``choice`` (paper mode: runs of one cell that differ only in the
noise regularizer's k), ``group`` (one-vs-all: the normal class) and ``val_auc``. Without
``group`` / ``choice``, they are derived from the metrics ``normal_class`` and ``k`` of
:func:`~svddlib.reproduce.execute.execute_run`.

Rules (all cells):

1. failed runs and runs without an AUC are left out (``n_failed`` counts them);
2. ``choice``: per cell (and group) the choice with the highest mean validation AUC is kept,
   the others dropped (the grid search of Section V-B, on validation data only);
3. ``group``: the cell's mean and std are over the per-group means (the paper's one-vs-all
   std is over its 10 normal classes); otherwise over the runs;
4. std is the sample standard deviation (ddof=1): NaN for a single value;
5. a cell without any remaining run is missing: NaN in :func:`means`, "—" in :func:`table`.

:func:`comparison` puts ours next to the paper's numbers; ``paper_within_2std`` is True when
|paper mean - our mean| <= 2 x our std, NA when we have fewer than 2 values or a side is
missing. :func:`verdict` and :func:`verdict_claim` turn that into words by the rules in their
docstrings.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["cell_stats", "means", "stds", "table", "comparison", "verdict", "verdict_claim",
           "VERDICTS", "MISSING"]

VERDICTS = ("replicates", "does not replicate", "cannot be tested in this mode")
MISSING = "\u2014"
_REQUIRED = ("row", "column", "status", "auc")


def _check(runs) -> None:
    missing = [c for c in _REQUIRED if c not in runs.columns]
    if missing:
        raise ValueError(f"runs frame lacks column(s) {missing}; it needs {list(_REQUIRED)}")


def _usable(runs):
    import pandas as pd

    ok = (runs["status"] != "failed") & pd.to_numeric(runs["auc"], errors="coerce").notna()
    out = runs[ok].copy()
    out["auc"] = out["auc"].astype(float)
    return out


def _has(frame, column) -> bool:
    return column in frame.columns and frame[column].notna().any()


def _with_labels(runs):
    """``group`` / ``choice`` from the computational facts when the frame lacks them: the
    normal class, and ``k=<k>`` in cells whose runs differ in the noise regularizer's k."""
    runs = runs.copy()
    if not _has(runs, "group") and _has(runs, "normal_class"):
        runs["group"] = runs["normal_class"]
    if not _has(runs, "choice") and _has(runs, "k"):
        several = runs.groupby(["row", "column"])["k"].transform("nunique") > 1
        runs["choice"] = [f"k={int(k)}" if many and k is not None and k == k else None
                          for k, many in zip(runs["k"], several)]
    return runs


def _select_choice(runs):
    """Keep, per (row, column, group), the choice with the best mean validation AUC."""
    if not _has(runs, "choice"):
        return runs, {}
    if "val_auc" not in runs.columns:
        raise ValueError("runs with a 'choice' need a 'val_auc' column to select on validation")
    keys = ["row", "column"] + (["group"] if _has(runs, "group") else [])
    plain, chosen, selected = runs[runs["choice"].isna()], [], {}
    for key, cell in runs[runs["choice"].notna()].groupby(keys, sort=False, dropna=False):
        val = cell.groupby("choice")["val_auc"].mean()
        best = val.idxmax() if val.notna().any() else sorted(val.index)[0]
        chosen.append(cell[cell["choice"] == best])
        selected.setdefault(tuple(key[:2]), []).append(str(best))
    import pandas as pd

    return pd.concat([plain, *chosen]), selected


def _values(cell):
    """The values a cell's mean and std are taken over (group means, or the runs' AUCs)."""
    if _has(cell, "group"):
        return cell.groupby("group", dropna=False)["auc"].mean().to_numpy()
    return cell["auc"].to_numpy()


def cell_stats(runs, spec):
    """One row per cell of ``spec`` (paper order): row, column, n_runs, n_failed, n_values
    (groups or runs), mean, std, selected (chosen k per group, paper mode)."""
    import pandas as pd

    _check(runs)
    usable, selected = _select_choice(_with_labels(_usable(runs)))
    failed = runs[runs["status"] == "failed"].groupby(["row", "column"]).size()
    by_cell = {k: g for k, g in usable.groupby(["row", "column"], sort=False)}
    records = []
    for row in spec.rows:
        for column in spec.columns:
            cell = by_cell.get((row, column))
            values = np.array([]) if cell is None else _values(cell)
            records.append({
                "row": row, "column": column, "n_runs": 0 if cell is None else len(cell),
                "n_failed": int(failed.get((row, column), 0)), "n_values": len(values),
                "mean": float(values.mean()) if len(values) else math.nan,
                "std": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                "selected": ", ".join(selected.get((row, column), [])) or None})
    return pd.DataFrame(records)


def _pivot(stats, spec, value):
    table = stats.pivot(index="row", columns="column", values=value)
    return table.reindex(index=list(spec.rows), columns=list(spec.columns))


def means(runs, spec):
    """Mean AUC (%) per cell: DataFrame rows x columns as in the paper (NaN = missing)."""
    return _pivot(cell_stats(runs, spec), spec, "mean")


def stds(runs, spec):
    """Std of the AUC (%) per cell (ddof=1; NaN with fewer than two values)."""
    return _pivot(cell_stats(runs, spec), spec, "std")


def _format(mean, std, digits):
    if mean != mean:
        return MISSING
    return f"{mean:.{digits}f}" if std != std else f"{mean:.{digits}f}\u00b1{std:.{digits}f}"


def table(runs, spec, digits: int = 1):
    """"mean±std" strings in the paper's layout; "—" for a missing cell, the mean alone when
    there is a single value."""
    stats = cell_stats(runs, spec)
    stats["text"] = [_format(m, s, digits) for m, s in zip(stats["mean"], stats["std"])]
    return _pivot(stats, spec, "text")


def comparison(runs, spec):
    """Tidy frame: row, column, n_runs, n_values, ours_mean, ours_std, paper_mean, paper_std,
    diff (ours - paper), paper_within_2std (True/False/NA, see the module docstring)."""
    import pandas as pd

    from .paper import paper_table

    stats = cell_stats(runs, spec)
    paper = paper_table(spec.name)[["row", "column", "mean", "std"]]
    paper = paper.rename(columns={"mean": "paper_mean", "std": "paper_std"})
    out = stats.rename(columns={"mean": "ours_mean", "std": "ours_std"}).merge(
        paper, on=["row", "column"], how="left")
    out["diff"] = out["ours_mean"] - out["paper_mean"]
    testable = (out["n_values"] >= 2) & out["ours_std"].notna() & out["paper_mean"].notna()
    within = (out["diff"].abs() <= 2 * out["ours_std"]) & testable
    out["paper_within_2std"] = pd.array(np.where(testable, within, pd.NA), dtype="boolean")
    return out[["row", "column", "n_runs", "n_values", "ours_mean", "ours_std", "paper_mean",
                "paper_std", "diff", "paper_within_2std"]]


def verdict(row, mode: str) -> str:
    """The verdict on one comparison row (a dict or pandas Series from :func:`comparison`).

    Rule: outside ``paper`` mode the data are stand-ins (MNIST-5k, photo patches) and the
    networks small, so a number cannot be compared with the paper's: "cannot be tested in
    this mode". In paper mode: "replicates" when the paper's mean lies within our mean ± 2 std,
    "does not replicate" when it does not, "cannot be tested in this mode" when that is NA
    (fewer than two values, or a missing cell).
    """
    if mode != "paper":
        return VERDICTS[2]
    within = row["paper_within_2std"]
    if _is_na(within):
        return VERDICTS[2]
    return VERDICTS[0] if bool(within) else VERDICTS[1]


def _is_na(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def _side(terms, cells):
    total = 0.0
    for weight, row, column in terms:
        value = cells.get((row, column), math.nan)
        if value != value:
            return math.nan
        total += weight * value
    return total


def verdict_claim(claim, mean_table) -> dict:
    """Test a :class:`~svddlib.reproduce.paper.Claim` on a table of our means (rows x columns,
    as :func:`means` returns; a comparison with a missing cell is not testable).

    Rule: "replicates" when at least the claim's fraction (``QUANTIFIERS``: all = every one,
    majority = more than half) of the testable comparisons hold on our means; "does not
    replicate" otherwise; "cannot be tested in this mode" when no comparison is testable (e.g.
    the Fig. 2 'no pooling' Deep SVDD rows outside paper mode). Returns a dict with
    ``verdict``, ``n_tested``, ``n_hold``, ``fraction``, ``needed`` and the claim's quote.
    """
    from .paper import QUANTIFIERS

    cells = {(r, c): float(v) for r, row in mean_table.iterrows() for c, v in row.items()}
    results = []
    for lhs, rhs in claim.comparisons:
        a, b = _side(lhs, cells), _side(rhs, cells)
        if a == a and b == b:
            results.append(a > b)
    needed = QUANTIFIERS[claim.quantifier]
    n_hold = int(sum(results))
    fraction = n_hold / len(results) if results else math.nan
    if not results:
        word = VERDICTS[2]
    else:
        word = VERDICTS[0] if fraction >= needed - 1e-12 else VERDICTS[1]
    return {"artefact": claim.artefact, "claim": claim.name, "quote": claim.quote,
            "quantifier": claim.quantifier, "n_tested": len(results), "n_hold": n_hold,
            "n_comparisons": len(claim.comparisons), "fraction": fraction, "needed": needed,
            "verdict": word}
