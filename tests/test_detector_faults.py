"""Detector faults of issue 20: a safe save format (tensors + JSON, a tampered file refused),
one-line errors or warnings that name the fix (divergence, a missing GPU, grey-image layouts)."""
import pickle

import numpy as np
import pytest
import torch

from svddlib.detector import DeepSVDD

torch.set_num_threads(1)
MLP = dict(net="mlp", hidden_dims=(8,), rep_dim=4, n_epochs=2, batch_size=16, random_state=0)


class _Payload:
    """Unpickling this object runs code (what a tampered file could do)."""

    def __reduce__(self):
        return (exec, ("raise SystemExit('code from the detector file ran')",))


def _tabular(n=40, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 5)).astype(np.float32)


@pytest.mark.parametrize("kw, data", [
    (MLP, lambda: _tabular()),
    (dict(net="lenet-mnist", rep_dim=4, n_epochs=1, batch_size=10, random_state=0,
          objective="soft-boundary"),
     lambda: np.random.default_rng(0).integers(0, 256, (20, 28, 28), dtype=np.uint8)),
    (dict(net="efficientnet-lite0", input_size=32, rep_dim=4, n_epochs=1, batch_size=8,
          random_state=0, bias=True),
     lambda: np.random.default_rng(0).integers(0, 256, (12, 24, 24, 3), dtype=np.uint8)),
    ({**MLP, "scoring": "knn", "n_neighbors": 3}, lambda: _tabular()),
    (dict(net="efficientnet-lite0", input_size=32, n_epochs=1, batch_size=8, random_state=0,
          scoring="knn", bn_stats="frozen"),
     lambda: np.random.default_rng(0).integers(0, 256, (12, 24, 24, 3), dtype=np.uint8))])
def test_save_load_round_trip_gives_identical_scores(tmp_path, kw, data):
    x = data()
    det = DeepSVDD(**kw).fit(x)
    det.save(tmp_path / "det.pt")
    back = DeepSVDD.load(tmp_path / "det.pt")
    assert np.array_equal(back.anomaly_score(x), det.anomaly_score(x))
    assert np.array_equal(back.predict(x), det.predict(x))
    assert back.get_params() == {**det.get_params(), "hidden_dims": back.hidden_dims}
    assert back.offset_ == det.offset_ and back.radius_ == det.radius_
    assert back.history_[-1]["l_svdd"] == pytest.approx(det.history_[-1]["l_svdd"])
    blob = torch.load(tmp_path / "det.pt", weights_only=True)  # tensors and text only
    if det.scoring == "knn":  # the training features travel as a tensor
        assert torch.equal(blob["train_features"], det.train_features_)
        assert np.array_equal(back.anomaly_score(x[:3] + 1), det.anomaly_score(x[:3] + 1))


def test_tampered_file_is_refused_and_runs_nothing(tmp_path):
    det = DeepSVDD(**MLP).fit(_tabular())
    det.save(tmp_path / "det.pt")
    blob = torch.load(tmp_path / "det.pt", weights_only=True)
    blob["payload"] = _Payload()
    torch.save(blob, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="refused, nothing was run"):
        DeepSVDD.load(tmp_path / "bad.pt")
    torch.save({"something": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a file written by DeepSVDD.save"):
        DeepSVDD.load(tmp_path / "other.pt")
    with open(tmp_path / "det.pkl", "wb") as f:  # what joblib / pickle files can do
        pickle.dump(_Payload(), f)
    with pytest.raises(ValueError, match="refused"):
        DeepSVDD.load(tmp_path / "det.pkl")


def test_divergence_warns_and_names_the_fix():
    x = _tabular(80) * 5
    with pytest.warns(RuntimeWarning, match=r"diverged.*lower lr \(now 1e\+06\)"):
        DeepSVDD(**{**MLP, "n_epochs": 4}, lr=1e6).fit(x)


def test_no_warning_for_a_normal_fit(recwarn):
    DeepSVDD(**MLP, lr=1e-3).fit(_tabular())
    assert not [w for w in recwarn if "diverged" in str(w.message)]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_is_a_one_line_error():
    with pytest.raises(ValueError, match="CUDA is not available here; use device='auto' or "
                                         "'cpu'") as err:
        DeepSVDD(**MLP, device="cuda").fit(_tabular())
    assert "\n" not in str(err.value)


def test_grey_images_with_or_without_channel_axis_are_the_same():
    x = np.random.default_rng(0).random((20, 28, 28), dtype=np.float32)
    det = DeepSVDD(net="lenet-mnist", rep_dim=8, n_epochs=1, batch_size=10,
                   random_state=0).fit(x)
    assert np.array_equal(det.anomaly_score(x[:, None]), det.anomaly_score(x))
    with pytest.raises(ValueError, match="3-channel images, but DeepSVDD was fitted on 1"):
        det.anomaly_score(np.repeat(x[:, None], 3, axis=1))
