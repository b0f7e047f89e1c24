"""The course map and a runner that executes notebooks with papermill.

``NOTEBOOKS`` is the single source of the course's order, what each notebook teaches, the
paper section it covers and its parameter presets per mode. The introduction notebook prints
the map from here, ``setup_notebook`` takes its presets from here, and a test checks that every
notebook's parameters cell declares exactly these names. The command line is
:mod:`svddlib.course` (``python -m svddlib.course list | run | site``).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .modes import MODES, resolve_mode
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


def _same(**values) -> dict:
    """The same preset in all three modes."""
    return {mode: dict(values) for mode in MODES}


#: How part 2 runs its sweeps: teach in a pool of one worker per core (a run of teach mode's
#: small fine-tuning gains little from a second thread, a second process nearly doubles the
#: pace); smoke in-process (seconds); paper in-process on the GPU.
SWEEP_EXECUTOR = {"smoke": "sequential", "teach": "process", "paper": "sequential"}


def _sweeping(**values) -> dict:
    """The same preset in all three modes, with the mode's :data:`SWEEP_EXECUTOR`."""
    return {mode: dict(values, executor=SWEEP_EXECUTOR[mode]) for mode in MODES}


_SPECS = [
    NotebookSpec(
        "00_introduction", "Introduction and course map",
        "what anomaly detection and deep SVDD are, how to run the course, a first look at the data",
        "I, V-A", _same(n_preview=16)),
    NotebookSpec(
        "10_svdd_theory", "Kernel SVDD: the hypersphere before deep learning",
        "the SVDD primal and dual, support vectors, the nu-property, SVDD vs OC-SVM, cost of kernels",
        "III (and Tax & Duin 2004)",
        {"smoke": dict(n_points=60, nu=0.1, gamma=0.5, n_nu_values=3, n_repeats=1,
                       timing_max_n=200, slsqp_max_n=24, grid_size=40),
         "teach": dict(n_points=300, nu=0.1, gamma=0.5, n_nu_values=10, n_repeats=5,
                       timing_max_n=3000, slsqp_max_n=240, grid_size=150),
         "paper": dict(n_points=1000, nu=0.1, gamma=0.5, n_nu_values=20, n_repeats=20,
                       timing_max_n=8000, slsqp_max_n=480, grid_size=250)}),
    NotebookSpec(
        "20_deep_svdd", "Deep SVDD",
        "one-class and soft-boundary objectives, the centre c, R as a quantile, Deep SVDD from "
        "scratch, AE pretraining (Ruff et al.; the paper fine-tunes an ImageNet ResNet-18 "
        "instead), AUC; Eq. 3 is in 50",
        "III-A (Eq. 1-2)", {
            "smoke": dict(normal_class=0, objective="one-class", nu=0.1, n_epochs=2, lr=1e-4,
                          batch_size=50, pretrain_epochs=1, warm_up_n_epochs=1, normal_classes=[],
                          nu_values=[0.1], max_train=100, max_eval=200),
            "teach": dict(normal_class=0, objective="one-class", nu=0.1, n_epochs=12, lr=1e-4,
                          batch_size=50, pretrain_epochs=10, warm_up_n_epochs=3,
                          normal_classes=[1, 3], nu_values=[0.05, 0.1, 0.2], max_train=None,
                          max_eval=1000),
            "paper": dict(normal_class=0, objective="one-class", nu=0.1, n_epochs=30, lr=1e-4,
                          batch_size=50, pretrain_epochs=150, warm_up_n_epochs=10,
                          normal_classes=[1, 2, 3, 4, 5, 6, 7, 8, 9], nu_values=[0.05, 0.1, 0.2],
                          max_train=None, max_eval=None)}),
    NotebookSpec(
        "30_hypersphere_collapse", "Hypersphere collapse",
        "the trivial constant solution, the architectural constraints, watching a collapse happen",
        "IV-A, VI (learning rates)", {
            "smoke": dict(normal_class=0, max_train=300, max_eval=100, n_epochs=20, lr=1e-2,
                          seeds=[0], lr_sweep=[1e-2], architectures=[],
                          regularizers=["noise, adaptive"]),
            "teach": dict(normal_class=0, max_train=300, max_eval=300, n_epochs=30, lr=1e-2,
                          seeds=[0, 1, 2], lr_sweep=[1e-3, 1e-2, 1e-1],
                          architectures=["leaky_relu", "sigmoid", "relu+bn"],
                          regularizers=["noise, adaptive", "noise, c_t=1", "variance, adaptive",
                                        "variance, c_t=1"]),
            "paper": dict(normal_class=0, max_train=300, max_eval=500, n_epochs=30, lr=1e-2,
                          seeds=[0, 1, 2, 3, 4, 5], lr_sweep=[1e-4, 1e-3, 1e-2, 2e-2, 1e-1],
                          architectures=["leaky_relu", "sigmoid", "tanh", "relu+bn",
                                         "leaky_relu+bn"],
                          regularizers=["noise, adaptive", "noise, c_t=1", "variance, adaptive",
                                        "variance, c_t=1"])}),
    NotebookSpec(
        "40_noise_regularizer", "The noise regularizer",
        "a linear head on fresh random labels, its loss tending to log 2, the effect of k",
        "IV-B (Eq. 4)", {
            "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                          activation="leaky_relu", k=50, k_values=[5, 50], n_seeds=1),
            "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                          activation="leaky_relu", k=50, k_values=[5, 50, 200], n_seeds=2),
            "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                          activation="leaky_relu", k=50,
                          k_values=[5, 30, 50, 60, 70, 100, 130, 200], n_seeds=5)}),
    NotebookSpec(
        "41_variance_regularizer", "The variance regularizer",
        "a hinge on the minibatch feature variance with an annealed threshold",
        "IV-C (Eq. 5)", {
            "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                          activation="leaky_relu", d0=0.1, r=3, d0_values=[0.1, 1e-4], n_seeds=1),
            "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                          activation="leaky_relu", d0=0.1, r=3, d0_values=[0.1, 1e-3, 1e-4],
                          n_seeds=2),
            "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                          activation="leaky_relu", d0=0.1, r=3,
                          d0_values=[0.1, 1e-2, 1e-3, 1e-4, 1e-5], n_seeds=5)}),
    NotebookSpec(
        "42_adaptive_weighting", "Adaptive weighting",
        "the c_t recursion, adaptive vs fixed weights (a small Table I)",
        "IV-D (Eq. 6-7), Table I", {
            "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                          activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                          beta=0.5, large_weight=100.0, n_seeds=1),
            "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                          activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                          beta=0.5, large_weight=100.0, n_seeds=2),
            "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                          activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                          beta=0.5, large_weight=100.0, n_seeds=5)}),
    NotebookSpec(
        "43_why_regularizers_fail_or_work", "Why the regularizers fail or work",
        "the steady state of Eq. 7, the paper's regime vs the collapse regime (a fair small "
        "Table I), collapse seen in 2-D, controls that prevent collapse and their AUC cost",
        "IV-D, V-B, VI, Table I", {
            "smoke": dict(normal_class=0, max_train=100, max_eval=200, n_epochs=2, lr_paper=1e-4,
                          lr_collapse=1e-2, objectives=["one-class"], nu=0.1, k=50, d0=0.1, r=3,
                          alpha=0.9, beta=0.5, large_weight=100.0, c_min=10.0, d0_fraction=1.0,
                          n_seeds=1, snapshot_epochs=[0, 1, 2]),
            "teach": dict(normal_class=0, max_train=300, max_eval=500, n_epochs=20, lr_paper=1e-4,
                          lr_collapse=1e-2, objectives=["one-class", "soft-boundary"], nu=0.1,
                          k=50, d0=0.1, r=3, alpha=0.9, beta=0.5, large_weight=100.0,
                          c_min=10.0, d0_fraction=1.0, n_seeds=2,
                          snapshot_epochs=[0, 1, 3, 10, 20]),
            "paper": dict(normal_class=0, max_train=None, max_eval=None, n_epochs=30,
                          lr_paper=1e-4, lr_collapse=1e-2, objectives=["one-class", "soft-boundary"],
                          nu=0.1, k=50, d0=0.1, r=3, alpha=0.9, beta=0.5, large_weight=100.0,
                          c_min=10.0, d0_fraction=1.0, n_seeds=5,
                          snapshot_epochs=[0, 1, 3, 10, 30])}),
    NotebookSpec(
        "50_semi_supervised", "Semi-supervised deep SVDD",
        "labeled anomalies pushed away from c, generalisation to unseen anomaly types",
        "III-B (Eq. 3), Table VI", {
            mode: dict(normal_class=3, anomaly_class=5, eta=1.0, picture_epochs=epochs, seeds=None,
                       n_epochs=None, max_train=None, executor=SWEEP_EXECUTOR[mode])
            for mode, epochs in (("smoke", 2), ("teach", 10), ("paper", 30))}),
    NotebookSpec(
        "60_baselines", "Baselines",
        "OC-SVM and Isolation Forest on PCA and CNN features, GEO with Dirichlet scores",
        "V-B, Tables II-IV", {
            # Fashion-MNIST (the CIFAR-10 stand-in) has 4,800 training and 1,000 test images per
            # normal class: anomalies are capped near the normal count, then every split is
            # subsampled (tables.cap_splits), so val and test are about half normal; teach runs
            # every second class (all ten: about 8.5 CPU-minutes, measured; five: about half)
            "smoke": dict(dataset="fashion_mnist", normal_classes=[3],
                          methods=["ocsvm_pca", "if_pca", "ocsvm_cnn", "if_cnn", "geo", "dsvdd"],
                          max_train=60, max_eval=60, max_anomalies=1000, geo_epochs=1,
                          dsvdd_epochs=1),
            "teach": dict(dataset="fashion_mnist", normal_classes=[0, 2, 4, 6, 8],
                          methods=["ocsvm_pca", "if_pca", "ocsvm_cnn", "if_cnn", "geo", "dsvdd"],
                          max_train=100, max_eval=200, max_anomalies=1000, geo_epochs=3,
                          dsvdd_epochs=20),
            "paper": dict(dataset="cifar10", normal_classes=list(range(10)),
                          methods=["ocsvm_pca", "if_pca", "ocsvm_cnn", "if_cnn",
                                   "ocsvm_cnn_nopool", "if_cnn_nopool", "geo", "dsvdd"],
                          max_train=None, max_eval=None, max_anomalies=None, geo_epochs=3,
                          dsvdd_epochs=30)}),
    NotebookSpec(
        "70_one_vs_all", "One-vs-all experiments", "the classic benchmark protocol",
        "V-A, Table III", _sweeping(seeds=None, normal_classes=None, n_epochs=None,
                                    max_train=None)),
    NotebookSpec(
        "71_image_alterations", "Image-alteration anomalies",
        "block permutations and strokes as anomalies of natural images, where GEO wins and loses",
        "V-A, Tables II-IV", {
            mode: dict(seeds=None, n_epochs=None, max_train=None,
                       executor=SWEEP_EXECUTOR[mode], n_gallery=n)
            for mode, n in (("smoke", 3), ("teach", 4), ("paper", 4))}),
    NotebookSpec(
        "72_learning_rates", "Learning rates and collapse",
        "the paper's learning-rate protocol (head vs body), three readings of a run (last, best "
        "validation, best test before collapse), Table V and Fig. 1 through the runner",
        "VI, Table V, Fig. 1",
        _sweeping(seeds=None, n_epochs=None, max_train=None)),
    NotebookSpec(
        "73_pooling", "The pooling layer",
        "global max pooling from scratch and its blindness to rearranged positions, a probe on "
        "block-permuted patches, Fig. 2 (methods A-E with and without pooling) through the runner",
        "VI, Fig. 2", {
            mode: dict(seeds=None, n_epochs=None, max_train=None,
                       executor=SWEEP_EXECUTOR[mode], n_probe=n, probe_side=64)
            for mode, n in (("smoke", 16), ("teach", 200), ("paper", 500))}),
    NotebookSpec(
        "90_paper_results", "The paper's results",
        "every table and figure of the paper gathered through the runner, ours beside the "
        "paper's with the difference, and a computed verdict per finding of Section VI",
        "VI, Tables I-VI, Fig. 1-2",
        _sweeping(seeds=None, n_epochs=None, max_train=None,
                  artefacts=["table1", "table2", "table3", "table4", "table5", "table6", "fig1",
                             "fig2"])),
]
NOTEBOOKS = {spec.name: spec for spec in _SPECS}
#: Seconds one cell may run, per mode, before the run is stopped with an error.
CELL_TIMEOUTS = {"smoke": 300, "teach": 1800, "paper": 24 * 3600}


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
