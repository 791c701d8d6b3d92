"""course_utils.diffusion: schedules and samplers, checked against a 1-D Gaussian where everything is exact.

For data x_0 ~ N(m, s²) the DDPM marginal is q(x_t) = N(√ᾱ m, ᾱ s² + 1 − ᾱ), so the exact score and the
exact ε-predictor are known in closed form: a sampler fed with them must return N(m, s²).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import diffusion, langevin

M, S = 1.5, 0.5  # data N(M, S²)


def exact_eps(schedule: diffusion.NoiseSchedule):
    """E[ε | x_t] for Gaussian data: −√(1 − ᾱ_t) · score of q_t."""
    ab = torch.tensor(schedule.alpha_bar, dtype=torch.float64)

    def eps_fn(x, t):
        a = ab[t].reshape(-1, 1)
        var = a * S**2 + 1 - a
        score = -(x - a.sqrt() * M) / var
        return -(1 - a).sqrt() * score

    return eps_fn


def gaussian_score(x, sigma):
    """Score of N(M, S² + σ²), the data noised at σ."""
    return -(x - M) / (S**2 + sigma**2)


def start_noise(n=20_000, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 1, generator=g, dtype=torch.float64), g


# --------------------------------------------------------------------------- schedules


def test_linear_schedule_is_ho_et_al():
    sch = diffusion.NoiseSchedule.linear()
    assert sch.num_steps == 1000
    assert sch.beta[0] == 0 and sch.beta[1] == pytest.approx(1e-4) and sch.beta[-1] == pytest.approx(0.02)
    ab = sch.alpha_bar
    assert ab[0] == 1 and np.all(np.diff(ab) < 0)
    assert 3e-5 < ab[-1] < 5e-5  # ᾱ_T ≈ 4.0e-5: x_T is pure noise to within 0.6 % of the signal's std
    assert sch.sigma[0] == 0 and np.all(np.diff(sch.sigma) > 0)


def test_linear_schedule_rescales_for_fewer_steps():
    short = diffusion.NoiseSchedule.linear(100)
    assert short.num_steps == 100 and short.beta[-1] == pytest.approx(0.2)
    assert short.alpha_bar[-1] < 1e-3
    with pytest.raises(ValueError, match="too few steps"):
        diffusion.NoiseSchedule.linear(10)  # β_T would be 2


def test_cosine_schedule():
    sch = diffusion.NoiseSchedule.cosine(1000)
    assert sch.num_steps == 1000 and np.all(sch.beta[1:] <= 0.999)
    assert np.all(np.diff(sch.alpha_bar) < 0) and sch.alpha_bar[-1] < 1e-4
    # the cosine schedule destroys information more slowly in the middle than the linear one
    assert sch.alpha_bar[500] > diffusion.NoiseSchedule.linear().alpha_bar[500]


def test_posterior_variance_is_below_beta():
    sch = diffusion.NoiseSchedule.linear(50)
    pv = sch.posterior_variance()
    assert pv[0] == 0 and pv[1] == pytest.approx(0.0)  # q(x_0 | x_1, x_0) is a point
    assert np.all(pv[2:] < sch.beta[2:]) and np.all(pv[2:] > 0)


@pytest.mark.parametrize("beta", [np.array([0.1, 0.2]), np.array([0.0, 1.5]), np.array([0.0])])
def test_bad_schedules_raise(beta):
    with pytest.raises(ValueError):
        diffusion.NoiseSchedule(beta)


def test_q_sample_equals_the_step_by_step_chain_in_distribution():
    """x_t = √ᾱ x_0 + √(1−ᾱ) ε, and the chain x_t = √α_t x_{t−1} + √β_t ε_t, have the same moments."""
    sch = diffusion.NoiseSchedule.linear(200)
    g = torch.Generator().manual_seed(1)
    n = 50_000
    x0 = M + S * torch.randn(n, 1, generator=g, dtype=torch.float64)
    x = x0.clone()
    for t in range(1, 201):
        x = np.sqrt(sch.alpha[t]) * x + np.sqrt(sch.beta[t]) * torch.randn(n, 1, generator=g, dtype=torch.float64)
        if t in (20, 100, 200):
            ab = sch.alpha_bar[t]
            one_shot = sch.q_sample(x0, torch.full((n,), t), torch.randn(n, 1, generator=g, dtype=torch.float64))
            for sample in (x, one_shot):
                assert float(sample.mean()) == pytest.approx(np.sqrt(ab) * M, abs=0.02)
                assert float(sample.var()) == pytest.approx(ab * S**2 + 1 - ab, rel=0.03)


def test_q_sample_broadcasts_over_images():
    sch = diffusion.NoiseSchedule.linear(50)
    x0 = torch.ones(3, 1, 4, 4)
    t = torch.tensor([0, 5, 50])
    out = sch.q_sample(x0, t, torch.zeros_like(x0))
    assert out.shape == x0.shape
    assert torch.allclose(out[:, 0, 0, 0], torch.tensor(np.sqrt(sch.alpha_bar[[0, 5, 50]]), dtype=torch.float32))


def test_eps_to_score_is_exact_on_a_gaussian():
    sch = diffusion.NoiseSchedule.linear(100)
    x = torch.linspace(-2, 3, 11, dtype=torch.float64)[:, None]
    t = 37
    eps = exact_eps(sch)(x, torch.full((11,), t))
    ab = sch.alpha_bar[t]
    exact = -(x - np.sqrt(ab) * M) / (ab * S**2 + 1 - ab)
    assert torch.allclose(diffusion.eps_to_score(eps, ab), exact)


# --------------------------------------------------------------------------- samplers


@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_ddpm_with_the_exact_eps_samples_the_data(variance):
    sch = diffusion.NoiseSchedule.linear(1000)
    x_T, g = start_noise()
    x0 = diffusion.ddpm_sample(exact_eps(sch), x_T, sch, generator=g, variance=variance)
    assert float(x0.mean()) == pytest.approx(M, abs=0.02)
    assert float(x0.std()) == pytest.approx(S, rel=0.04)


def test_ddpm_rejects_an_unknown_variance():
    sch = diffusion.NoiseSchedule.linear(50)
    with pytest.raises(ValueError, match="variance"):
        diffusion.ddpm_sample(exact_eps(sch), torch.zeros(2, 1), sch, variance="learned")


def test_ddim_with_the_exact_eps_is_deterministic_and_converges_to_the_data():
    sch = diffusion.NoiseSchedule.linear(1000)
    x_T, _ = start_noise()
    a = diffusion.ddim_sample(exact_eps(sch), x_T, sch, 50)
    assert torch.equal(a, diffusion.ddim_sample(exact_eps(sch), x_T, sch, 50)), "eta = 0 is deterministic"
    # the deterministic map is monotone in 1-D (a flow): the order of the noise is kept
    order = torch.argsort(x_T[:, 0])
    assert torch.all(torch.diff(a[order, 0]) >= 0)
    # few steps under-disperse (measured: std 0.37 at 10 steps, 0.48 at 50, 0.504 at 1000 for S = 0.5)
    stds = [float(diffusion.ddim_sample(exact_eps(sch), x_T, sch, k).std()) for k in (10, 50, 1000)]
    assert stds[0] < stds[1] < stds[2]
    assert stds[0] < 0.8 * S, "10 steps shrink the standard deviation by about a quarter (measured 0.37 for 0.5)"
    assert stds[2] == pytest.approx(S, rel=0.02)
    assert float(a.mean()) == pytest.approx(M, abs=0.03)


def test_ddim_with_eta_one_is_stochastic_and_still_right():
    sch = diffusion.NoiseSchedule.linear(1000)
    x_T, g = start_noise()
    a = diffusion.ddim_sample(exact_eps(sch), x_T, sch, 1000, eta=1.0, generator=g)
    assert float(a.mean()) == pytest.approx(M, abs=0.02) and float(a.std()) == pytest.approx(S, rel=0.02)


@pytest.mark.parametrize("clip", [None, 1.0])
def test_ddim_with_eta_one_and_all_steps_is_ddpm_with_the_posterior_variance(clip):
    """Both draw noise only for t > 1, in the same order, so with equal seeds they agree to round-off."""
    sch = diffusion.NoiseSchedule.linear(50)
    x_T, _ = start_noise(500)
    ddim = diffusion.ddim_sample(exact_eps(sch), x_T, sch, 50, eta=1.0, clip_x0=clip,
                                 generator=torch.Generator().manual_seed(7))
    ddpm = diffusion.ddpm_sample(exact_eps(sch), x_T, sch, variance="posterior", clip_x0=clip,
                                 generator=torch.Generator().manual_seed(7))
    assert torch.allclose(ddim, ddpm, atol=1e-9)


def test_clipping_keeps_samples_in_range():
    sch = diffusion.NoiseSchedule.linear(100)
    x_T, g = start_noise(2000)
    # a model that always predicts ε = 0 claims x̂_0 = x_t/√ᾱ_t, which is huge at large t
    zero = lambda x, t: torch.zeros_like(x)  # noqa: E731
    x0 = diffusion.ddim_sample(zero, x_T, sch, 10, clip_x0=1.0)
    assert float(x0.abs().max()) <= 1.0 + 1e-9


@pytest.mark.parametrize("n_train, n_sample", [(1000, 0), (10, 11)])
def test_ddim_timesteps_rejects_bad_counts(n_train, n_sample):
    with pytest.raises(ValueError, match="sampling steps"):
        diffusion.ddim_timesteps(n_train, n_sample)


def test_ddim_timesteps_end_at_T():
    tau = diffusion.ddim_timesteps(1000, 20)
    assert len(tau) == 20 and tau[-1] == 1000 and tau[0] == 50 and np.all(np.diff(tau) > 0)


def test_geometric_sigmas():
    s = diffusion.geometric_sigmas(10.0, 0.01, 4)
    assert np.allclose(s, [10, 1, 0.1, 0.01])
    with pytest.raises(ValueError):
        diffusion.geometric_sigmas(0.01, 10.0, 4)
    with pytest.raises(ValueError):
        diffusion.geometric_sigmas(1.0, 0.1, 1)


def test_annealed_langevin_with_the_exact_score_samples_the_noised_data():
    sigmas = diffusion.geometric_sigmas(5.0, 0.05, 10)
    x, g = start_noise(20_000)
    x = 5.0 * x  # start at the largest level
    # a step too small to mix at the last levels leaves their extra noise in (measured std 0.54 at 2e-4)
    out = diffusion.annealed_langevin(gaussian_score, x, sigmas, 100, 1e-2, generator=g)
    assert float(out.mean()) == pytest.approx(M, abs=0.02)
    assert float(out.std()) == pytest.approx(np.sqrt(S**2 + 0.05**2), rel=0.02)
    with pytest.raises(ValueError, match="decreasing"):
        diffusion.annealed_langevin(gaussian_score, x, sigmas[::-1], 1, 1e-3)


def test_timestep_embedding():
    emb = diffusion.timestep_embedding(torch.tensor([0, 1, 500]), 16)
    assert emb.shape == (3, 16)
    assert torch.allclose(emb[0], torch.cat([torch.zeros(8), torch.ones(8)]))
    assert torch.allclose(emb.pow(2).reshape(3, 2, 8).sum(1), torch.ones(3, 8))  # sin² + cos² = 1
    with pytest.raises(ValueError):
        diffusion.timestep_embedding(torch.tensor([1]), 7)


# --------------------------------------------------------------------------- the shared 2-D mixture


def test_three_mode_mixture_and_its_perturbation():
    mix = langevin.three_mode_mixture()
    assert np.allclose(mix.weights, [0.5, 0.3, 0.2]) and mix.extent == (-4, 4, -4, 4)
    far = langevin.three_mode_mixture(spread=2.0)
    assert np.allclose(far.centers, 2 * mix.centers) and far.extent[1] == pytest.approx(5.2)
    noised = mix.perturbed(0.8)
    assert np.allclose(noised.stds, 1.0) and np.allclose(noised.centers, mix.centers)
    x = mix.sample(200_000, seed=3) + 0.8 * np.random.default_rng(4).standard_normal((200_000, 2))
    assert np.allclose(x.mean(0), noised.sample(200_000, seed=5).mean(0), atol=0.02)
    shrunk = mix.perturbed(0.6, scale=0.8)
    assert np.allclose(shrunk.centers, 0.8 * mix.centers) and np.allclose(shrunk.stds, np.sqrt(0.64 * 0.36 + 0.36))


def test_component_shares():
    mix = langevin.three_mode_mixture(spread=2.0)
    shares = mix.component_shares(mix.sample(100_000, seed=0))
    assert np.allclose(shares, mix.weights, atol=0.01)
    assert np.allclose(mix.component_shares(mix.centers[[0, 0, 2]]), [2 / 3, 0, 1 / 3])
