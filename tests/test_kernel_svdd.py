"""Tests of svddlib.kernel_svdd: hand-computed tiny problems, KKT conditions, the nu-property,
and the equivalence with scikit-learn's OneClassSVM for the RBF kernel."""
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.svm import OneClassSVM

from svddlib.kernel_svdd import (
    KernelSVDD, box_bound, dual_objective, kernel_matrix, kkt_gap, linear_center, linear_kernel,
    primal_objective, radius_squared, rbf_kernel, resolve_gamma, solve_dual_slsqp, solve_dual_smo,
    squared_distances, support_vector_masks,
)

SOLVERS = ["smo", "slsqp"]


# ----------------------------------------------------------------------------- kernels
def test_linear_kernel_by_hand():
    K = linear_kernel([[1.0, 2.0], [0.0, 1.0]], [[3.0, 4.0]])
    np.testing.assert_allclose(K, [[11.0], [4.0]])  # 1*3+2*4, 0*3+1*4


def test_rbf_kernel_by_hand():
    K = rbf_kernel([[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 1.0]], gamma=0.5)
    e = np.exp(-0.5 * 2.0)  # squared distance 2
    np.testing.assert_allclose(K, [[1.0, e], [e, 1.0]])


def test_gamma_scale_matches_sklearn_rule():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    # the 6 entries 0,0,2,0,0,4: mean 1, mean square 20/6, var 20/6 - 1 = 7/3 -> gamma = 1/(2*7/3) = 3/14
    assert resolve_gamma("scale", X) == pytest.approx(3.0 / 14.0)
    assert resolve_gamma(2, X) == 2.0


def test_box_bound():
    assert box_bound(0.5, 4) == pytest.approx(0.5)
    assert box_bound(1.0, 3) == pytest.approx(1.0 / 3.0)


# ----------------------------------------------------------------------------- hand-computed QPs
@pytest.mark.parametrize("solver", SOLVERS)
def test_two_points_ball_is_midpoint(solver):
    # dual with K = [[0,0],[0,4]]: max 4 a2 - 4 a2^2 -> a = (1/2, 1/2); c = (1,0); R^2 = 1
    X = np.array([[0.0, 0.0], [2.0, 0.0]])
    m = KernelSVDD(kernel="linear", nu=0.5, solver=solver).fit(X)  # C = 1
    np.testing.assert_allclose(m.alpha_, [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(m.center_, [1.0, 0.0], atol=1e-6)
    assert m.radius_sq_ == pytest.approx(1.0, abs=1e-6)
    assert m.dual_objective_ == pytest.approx(1.0, abs=1e-6)  # R^2 when nothing lies outside


@pytest.mark.parametrize("solver", SOLVERS)
def test_obtuse_triangle_interior_point_gets_zero_weight(solver):
    # the longest side (0,0)-(4,0) is the diameter; (1,1) lies inside (dist^2 = 2 < 4)
    X = np.array([[0.0, 0.0], [4.0, 0.0], [1.0, 1.0]])
    m = KernelSVDD(kernel="linear", nu=1.0 / 3.0, solver=solver).fit(X)  # C = 1
    np.testing.assert_allclose(m.alpha_, [0.5, 0.5, 0.0], atol=1e-5)
    np.testing.assert_allclose(m.center_, [2.0, 0.0], atol=1e-5)
    assert m.radius_sq_ == pytest.approx(4.0, abs=1e-5)
    np.testing.assert_allclose(m.squared_distances(X), [4.0, 4.0, 2.0], atol=1e-5)
    assert list(m.support_) == [0, 1]


@pytest.mark.parametrize("solver", SOLVERS)
def test_soft_boundary_with_bounded_support_vectors(solver):
    # 1-D points 0, 2, 10 with nu = 5/6 -> C = 1/(nu n) = 0.4. The extremes are capped at C:
    # a = (0.4, 0.2, 0.4), c = 0.2*2 + 0.4*10 = 4.4, R^2 = (2 - 4.4)^2 = 5.76 (point 2 is on the sphere),
    # dual = 0.2*4 + 0.4*100 - 4.4^2 = 21.44 = primal 5.76 + 0.4*((19.36-5.76) + (31.36-5.76)).
    X = np.array([[0.0], [2.0], [10.0]])
    m = KernelSVDD(kernel="linear", nu=5.0 / 6.0, solver=solver).fit(X)
    np.testing.assert_allclose(m.alpha_, [0.4, 0.2, 0.4], atol=1e-5)
    np.testing.assert_allclose(m.center_, [4.4], atol=1e-5)
    assert m.radius_sq_ == pytest.approx(5.76, abs=1e-4)
    assert m.dual_objective_ == pytest.approx(21.44, abs=1e-4)
    assert list(m.bounded_support_) == [0, 2] and list(m.unbounded_support_) == [1]
    assert primal_objective(m.squared_distances(X), m.radius_sq_, m.nu) == pytest.approx(21.44, abs=1e-4)
    np.testing.assert_array_equal(m.predict([[0.0], [2.0], [10.0], [4.4]]), [1, 0, 1, 0])
    np.testing.assert_allclose(m.score_samples([[4.4], [7.4]]), [-5.76, 9.0 - 5.76], atol=1e-4)


def test_dual_objective_by_hand():
    K = np.array([[0.0, 0.0], [0.0, 4.0]])
    # 0.5*0 + 0.5*4 - (0.25*4) = 2 - 1 = 1
    assert dual_objective([0.5, 0.5], K) == pytest.approx(1.0)


def test_primal_objective_by_hand():
    # R^2 = 4, slacks max(0, d2 - 4) = (0, 0, 5), C = 1/(1*3): 4 + 5/3
    assert primal_objective([0.0, 4.0, 9.0], 4.0, nu=1.0) == pytest.approx(4.0 + 5.0 / 3.0)


def test_squared_distances_by_hand():
    # linear kernel, points 0 and 2 (1-D), a = (1/2, 1/2): c = 1; query x = 3 -> (3-1)^2 = 4
    K = np.array([[0.0, 0.0], [0.0, 4.0]])
    d2 = squared_distances([9.0], [[0.0, 6.0]], [0.5, 0.5], K)
    np.testing.assert_allclose(d2, [4.0])


def test_support_vector_masks_and_radius_fallback():
    alpha = np.array([0.0, 0.5, 0.5])
    support, unbounded, bounded = support_vector_masks(alpha, C=0.5)
    assert support.tolist() == [False, True, True]
    assert not unbounded.any() and bounded.tolist() == [False, True, True]
    # no point strictly inside (0, C): midpoint of max inside (1) and min outside (3)
    assert radius_squared([1.0, 3.0, 5.0], alpha, C=0.5) == pytest.approx(2.0)


def test_linear_center():
    np.testing.assert_allclose(linear_center([[0.0, 0.0], [2.0, 4.0]], [0.25, 0.75]), [1.5, 3.0])


# ----------------------------------------------------------------------------- optimality
@pytest.fixture(scope="module")
def gauss2d():
    return np.random.default_rng(0).normal(size=(400, 2))


@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_kkt_conditions_hold(gauss2d, kernel):
    X = gauss2d[:150]
    m = KernelSVDD(kernel=kernel, nu=0.1, gamma=0.5).fit(X)
    a, C = m.alpha_, m.C_
    assert m.converged_
    assert a.sum() == pytest.approx(1.0, abs=1e-12)
    assert a.min() >= 0.0 and a.max() <= C * (1 + 1e-12)
    score = m.score_samples(X)
    scale = max(m.radius_sq_, 1.0)
    assert np.all(np.abs(score[m.unbounded_support_]) < 1e-5 * scale)     # on the sphere
    assert np.all(score[a == 0] <= 1e-5 * scale)                             # inside
    assert np.all(score[m.bounded_support_] >= -1e-5 * scale)                # outside
    K = kernel_matrix(X, X, kernel, m.gamma_ or 1.0)
    assert kkt_gap(a, K, C) < 1e-6
    # strong duality: primal soft-boundary value = dual value
    assert primal_objective(m.squared_distances(X), m.radius_sq_, m.nu) == pytest.approx(
        m.dual_objective_, rel=1e-6)


def test_linear_kernel_distances_match_explicit_center(gauss2d):
    X = gauss2d[:100] * [3.0, 1.0] + [5.0, -2.0]
    m = KernelSVDD(kernel="linear", nu=0.2).fit(X)
    Z = np.random.default_rng(1).normal(size=(20, 2))
    np.testing.assert_allclose(m.squared_distances(Z), ((Z - m.center_) ** 2).sum(1), rtol=1e-9, atol=1e-9)


def test_smo_and_slsqp_agree(gauss2d):
    X = gauss2d[:60]
    K = kernel_matrix(X, X, "rbf", 0.5)
    C = box_bound(0.15, len(X))
    smo, slsqp = solve_dual_smo(K, C), solve_dual_slsqp(K, C)
    assert smo.converged and smo.kkt_gap < 1e-8
    assert dual_objective(smo.alpha, K) == pytest.approx(dual_objective(slsqp.alpha, K), abs=1e-8)
    np.testing.assert_allclose(smo.alpha, slsqp.alpha, atol=1e-3 * C)


def test_nu_equal_one_puts_equal_weight_everywhere(gauss2d):
    m = KernelSVDD(nu=1.0, gamma=0.5).fit(gauss2d[:50])
    np.testing.assert_allclose(m.alpha_, np.full(50, 1 / 50))


@pytest.mark.parametrize("nu", [0.05, 0.1, 0.2, 0.4])
def test_nu_property(gauss2d, nu):
    """fraction outside <= nu <= fraction of support vectors, and both are close to nu."""
    m = KernelSVDD(nu=nu, gamma=0.5).fit(gauss2d)
    n = len(gauss2d)
    frac_out = m.predict(gauss2d).mean()
    frac_sv = len(m.support_) / n
    assert frac_out <= nu + 1e-12 <= frac_sv + 2e-12
    assert abs(frac_out - nu) <= 0.04
    assert abs(frac_sv - nu) <= 0.05


# ----------------------------------------------------------------------------- OC-SVM
@pytest.mark.parametrize("nu", [0.05, 0.2])
def test_rbf_svdd_equals_ocsvm(gauss2d, nu):
    """With k(x,x) = 1 the two duals coincide: alpha_svdd = dual_coef_ocsvm / (nu n), and
    dist^2 - R^2 = -2/(nu n) * OneClassSVM.decision_function."""
    X, n, gamma = gauss2d[:200], 200, 0.5
    svdd = KernelSVDD(nu=nu, gamma=gamma).fit(X)
    oc = OneClassSVM(nu=nu, gamma=gamma, tol=1e-9).fit(X)
    alpha_oc = np.zeros(n)
    alpha_oc[oc.support_] = oc.dual_coef_[0] / (nu * n)
    np.testing.assert_allclose(svdd.alpha_, alpha_oc, atol=1e-4 * svdd.C_)
    g = np.linspace(-4, 4, 60)
    grid = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    agree = np.mean(svdd.predict(grid) == (oc.predict(grid) == -1))
    assert agree >= 0.99
    np.testing.assert_allclose(svdd.score_samples(grid), -2.0 / (nu * n) * oc.decision_function(grid),
                               atol=1e-5)


# ----------------------------------------------------------------------------- API and errors
def test_sklearn_clone_and_params():
    m = KernelSVDD(kernel="linear", nu=0.3)
    c = clone(m)
    assert c.get_params()["nu"] == 0.3 and c.get_params()["kernel"] == "linear"


@pytest.mark.parametrize("kwargs, match", [
    ({"nu": 0.0}, "nu"), ({"nu": 1.5}, "nu"), ({"kernel": "poly"}, "kernel"),
    ({"gamma": -1.0}, "gamma"), ({"gamma": "auto"}, "gamma"), ({"solver": "cvx"}, "solver"),
])
def test_bad_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KernelSVDD(**kwargs).fit(np.zeros((4, 2)) + np.arange(4)[:, None])


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="2-D"):
        KernelSVDD().fit(np.arange(5.0))
    with pytest.raises(ValueError, match="NaN"):
        KernelSVDD().fit([[0.0, np.nan], [1.0, 1.0]])
    with pytest.raises(RuntimeError, match="not fitted"):
        KernelSVDD().predict([[0.0, 0.0]])
    m = KernelSVDD(gamma=1.0).fit([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError, match="features"):
        m.predict([[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="infeasible"):
        solve_dual_smo(np.eye(3), C=0.2)
