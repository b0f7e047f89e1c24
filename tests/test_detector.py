"""scikit-learn compatible DeepSVDD estimator: API conventions, clone, parameter checks."""
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from svddlib.detector import DeepSVDD

torch.set_num_threads(1)
FAST = dict(net="mlp", hidden_dims=(8,), rep_dim=4, n_epochs=3, lr=1e-3, batch_size=32)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(100, 5)).astype(np.float32)
    x_out = 4.0 * rng.normal(size=(20, 5)).astype(np.float32)
    return x, x_out


def test_fit_score_predict_conventions():
    x, x_out = _data()
    det = DeepSVDD(**FAST, nu=0.1).fit(x)
    assert det.fit(x) is det
    raw = det.anomaly_score(x)
    assert np.allclose(det.score_samples(x), -raw)
    assert np.allclose(det.decision_function(x), det.score_samples(x) - det.offset_)
    pred = det.predict(x)
    assert set(np.unique(pred)) <= {-1, 1}
    assert abs(np.mean(pred == -1) - 0.1) <= 0.03  # nu = fraction of training outliers
    assert np.mean(det.predict(x_out) == -1) > 0.5
    assert len(det.history_) == 3 and det.center_.shape == (4,)


def test_soft_boundary_threshold_is_radius():
    x, _ = _data()
    det = DeepSVDD(**{**FAST, "n_epochs": 2}, objective="soft-boundary", warm_up_n_epochs=1).fit(x)
    assert det.offset_ == 0.0 and det.radius_ > 0
    d = det.anomaly_score(x) + det.radius_ ** 2  # squared distances
    assert np.array_equal(det.predict(x) == -1, d > det.radius_ ** 2)


def test_get_set_params_and_clone():
    det = DeepSVDD(nu=0.2, regularizer="noise", k=7)
    params = det.get_params()
    assert params["nu"] == 0.2 and params["k"] == 7 and params["net"] == "lenet-mnist"
    assert det.set_params(lr=1e-3) is det and det.lr == 1e-3
    twin = clone(det)
    assert twin.get_params() == det.get_params() and twin is not det
    x, _ = _data()
    fitted = DeepSVDD(**FAST).fit(x)
    assert not hasattr(clone(fitted), "model_")


def test_not_fitted_error():
    with pytest.raises(NotFittedError):
        DeepSVDD().predict(np.zeros((2, 1, 28, 28), dtype=np.float32))


@pytest.mark.parametrize("kw, match", [({"nu": 0.0}, "nu"), ({"nu": 1.2}, "nu"), ({"k": 0}, "k"),
                                       ({"alpha": 1.5}, "alpha"), ({"beta": -0.5}, "beta"),
                                       ({"lr": -0.1}, "lr"), ({"net": "vgg"}, "net")])
def test_bad_parameters_rejected_at_fit(kw, match):
    x, _ = _data()
    with pytest.raises(ValueError, match=match):
        DeepSVDD(**{**FAST, **kw}).fit(x)


def test_wrong_input_shape_for_net():
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\)"):
        DeepSVDD(n_epochs=1).fit(np.zeros((4, 3, 32, 32), dtype=np.float32))
    with pytest.raises(ValueError, match="n_features"):
        DeepSVDD(**FAST).fit(np.zeros((4, 2, 2), dtype=np.float32))
    x, _ = _data()
    det = DeepSVDD(**FAST).fit(x)
    with pytest.raises(ValueError, match="MLP"):
        det.predict(np.zeros((3, 6), dtype=np.float32))


def test_semi_supervised_labels_and_nan_input():
    x, x_out = _data()
    X = np.concatenate([x, x_out[:5]])
    y = np.r_[np.zeros(len(x), int), -np.ones(5, int)]
    det = DeepSVDD(**{**FAST, "n_epochs": 5, "lr": 1e-2}).fit(X, y)
    assert det.anomaly_score(x_out[:5]).min() > np.median(det.anomaly_score(x))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DeepSVDD(**FAST).fit(X)


def test_lenet_mnist_accepts_grey_images_without_channel_axis():
    x = np.random.default_rng(0).random((20, 28, 28), dtype=np.float32)
    det = DeepSVDD(net="lenet-mnist", rep_dim=8, n_epochs=1, batch_size=10).fit(x)
    assert det.anomaly_score(x).shape == (20,)
