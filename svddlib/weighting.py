"""Weighting of the regularizer: L_final = L_SVDD + c_t L_reg (Eq. (6) of Chong et al. 2020).

Besides the paper's adaptive (Eq. 7) and fixed weights, two controls that cannot fade during a
collapse: a floor ``c_min`` on the adaptive weight, and ``gradnorm``, the same moving average
of the ratio of the two losses' *gradient norms* with respect to the features.

The trainer calls :meth:`step` of the weight :func:`make_weighting` built from its TrainConfig
once per iteration; ``value`` is the last c_t, ``state_dict`` goes into the checkpoint.
"""
from __future__ import annotations

import math

__all__ = ["WEIGHTINGS", "AdaptiveWeight", "FixedWeight", "GradNormWeight", "ZeroWeight",
           "make_weighting", "feature_grad_norms", "check_unit_interval", "steady_state_weight",
           "lag_factor"]


def steady_state_weight(l_svdd: float, l_reg: float, beta: float = 0.5) -> float:
    """Fixed point of Eq. (7) for a constant loss ratio: c = beta L_SVDD / L_reg.

    So at the steady state c L_reg = beta L_SVDD: the regularization term is beta times the
    SVDD loss, and it goes to zero together with L_SVDD during a collapse.
    """
    beta = check_unit_interval("beta", beta)
    if not (math.isfinite(l_svdd) and math.isfinite(l_reg)) or l_svdd < 0 or l_reg <= 0:
        raise ValueError(f"need finite losses with L_SVDD >= 0 and L_reg > 0, got {l_svdd!r}, {l_reg!r}")
    return beta * l_svdd / l_reg


def lag_factor(alpha: float, q: float) -> float:
    """c_t / (beta rho_t) of Eq. (7) when the ratio rho falls by a factor q per iteration.

    Unrolling c_t = (1 - alpha) sum_j alpha^j beta rho_{t-j} with rho_{t-j} = rho_t q^-j gives
    (1 - alpha) / (1 - alpha / q) for alpha < q <= 1 (1 for a constant ratio, q = 1).
    """
    alpha = check_unit_interval("alpha", alpha)
    if not alpha < q <= 1:
        raise ValueError(f"need alpha < q <= 1 (the sum diverges otherwise), got alpha={alpha}, q={q!r}")
    return (1.0 - alpha) / (1.0 - alpha / q)


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

    ``c_min`` > 0 is a floor (not in the paper): c_t = max(c_min, alpha c_{t-1} + ...), so the
    weight cannot fade below c_min when L_SVDD collapses. The default 0 is the paper's scheme.
    """

    def __init__(self, alpha: float = 0.9, beta: float = 0.5, c0: float = 0.0, c_min: float = 0.0):
        self.alpha = check_unit_interval("alpha", alpha)
        self.beta = check_unit_interval("beta", beta)
        for name, v in (("c0", c0), ("c_min", c_min)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        self.c_min = float(c_min)
        self._on_device = None  # the value as a 0-dim float64 tensor while update_tensor runs
        self.value = max(float(c0), self.c_min)

    @classmethod
    def from_config(cls, cfg):
        return cls(cfg.alpha, cfg.beta, cfg.c0, cfg.c_min)

    def step(self, features, l_svdd, l_reg):
        """c_t of Eq. (6) for this iteration from the minibatch's losses: a float32 tensor on
        their device (no host sync per step)."""
        return self.update_tensor(l_svdd, l_reg).float()

    @property
    def value(self) -> float:
        """c_t as a Python float (reading it waits for the device when update_tensor ran)."""
        return float(self._on_device) if self._on_device is not None else self._value

    @value.setter
    def value(self, new: float) -> None:
        self._on_device, self._value = None, float(new)

    def update_tensor(self, l_svdd, l_reg):
        """:meth:`update` on 0-dim loss tensors without leaving their device (no host sync per
        iteration): the same recursion and guard in float64, as a 0-dim tensor."""
        import torch

        l_svdd, l_reg = l_svdd.detach().double(), l_reg.detach().double()
        prev = (self._on_device if self._on_device is not None
                else torch.tensor(self._value, dtype=torch.float64, device=l_svdd.device))
        ok = (l_reg > 0.0) & torch.isfinite(l_reg) & torch.isfinite(l_svdd)
        ratio = l_svdd / torch.where(ok, l_reg, torch.ones_like(l_reg))
        new = (self.alpha * prev + self.beta * (1.0 - self.alpha) * ratio).clamp(min=self.c_min)
        self._on_device = torch.where(ok, new, prev)
        return self._on_device

    def update(self, l_svdd: float, l_reg: float) -> float:
        l_svdd, l_reg = float(l_svdd), float(l_reg)
        if l_reg > 0.0 and math.isfinite(l_reg) and math.isfinite(l_svdd):
            ratio = l_svdd / l_reg
            self.value = self.alpha * self.value + self.beta * (1.0 - self.alpha) * ratio
            self.value = max(self.value, self.c_min)
        return self.value

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = float(state["value"])


class GradNormWeight(AdaptiveWeight):
    """Gradient-norm balancing (a variant of Eq. (7), not in the paper).

    The same recursion, fed with ||d L_SVDD / d phi|| and ||d L_reg / d phi|| (Frobenius norms of
    the gradients with respect to the minibatch features) instead of the loss values, so the
    weight balances the *pushes* on the features. For the variance hinge the ratio is at least
    p (n - 1) / n whatever the scale of the features (notebook 43), so it cannot fade to zero.
    """

    def step(self, features, l_svdd, l_reg) -> float:
        return self.update(*feature_grad_norms(features, l_svdd, l_reg))


class FixedWeight:
    """Constant weight c_t = value (c_t = 1 is the fixed scheme of Table I)."""

    def __init__(self, value: float = 1.0):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"fixed weight must be a finite number >= 0, got {value!r}")
        self.value = float(value)

    @classmethod
    def from_config(cls, cfg):
        return cls(cfg.fixed_weight)

    def update(self, l_svdd: float, l_reg: float) -> float:
        return self.value

    def step(self, features, l_svdd, l_reg) -> float:
        return self.value

    def state_dict(self) -> dict:
        return {"value": self.value}

    def load_state_dict(self, state: dict) -> None:
        self.value = float(state["value"])


class ZeroWeight(FixedWeight):
    """c_t = 0 for a regularizer that is not weighted ('none'); a checkpoint's value is ignored."""

    def __init__(self):
        super().__init__(0.0)

    def load_state_dict(self, state: dict) -> None:
        pass


def feature_grad_norms(features, l_svdd, l_reg) -> tuple[float, float]:
    """||d L_SVDD / d phi|| and ||d L_reg / d phi|| over the minibatch features (for 'gradnorm')."""
    import torch

    norms = []
    for loss in (l_svdd, l_reg):
        grad = (torch.autograd.grad(loss, features, retain_graph=True, allow_unused=True)[0]
                if loss.requires_grad else None)
        norms.append(0.0 if grad is None else float(grad.norm()))
    return norms[0], norms[1]


_KINDS = {"adaptive": AdaptiveWeight, "fixed": FixedWeight, "gradnorm": GradNormWeight}
#: The names TrainConfig.weighting accepts.
WEIGHTINGS = tuple(_KINDS)


def make_weighting(cfg):
    """The weight c_t named by ``cfg.weighting``, with its parameters from the TrainConfig."""
    return _KINDS[cfg.weighting].from_config(cfg)
