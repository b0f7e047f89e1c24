"""The regularizers and weightings as the trainer sees them: objects built once from a
TrainConfig by one factory (svddlib.regularizers.make_regularizer)."""
import pytest
import torch

from svddlib.regularizers import (REGULARIZERS, NoiseRegularizer, Regularizer,
                                  VarianceRegularizer, make_regularizer, noise_regularizer,
                                  variance_threshold)
from svddlib.train_config import TrainConfig
from svddlib.weighting import (WEIGHTINGS, AdaptiveWeight, FixedWeight, GradNormWeight,
                               ZeroWeight, make_weighting)

FIELDS = ["objective", "nu", "eta", "lr", "lr_head", "n_epochs", "batch_size", "weight_decay",
          "regularizer", "k", "alpha", "beta", "c0", "c_min", "d0", "r", "weighting",
          "fixed_weight", "warm_up_n_epochs", "eps", "eps_semi", "collapse_ratio", "seed",
          "device", "eval_batch_size", "progress", "num_workers"]


def test_names_and_the_config_dict_are_those_of_the_cache_keys():
    assert REGULARIZERS == ("none", "noise", "variance")
    assert WEIGHTINGS == ("adaptive", "fixed", "gradnorm")
    assert list(TrainConfig().to_dict()) == FIELDS
    with pytest.raises(ValueError, match="regularizer must be one of"):
        TrainConfig(regularizer="dropout")


@pytest.mark.parametrize("regularizer, weighting, kinds", [
    ("none", "adaptive", (Regularizer, ZeroWeight)),
    ("none", "fixed", (Regularizer, ZeroWeight)),
    ("noise", "adaptive", (NoiseRegularizer, AdaptiveWeight)),
    ("noise", "fixed", (NoiseRegularizer, FixedWeight)),
    ("variance", "gradnorm", (VarianceRegularizer, GradNormWeight))])
def test_one_factory_builds_both_from_the_config_names(regularizer, weighting, kinds):
    cfg = TrainConfig(regularizer=regularizer, weighting=weighting, fixed_weight=2.0, c0=0.3)
    reg, weight = make_regularizer(cfg, p=4, device="cpu")
    assert type(reg) is kinds[0] and type(weight) is kinds[1]
    if reg.weighted:
        assert type(make_weighting(cfg)) is kinds[1]
        assert weight.value == (2.0 if weighting == "fixed" else 0.3)
    else:
        feats = torch.randn(5, 4)
        assert weight.step(feats, feats.sum(), reg.loss(feats)) == 0.0 and weight.value == 0.0
        assert float(reg.loss(feats)) == 0.0 and reg.param_groups() == [] and reg.head is None


def test_noise_regularizer_owns_its_head_lr_and_label_stream():
    cfg = TrainConfig(regularizer="noise", k=3, lr_head=0.5, seed=4)
    torch.manual_seed(0)
    reg, _ = make_regularizer(cfg, p=2, device="cpu")
    group, = reg.param_groups()
    assert group["lr"] == 0.5 and len(group["params"]) == 2  # weight and bias of g
    feats = torch.randn(6, 2)
    state = {k: (v.copy() if isinstance(v, dict) else v.clone()) for k, v in reg.state_dict().items()}
    first = reg.loss(feats)
    # Eq. (4) with labels from a generator seeded with seed + 1
    expected = noise_regularizer(reg.head(feats), torch.Generator().manual_seed(5))
    assert torch.equal(first, expected)
    reg.load_state_dict(state)  # back to before the draw: the same labels again
    assert torch.equal(reg.loss(feats), first)


def test_variance_regularizer_anneals_per_epoch_and_reports_it():
    reg, _ = make_regularizer(TrainConfig(regularizer="variance", d0=1.0, r=2), 3, "cpu")
    thresholds = []
    for epoch in range(5):
        reg.start_epoch(epoch)
        thresholds.append(reg.diagnostics()["reg_threshold"])
    assert thresholds == [variance_threshold(e, 1.0, 2) for e in range(5)] == [1, 1, .1, .1, .01]
    feats = torch.zeros(4, 3)  # no variance: the hinge is the threshold
    assert float(reg.loss(feats)) == pytest.approx(0.01)
