"""Baselines of Chong et al. 2020 (Tables II-IV), on the same data, splits and metric as Deep SVDD.

* :mod:`~svddlib.baselines.shallow`: OC-SVM and Isolation Forest on PCA or CNN features
  (:mod:`~svddlib.baselines.features`), hyperparameters chosen on validation data only;
* :mod:`~svddlib.baselines.geo`: GEO (Golan & El-Yaniv 2018), 72 geometric transformations,
  transformation classifier and Dirichlet score (:mod:`~svddlib.baselines.dirichlet`);
* :mod:`~svddlib.baselines.knn`: nearest neighbours on pretrained EfficientNet-Lite0 features
  (Bergman et al. 2020), scikit-learn outlier API (:class:`PretrainedKNN`);
* :mod:`~svddlib.baselines.pretrain`: standard Deep SVDD with autoencoder pretraining;
* :mod:`~svddlib.baselines.runner`: ``run_baseline(name, data, config)`` for all of them;
* :mod:`~svddlib.baselines.tables`: cached one-vs-all tables and published reference numbers.

Every detector has ``fit(X_train)`` / ``score_samples(X)`` with higher = more anomalous, except
:class:`PretrainedKNN`, which follows scikit-learn (``score_samples`` higher = more normal).
"""
from .knn import PretrainedKNN
from .runner import BASELINES, METHOD_LABELS, default_config, fit_baseline, run_baseline

__all__ = ["PretrainedKNN", "BASELINES", "METHOD_LABELS", "default_config", "fit_baseline",
           "run_baseline"]
