"""noise_loss_band: the band of the noise loss on fresh fair coins, by hand and by simulation."""
import math

import numpy as np
import pytest
import torch

from svddlib.regularizers import noise_loss_band, noise_regularizer, random_binary_labels

LOG2 = math.log(2)


def test_band_by_hand():
    low, high = noise_loss_band(50, 50)
    assert low == pytest.approx(LOG2 - 9 / (2 * 2500))
    assert high == pytest.approx(LOG2 + (1 + 3 * math.sqrt(2 / 50)) / 100 + 3 / (50 * math.sqrt(50)))
    assert noise_loss_band(200, 50)[1] - LOG2 < high - LOG2  # larger batches: narrower
    with pytest.raises(ValueError, match="batch_size"):
        noise_loss_band(0, 5)


def test_decomposition_of_one_term():
    z = torch.tensor([[-2.0, 0.3, 1.7]])
    for y in (0.0, 1.0):
        expected = LOG2 + torch.log(torch.cosh(z / 2)) + (0.5 - y) * z
        terms = torch.nn.functional.binary_cross_entropy_with_logits(
            z, torch.full_like(z, y), reduction="none")
        assert torch.allclose(terms, expected, atol=1e-6)


def test_no_head_beats_the_floor_on_fresh_coins():
    # the worst logit scale for the floor, a = 2 n_sigma / sqrt(N), and a few others
    b, k = 20, 5
    low, _ = noise_loss_band(b, k)
    gen = torch.Generator().manual_seed(0)
    for a in (0.0, 6 / math.sqrt(b * k), 0.5, 2.0):
        losses = torch.stack([noise_regularizer(a * torch.randn(b, k, generator=gen), gen)
                              for _ in range(4000)])
        assert (losses < low).float().mean() < 0.005, a  # a 3-sigma floor


def test_a_constant_head_fitted_to_one_batch_stays_inside_the_band():
    b, k, trials = 50, 50, 3000
    low, high = noise_loss_band(b, k)
    gen = torch.Generator().manual_seed(1)
    previous = random_binary_labels((trials, b, k), gen).mean(1).clamp(0.5 / b, 1 - 0.5 / b)
    logits = torch.log(previous / (1 - previous)).unsqueeze(1).expand(trials, b, k)
    fresh = random_binary_labels((trials, b, k), gen)
    losses = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, fresh, reduction="none").mean((1, 2)).numpy()
    assert np.mean(losses) - LOG2 == pytest.approx(1 / (2 * b), rel=0.15)  # the mean excess
    assert ((losses < low) | (losses > high)).mean() < 0.005
    assert np.quantile(losses, 0.99) > LOG2 + 1 / (2 * b)  # the band is not vacuous
