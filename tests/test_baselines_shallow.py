"""OC-SVM / Isolation Forest detectors, their validation-only selection, and CNN features."""
import warnings

import numpy as np
import pytest
import torch

from svddlib.baselines.features import (ResNet18Features, flatten_pixels, resnet18_features,
                                        resolve_weights)
from svddlib.baselines.shallow import (OCSVM_GAMMA_FACTORS, ShallowDetector, parameter_grid,
                                       select_on_validation)

torch.set_num_threads(1)


def _blobs(seed=0, n=200, d=10):
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=(n, d))
    anomalies = rng.normal(size=(n // 4, d)) + 4.0
    return normal, anomalies


@pytest.mark.parametrize("model", ["ocsvm", "iforest"])
@pytest.mark.parametrize("n_components", [None, 3])
def test_far_points_score_higher(model, n_components):
    normal, anomalies = _blobs()
    det = ShallowDetector(model=model, n_components=n_components).fit(normal[:150])
    s_normal, s_anomalies = det.score_samples(normal[150:]), det.score_samples(anomalies)
    assert s_anomalies.mean() > s_normal.mean()
    assert s_normal.shape == (50,)


def test_gamma_is_factor_over_dim_times_variance():
    # features (two dims) with values 0, 2 -> mean 1, variance 1 over all entries; D = 2
    x = np.array([[0.0, 2.0], [2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])
    det = ShallowDetector("ocsvm", gamma_factor=4.0).fit(x)
    assert det.gamma_ == pytest.approx(4.0 / (2 * 1.0))
    assert det.estimator_.gamma == pytest.approx(2.0)


def test_pca_dimension_is_capped_by_training_size():
    x = np.random.default_rng(0).normal(size=(5, 20))
    det = ShallowDetector("iforest", n_components=64).fit(x)
    assert det.pca_.n_components_ == 5


def test_iforest_is_fixed_as_in_liu_et_al():
    det = ShallowDetector("iforest").fit(np.random.default_rng(0).normal(size=(300, 4)))
    assert det.estimator_.n_estimators == 100 and det.estimator_.max_samples == 256


def test_parameter_grid_sizes():
    assert len(parameter_grid("ocsvm", pca_grid=[8, 16], nu_grid=[0.1, 0.2])) == \
        2 * 2 * len(OCSVM_GAMMA_FACTORS)
    assert parameter_grid("iforest", pca_grid=[None], seed=3) == \
        [{"model": "iforest", "n_components": None, "seed": 3}]
    with pytest.raises(ValueError, match="model"):
        parameter_grid("svm")


def test_selection_maximises_validation_auc_and_sees_no_test_data():
    # anomalies differ from the normal data only in feature 0; PCA with 1 component keeps the
    # direction of largest variance, which we make feature 1 (pure noise), so it must lose.
    rng = np.random.default_rng(0)
    normal = np.c_[rng.normal(size=300) * 0.3, rng.normal(size=300) * 5.0]
    val = np.r_[normal[200:], np.c_[np.full(50, 3.0), rng.normal(size=50) * 5.0]]
    y_val = np.r_[np.zeros(100), np.ones(50)].astype(int)
    grid = [dict(model="iforest", n_components=1, seed=0),
            dict(model="iforest", n_components=2, seed=0)]
    detector, best, records = select_on_validation(grid, normal[:200], val, y_val)
    assert best["n_components"] == 2
    assert records[1]["val_auc"] > records[0]["val_auc"]
    assert [r["n_components"] for r in records] == [1, 2]
    # the shared-PCA shortcut gives the same detector as a fresh fit
    fresh = ShallowDetector(**best).fit(normal[:200])
    np.testing.assert_allclose(detector.score_samples(val), fresh.score_samples(val))


def test_selection_shares_pca_across_grid_points_correctly():
    normal, anomalies = _blobs(1)
    val = np.r_[normal[150:], anomalies]
    y = np.r_[np.zeros(50), np.ones(len(anomalies))].astype(int)
    grid = parameter_grid("ocsvm", pca_grid=[3], nu_grid=[0.1], gamma_factors=[0.5, 2.0])
    detector, best, records = select_on_validation(grid, normal[:150], val, y)
    fresh = ShallowDetector(**best).fit(normal[:150])
    np.testing.assert_allclose(detector.score_samples(val), fresh.score_samples(val))


def test_bad_input_raises():
    with pytest.raises(ValueError, match="nu"):
        ShallowDetector(nu=0)
    with pytest.raises(ValueError, match="NaN"):
        ShallowDetector().fit(np.array([[np.nan, 1.0], [1.0, 1.0]]))
    with pytest.raises(RuntimeError, match="fit"):
        ShallowDetector().score_samples(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        select_on_validation([], np.zeros((3, 2)), np.zeros((3, 2)), [0, 1, 0])


def test_flatten_pixels():
    assert flatten_pixels(torch.zeros(3, 1, 4, 4)).shape == (3, 16)


def test_resnet_features_with_and_without_pooling():
    x = torch.randn(2, 1, 28, 28)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pooled = resnet18_features(x, weights=None, pooling="max")
        assert pooled.shape == (2, 512)
        # 64x64 inputs leave a 2x2 map: 2048 numbers without pooling; max pooling = max over it
        ext = ResNet18Features(weights=None, pooling=None, input_size=64)
        full = resnet18_features(x, extractor=ext)
    assert full.shape == (2, 512 * 2 * 2)
    assert ext.weights_used == "random"
    ext_max = ResNet18Features(weights=None, pooling="max", input_size=64)
    ext_max.net.body.load_state_dict(ext.net.body.state_dict())
    np.testing.assert_allclose(resnet18_features(x, extractor=ext_max),
                               full.reshape(2, 512, 4).max(axis=2), rtol=1e-5, atol=1e-6)


def test_weights_auto_warns_when_not_cached(monkeypatch):
    import svddlib.baselines.features as features

    monkeypatch.setattr(features, "imagenet_weights_cached", lambda: False)
    monkeypatch.setattr(features, "_warned_random", False)
    with pytest.warns(UserWarning, match="RANDOMLY"):
        assert resolve_weights("auto") is None
    with warnings.catch_warnings(record=True) as caught:  # once per process, not per run
        warnings.simplefilter("always")
        assert resolve_weights("auto") is None
    assert not [w for w in caught if "RANDOMLY" in str(w.message)]
    assert resolve_weights(None) is None and resolve_weights("imagenet") == "imagenet"
    with pytest.raises(ValueError, match="weights"):
        resolve_weights("coco")
