"""Tests for course_utils.vae: the closed-form KL and the IWAE estimator of log p(x).

The estimator is checked on a linear-Gaussian latent-variable model,
z ~ N(0, I_d), x | z ~ N(W z + b, s² I_D), where everything is known exactly:
p(x) = N(b, W Wᵀ + s² I), the posterior is Gaussian, and the ELBO of any
Gaussian q has a closed form.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import distributions as D  # noqa: E402

from course_utils import vae  # noqa: E402



@pytest.fixture(autouse=True)
def _float64():
    """Double precision inside these tests only (restored afterwards for other test files)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


# --------------------------------------------------------------------------- KL


def test_kl_standard_normal_matches_torch():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(64, 5, generator=g)
    log_var = torch.randn(64, 5, generator=g)
    q = D.Independent(D.Normal(mu, (0.5 * log_var).exp()), 1)
    p = D.Independent(D.Normal(torch.zeros(5), torch.ones(5)), 1)
    expected = D.kl_divergence(q, p)
    assert expected.shape == (64,)
    torch.testing.assert_close(vae.kl_standard_normal(mu, log_var), expected)


def test_kl_diag_gaussians_matches_torch_and_numpy():
    g = torch.Generator().manual_seed(1)
    mu0, mu1, lv0, lv1 = (torch.randn(32, 3, generator=g) for _ in range(4))
    q = D.Independent(D.Normal(mu0, (0.5 * lv0).exp()), 1)
    p = D.Independent(D.Normal(mu1, (0.5 * lv1).exp()), 1)
    got = vae.kl_diag_gaussians(mu0, lv0, mu1, lv1)
    torch.testing.assert_close(got, D.kl_divergence(q, p))
    got_np = vae.kl_diag_gaussians(mu0.numpy(), lv0.numpy(), mu1.numpy(), lv1.numpy())
    np.testing.assert_allclose(got_np, got.numpy(), rtol=1e-10)


def test_kl_is_zero_only_at_the_prior():
    assert float(vae.kl_standard_normal(torch.zeros(1, 4), torch.zeros(1, 4))[0]) == 0.0
    assert float(vae.kl_standard_normal(torch.full((1, 4), 0.1), torch.zeros(1, 4))[0]) > 0.0


# --------------------------------------------------------------------------- binarization


def test_binarize_is_binary_seeded_and_unbiased():
    images = np.full((200, 28, 28), 0.3, dtype=np.float32)
    a, b = vae.binarize(images, seed=5), vae.binarize(images, seed=5)
    assert a.dtype == np.float32 and set(np.unique(a)) == {0.0, 1.0}
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, vae.binarize(images, seed=6))
    assert abs(a.mean() - 0.3) < 0.005  # 156,800 Bernoulli(0.3) draws: sd of the mean ≈ 0.0012


# --------------------------------------------------------------------------- IWAE on a tractable model

D_X, D_Z, S = 6, 2, 0.5


@pytest.fixture()
def linear_gaussian():
    g = torch.Generator().manual_seed(2)
    # Orthogonal columns make WᵀW diagonal, so the exact posterior is a diagonal Gaussian.
    w, _ = torch.linalg.qr(torch.randn(D_X, D_Z, generator=g))
    w = w * torch.tensor([2.0, 0.7])
    b = torch.randn(D_X, generator=g)
    z = torch.randn(50, D_Z, generator=g)
    x = z @ w.T + b + S * torch.randn(50, D_X, generator=g)
    return w, b, x


def _decoder(w, b):
    return lambda z: D.Independent(D.Normal(z @ w.T + b, S), 1)


def _log_px(w, b, x):
    cov = w @ w.T + S**2 * torch.eye(D_X)
    return D.MultivariateNormal(b, covariance_matrix=cov).log_prob(x)


def _exact_posterior(w, b):
    prec = 1.0 + (w * w).sum(0) / S**2  # diagonal of I + WᵀW / s²

    def encoder(x):
        mean = ((x - b) @ w) / S**2 / prec
        return D.Independent(D.Normal(mean, prec.rsqrt().expand_as(mean)), 1)

    return encoder


def _poor_encoder(x):
    """A deliberately wrong q: ignores x except for a crude shift, too wide."""
    mean = 0.1 * x[:, :D_Z]
    return D.Independent(D.Normal(mean, torch.full_like(mean, 1.5)), 1)


def _analytic_elbo(w, b, x, q_mean, q_var):
    resid = x - b - q_mean @ w.T
    trace = (q_var[:, None, :] * (w * w)[None]).sum((1, 2))
    expected_loglik = -0.5 * D_X * math.log(2 * math.pi * S**2) - ((resid**2).sum(1) + trace) / (2 * S**2)
    return expected_loglik - vae.kl_standard_normal(q_mean, q_var.log())


def test_iwae_is_exact_with_the_true_posterior(linear_gaussian):
    w, b, x = linear_gaussian
    torch.manual_seed(0)
    for k in (1, 100):
        est = vae.iwae_log_likelihood(x, _exact_posterior(w, b), _decoder(w, b), k, batch_size=16)
        np.testing.assert_allclose(est, _log_px(w, b, x).numpy(), atol=1e-9)


def test_iwae_k1_is_the_elbo_in_expectation(linear_gaussian):
    w, b, x = linear_gaussian
    torch.manual_seed(1)
    # Each of k log-weights is one independent k=1 estimate, so one call gives 4000 of them per example.
    draws = vae.vae_log_weights(x, _poor_encoder, _decoder(w, b), 4000).numpy()
    np.testing.assert_allclose(vae.iwae_bound(draws[:1]), draws[0])  # k=1: the bound is the single log-weight
    q = _poor_encoder(x)
    elbo = _analytic_elbo(w, b, x, q.mean, q.variance).numpy()
    sem = draws.std(0) / math.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(0) - elbo) < 5 * sem + 1e-9)
    assert np.all(elbo < _log_px(w, b, x).numpy())  # the gap is KL(q ‖ p(z|x)) > 0


def test_iwae_tightens_with_k_and_approaches_log_px(linear_gaussian):
    w, b, x = linear_gaussian
    torch.manual_seed(2)
    log_px = _log_px(w, b, x).numpy()
    means = {}
    for k in (1, 10, 100, 2000):
        reps = max(4000 // k, 4)
        lw = vae.vae_log_weights(x, _poor_encoder, _decoder(w, b), k * reps).reshape(k, reps, -1)
        means[k] = vae.iwae_bound(lw).mean().item()  # bound over k, averaged over reps and examples
    assert means[1] < means[10] < means[100] < means[2000]
    assert means[2000] <= log_px.mean() + 0.05
    gap_1, gap_2000 = log_px.mean() - means[1], log_px.mean() - means[2000]
    assert gap_2000 < 0.1 * gap_1, (gap_1, gap_2000)


def test_iwae_bound_numpy_and_torch_agree():
    lw = np.random.default_rng(0).normal(-90, 3, size=(100, 7))
    np.testing.assert_allclose(vae.iwae_bound(lw), vae.iwae_bound(torch.from_numpy(lw)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(vae.iwae_bound(lw[:1]), lw[0])
