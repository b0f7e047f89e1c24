"""Teach mode's network: ImageNet EfficientNet-Lite0 with a frozen front (cached outputs) and a
fine-tuned last layer, for Deep SVDD runs and for the CNN-feature baselines."""
import numpy as np
import pytest
import torch

from svddlib import experiments
from svddlib.data import photo_patches
from svddlib.models import EfficientNetLite0Backbone, FastPath, build_model
from svddlib.models.efficientnet import efficientnet_lite0_features, frozen_outputs

DATA = {"setup": "image_alteration", "dataset": "photo_patches", "seed": 0, "size": 64,
        "n_train": 30, "n_val": 20, "n_test": 20, "anomaly": "blocks", "strength": 2}
NET = {"network": "efficientnet-lite0", "weights": "imagenet", "bias": True, "pooling": "max",
       "rep_dim": None, "input_size": 64, "trainable_blocks": 1, "bn_stats": "frozen"}
TRAIN = {"n_epochs": 2, "batch_size": 10, "lr": 1e-4, "lr_head": 1e-3, "seed": 0,
         "progress": False}


def _nearest_centroid_accuracy(features, classes, train):
    centroids = np.stack([features[train & (classes == c)].mean(0) for c in np.unique(classes)])
    dist = ((features[~train, None, :] - centroids[None]) ** 2).sum(-1)
    return float((np.unique(classes)[dist.argmin(1)] == classes[~train]).mean())


def test_pretrained_features_beat_random_ones_on_photographs():
    """Which of the six photographs a 64-px patch comes from, by the nearest class mean of its
    pooled features: ImageNet features must be far better than those of the random network."""
    raw = photo_patches(size=64, n_train=120, n_val=6, n_test=6, seed=0)
    images = torch.as_tensor(raw.train_images).permute(0, 3, 1, 2).float() / 255
    classes = np.asarray(raw.train_classes)
    train = np.arange(len(classes)) % 2 == 0
    scores = {}
    for weights in ("imagenet", None):
        torch.manual_seed(0)
        net = EfficientNetLite0Backbone(weights, bias=True, pooling="avg")
        scores[weights] = _nearest_centroid_accuracy(
            efficientnet_lite0_features(images, net=net), classes, train)
    chance = 1 / len(np.unique(classes))
    assert scores["imagenet"] > max(scores[None] + 0.15, chance + 0.3), scores


def test_trainable_blocks_builds_a_fast_path_with_a_frozen_front():
    net = build_model("efficientnet-lite0", **{k: v for k, v in NET.items() if k != "network"})
    assert isinstance(net, FastPath)
    assert not any(p.requires_grad for p in net.front.parameters())
    assert all(p.requires_grad for p in net.tail.parameters())
    x = torch.rand(2, 3, 64, 64)
    net.eval()
    with torch.no_grad():
        assert torch.allclose(net(x), net.tail(frozen_outputs(net.front, x)), atol=1e-6)
    with pytest.raises(ValueError, match="option of efficientnet-lite0"):
        build_model("lenet-mnist", trainable_blocks=0)


def test_fast_path_run_trains_the_tail_caches_the_front_and_reloads(tmp_path, monkeypatch):
    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    monkeypatch.setattr(experiments, "_FRONT_MEMO", {})
    summary = experiments.run_deep_svdd("fast", "smoke", DATA, NET, TRAIN,
                                        preprocessing="none")
    assert len(summary["history"]) == 2 and 0 <= summary["test_auc_best"] <= 1
    fronts = list((tmp_path / "front-outputs").rglob("outputs.pt"))
    assert len(fronts) == 1  # computed once, kept for every run on this data
    saved = torch.load(next((tmp_path / "runs").rglob("model.pt")), weights_only=True)
    net = build_model("efficientnet-lite0", **{k: v for k, v in NET.items() if k != "network"})
    assert set(saved["model"]) == set(net.tail.state_dict())  # the tail only, not the front
    model = experiments.load_model("fast", "smoke", DATA, NET, TRAIN, preprocessing="none")
    data = experiments.build_data(**DATA)
    from svddlib.data import to_tensors

    x_test = to_tensors(data, "none")[0]["test"]
    assert np.allclose(model.score(x_test), summary["test_scores"], rtol=1e-4, atol=1e-6)
    # a second run on the same data reads the cached front outputs (no recomputation)
    monkeypatch.setattr(experiments, "_FRONT_MEMO", {})
    monkeypatch.setattr("svddlib.models.efficientnet.frozen_outputs",
                        lambda *a, **k: pytest.fail("front recomputed"))
    experiments.run_deep_svdd("fast", "smoke", DATA, {**NET, "bias": False}, TRAIN,
                              preprocessing="none")


def test_cnn_feature_baselines_use_the_pretrained_network_outside_paper_mode():
    from svddlib.baselines import default_config, run_baseline

    teach, paper = default_config("ocsvm_cnn", "teach"), default_config("ocsvm_cnn", "paper")
    assert teach["features"] == "efficientnet-lite0" and teach["weights"] == "imagenet"
    assert paper["features"] == "resnet18"
    data = experiments.build_data(**DATA)
    result = run_baseline("if_cnn_nopool", data, {**default_config("if_cnn_nopool", "smoke"),
                                                   "seed": 0})
    side = -(-default_config("if_cnn_nopool", "smoke")["input_size"] // 32)  # last map: ceil(/32)
    assert side == 3  # TEACH_INPUT_SIZE 80: a 3 x 3 map, whose middle cells straddle the seams
    assert result["feature_dim"] == 1280 * side * side and result["weights_used"] == "imagenet"


def test_geo_resizes_its_inputs_outside_paper_mode():
    from svddlib.baselines import default_config, run_baseline

    assert default_config("geo", "paper")["input_size"] is None
    cfg = {**default_config("geo", "smoke"), "max_steps": 2}
    assert cfg["input_size"] == 32
    result = run_baseline("geo", experiments.build_data(**DATA), cfg)
    assert 0 <= result["test_auc"] <= 1


def test_sweep_runs_report_the_eval_mode_collapse_flag(tmp_path, monkeypatch):
    from svddlib.reproduce import get_spec
    from svddlib.reproduce.execute import execute_run

    monkeypatch.setenv("SVDD_RESULTS_ROOT", str(tmp_path))
    run = next(r for r in get_spec("table5").resolve("smoke") if r["kind"] == "deep_svdd")
    metrics = execute_run(run)
    assert isinstance(metrics["eval_collapsed"], bool)
    assert metrics["eval_collapsed"] or not metrics["collapsed"]  # the training flag implies it
