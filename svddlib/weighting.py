"""Weighting of the regularizer: L_final = L_SVDD + c_t L_reg (Eq. (6) of Chong et al. 2020)."""
from __future__ import annotations

import math

__all__ = ["WEIGHTINGS", "AdaptiveWeight", "FixedWeight", "check_unit_interval"]

WEIGHTINGS = ("adaptive", "fixed")


def check_unit_interval(name: str, value) -> float:
    """Return ``value`` as float after checking it lies in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


class AdaptiveWeight:
    """Adaptive weight of Eq. (7): c_t = alpha c_{t-1} + beta (1 - alpha) L_SVDD / L_reg.

    Call :meth:`update` once per iteration with the *detached* loss values of the current
    minibatch; it returns c_t, the weight for that same iteration. Guard: when L_reg is zero
    (the variance hinge often is) or a loss is not finite, the ratio is undefined and c_t keeps
    its previous value; the regularizer then contributes nothing in that iteration anyway.
    """

    def __init__(self, alpha: float = 0.9, beta: float = 0.5, c0: float = 0.0):
        self.alpha = check_unit_interval("alpha", alpha)
        self.beta = check_unit_interval("beta", beta)
        if not math.isfinite(c0) or c0 < 0:
            raise ValueError(f"c0 must be a finite number >= 0, got {c0!r}")
        self.value = float(c0)

    def update(self, l_svdd: float, l_reg: float) -> float:
        l_svdd, l_reg = float(l_svdd), float(l_reg)
        if l_reg > 0.0 and math.isfinite(l_reg) and math.isfinite(l_svdd):
            ratio = l_svdd / l_reg
            self.value = self.alpha * self.value + self.beta * (1.0 - self.alpha) * ratio
        return self.value

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = float(state["value"])


class FixedWeight:
    """Constant weight c_t = value (c_t = 1 is the fixed scheme of Table I)."""

    def __init__(self, value: float = 1.0):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"fixed weight must be a finite number >= 0, got {value!r}")
        self.value = float(value)

    def update(self, l_svdd: float, l_reg: float) -> float:
        return self.value

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = float(state["value"])
