"""Dirichlet maximum likelihood and log-density (svddlib.baselines.dirichlet)."""
import math

import numpy as np
import pytest
from scipy.special import digamma

from svddlib.baselines.dirichlet import (clip_to_simplex, dirichlet_log_density,
                                         dirichlet_mean_log_likelihood, fit_dirichlet,
                                         inverse_digamma)


def test_log_density_hand_computed():
    # Dir(1, 1, 1) is uniform on the 2-simplex: density Gamma(3) / Gamma(1)^3 = 2 everywhere.
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    np.testing.assert_allclose(dirichlet_log_density(p, [1.0, 1.0, 1.0]), [math.log(2)] * 2)
    # Dir(2, 1) at p = (1/4, 3/4): Gamma(3) / (Gamma(2) Gamma(1)) * (1/4)^1 * (3/4)^0 = 1/2.
    np.testing.assert_allclose(dirichlet_log_density([[0.25, 0.75]], [2.0, 1.0]), [math.log(0.5)])
    # Dir(2, 2) at p = (1/2, 1/2): Gamma(4) / (Gamma(2)^2) * 1/2 * 1/2 = 6 / 4 = 1.5.
    np.testing.assert_allclose(dirichlet_log_density([[0.5, 0.5]], [2.0, 2.0]), [math.log(1.5)])


def test_clip_to_simplex_hand_computed():
    out = clip_to_simplex(np.array([[0.0, 1.0], [0.5, 0.5]]), eps=0.1)
    # row 1: clipped to (0.1, 1.0), sum 1.1
    np.testing.assert_allclose(out, [[0.1 / 1.1, 1.0 / 1.1], [0.5, 0.5]])


def test_log_density_is_finite_for_one_hot_rows():
    p = np.eye(4)
    assert np.isfinite(dirichlet_log_density(p, [0.5, 0.5, 0.5, 0.5])).all()


def test_inverse_digamma_known_values():
    euler_gamma = 0.5772156649015329
    np.testing.assert_allclose(inverse_digamma(np.array([-euler_gamma, 1 - euler_gamma])),
                               [1.0, 2.0], rtol=1e-10)
    x = np.array([0.01, 0.3, 1.7, 25.0, 400.0])
    np.testing.assert_allclose(inverse_digamma(digamma(x)), x, rtol=1e-8)


@pytest.mark.parametrize("method", ["newton", "fixed-point"])
@pytest.mark.parametrize("alpha", [[2.0, 5.0, 10.0], [0.3, 0.6, 1.2, 2.4], [40.0, 70.0, 20.0]])
def test_fit_recovers_known_concentrations(alpha, method):
    rng = np.random.default_rng(0)
    samples = rng.dirichlet(alpha, size=20_000)
    estimate, info = fit_dirichlet(samples, eps=1e-12, method=method, return_info=True)
    assert info["converged"]
    np.testing.assert_allclose(estimate, alpha, rtol=0.05)


def test_fit_is_a_likelihood_maximum():
    rng = np.random.default_rng(1)
    truth = np.array([1.5, 3.0, 0.7])
    samples = rng.dirichlet(truth, size=2_000)
    estimate = fit_dirichlet(samples, eps=1e-12)
    mean_log_p = np.log(clip_to_simplex(samples, 1e-12)).mean(axis=0)
    best = dirichlet_mean_log_likelihood(mean_log_p, estimate)
    for other in (truth, estimate * 1.05, estimate * 0.95, estimate + [0.05, 0.0, 0.0]):
        assert best >= dirichlet_mean_log_likelihood(mean_log_p, other)
    # the two algorithms agree
    np.testing.assert_allclose(fit_dirichlet(samples, eps=1e-12, method="fixed-point"),
                               estimate, rtol=1e-6)


def test_fit_handles_near_one_hot_softmax_outputs():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(500, 72)) * 30.0  # very confident "classifier"
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    alpha = fit_dirichlet(probs)
    assert alpha.shape == (72,) and np.isfinite(alpha).all() and (alpha > 0).all()
    assert np.isfinite(dirichlet_log_density(probs, alpha)).all()


@pytest.mark.parametrize("bad", [np.array([[np.nan, 1.0], [0.5, 0.5]]), np.ones((3,)),
                                 np.ones((3, 1))])
def test_bad_probabilities_raise(bad):
    with pytest.raises(ValueError):
        fit_dirichlet(bad)


def test_bad_alpha_and_options_raise():
    p = np.array([[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match="positive"):
        dirichlet_log_density(p, [1.0, -1.0])
    with pytest.raises(ValueError, match="entries"):
        dirichlet_log_density(p, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="method"):
        fit_dirichlet(p, method="em")
    with pytest.raises(ValueError, match="at least 2 samples"):
        fit_dirichlet(p[:1])
