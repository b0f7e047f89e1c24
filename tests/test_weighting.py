"""Adaptive weighting c_t (Eq. (7) of Chong et al. 2020) against hand computations."""
import pytest

from svddlib.weighting import AdaptiveWeight, FixedWeight


def test_c_t_recursion_by_hand():
    w = AdaptiveWeight(alpha=0.9, beta=0.5, c0=0.0)
    assert w.update(2.0, 1.0) == pytest.approx(0.1)     # 0.9*0 + 0.5*0.1*2
    assert w.update(4.0, 2.0) == pytest.approx(0.19)    # 0.9*0.1 + 0.05*2
    assert w.update(3.0, 1.0) == pytest.approx(0.321)   # 0.9*0.19 + 0.05*3


def test_zero_reg_loss_keeps_previous_value():
    w = AdaptiveWeight(alpha=0.5, beta=1.0, c0=1.0)
    assert w.update(2.0, 0.0) == 1.0                    # hinge exactly 0: ratio undefined
    assert w.update(float("nan"), 1.0) == 1.0
    assert w.update(2.0, 1.0) == pytest.approx(1.5)     # 0.5*1 + 1*0.5*2


def test_alpha_one_never_moves_and_beta_zero_decays():
    w = AdaptiveWeight(alpha=1.0, beta=0.5, c0=0.3)
    assert w.update(5.0, 1.0) == pytest.approx(0.3)
    w = AdaptiveWeight(alpha=0.5, beta=0.0, c0=0.8)
    assert w.update(5.0, 1.0) == pytest.approx(0.4)


def test_state_round_trip():
    w = AdaptiveWeight()
    w.update(1.0, 1.0)
    w2 = AdaptiveWeight()
    w2.load_state_dict(w.state_dict())
    assert w2.value == w.value


@pytest.mark.parametrize("kw", [{"alpha": -0.1}, {"alpha": 1.1}, {"beta": 2.0}, {"beta": -1},
                                {"c0": -1.0}])
def test_bad_parameters_rejected(kw):
    with pytest.raises(ValueError):
        AdaptiveWeight(**kw)


def test_fixed_weight():
    w = FixedWeight()
    assert w.update(3.0, 0.5) == 1.0 and w.value == 1.0
    with pytest.raises(ValueError):
        FixedWeight(-1.0)
