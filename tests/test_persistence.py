"""Safe persistence: checkpoints and cached models load with weights_only=True; a tampered
file is refused (moved aside, never run); a DeepSVDD survives a joblib round trip with
identical scores."""
import joblib
import numpy as np
import pytest
import torch

from svddlib.cache import CorruptEntryWarning
from svddlib.detector import DeepSVDD
from svddlib.models import MLP
from svddlib.training import CHECKPOINT_NAME, TrainConfig, train

torch.set_num_threads(1)


class _Payload:
    """Unpickling this object runs code (what a tampered file could do)."""

    def __reduce__(self):
        return (exec, ("raise SystemExit('code from the checkpoint ran')",))


def test_joblib_round_trip_gives_identical_scores(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    det = DeepSVDD(net="mlp", rep_dim=4, n_epochs=2, random_state=0).fit(x)
    joblib.dump(det, tmp_path / "det.joblib")
    back = joblib.load(tmp_path / "det.joblib")
    x_new = rng.normal(size=(30, 5)).astype(np.float32)
    assert np.array_equal(back.anomaly_score(x_new), det.anomaly_score(x_new))
    assert np.array_equal(back.predict(x_new), det.predict(x_new))
    assert back.get_params() == det.get_params() and back.random_state_ == det.random_state_


def test_checkpoint_resume_is_weights_only(tmp_path):
    ck = tmp_path / "ck"
    x = torch.randn(40, 5)
    cfg = TrainConfig(n_epochs=1, lr=1e-3, progress=False, regularizer="variance")
    train(MLP(5, rep_dim=4), x, cfg, checkpoint_dir=ck)
    resumed = train(MLP(5, rep_dim=4), x, cfg, checkpoint_dir=ck, n_epochs=2)
    assert [h["epoch"] for h in resumed.history] == [1, 2]
    saved = torch.load(ck / CHECKPOINT_NAME, weights_only=True)  # no allow-list needed
    saved["history"][0]["note"] = _Payload()
    torch.save(saved, ck / CHECKPOINT_NAME)
    # refused (its code never runs), moved aside with a warning naming it; training restarts
    with pytest.warns(CorruptEntryWarning, match=f"{ck / CHECKPOINT_NAME}: unreadable") as rec:
        again = train(MLP(5, rep_dim=4), x, cfg, checkpoint_dir=ck, n_epochs=3)
    assert "weights_only=False" not in str(rec[0].message)
    assert [h["epoch"] for h in again.history] == [1, 2, 3]
    assert len(list((tmp_path / "corrupt").glob(f"ck-{CHECKPOINT_NAME}.*"))) == 1


def test_load_model_of_a_cached_run(tmp_path, monkeypatch):
    from svddlib.experiments import load_model, run_deep_svdd
    from svddlib.training import compute_scores

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    spec = dict(data_spec={"dataset": "mnist5k", "normal_class": 1, "max_train": 60,
                           "max_eval": 60},
                net_spec={"network": "lenet-mnist", "rep_dim": 8},
                train_cfg={"n_epochs": 1, "batch_size": 30, "progress": False})
    with pytest.raises(FileNotFoundError, match="no cached run"):
        load_model("persist", "smoke", **spec)
    summary = run_deep_svdd("persist", "smoke", **spec)
    result = load_model("persist", "smoke", **spec)
    assert result.best_epoch == summary["best_epoch"] and not result.model.training
    from svddlib.data import to_tensors
    from svddlib.experiments import build_data

    tensors, _ = to_tensors(build_data(**spec["data_spec"]))
    scores = compute_scores(result.model, tensors["test"], result.center, result.radius)
    assert np.allclose(scores, summary["test_scores"], rtol=1e-6)
