"""scikit-learn compatible DeepSVDD estimator: conventions, validation-based epoch choice,
pretraining, warm start, soft-boundary radius, seeding, option checks, tabular use."""
import random

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from svddlib.detector import AUTO_MIN_EPOCHS, AUTO_STEPS, DeepSVDD, resolve_n_epochs

torch.set_num_threads(1)
FAST = dict(net="mlp", hidden_dims=(8,), rep_dim=4, n_epochs=3, lr=1e-3, batch_size=32,
            random_state=0)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(100, 5)).astype(np.float32)
    x_out = 4.0 * rng.normal(size=(20, 5)).astype(np.float32)
    return x, x_out


def _val(seed=1):
    x, x_out = _data(seed)
    return np.concatenate([x[:40], x_out]), np.r_[np.zeros(40, int), np.ones(20, int)]


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
    assert det.n_features_in_ == 5 and det.best_epoch_ == 3  # no validation: last epoch


def test_auto_epochs_scale_with_optimizer_steps():
    assert resolve_n_epochs(7, 10_000, 50) == 7
    assert resolve_n_epochs("auto", 320, 50) == max(AUTO_MIN_EPOCHS, -(-AUTO_STEPS // 7))
    assert AUTO_STEPS > 2 * AUTO_MIN_EPOCHS  # 100 images = 2 minibatches: step-bound
    assert resolve_n_epochs("auto", 100, 50) == -(-AUTO_STEPS // 2)
    assert resolve_n_epochs("auto", 10 ** 6, 50) == AUTO_MIN_EPOCHS
    x, _ = _data()
    det = DeepSVDD(**{**FAST, "n_epochs": "auto", "batch_size": 50}).fit(x)
    assert det.n_epochs_ == max(AUTO_MIN_EPOCHS, -(-AUTO_STEPS // 2)) == len(det.history_)


def test_validation_data_keeps_best_epoch():
    x, _ = _data()
    det = DeepSVDD(**{**FAST, "n_epochs": 6}).fit(x, validation_data=_val())
    aucs = [h["val_auc"] for h in det.history_]
    assert det.best_epoch_ == int(np.argmax(aucs)) + 1
    assert det.result_.val_auc_best == max(aucs)


@pytest.mark.parametrize("bad, match", [
    ("not a pair", "pair"),
    ((np.zeros((6, 4), np.float32), np.r_[0, 0, 0, 1, 1, 1]), r"shape \(4,\) but X has \(5,\)"),
    ((np.zeros((6, 5), np.float32), np.r_[0, 0, 1, 1]), "6 samples but y_val has 4"),
    ((np.zeros((6, 5), np.float32), np.r_[-1, -1, 1, 1, 1, 1]), r"0 \(normal\) or 1"),
    ((np.zeros((6, 5), np.float32), np.zeros(6, int)), "only class"),
    ((np.full((6, 5), np.nan, np.float32), np.r_[0, 0, 0, 1, 1, 1]), "NaN"),
])
def test_bad_validation_data_rejected(bad, match):
    x, _ = _data()
    with pytest.raises(ValueError, match=match):
        DeepSVDD(**FAST).fit(x, validation_data=bad)


def test_soft_boundary_threshold_is_radius():
    x, _ = _data()
    det = DeepSVDD(**{**FAST, "n_epochs": 2}, objective="soft-boundary", warm_up_n_epochs=1).fit(x)
    assert det.offset_ == 0.0 and det.radius_ > 0
    d = det.anomaly_score(x) + det.radius_ ** 2  # squared distances
    assert np.array_equal(det.predict(x) == -1, d > det.radius_ ** 2)


def test_soft_boundary_radius_set_when_warm_up_never_ended():
    x, _ = _data()
    det = DeepSVDD(**FAST, objective="soft-boundary", nu=0.2, warm_up_n_epochs=10).fit(x)
    assert all(h["radius"] == 0.0 for h in det.history_)  # R never updated in training
    dist = det.anomaly_score(x) + det.radius_ ** 2
    assert det.radius_ == pytest.approx(np.quantile(np.sqrt(dist), 0.8), rel=1e-9)
    assert abs(np.mean(det.predict(x) == -1) - 0.2) <= 0.02  # not every point an outlier


def test_random_state_none_fresh_seed_and_global_rng_untouched():
    x, _ = _data()
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    before = (random.getstate(), np.random.get_state()[1].copy(), torch.get_rng_state())
    a = DeepSVDD(**{**FAST, "random_state": None}).fit(x)
    b = DeepSVDD(**{**FAST, "random_state": None}).fit(x)
    assert (random.getstate(), ) == (before[0], )
    assert np.array_equal(np.random.get_state()[1], before[1])
    assert torch.equal(torch.get_rng_state(), before[2])
    assert a.random_state_ != b.random_state_  # equal with probability 2^-31
    assert not np.allclose(a.anomaly_score(x), b.anomaly_score(x))
    again = DeepSVDD(**{**FAST, "random_state": a.random_state_}).fit(x)
    assert np.array_equal(again.anomaly_score(x), a.anomaly_score(x))  # the recorded seed
    rs = np.random.RandomState(3)
    c = DeepSVDD(**{**FAST, "random_state": rs}).fit(x)
    assert c.random_state_ == np.random.RandomState(3).randint(2 ** 31 - 1)


def test_y_is_ignored_and_semi_labels_keyword_works():
    x, x_out = _data()
    plain = DeepSVDD(**FAST).fit(x)
    with_y = DeepSVDD(**FAST).fit(x, np.arange(len(x)) % 3)  # class labels, as a Pipeline passes
    assert np.array_equal(plain.anomaly_score(x), with_y.anomaly_score(x))
    X = np.concatenate([x, x_out[:5]])
    semi = np.r_[np.zeros(len(x), int), -np.ones(5, int)]
    det = DeepSVDD(**{**FAST, "n_epochs": 5, "lr": 1e-2}).fit(X, semi_labels=semi)
    assert det.anomaly_score(x_out[:5]).min() > np.median(det.anomaly_score(x))
    with pytest.raises(ValueError, match="semi_labels"):
        DeepSVDD(**FAST).fit(X, semi_labels=np.full(len(X), 2))


def test_warm_start_continues_from_fitted_weights():
    x, _ = _data()
    det = DeepSVDD(**{**FAST, "n_epochs": 4, "lr": 1e-2}, warm_start=True).fit(x)
    center, model, first = det.center_.clone(), det.model_, det.history_
    det.set_params(n_epochs=1).fit(x)
    assert det.model_ is model and torch.equal(det.center_, center)  # same net, c kept
    assert det.history_[0]["l_svdd"] < 0.8 * first[0]["l_svdd"]  # starts where it stopped
    cold = DeepSVDD(**{**FAST, "n_epochs": 1, "lr": 1e-2}).fit(x)
    assert det.history_[0]["l_svdd"] < cold.history_[0]["l_svdd"]
    with pytest.raises(ValueError, match="features"):
        det.fit(x[:, :4])  # a warm start keeps n_features_in_


def test_pretraining_lenet():
    x = np.random.default_rng(0).random((40, 1, 28, 28), dtype=np.float32)
    kw = dict(net="lenet-mnist", rep_dim=8, n_epochs=1, batch_size=20, random_state=0)
    det = DeepSVDD(**kw, pretrain=True, ae_n_epochs=4, ae_lr=1e-3).fit(x)
    assert len(det.ae_history_) == 4 and det.ae_history_[-1] < det.ae_history_[0]
    plain = DeepSVDD(**kw).fit(x)
    assert not torch.equal(det.center_, plain.center_)  # c comes from the pretrained encoder
    assert not hasattr(plain, "ae_history_")
    assert not hasattr(det.set_params(pretrain=False, ae_n_epochs=None, ae_lr=None).fit(x),
                       "ae_history_")


@pytest.mark.parametrize("kw, match", [
    ({"net": "resnet18", "activation": "relu"}, "activation=.*does not apply to net='resnet18'"),
    ({"net": "resnet18", "batchnorm": False}, "batchnorm"),
    ({"net": "lenet-mnist", "hidden_dims": (8,)}, "hidden_dims"),
    ({"net": "lenet-mnist", "weights": "imagenet"}, "weights"),
    ({"net": "mlp", "pooling": False}, "pooling"),
    ({"net": "mlp", "pretrain": True}, "autoencoder"),
    ({"net": "lenet-mnist", "ae_lr": 1e-3}, "pretrain=True"),
])
def test_options_that_do_not_apply_to_the_net_are_errors(kw, match):
    x = np.zeros((4, 1, 28, 28), np.float32)
    with pytest.raises(ValueError, match=match):
        DeepSVDD(**{**FAST, "net": "lenet-mnist", "hidden_dims": None, **kw}).fit(x)


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
                                       ({"lr": -0.1}, "lr"), ({"net": "vgg"}, "net"),
                                       ({"n_epochs": "many"}, "n_epochs"),
                                       ({"random_state": -1}, "random_state")])
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
    with pytest.raises(ValueError, match="X has 6 features, but DeepSVDD is expecting 5"):
        det.predict(np.zeros((3, 6), dtype=np.float32))
    X = x.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DeepSVDD(**FAST).fit(X)


def test_lenet_mnist_accepts_grey_images_without_channel_axis():
    x = np.random.default_rng(0).random((20, 28, 28), dtype=np.float32)
    det = DeepSVDD(net="lenet-mnist", rep_dim=8, n_epochs=1, batch_size=10).fit(x)
    assert det.anomaly_score(x).shape == (20,)


def test_tabular_breast_cancer_malignant_as_anomalies():
    """The README's tabular example: train on benign tumours only, malignant ones anomalous."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    anomaly = (y == 0).astype(int)  # target 0 = malignant
    X_train, X_test, a_train, a_test = train_test_split(X, anomaly, test_size=0.5,
                                                        stratify=anomaly, random_state=0)
    detector = make_pipeline(StandardScaler(), DeepSVDD(net="mlp", random_state=0))
    detector.fit(X_train[a_train == 0])
    auc = roc_auc_score(a_test, -detector.score_samples(X_test))
    assert auc > 0.85  # 106 malignant / 179 benign test tumours; chance level is 0.5


def test_a_last_minibatch_of_one_sample_joins_the_one_before():
    from svddlib.training import _minibatches

    sizes = [len(b) for b in _minibatches(torch.arange(65), 32)]
    assert sizes == [32, 33] and [len(b) for b in _minibatches(torch.arange(66), 32)] == [32, 32, 2]
    assert [len(b) for b in _minibatches(torch.arange(1), 32)] == [1]
    x = np.random.default_rng(0).normal(size=(33, 4))  # BatchNorm1d fails on a batch of one
    assert len(DeepSVDD(**{**FAST, "n_epochs": 1}).fit(x).history_) == 1


def test_knn_scoring_equals_a_hand_computation():
    """scoring='knn': mean distance of phi(x) to the 2 nearest training features phi(x_i)
    (numpy on the model's own features), offset_ from leave-one-out training scores."""
    x, x_out = _data()
    det = DeepSVDD(**FAST, scoring="knn").fit(x)
    model = det.model_.double().eval()
    with torch.no_grad():
        f_train = model(torch.tensor(x, dtype=torch.float64)).numpy()
        f_query = model(torch.tensor(x_out, dtype=torch.float64)).numpy()
    dist = np.linalg.norm(f_query[:, None] - f_train[None], axis=2)
    assert np.allclose(det.anomaly_score(x_out), np.sort(dist, axis=1)[:, :2].mean(axis=1))
    own = np.linalg.norm(f_train[:, None] - f_train[None], axis=2)
    np.fill_diagonal(own, np.inf)  # leave-one-out: a sample is not its own neighbour
    loo = np.sort(own, axis=1)[:, :2].mean(axis=1)
    assert det.offset_ == pytest.approx(-np.quantile(loo, 1 - det.nu))
    assert np.array_equal(det.predict(x_out), np.where(det.decision_function(x_out) < 0, -1, 1))
    assert det.train_features_.shape == (100, 4)
    centre = DeepSVDD(**FAST).fit(x)  # same training: only the score differs
    assert torch.equal(centre.center_, det.center_) and not hasattr(centre, "train_features_")


def test_knn_reference_leaves_out_labelled_anomalies():
    x, x_out = _data()
    labels = np.r_[np.zeros(100, int), -np.ones(20, int)]
    det = DeepSVDD(**FAST, scoring="knn").fit(np.r_[x, x_out], semi_labels=labels)
    assert det.train_features_.shape == (100, 4)


@pytest.mark.parametrize("kw, match", [
    ({"scoring": "kNN"}, "scoring must be one of"), ({"n_neighbors": 0}, "n_neighbors"),
    ({"n_neighbors": 2.5}, "n_neighbors"), ({"n_neighbors": True}, "n_neighbors"),
    ({"scoring": "knn", "n_neighbors": 100}, "below the number of reference samples"),
    ({"scoring": "knn", "objective": "soft-boundary"}, "scoring='knn' takes objective")])
def test_bad_scoring_parameters_are_one_line_errors(kw, match):
    x, _ = _data()
    with pytest.raises(ValueError, match=match) as err:
        DeepSVDD(**{**FAST, **kw}).fit(x)
    assert "\n" not in str(err.value)
