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

Each cell also has a ``noise``: the standard error of its mean from the seed spread and the
size of the test set (:func:`_noise`), so that a difference between two cells can be told
from noise.

:func:`comparison` puts ours next to the paper's numbers; ``paper_within_2std`` is True when
|paper mean - our mean| <= 2 x our std over seeds (``seed_std``: for one-vs-all cells pooled
within each normal class, since the paper's classes are ours in paper mode and their spread
is no noise), NA when we have fewer than 2 values or seeds, or a side is missing.
:func:`verdict` and :func:`verdict_claim` turn that into words by the rules in their
docstrings; :func:`verdict_on_runs` applies the claim rule with noise bands, the chance
margin and duplicated columns counted once, :func:`verdict_for_mode` adds what a mode cannot
test.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["cell_stats", "means", "stds", "noise", "table", "comparison", "diff_column",
           "verdict", "verdict_claim", "verdict_on_runs", "verdict_for_mode",
           "pretrained_features", "near_chance",
           "duplicate_columns", "cells_near_chance", "seeds_holding", "side_by_side", "VERDICTS",
           "MISSING", "NOISE_Z", "CHANCE_MARGIN"]

VERDICTS = ("replicates", "does not replicate", "cannot be tested in this mode", "inconclusive")
MISSING = "\u2014"
#: Half-width of a comparison's noise band in standard errors (about 95 % for a normal error).
NOISE_Z = 2.0
#: The course's convention: a mean AUC within this many points of 50 "lies near chance".
CHANCE_MARGIN = 5.0
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


def _test_noise(n_test) -> float:
    """AUC std (points) of a skill-free detector on ``n_test`` images split evenly (the
    smallest such std for that size); 0 when the size is unknown."""
    from ..metrics import auc_null_std

    if n_test is None or n_test != n_test or n_test < 2:
        return 0.0
    n = int(n_test)
    return 100 * auc_null_std(n - n // 2, n // 2)


def _spread_parts(cell):
    """Per group (or the whole cell): its number of runs and its test-set noise, and the seed
    variance pooled within groups (NaN with one seed per group)."""
    parts = cell.groupby("group", dropna=False) if _has(cell, "group") else [(None, cell)]
    sizes, tests, ss, dof = [], [], 0.0, 0
    for _, part in parts:
        aucs = part["auc"].to_numpy(float)
        sizes.append(len(aucs))
        tests.append(_test_noise(part["n_test"].median() if "n_test" in part.columns else None))
        ss += float(((aucs - aucs.mean()) ** 2).sum())
        dof += len(aucs) - 1
    return sizes, tests, (ss / dof if dof else math.nan)


def _noise(cell) -> float:
    """Standard error (AUC points) of a cell's mean (the mean over groups of the mean over
    seeds): var = (1 / G^2) sum_g (s_w^2 / n_g + h_g^2), with s_w^2 the seed variance pooled
    within groups (0 with one seed per group) and h_g the test-set noise of group g's test
    set (:func:`_test_noise`; one test set per group, shared by its seeds)."""
    sizes, tests, s_w2 = _spread_parts(cell)
    s_w2 = 0.0 if s_w2 != s_w2 else s_w2
    return math.sqrt(sum(s_w2 / n + h ** 2 for n, h in zip(sizes, tests)) / len(sizes) ** 2)


def cell_stats(runs, spec):
    """One row per cell of ``spec`` (paper order): row, column, n_runs, n_failed, n_values
    (groups or runs), mean, std, seed_std (std over seeds, pooled within groups: for a
    one-vs-all cell not the spread over classes), noise (standard error of the mean,
    :func:`_noise`),
    selected (chosen k per group, paper mode)."""
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
                "seed_std": math.sqrt(_spread_parts(cell)[2]) if len(values) else math.nan,
                "noise": _noise(cell) if len(values) else math.nan,
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


def noise(runs, spec):
    """Standard error of each cell's mean AUC (points; seeds and test-set size, see
    :func:`_noise`) in the paper's layout (NaN = missing)."""
    return _pivot(cell_stats(runs, spec), spec, "noise")


def near_chance(auc, margin: float = CHANCE_MARGIN):
    """True where a mean AUC (in %) lies within ``margin`` points of chance (50); works on
    numbers, arrays and pandas objects (NaN is never near chance)."""
    return abs(auc - 50.0) < margin


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


def diff_column(mode: str | None = None) -> str:
    """Name of the ours - paper column: 'diff' in paper mode (or no mode given), 'stand-in
    diff' in any other mode, where it measures the stand-in, not a reproduction gap."""
    return "diff" if mode in (None, "paper") else "stand-in diff"


def comparison(runs, spec, mode: str | None = None):
    """Tidy frame: row, column, n_runs, n_values, ours_mean, ours_std, paper_mean, paper_std,
    diff (ours - paper; named by :func:`diff_column` for ``mode``), paper_within_2std
    (True/False/NA, see the module docstring)."""
    import pandas as pd

    from .paper import paper_table

    stats = cell_stats(runs, spec)
    paper = paper_table(spec.name)[["row", "column", "mean", "std"]]
    paper = paper.rename(columns={"mean": "paper_mean", "std": "paper_std"})
    out = stats.rename(columns={"mean": "ours_mean", "std": "ours_std"}).merge(
        paper, on=["row", "column"], how="left")
    out["diff"] = out["ours_mean"] - out["paper_mean"]
    testable = (out["n_values"] >= 2) & out["seed_std"].notna() & out["paper_mean"].notna()
    within = (out["diff"].abs() <= 2 * out["seed_std"]) & testable
    out["paper_within_2std"] = pd.array(np.where(testable, within, pd.NA), dtype="boolean")
    out = out[["row", "column", "n_runs", "n_values", "ours_mean", "ours_std", "paper_mean",
               "paper_std", "diff", "paper_within_2std"]]
    return out.rename(columns={"diff": diff_column(mode)})


def verdict(row, mode: str) -> str:
    """The verdict on one comparison row (a dict or pandas Series from :func:`comparison`).

    Rule: outside ``paper`` mode the data are stand-ins (Fashion-MNIST, photograph and painting
    patches) and the network another (EfficientNet-Lite0), so a number cannot be compared with
    the paper's: "cannot be tested in this mode". In paper mode: "replicates" when the paper's mean lies within our mean ± 2 std,
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


def duplicate_columns(spec, mode: str) -> dict:
    """Column -> the first column of ``spec`` whose runs are the same computations in ``mode``
    (itself when none is): for every row, the run of the one column has the configuration
    (:func:`~svddlib.reproduce.execute.cache_config`) of the run of the other. E.g. 'WikiArt
    Strokes 5' maps to 'VOC2012 Strokes 5' where one stand-in serves both datasets (teach
    mode's photographs and landscapes do not); Table V's learning-rate columns share their data
    but not their training, so they never map together."""
    import json

    from .execute import cache_config

    configs = {}
    for run in spec.resolve(mode, seeds=(0,)):
        configs.setdefault(run["column"], set()).add(
            (run["row"], json.dumps(cache_config(run), sort_keys=True)))
    first, out = {}, {}
    for column in spec.columns:
        key = tuple(sorted(configs.get(column, ()))) or (column,)
        out[column] = first.setdefault(key, column)
    return out


def _compare(lhs, rhs, cells, noise_cells, margin):
    """One comparison lhs > rhs: None when a cell is missing, else its difference, noise band
    (NOISE_Z standard errors of the difference) and whether every cell lies near chance."""
    a, b = _side(lhs, cells), _side(rhs, cells)
    if a != a or b != b:
        return None
    terms = lhs + rhs
    errors = [(w, noise_cells.get((r, c), 0.0)) for w, r, c in terms]
    var = sum(w ** 2 * se ** 2 for w, se in errors if se == se)  # NaN: no runs
    chance = margin is not None and all(bool(near_chance(cells[(r, c)], margin))
                                        for _, r, c in terms)
    return {"diff": a - b, "band": NOISE_Z * math.sqrt(var), "chance": chance}


def _merge_duplicates(claim, results, duplicates):
    """Comparisons that differ only in duplicated columns count once: mean difference, mean
    band (not narrowed: the runs may be the same), near chance when all are."""
    canon = duplicates or {}
    groups = {}
    for (lhs, rhs), res in zip(claim.comparisons, results):
        if res is not None:
            key = tuple((w, r, canon.get(c, c)) for w, r, c in lhs + ((None, "|", "|"),) + rhs)
            groups.setdefault(key, []).append(res)
    return [{"diff": float(np.mean([g["diff"] for g in grp])),
             "band": float(np.mean([g["band"] for g in grp])),
             "chance": all(g["chance"] for g in grp)} for grp in groups.values()]


def _table_cells(table) -> dict:
    if table is None:
        return {}
    return {(r, c): float(v) for r, row in table.iterrows() for c, v in row.items()}


def verdict_claim(claim, mean_table, noise_table=None, duplicates=None,
                  chance_margin=None) -> dict:
    """Test a :class:`~svddlib.reproduce.paper.Claim` on a table of our means (rows x columns,
    as :func:`means` returns; a comparison with a missing cell is not testable).

    A comparison is *inconclusive* when its two sides differ by no more than its noise band
    (``NOISE_Z`` standard errors of the difference, from ``noise_table`` as :func:`noise`
    returns; no band without it) or when every cell of it lies within ``chance_margin``
    points of chance (not checked when None); otherwise it holds or fails. Comparisons that
    differ only in columns ``duplicates`` maps together (:func:`duplicate_columns`) count once.

    Rule, with q the claim's quantifier (``QUANTIFIERS``) and n the testable comparisons:
    "replicates" when the holding ones reach q even if every inconclusive one failed; "does
    not replicate" when they stay below q even if every inconclusive one held;
    "inconclusive" in between (too few conclusive comparisons to decide); "cannot be tested
    in this mode" when n = 0. Returns a dict with ``verdict``, ``n_tested``, ``n_hold``,
    ``n_fail``, ``n_inconclusive`` (of which ``n_near_chance`` near chance), ``n_merged``
    (duplicates counted once), ``fraction``, ``needed`` and the claim's quote.
    """
    from .paper import QUANTIFIERS

    cells, noise_cells = _table_cells(mean_table), _table_cells(noise_table)
    raw = [_compare(lhs, rhs, cells, noise_cells, chance_margin)
           for lhs, rhs in claim.comparisons]
    merged = _merge_duplicates(claim, raw, duplicates)
    undecided = [m["chance"] or (m["band"] > 0 and abs(m["diff"]) <= m["band"]) for m in merged]
    n = len(merged)
    n_hold = sum(m["diff"] > 0 and not u for m, u in zip(merged, undecided))
    n_undecided = int(sum(undecided))
    needed = QUANTIFIERS[claim.quantifier]
    fraction = n_hold / n if n else math.nan
    if not n:
        word = VERDICTS[2]
    elif fraction >= needed - 1e-12:
        word = VERDICTS[0]
    elif (n_hold + n_undecided) / n < needed - 1e-12:
        word = VERDICTS[1]
    else:
        word = VERDICTS[3]
    return {"artefact": claim.artefact, "claim": claim.name, "quote": claim.quote,
            "quantifier": claim.quantifier, "n_tested": n, "n_hold": int(n_hold),
            "n_fail": n - int(n_hold) - n_undecided, "n_inconclusive": n_undecided,
            "n_near_chance": sum(m["chance"] for m in merged),
            "n_merged": sum(r is not None for r in raw) - n,
            "n_comparisons": len(claim.comparisons), "fraction": fraction, "needed": needed,
            "verdict": word}


def verdict_on_runs(claim, runs, spec, mode: str) -> dict:
    """:func:`verdict_claim` on a runs frame with every rule on: the cells' noise bands, the
    chance margin :data:`CHANCE_MARGIN` and the duplicated columns of ``mode``."""
    stats = cell_stats(runs, spec)
    return verdict_claim(claim, _pivot(stats, spec, "mean"), _pivot(stats, spec, "noise"),
                         duplicate_columns(spec, mode), chance_margin=CHANCE_MARGIN)


def pretrained_features(spec, mode: str) -> bool:
    """True when artefact ``spec`` has CNN-feature baseline runs in ``mode`` (rows with 'CNN
    feat.') and every one is configured with ImageNet weights: the ImageNet ResNet-18 in paper
    mode (the runner stops before a sweep whose weights cannot be loaded), the ImageNet
    EfficientNet-Lite0 outside it (it loads from its package or raises). Neither falls back to
    random weights, so the configuration says what the runs used; :func:`verdict_for_mode`
    takes this instead of asking what the machine has."""
    cnn = [run for run in spec.resolve(mode, seeds=(0,))
           if run.get("kind") == "baseline" and "CNN feat." in run["row"]]
    return bool(cnn) and all(run["baseline"].get("weights") == "imagenet" for run in cnn)


def verdict_for_mode(claim, ours: dict, mode: str, imagenet_weights: bool) -> tuple:
    """(verdict, why untestable) of a finding in ``mode``, given ``ours`` from
    :func:`verdict_on_runs`: "cannot be tested in this mode" in smoke mode (it checks the
    pipeline only), for a finding about CNN features (:func:`~svddlib.reproduce.paper.
    needs_imagenet`) when ``imagenet_weights`` is False (pass :func:`pretrained_features` of
    the artefact), or when no comparison has its cells; otherwise ``ours['verdict']``
    and an empty reason."""
    from .paper import needs_imagenet

    if mode == "smoke":
        return VERDICTS[2], "smoke mode checks the pipeline only"
    if needs_imagenet(claim) and not imagenet_weights:
        return VERDICTS[2], ("compares CNN features, but the CNN-feature runs do not use "
                             "ImageNet weights")
    if ours["n_tested"] == 0:
        return VERDICTS[2], "none of its cells is run in this mode"
    return ours["verdict"], ""


def cells_near_chance(claim, table, margin: float = CHANCE_MARGIN) -> tuple:
    """(near, total): how many of the distinct cells a claim compares that have a value in
    ``table`` (rows x columns of means) lie within ``margin`` points of chance."""
    cells = {(r, c) for lhs, rhs in claim.comparisons for _, r, c in lhs + rhs}
    values = [table.loc[r, c] for r, c in cells
              if r in table.index and c in table.columns and table.loc[r, c] == table.loc[r, c]]
    return int(sum(bool(near_chance(v, margin)) for v in values)), len(values)


def seeds_holding(claim, runs, spec, mode: str, seeds) -> tuple:
    """(n, len(seeds)): in how many seeds the claim "replicates" on that seed's runs alone
    (:func:`verdict_on_runs`), a measure of how fragile a verdict is."""
    held = sum(verdict_on_runs(claim, runs[runs["seed"] == s], spec, mode)["verdict"]
               == VERDICTS[0] for s in seeds)
    return int(held), len(list(seeds))


def side_by_side(comp, spec, digits: int = 1):
    """A :func:`comparison` frame in the paper's layout: per column, ours, ours std, paper and
    the difference (named as in ``comp``: 'diff' or 'stand-in diff'), rounded."""
    import pandas as pd

    diff = "diff" if "diff" in comp.columns else diff_column("teach")
    parts = ["ours_mean", "ours_std", "paper_mean", diff]
    columns = [c for c in spec.columns if c in set(comp["column"])]
    wide = comp.set_index(["row", "column"])[parts].unstack("column").swaplevel(axis=1)
    wide = wide.reindex(columns=pd.MultiIndex.from_product([columns, parts]))
    wide = wide.reindex([r for r in spec.rows if r in set(comp["row"])])
    return wide.rename(columns={"ours_mean": "ours", "ours_std": "ours std",
                                "paper_mean": "paper"}, level=1).round(digits)
