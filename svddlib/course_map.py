"""The course map and a runner that executes notebooks with papermill.

``NOTEBOOKS`` is the single source of the course's order, what each notebook teaches, the
paper section it covers and its parameter presets per mode (kept with every mode's other
settings in :data:`svddlib.presets.NOTEBOOK_PRESETS`). The introduction notebook prints
the map from here, ``setup_notebook`` takes its presets from here, and a test checks that every
notebook's parameters cell declares exactly these names. The command line is
:mod:`svddlib.course` (``python -m svddlib.course list | run | site``).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .modes import resolve_mode
from .presets import CELL_TIMEOUTS, NOTEBOOK_PRESETS
from .paths import project_root, results_root

__all__ = ["NotebookSpec", "NOTEBOOKS", "COMMON_PARAMETERS", "CELL_TIMEOUTS", "notebook_spec",
           "notebooks_dir", "available_notebooks", "declared_parameters", "run_notebook",
           "check_parameter_types"]

#: Parameters every notebook has, with their defaults.
COMMON_PARAMETERS = {"mode": None, "seed": 0, "force_retrain": False}


@dataclass(frozen=True)
class NotebookSpec:
    """One learning unit: its title, what it teaches, the paper section, presets per mode."""

    name: str
    title: str
    teaches: str
    paper_section: str
    presets: dict = field(default_factory=dict)  # mode -> {parameter: value}

    @property
    def planned(self) -> bool:
        return not self.presets


_SPECS = [
    NotebookSpec(
        "00_introduction", "Introduction and course map",
        "what anomaly detection and deep SVDD are, how to run the course, a first look at the data",
        "I, V-A", NOTEBOOK_PRESETS["00_introduction"]),
    NotebookSpec(
        "10_svdd_theory", "Kernel SVDD: the hypersphere before deep learning",
        "the SVDD primal and dual, support vectors, the nu-property, SVDD vs OC-SVM, cost of kernels",
        "III (and Tax & Duin 2004)",
        NOTEBOOK_PRESETS["10_svdd_theory"]),
    NotebookSpec(
        "20_deep_svdd", "Deep SVDD",
        "one-class and soft-boundary objectives, the centre c, R as a quantile, Deep SVDD from "
        "scratch, AE pretraining (Ruff et al.; the paper fine-tunes an ImageNet ResNet-18 "
        "instead), AUC; Eq. 3 is in 50",
        "III-A (Eq. 1-2)", NOTEBOOK_PRESETS["20_deep_svdd"]),
    NotebookSpec(
        "30_hypersphere_collapse", "Hypersphere collapse",
        "the trivial constant solution, the architectural constraints, watching a collapse happen",
        "IV-A, VI (learning rates)", NOTEBOOK_PRESETS["30_hypersphere_collapse"]),
    NotebookSpec(
        "40_noise_regularizer", "The noise regularizer",
        "a linear head on fresh random labels, its loss tending to log 2, the effect of k",
        "IV-B (Eq. 4)", NOTEBOOK_PRESETS["40_noise_regularizer"]),
    NotebookSpec(
        "41_variance_regularizer", "The variance regularizer",
        "a hinge on the minibatch feature variance with an annealed threshold",
        "IV-C (Eq. 5)", NOTEBOOK_PRESETS["41_variance_regularizer"]),
    NotebookSpec(
        "42_adaptive_weighting", "Adaptive weighting",
        "the c_t recursion, adaptive vs fixed weights (a small Table I)",
        "IV-D (Eq. 6-7), Table I", NOTEBOOK_PRESETS["42_adaptive_weighting"]),
    NotebookSpec(
        "43_why_regularizers_fail_or_work", "Why the regularizers fail or work",
        "the steady state of Eq. 7, the paper's regime vs the collapse regime (a fair small "
        "Table I), collapse seen in 2-D, controls that prevent collapse and their AUC cost",
        "IV-D, V-B, VI, Table I", NOTEBOOK_PRESETS["43_why_regularizers_fail_or_work"]),
    NotebookSpec(
        "50_semi_supervised", "Semi-supervised deep SVDD",
        "labeled anomalies pushed away from c, generalisation to unseen anomaly types",
        "III-B (Eq. 3), Table VI", NOTEBOOK_PRESETS["50_semi_supervised"]),
    NotebookSpec(
        "60_baselines", "Baselines",
        "OC-SVM and Isolation Forest on PCA and CNN features, GEO with Dirichlet scores",
        "V-B, Tables II-IV", NOTEBOOK_PRESETS["60_baselines"]),
    NotebookSpec(
        "70_one_vs_all", "One-vs-all experiments", "the classic benchmark protocol",
        "V-A, Table III", NOTEBOOK_PRESETS["70_one_vs_all"]),
    NotebookSpec(
        "71_image_alterations", "Image-alteration anomalies",
        "block permutations and strokes as anomalies of natural images, where GEO wins and loses",
        "V-A, Tables II-IV", NOTEBOOK_PRESETS["71_image_alterations"]),
    NotebookSpec(
        "72_learning_rates", "Learning rates and collapse",
        "the paper's learning-rate protocol (head vs body), three readings of a run (last, best "
        "validation, best test before collapse), Table V and Fig. 1 through the runner",
        "VI, Table V, Fig. 1",
        NOTEBOOK_PRESETS["72_learning_rates"]),
    NotebookSpec(
        "73_pooling", "The pooling layer",
        "global max pooling from scratch and its blindness to rearranged positions, a probe on "
        "block-permuted patches, Fig. 2 (methods A-E with and without pooling) through the runner",
        "VI, Fig. 2", NOTEBOOK_PRESETS["73_pooling"]),
    NotebookSpec(
        "90_paper_results", "The paper's results",
        "every table and figure of the paper gathered through the runner, ours beside the "
        "paper's with the difference, and a computed verdict per finding of Section VI",
        "VI, Tables I-VI, Fig. 1-2",
        NOTEBOOK_PRESETS["90_paper_results"]),
]
NOTEBOOKS = {spec.name: spec for spec in _SPECS}


def notebook_spec(name: str) -> NotebookSpec:
    """The spec of notebook ``name``; a clear error for unknown or not yet written notebooks."""
    if name not in NOTEBOOKS:
        raise ValueError(f"unknown notebook {name!r}; known notebooks: {', '.join(NOTEBOOKS)}")
    spec = NOTEBOOKS[name]
    if spec.planned:
        raise ValueError(f"notebook {name!r} is planned but has no presets yet")
    return spec


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def available_notebooks() -> list[str]:
    """Names of the notebooks that exist on disk, in course order."""
    return [name for name in NOTEBOOKS if (notebooks_dir() / f"{name}.ipynb").exists()]


def declared_parameters(path: Path) -> set:
    """Names in a notebook's parameters cell (read with papermill)."""
    import papermill

    return set(papermill.inspect_notebook(str(path)))


def run_notebook(name: str, mode: str | None = None, parameters: dict | None = None,
                 output_dir: Path | None = None, cell_timeout: int | None = None) -> Path:
    """Execute notebook ``name`` with papermill and return the path of the executed copy.

    Parameter names are checked against the notebook's parameters cell first, so a typo fails
    at once instead of being silently ignored. Each cell gets ``cell_timeout`` seconds
    (default by mode: :data:`CELL_TIMEOUTS`), so a dead kernel cannot hang the run.
    """
    import papermill

    mode = resolve_mode(mode)
    source = notebooks_dir() / f"{name}.ipynb"
    if not source.exists():
        raise FileNotFoundError(f"no notebook {source}; available: {available_notebooks()}")
    parameters = dict(parameters or {})
    unknown = sorted(set(parameters) - declared_parameters(source))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for {name}; its parameters cell "
                         f"declares {sorted(declared_parameters(source))}")
    check_parameter_types(name, mode, parameters)
    output_dir = Path(output_dir or results_root() / "executed" / mode)
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / source.name
    # papermill writes its output cell by cell: run into a temporary copy, so an interrupted run
    # never leaves a half-executed notebook where a finished one is expected.
    running = output_dir / f".{source.stem}.running.ipynb"
    try:
        papermill.execute_notebook(
            str(source), str(running), parameters={**parameters, "mode": mode},
            kernel_name="python3", cwd=str(project_root()),
            execution_timeout=cell_timeout or CELL_TIMEOUTS[mode],
            progress_bar=sys.stderr.isatty())  # a cell-by-cell bar in a terminal
    except papermill.PapermillExecutionError:
        os.replace(running, target)  # a notebook that raised is kept, with its error shown
        raise
    except BaseException:
        running.unlink(missing_ok=True)
        raise
    os.replace(running, target)
    return target


#: Accepted value types per type of a parameter's preset (an int where a float is expected is
#: fine; a bool is never taken for a number).
_COMPATIBLE = {bool: (bool,), int: (int,), float: (int, float), str: (str,),
               list: (list, tuple), tuple: (list, tuple), dict: (dict,)}


def check_parameter_types(name: str, mode: str, parameters: dict) -> None:
    """Raise a one-line ValueError naming the parameter when a value's type does not match
    the type of its preset in ``mode`` (or of :data:`COMMON_PARAMETERS`), e.g. ``seed='abc'``
    or ``lr='0.01'``; None (the preset) and parameters whose preset is None pass."""
    presets = {**COMMON_PARAMETERS, **NOTEBOOKS[name].presets.get(mode, {})} \
        if name in NOTEBOOKS else dict(COMMON_PARAMETERS)
    for key, value in parameters.items():
        expected = presets.get(key)
        if value is None or expected is None or type(expected) not in _COMPATIBLE:
            continue
        allowed = _COMPATIBLE[type(expected)]
        if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            raise ValueError(f"parameter {key!r} of {name} expects {type(expected).__name__} "
                             f"(its {mode} preset is {expected!r}), got {value!r} "
                             f"({type(value).__name__}); e.g. -p {key} {expected!r}")
