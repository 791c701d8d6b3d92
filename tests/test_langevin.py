"""Unit tests for course_utils.langevin: densities, grids and samplers against exact answers."""

import numpy as np
import pytest

from course_utils import langevin, metrics

MIXTURE = langevin.GaussianMixture(centers=[[-1.5, 0.0], [1.5, 0.5], [0.0, -1.5]], stds=[0.5, 0.6, 0.4],
                                   weights=[0.5, 0.3, 0.2])
BANANA = langevin.Banana()
GAUSS_1D = langevin.GaussianMixture(centers=[[1.0]], stds=2.0)  # N(1, 4)


@pytest.mark.parametrize("density", [MIXTURE, BANANA], ids=["mixture", "banana"])
def test_gradient_matches_finite_differences(density):
    x = density.sample(50, seed=1)
    g = density.grad_log_prob(x)
    h = 1e-5
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        fd = (density.log_prob(x + e) - density.log_prob(x - e)) / (2 * h)
        np.testing.assert_allclose(g[:, i], fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("density", [MIXTURE, BANANA], ids=["mixture", "banana"])
def test_log_prob_is_normalised(density):
    x0, x1, y0, y1 = (-8, 8, -8, 30)
    xs, ys = np.linspace(x0, x1, 801), np.linspace(y0, y1, 1901)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    p = np.exp(density.log_prob(np.stack([gx.ravel(), gy.ravel()], 1)))
    mass = p.sum() * (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_gaussian_1d_log_prob_and_grad():
    x = np.array([[1.0], [3.0]])
    np.testing.assert_allclose(GAUSS_1D.log_prob(x), [-0.5 * np.log(8 * np.pi), -0.5 - 0.5 * np.log(8 * np.pi)])
    np.testing.assert_allclose(GAUSS_1D.grad_log_prob(x)[:, 0], [0.0, -0.5])


@pytest.mark.parametrize("density", [MIXTURE, BANANA], ids=["mixture", "banana"])
def test_exact_samples_match_grid_probs(density):
    p, _, _ = langevin.grid_probs(density.log_prob, density.extent, bins=20)
    assert p.shape == (20, 20) and p.sum() == pytest.approx(1.0)
    q = langevin.sample_histogram(density.sample(40_000, seed=2), density.extent, bins=20)
    assert np.abs(p - q).sum() / 2 < 0.03  # total variation


def test_grid_kl_separates_right_from_wrong_samples():
    good = langevin.grid_kl(BANANA.sample(5000, seed=3), BANANA.log_prob, BANANA.extent, bins=30)
    bad = langevin.grid_kl(BANANA.sample(5000, seed=3) * 0.7, BANANA.log_prob, BANANA.extent, bins=30)
    assert 0 <= good < 0.1 < bad


def test_grid_probs_of_p_squared_halves_a_gaussian_variance():
    g = langevin.GaussianMixture(centers=[[0.0, 0.0]], stds=1.0)
    ext = (-6, 6, -6, 6)
    p2, xe, _ = langevin.grid_probs(lambda x: 2 * g.log_prob(x), ext, bins=120)
    mid = (xe[:-1] + xe[1:]) / 2
    var_x = (p2.sum(1) * mid**2).sum()
    assert var_x == pytest.approx(0.5, rel=0.01)


def test_ula_gaussian_variance_formula():
    assert langevin.ula_gaussian_variance(4.0, 0.4) == pytest.approx(4.0 / (1 - 0.4 / 16))
    assert langevin.ula_gaussian_variance(4.0, 0.4, drift=1.0) == pytest.approx(4.0 / (2 - 0.1))
    with pytest.raises(ValueError):
        langevin.ula_gaussian_variance(1.0, 5.0)


def _long_run_moments(x_trace):
    flat = x_trace.reshape(-1)
    return flat.mean(), flat.var()


def test_ula_standard_form_has_the_predicted_stationary_variance():
    step = 2.0  # large on purpose: the bias is 1/(1 - 2/16) - 1 = 14%
    x0 = np.full((400, 1), 1.0)
    _, trace = langevin.langevin_chain(GAUSS_1D.grad_log_prob, x0, step, 600, seed=0, trace_every=1)
    mean, var = _long_run_moments(trace[100:])
    assert mean == pytest.approx(1.0, abs=0.05)
    assert var == pytest.approx(langevin.ula_gaussian_variance(4.0, step), rel=0.03)
    assert var > 4.0 * 1.08  # visibly biased


def test_seed_form_samples_p_squared():
    """θ ← θ + η∇log p + √η w has variance σ²/(2 − η/σ²) ≈ σ²/2: it samples p², not p."""
    step = 0.1
    x0 = np.full((400, 1), 1.0)
    _, trace = langevin.langevin_chain(GAUSS_1D.grad_log_prob, x0, step, 1500, drift=1.0, seed=0, trace_every=1)
    mean, var = _long_run_moments(trace[300:])
    assert mean == pytest.approx(1.0, abs=0.05)
    assert var == pytest.approx(langevin.ula_gaussian_variance(4.0, step, drift=1.0), rel=0.04)
    assert var == pytest.approx(2.0, rel=0.05)  # half of σ² = 4


def test_mala_reproduces_gaussian_mean_and_variance_at_a_large_step():
    step = 2.0  # where ULA is 14% off
    x0 = np.full((400, 1), 1.0)
    _, acc, trace = langevin.mala_chain(GAUSS_1D.log_prob, GAUSS_1D.grad_log_prob, x0, step, 600, seed=0,
                                        trace_every=1)
    mean, var = _long_run_moments(trace[100:])
    assert 0.5 < acc < 1.0
    assert mean == pytest.approx(1.0, abs=0.06)
    assert var == pytest.approx(4.0, rel=0.03)


def test_mala_removes_the_step_size_bias_on_a_mixture():
    x0 = MIXTURE.sample(2000, seed=6)  # start in equilibrium: any error is the sampler's bias
    ula, _ = langevin.langevin_chain(MIXTURE.grad_log_prob, x0, 0.3, 150, seed=7)
    mala, acc, _ = langevin.mala_chain(MIXTURE.log_prob, MIXTURE.grad_log_prob, x0, 0.3, 150, seed=7)
    ref = MIXTURE.sample(2000, seed=5)
    assert 0.5 < acc < 0.98
    kl_ula, kl_mala, kl_ref = (langevin.grid_kl(s, MIXTURE.log_prob, MIXTURE.extent, 20) for s in (ula, mala, ref))
    assert kl_mala < kl_ref + 0.03 < kl_ula
    assert metrics.mmd_rbf(mala[:800], ref[:800]) < metrics.mmd_rbf(ula[:800], ref[:800])


def test_step_schedule_and_stochastic_gradients():
    eta = langevin.sgld_step_sizes(1.0, 10.0, 0.55, 1000)
    assert eta[0] == pytest.approx(10**-0.55) and np.all(np.diff(eta) < 0)
    # a noisy but unbiased gradient still lands on the right mean
    rng = np.random.default_rng(0)

    def noisy_grad(x):
        return GAUSS_1D.grad_log_prob(x) + 0.5 * rng.standard_normal(x.shape)

    x, _ = langevin.langevin_chain(noisy_grad, np.zeros((2000, 1)), eta, 1000, seed=1)
    assert x.mean() == pytest.approx(1.0, abs=0.15)


def test_chains_are_reproducible():
    x0 = np.zeros((10, 2))
    a, _ = langevin.langevin_chain(MIXTURE.grad_log_prob, x0, 0.05, 50, seed=3)
    b, _ = langevin.langevin_chain(MIXTURE.grad_log_prob, x0, 0.05, 50, seed=3)
    np.testing.assert_array_equal(a, b)
