"""The natural-image benchmark of scripts/bench_detectors.py: validation data come from the
training set only; the table's numbers by hand."""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
import bench_detectors  # noqa: E402


def test_validation_split_never_touches_the_test_set(monkeypatch):
    from svddlib.data import RawData

    train = np.repeat(np.arange(100, dtype=np.uint8)[:, None, None], 4, 1).repeat(4, 2)
    raw = RawData("t", train, np.arange(100) % 2, np.full((10, 4, 4), 255, np.uint8),
                  np.arange(10) % 2)
    monkeypatch.setitem(bench_detectors._RAW, "raw", raw)
    v = bench_detectors.fmnist_validation(0, seed=0, n_val=5)
    ids = np.r_[v["train"][:, 0, 0], v["val"][:, 0, 0]]
    assert 255 not in ids and len(set(ids)) == len(ids)  # train images, no overlap
    assert len(v["train"]) == 40 and (v["train"][:, 0, 0] % 2 == 0).all()
    assert v["y_val"].tolist() == [0] * 5 + [1] * 5
    assert (v["val"][5:, 0, 0] % 2 == 1).all()
    run = bench_detectors.fmnist_run(1)
    assert len(run["train"]) == 50 and run["y_test"].tolist() == [1, 0] * 5


def test_table_means_and_std_over_seeds_by_hand(tmp_path):
    rows = [{"method": "PyOD DeepSVDD", "class": c, "seed": s, "cpu_s": 1.0 + s, "auc": a}
            for (c, s, a) in [(0, 0, 0.6), (1, 0, 0.8), (0, 1, 0.9), (2, 0, 0.7)]]
    log = tmp_path / "rows.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in rows))
    line = bench_detectors.natural_table([log]).splitlines()[-1]
    # class means 0.75, 0.8, 0.7 -> 0.75; class 0 alone has two seeds: std(0.6, 0.9) = 0.2121;
    # CPU (1 + 1 + 2 + 1) / 4 = 1.25
    assert line == "| PyOD DeepSVDD | 0.750 | 0.212 | 1.2 | [0, 1, 2] | 0, 1 | 4 |"


def test_frozen_outputs_memo_patches_what_the_detector_calls(monkeypatch):
    """The fast-path rows memoise the frozen front's outputs through the detector's own
    function (a renamed function once made every --natural run fail at import)."""
    import torch

    import svddlib.detector as detector

    monkeypatch.setattr(detector, "frozen_outputs", detector.frozen_outputs)  # restored after
    calls = []
    monkeypatch.setattr(detector, "frozen_outputs", lambda *a: calls.append(a) or a[1] * 2)
    bench_detectors._memo_frozen_outputs()
    front, x = torch.nn.Sequential(torch.nn.Identity()), torch.ones(3, 2)
    first = detector.frozen_outputs(front, x, 8, "cpu")
    assert torch.equal(detector.frozen_outputs(front, x.clone(), 8, "cpu"), first)
    assert len(calls) == 1  # equal inputs: computed once
    from svddlib.detector import as_image_tensor, frozen_outputs  # what _compute imports
    assert callable(as_image_tensor) and callable(frozen_outputs)


def test_fast_knn_scores_from_cached_front_outputs_equal_the_detectors(monkeypatch):
    """The kNN-score row scores the test set from the cached front outputs; they equal the
    detector's own anomaly_score (the row's 20-image self-check passes, and on all images)."""
    import torch

    from svddlib.detector import DeepSVDD, as_image_tensor, frozen_outputs

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    train, test = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (12, 25))
    det = DeepSVDD(net="efficientnet-lite0", input_size=32, n_epochs=1, batch_size=8,
                   random_state=0, scoring="knn", bn_stats="frozen").fit(train)
    cached = {"front": frozen_outputs(det.model_[0], as_image_tensor(test), 8, "cpu")}
    monkeypatch.setattr(bench_detectors.TEST_FEATURES, "feats", cached)
    scores = bench_detectors._fast_scores(det, {"test": test})
    assert np.allclose(scores, det.anomaly_score(test), rtol=1e-4, atol=1e-5)
