"""LeNet-type networks of the reference Deep SVDD work (Ruff et al. 2018) and their autoencoders.

``bias=False`` gives the standard Deep SVDD network: no bias in any conv/linear layer and
BatchNorm without affine parameters (its shift is a bias). ``bias=True`` switches all of them on
("D. SVDD w/ bias" in Chong et al. 2020). ``batchnorm=False`` removes BatchNorm altogether.
The autoencoders hold the very same encoder class as ``.encoder``, so pretrained weights move
over with ``net.load_state_dict(ae.encoder.state_dict())``.
"""
from __future__ import annotations

from torch import Tensor, nn

from .common import check_input_shape, make_activation, make_norm

__all__ = ["LeNetMNIST", "LeNetCIFAR", "LeNetMNISTAutoencoder", "LeNetCIFARAutoencoder"]


def _check_rep_dim(rep_dim) -> int:
    if isinstance(rep_dim, bool) or not isinstance(rep_dim, int) or rep_dim < 1:
        raise ValueError(f"rep_dim (feature dimension p) must be an integer >= 1, got {rep_dim!r}")
    return rep_dim


class _LeNet(nn.Module):
    """conv5x5 -> norm -> act -> maxpool2 blocks, then one linear layer to rep_dim."""

    input_shape: tuple = ()
    channels: tuple = ()

    def __init__(self, bias=False, batchnorm=True, activation="leaky_relu", rep_dim=32):
        super().__init__()
        self.rep_dim = _check_rep_dim(rep_dim)
        self.bias, self.batchnorm, self.activation = bool(bias), bool(batchnorm), activation
        layers, c_in = [], self.input_shape[0]
        for c_out in self.channels:
            layers += [nn.Conv2d(c_in, c_out, 5, padding=2, bias=bias),
                       make_norm(c_out, batchnorm, bias), make_activation(activation),
                       nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        side = self.input_shape[1] // 2 ** len(self.channels)
        self.flat_dim = c_in * side * side
        self.fc = nn.Linear(self.flat_dim, self.rep_dim, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        check_input_shape(x, self.input_shape, type(self).__name__)
        return self.fc(self.features(x).flatten(1))


class LeNetMNIST(_LeNet):
    """LeNet for 28x28 grey images: 8 and 4 conv channels, features of size rep_dim (32)."""

    input_shape = (1, 28, 28)
    channels = (8, 4)


class LeNetCIFAR(_LeNet):
    """LeNet for 32x32 colour images: 32, 64 and 128 conv channels, rep_dim 128 by default.

    ``channels`` (three integers) narrows or widens the conv blocks, e.g. (8, 16, 32) for a
    network about 12x cheaper that trains in about a second on a CPU (the runner's teach mode).
    """

    input_shape = (3, 32, 32)
    channels = (32, 64, 128)

    def __init__(self, bias=False, batchnorm=True, activation="leaky_relu", rep_dim=128,
                 channels=None):
        if channels is not None:
            channels = tuple(channels)
            if len(channels) != 3 or any(isinstance(c, bool) or not isinstance(c, int) or c < 1
                                         for c in channels):
                raise ValueError(f"channels must be three integers >= 1, got {channels!r}")
            self.channels = channels
        super().__init__(bias, batchnorm, activation, rep_dim)


class _Decoder(nn.Module):
    """Mirror of a LeNet encoder: linear -> (norm, act, upsample x2, conv5x5) per block."""

    def __init__(self, encoder: _LeNet):
        super().__init__()
        bias, bn, act = encoder.bias, encoder.batchnorm, encoder.activation
        chans = list(reversed(encoder.channels))
        self.side = encoder.input_shape[1] // 2 ** len(chans)
        self.c0 = chans[0]
        self.fc = nn.Linear(encoder.rep_dim, encoder.flat_dim, bias=bias)
        outs = chans[1:] + [encoder.input_shape[0]]
        layers = []
        for c_in, c_out in zip(chans, outs):
            layers += [make_norm(c_in, bn, bias), make_activation(act),
                       nn.Upsample(scale_factor=2),
                       nn.Conv2d(c_in, c_out, 5, padding=2, bias=bias)]
        self.blocks = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.blocks(self.fc(z).view(-1, self.c0, self.side, self.side))


class _Autoencoder(nn.Module):
    encoder_cls = _LeNet

    def __init__(self, bias=False, batchnorm=True, activation="leaky_relu", rep_dim=None):
        super().__init__()
        kw = {} if rep_dim is None else {"rep_dim": rep_dim}
        self.encoder = self.encoder_cls(bias=bias, batchnorm=batchnorm, activation=activation, **kw)
        self.decoder = _Decoder(self.encoder)
        self.input_shape = self.encoder.input_shape
        self.rep_dim = self.encoder.rep_dim

    def forward(self, x: Tensor) -> Tensor:
        """Reconstruction of x (same shape); train with the mean squared error."""
        return self.decoder(self.encoder(x))


class LeNetMNISTAutoencoder(_Autoencoder):
    """Autoencoder whose ``.encoder`` is a :class:`LeNetMNIST` (for pretraining)."""

    encoder_cls = LeNetMNIST


class LeNetCIFARAutoencoder(_Autoencoder):
    """Autoencoder whose ``.encoder`` is a :class:`LeNetCIFAR` (for pretraining)."""

    encoder_cls = LeNetCIFAR
