"""Noise schedules and samplers for score-based and diffusion models (notebook 11).

Everything here works on any tensor shape (2-D points or images) and any model
with the call signatures below; the models and the training losses are the
lesson and live in the notebook.

* :func:`geometric_sigmas` and :func:`annealed_langevin` — noise-conditional score
  networks (NCSN, Song & Ermon 2019): a score model ``score_fn(x, sigma)`` for a
  geometric ladder of noise levels, sampled by annealed Langevin dynamics
  (their Algorithm 1).
* :class:`NoiseSchedule` — the DDPM forward process (Ho et al. 2020),
  ``q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I)`` with ``ᾱ_t = Π_{s≤t} (1 − β_s)``.
  Time runs ``t = 1 … T`` as in the paper; index 0 of every array is ``t = 0``
  (no noise, ``ᾱ_0 = 1``), so ``schedule.alpha_bar[t]`` is ``ᾱ_t``.
* :func:`ddpm_sample` — the ancestral sampler (Ho et al., Algorithm 2) for an
  ε-prediction model ``eps_fn(x_t, t)`` (``t`` a ``long`` tensor of shape
  ``(batch,)``).
* :func:`ddim_sample` — DDIM (Song, Meng & Ermon 2021), the same trained model
  sampled on a sub-sequence of ``S ≤ T`` steps; ``eta=0`` is deterministic,
  ``eta=1`` is ancestral-like.
* :func:`eps_to_score` — the relation ``∇ log q_t(x_t) = −ε̂(x_t, t) / √(1 − ᾱ_t)``.

torch is imported inside the functions that need it, so importing this module
costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Tensor = Any  # torch.Tensor; kept loose so that this module imports without torch


# --------------------------------------------------------------------------- NCSN


def geometric_sigmas(sigma_max: float, sigma_min: float, num_levels: int) -> np.ndarray:
    """``num_levels`` noise levels from ``sigma_max`` down to ``sigma_min``, equally spaced in log.

    Song & Ermon (2019) use a geometric sequence, so that neighbouring levels
    differ by the same ratio and each noised density overlaps the next.
    """
    if not sigma_max > sigma_min > 0:
        raise ValueError(f"need sigma_max > sigma_min > 0, got {sigma_max} and {sigma_min}")
    if num_levels < 2:
        raise ValueError(f"need at least 2 noise levels, got {num_levels}")
    return np.geomspace(sigma_max, sigma_min, num_levels)


def annealed_langevin(
    score_fn: Callable[[Tensor, float], Tensor],
    x: Tensor,
    sigmas: np.ndarray,
    steps_per_level: int,
    step_scale: float,
    *,
    generator: Any = None,
    denoise: bool = False,
) -> Tensor:
    """Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1).

    For each level ``σ_i`` (largest first) run ``steps_per_level`` Langevin steps
    ``x ← x + (α_i/2)·s(x, σ_i) + √α_i·z`` with ``α_i = step_scale · σ_i² / σ_L²``
    (``σ_L`` the smallest level), so that the signal-to-noise ratio of a step is
    the same at every level.

    Args:
        score_fn: ``(x, sigma) → score`` of the density noised at ``sigma``.
        x: starting points (any shape; batch first).
        sigmas: the levels, largest first (:func:`geometric_sigmas`).
        step_scale: ``ε`` of the paper (the step at the smallest level).
        generator: a ``torch.Generator`` for the noise (reproducible runs).
        denoise: finish with one step ``x + σ_L² s(x, σ_L)`` (Tweedie's formula; the
            final denoising step of Jolicoeur-Martineau et al. 2020, also in the NCSNv2
            code), which removes the last level's noise.
    """
    import torch

    sigmas = np.asarray(sigmas, dtype=np.float64)
    if sigmas.ndim != 1 or len(sigmas) == 0 or np.any(np.diff(sigmas) >= 0):
        raise ValueError("sigmas must be a non-empty, strictly decreasing sequence (largest first)")
    x = x.clone()
    with torch.no_grad():
        for sigma in sigmas:
            alpha = step_scale * (sigma / sigmas[-1]) ** 2
            for _ in range(steps_per_level):
                z = _randn_like(x, generator)
                x = x + 0.5 * alpha * score_fn(x, float(sigma)) + np.sqrt(alpha) * z
        if denoise:
            x = x + sigmas[-1] ** 2 * score_fn(x, float(sigmas[-1]))
    return x


# --------------------------------------------------------------------------- DDPM


@dataclass(frozen=True)
class NoiseSchedule:
    """The variances ``β_1 … β_T`` of a DDPM forward process, and what follows from them.

    Arrays have length ``T + 1``; index ``t`` is time ``t`` and index 0 is the
    clean data (``β_0 = 0``, ``ᾱ_0 = 1``).
    """

    beta: np.ndarray

    def __post_init__(self) -> None:
        beta = np.asarray(self.beta, dtype=np.float64)
        if beta.ndim != 1 or len(beta) < 2 or beta[0] != 0:
            raise ValueError("beta must be 1-D with beta[0] = 0 (time 0 is the data); use NoiseSchedule.linear")
        if np.any(beta[1:] <= 0) or np.any(beta[1:] >= 1):
            raise ValueError("every beta_t for t >= 1 must lie in (0, 1)")
        object.__setattr__(self, "beta", beta)

    @classmethod
    def linear(cls, num_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
        """Ho et al. (2020): ``β_t`` linear from ``1e-4`` to ``0.02`` over ``T = 1000`` steps.

        For another ``T`` the end points are rescaled by ``1000 / T`` (as in
        Nichol & Dhariwal 2021), so that ``ᾱ_T`` stays near zero.
        """
        if num_steps < 1:
            raise ValueError(f"num_steps must be >= 1, got {num_steps}")
        scale = 1000 / num_steps
        if beta_end * scale >= 1:
            raise ValueError(f"too few steps ({num_steps}) for the rescaled linear schedule (beta_T = {beta_end * scale:g}); "
                             "use more steps or pass beta_start/beta_end for this T")
        return cls(np.concatenate([[0.0], np.linspace(beta_start * scale, beta_end * scale, num_steps)]))

    @classmethod
    def cosine(cls, num_steps: int = 1000, s: float = 0.008) -> NoiseSchedule:
        """Nichol & Dhariwal (2021): ``ᾱ_t = f(t)/f(0)``, ``f(t) = cos²((t/T + s)/(1 + s) · π/2)``; ``β_t ≤ 0.999``."""
        t = np.arange(num_steps + 1) / num_steps
        f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
        alpha_bar = f / f[0]
        beta = np.clip(1 - alpha_bar[1:] / alpha_bar[:-1], 1e-8, 0.999)
        return cls(np.concatenate([[0.0], beta]))

    @property
    def num_steps(self) -> int:
        """``T``."""
        return len(self.beta) - 1

    @property
    def alpha(self) -> np.ndarray:
        """``α_t = 1 − β_t``."""
        return 1.0 - self.beta

    @property
    def alpha_bar(self) -> np.ndarray:
        """``ᾱ_t = Π_{s≤t} α_s`` (``ᾱ_0 = 1``)."""
        return np.cumprod(self.alpha)

    @property
    def sigma(self) -> np.ndarray:
        """Noise level of ``x_t`` relative to its signal, ``√((1 − ᾱ_t)/ᾱ_t)`` (the NCSN ``σ`` of the same noise)."""
        ab = self.alpha_bar
        return np.sqrt((1 - ab) / ab)

    def posterior_variance(self) -> np.ndarray:
        """``β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)``, the variance of ``q(x_{t−1} | x_t, x_0)`` (``β̃_0 = 0``)."""
        ab = self.alpha_bar
        out = np.zeros_like(ab)
        out[1:] = self.beta[1:] * (1 - ab[:-1]) / (1 - ab[1:])
        return out

    def q_sample(self, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """``x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε``: a draw from ``q(x_t | x_0)`` in one step (``t`` per example)."""
        import torch

        ab = torch.as_tensor(self.alpha_bar, dtype=x0.dtype, device=x0.device)[t]
        ab = ab.reshape(-1, *([1] * (x0.dim() - 1)))
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def eps_to_score(eps: Tensor, alpha_bar_t: float | Tensor) -> Tensor:
    """The score of the noised density from an ε-prediction: ``∇ log q_t(x) = −ε / √(1 − ᾱ_t)``."""
    return -eps / (1 - alpha_bar_t) ** 0.5


def _randn_like(x: Tensor, generator: Any = None) -> Tensor:
    """Standard normal noise shaped like ``x``, drawn on the generator's device (a CPU generator works for a GPU ``x``)."""
    import torch

    device = generator.device if generator is not None else x.device
    return torch.randn(x.shape, generator=generator, dtype=x.dtype, device=device).to(x.device)


def _time_batch(t: int, n: int, device: Any) -> Tensor:
    import torch

    return torch.full((n,), t, dtype=torch.long, device=device)


def ddpm_sample(
    eps_fn: Callable[[Tensor, Tensor], Tensor],
    x_T: Tensor,
    schedule: NoiseSchedule,
    *,
    generator: Any = None,
    variance: str = "beta",
    clip_x0: float | None = None,
    progress: Callable[[Any], Any] | None = None,
) -> Tensor:
    """Ancestral sampling, ``x_T → x_{T−1} → … → x_0`` (Ho et al. 2020, Algorithm 2).

    Each step predicts ``x̂_0 = (x_t − √(1 − ᾱ_t) ε̂)/√ᾱ_t`` (clipped to
    ``±clip_x0`` if given, as Ho et al.'s code does for images), takes the mean
    of ``q(x_{t−1} | x_t, x̂_0)`` and adds noise of variance ``β_t``
    (``variance="beta"``) or ``β̃_t`` (``"posterior"``); Ho et al. found the two
    about equally good. Without clipping the mean equals the paper's
    ``(x_t − β_t/√(1 − ᾱ_t) ε̂)/√α_t``.

    Args:
        eps_fn: ``(x_t, t) → ε̂`` with ``t`` a ``long`` tensor ``(batch,)``.
        x_T: the starting noise, ``N(0, I)``.
        progress: wraps the step iterator, e.g. ``tqdm``.
    """
    import torch

    if variance not in ("beta", "posterior"):
        raise ValueError(f"variance must be 'beta' or 'posterior', not {variance!r}")
    ab, beta, alpha = schedule.alpha_bar, schedule.beta, schedule.alpha
    var = beta if variance == "beta" else schedule.posterior_variance()
    steps = range(schedule.num_steps, 0, -1)
    x = x_T.clone()
    with torch.no_grad():
        for t in progress(steps) if progress else steps:
            eps = eps_fn(x, _time_batch(t, len(x), x.device))
            x0 = (x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t])
            if clip_x0 is not None:
                x0 = x0.clamp(-clip_x0, clip_x0)
            mean = (np.sqrt(ab[t - 1]) * beta[t] / (1 - ab[t])) * x0 + (np.sqrt(alpha[t]) * (1 - ab[t - 1]) / (1 - ab[t])) * x
            if t > 1:
                z = _randn_like(x, generator)
                x = mean + np.sqrt(var[t]) * z
            else:
                x = mean
    return x


def ddim_timesteps(num_train_steps: int, num_sample_steps: int) -> np.ndarray:
    """The increasing sub-sequence ``1 ≤ τ_1 < … < τ_S = T`` that DDIM visits (evenly spaced)."""
    if not 1 <= num_sample_steps <= num_train_steps:
        raise ValueError(f"need 1 <= sampling steps <= {num_train_steps} (T), got {num_sample_steps}")
    tau = np.round(np.linspace(num_train_steps / num_sample_steps, num_train_steps, num_sample_steps)).astype(int)
    assert len(np.unique(tau)) == num_sample_steps and tau[-1] == num_train_steps
    return tau


def ddim_sample(
    eps_fn: Callable[[Tensor, Tensor], Tensor],
    x_T: Tensor,
    schedule: NoiseSchedule,
    num_steps: int,
    *,
    eta: float = 0.0,
    generator: Any = None,
    clip_x0: float | None = None,
    progress: Callable[[Any], Any] | None = None,
) -> Tensor:
    """DDIM sampling on ``num_steps`` of the ``T`` training steps (Song, Meng & Ermon 2021, eq. 12 with σ of eq. 16).

    From ``τ_i`` to ``τ_{i−1}`` (``τ_0 = 0``):
    ``x ← √ᾱ_prev x̂_0 + √(1 − ᾱ_prev − σ²) ε̂ + σ z`` with
    ``σ = η √((1 − ᾱ_prev)/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev)``. ``eta = 0`` is
    deterministic: the same ``x_T`` always gives the same sample. ``eta = 1`` with
    ``num_steps = T`` is :func:`ddpm_sample` with ``variance="posterior"``, step for step.
    """
    import torch

    tau = ddim_timesteps(schedule.num_steps, num_steps)
    ab = schedule.alpha_bar
    pairs = list(zip(tau[::-1], np.concatenate([tau[::-1][1:], [0]])))
    x = x_T.clone()
    with torch.no_grad():
        for t, t_prev in progress(pairs) if progress else pairs:
            eps = eps_fn(x, _time_batch(int(t), len(x), x.device))
            x0 = (x - np.sqrt(1 - ab[t]) * eps) / np.sqrt(ab[t])
            if clip_x0 is not None:
                x0 = x0.clamp(-clip_x0, clip_x0)
                eps = (x - np.sqrt(ab[t]) * x0) / np.sqrt(1 - ab[t])  # keep ε consistent with the clipped x̂_0
            sigma = eta * np.sqrt((1 - ab[t_prev]) / (1 - ab[t]) * (1 - ab[t] / ab[t_prev]))
            x = np.sqrt(ab[t_prev]) * x0 + np.sqrt(max(1 - ab[t_prev] - sigma**2, 0.0)) * eps
            if sigma > 0:
                x = x + sigma * _randn_like(x, generator)
    return x


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    """Sinusoidal embedding of (integer or real) times ``t`` into ``dim`` features (Vaswani et al. 2017; Ho et al. 2020).

    Half the features are ``sin(t·f_k)`` and half ``cos(t·f_k)`` with frequencies
    ``f_k = max_period^(−k/half)``, ``k = 0 … half−1`` (geometric from 1 towards ``1/max_period``;
    Ho et al.'s code divides by ``half − 1`` instead, so that the last is exactly ``1/max_period``).
    """
    import torch

    if dim % 2:
        raise ValueError(f"the embedding dimension must be even, got {dim}")
    half = dim // 2
    freqs = torch.exp(-np.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)
