"""kNN on pretrained features (Bergman et al. 2020): the score by hand, scikit-learn's outlier
API, the features of the frozen EfficientNet-Lite0."""
import numpy as np
import pytest
import torch

from svddlib.baselines import PretrainedKNN
from svddlib.baselines import knn as knn_mod
from svddlib.objectives import knn_offset

torch.set_num_threads(1)


def test_knn_score_by_hand(monkeypatch):
    """Training features 0, 1, 3, 10 on a line; k = 2. Query 2: neighbours 1 and 3 (distances
    1, 1) -> 1.0; query 12: neighbours 10 and 3 (2, 9) -> 5.5. Leave-one-out training scores:
    0 -> (1 + 3) / 2 = 2, 1 -> (1 + 2) / 2 = 1.5, 3 -> (2 + 3) / 2 = 2.5, 10 -> (7 + 9) / 2 = 8."""
    monkeypatch.setattr(PretrainedKNN, "_features",
                        lambda self, X: np.asarray(X, dtype=np.float32).reshape(-1, 1))
    det = PretrainedKNN(n_neighbors=2, contamination=0.25).fit([0, 1, 3, 10])
    assert np.allclose(det.anomaly_score([2, 12]), [1.0, 5.5])
    assert det.offset_ == pytest.approx(-np.quantile([2, 1.5, 2.5, 8], 0.75))
    assert list(det.predict([2, 12])) == [1, -1]
    assert np.allclose(det.decision_function([2]), -1.0 - det.offset_)
    assert np.allclose(knn_mod.knn_scores([[1.0, 3.0], [2.0, 2.0]]), [2.0, 2.0])
    assert knn_offset(det.nn_, 0.25) == pytest.approx(-np.quantile([2, 1.5, 2.5, 8], 0.75))


def test_knn_on_images_uses_the_frozen_network():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (6, 20, 20, 3), dtype=np.uint8)
    det = PretrainedKNN(n_neighbors=1, input_size=32).fit(train)
    assert np.allclose(det.anomaly_score(train), 0.0, atol=1e-3)  # each image is its own NN
    new = rng.integers(0, 256, (3, 20, 20, 3), dtype=np.uint8)
    floats = torch.tensor(new).permute(0, 3, 1, 2).float() / 255  # the same images as NCHW
    assert np.allclose(det.score_samples(new), det.score_samples(floats), rtol=1e-5)
    assert (det.anomaly_score(new) > 0).all()


@pytest.mark.parametrize("kw, match", [({"n_neighbors": 6}, "n_neighbors"),
                                       ({"contamination": 0.7}, "contamination")])
def test_knn_bad_options(kw, match):
    with pytest.raises(ValueError, match=match):
        PretrainedKNN(input_size=32, **kw).fit(np.zeros((6, 8, 8), np.uint8))
