"""scikit-learn's own estimator checks on DeepSVDD (net 'mlp', 2 epochs): every check must pass."""
import pytest
import torch
from sklearn.utils.estimator_checks import check_estimator

from svddlib.detector import DeepSVDD

torch.set_num_threads(1)


@pytest.mark.parametrize("scoring", ["center", "knn"])
def test_check_estimator_passes_every_check(scoring):
    results = check_estimator(DeepSVDD(net="mlp", n_epochs=2, scoring=scoring), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"])[:300] for r in results
              if r["status"] == "failed"}
    assert len(results) >= 40 and not failed, failed


@pytest.mark.parametrize("step", ["DeepSVDD", "pipeline"])
def test_grid_search_over_a_pipeline_with_class_labels(step):
    """GridSearchCV passes y (class labels) to fit; an unsupervised detector ignores it."""
    import numpy as np
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(80, 4)), 5 * rng.normal(size=(20, 4))]
    y = np.r_[np.ones(80, int), -np.ones(20, int)]  # +1 inlier, -1 outlier (sklearn's labels)
    det = DeepSVDD(net="mlp", n_epochs=2, random_state=0)
    est = det if step == "DeepSVDD" else make_pipeline(StandardScaler(), det)
    prefix = "" if step == "DeepSVDD" else "deepsvdd__"
    search = GridSearchCV(est, {f"{prefix}nu": [0.1, 0.3]}, scoring="accuracy", cv=2).fit(X, y)
    assert search.best_params_[f"{prefix}nu"] in (0.1, 0.3)
