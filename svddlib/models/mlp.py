"""A small fully connected Deep SVDD network for tabular data (n_samples, n_features)."""
from __future__ import annotations

from torch import Tensor, nn

from .common import check_input_shape, make_activation, make_norm

__all__ = ["MLP"]


class MLP(nn.Module):
    """linear -> norm -> act blocks, then a linear layer to rep_dim; same bias switch as LeNet."""

    def __init__(self, in_features: int, hidden_dims=(64,), rep_dim: int = 16, bias: bool = False,
                 batchnorm: bool = True, activation: str = "leaky_relu"):
        super().__init__()
        dims = [in_features, *hidden_dims, rep_dim]
        if any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
            raise ValueError(f"in_features, hidden_dims and rep_dim must be integers >= 1, got {dims}")
        layers = []
        for d_in, d_out in zip(dims[:-2], dims[1:-1]):
            layers += [nn.Linear(d_in, d_out, bias=bias), make_norm(d_out, batchnorm, bias, dim=1),
                       make_activation(activation)]
        layers.append(nn.Linear(dims[-2], rep_dim, bias=bias))
        self.net = nn.Sequential(*layers)
        self.input_shape, self.rep_dim = (in_features,), rep_dim

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(x, self.input_shape, "MLP")
        return self.net(x)
