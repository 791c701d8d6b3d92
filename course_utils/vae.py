"""Variational-autoencoder helpers: Gaussian KL in closed form, binarized MNIST, IWAE estimates of log p(x).

Used by ``06_vae`` (PyTorch and Keras) and by any notebook that wants to report
a VAE's likelihood. The model code itself (encoder, decoder, training loop)
stays visible in the notebooks; here are only the pieces whose correctness is
checked once, in ``tests/test_vae.py``, against an exactly tractable model.

Torch is imported inside the functions that need it, so importing this module
is cheap (the Keras half of the notebook uses only :func:`binarize` and NumPy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


def kl_diag_gaussians(mu0: Any, log_var0: Any, mu1: Any, log_var1: Any) -> Any:
    """KL(N(mu0, diag e^log_var0) ‖ N(mu1, diag e^log_var1)), summed over the last axis.

    The general multivariate formula (Σ₀, Σ₁ covariances, k dimensions)

        KL = ½ [ tr(Σ₁⁻¹Σ₀) + (μ₁−μ₀)ᵀ Σ₁⁻¹ (μ₁−μ₀) − k + log(det Σ₁ / det Σ₀) ]

    with diagonal covariances becomes a sum over dimensions. Works on torch
    tensors and NumPy arrays alike (anything with ``.exp()``-free arithmetic
    plus ``np.exp``/``torch.exp``).
    """
    exp = _exp_for(mu0)
    var_ratio = exp(log_var0 - log_var1)
    mahal = (mu1 - mu0) ** 2 / exp(log_var1)
    terms = var_ratio + mahal - 1.0 + (log_var1 - log_var0)
    return 0.5 * terms.sum(-1)


def kl_standard_normal(mu: Any, log_var: Any) -> Any:
    """KL(N(mu, diag e^log_var) ‖ N(0, I)) = ½ Σ (σ² + μ² − 1 − log σ²), summed over the last axis.

    This is the special case of :func:`kl_diag_gaussians` the VAE needs: the
    prior is the standard normal, so tr(Σ) + μᵀμ − k − log det Σ.
    """
    exp = _exp_for(mu)
    return 0.5 * (exp(log_var) + mu**2 - 1.0 - log_var).sum(-1)


def _exp_for(x: Any) -> Callable[[Any], Any]:
    if type(x).__module__.startswith("torch"):
        import torch

        return torch.exp
    return np.exp


def binarize(images01: np.ndarray, seed: int | np.random.Generator = 0) -> np.ndarray:
    """One random binarization: pixel = 1 with probability equal to its intensity.

    *Dynamic* binarization calls this afresh for every minibatch (each epoch
    sees new binary images, as in Burda et al., 2016); calling it once with a
    fixed seed gives a fixed binary test set, a single draw from the same
    distribution. Returns float32 zeros and ones of the input's shape.
    """
    rng = np.random.default_rng(seed)
    images01 = np.asarray(images01, dtype=np.float32)
    return (rng.random(images01.shape, dtype=np.float32) < images01).astype(np.float32)


def iwae_bound(log_weights: Any) -> Any:
    """The importance-weighted bound from ``k`` log-weights per example.

    ``log_weights`` has shape ``(k, N)`` with ``log w_i = log p(x, z_i) − log q(z_i | x)``,
    ``z_i ~ q(z | x)``. Returns ``log (1/k) Σ_i w_i`` per example (shape ``(N,)``),
    computed stably with logsumexp. For ``k = 1`` this is a one-sample ELBO;
    its expectation rises with ``k`` towards ``log p(x)`` (Burda et al., 2016, Theorem 1).
    """
    if type(log_weights).__module__.startswith("torch"):
        import torch

        return torch.logsumexp(log_weights, dim=0) - math.log(log_weights.shape[0])
    lw = np.asarray(log_weights, dtype=np.float64)
    m = lw.max(axis=0)
    return m + np.log(np.exp(lw - m).mean(axis=0))


def vae_log_weights(
    x: Any,
    encoder: Callable[[Any], Any],
    decoder: Callable[[Any], Any],
    k: int,
    prior: Any | None = None,
) -> Any:
    """``log p(x | z) + log p(z) − log q(z | x)`` for ``k`` draws ``z ~ q(z | x)``; shape ``(k, N)``.

    Args:
        x: a batch of data, shape ``(N, ...)``.
        encoder: ``x -> q(z | x)``, a ``torch.distributions`` object whose event
            is the whole latent vector (e.g. ``Independent(Normal(μ, σ), 1)``).
        decoder: ``z -> p(x | z)``, a distribution whose event is a whole data
            point (e.g. ``Independent(Bernoulli(logits=...), 1)``); it must
            accept a ``(k, N, latent)`` batch of ``z``.
        prior: ``p(z)``; the standard normal of the encoder's event shape if None.
    """
    import torch
    from torch import distributions as D

    q = encoder(x)
    z = q.sample((k,))
    if prior is None:
        zeros = torch.zeros(q.event_shape, dtype=z.dtype, device=z.device)
        prior = D.Independent(D.Normal(zeros, torch.ones_like(zeros)), 1)
    return decoder(z).log_prob(x) + prior.log_prob(z) - q.log_prob(z)


def iwae_log_likelihood(
    x: Any,
    encoder: Callable[[Any], Any],
    decoder: Callable[[Any], Any],
    k: int,
    *,
    batch_size: int = 100,
    prior: Any | None = None,
) -> np.ndarray:
    """Importance-weighted estimate of ``log p(x)`` per example, with ``k`` samples each.

    The estimate is a stochastic *lower bound* on ``log p(x)`` in expectation,
    and it tightens as ``k`` grows. Runs without gradients, in batches of
    ``batch_size`` examples (memory grows with ``k · batch_size``).

    Returns:
        float64 NumPy array of shape ``(N,)``, in nats.
    """
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = x[start : start + batch_size]
            out.append(iwae_bound(vae_log_weights(xb, encoder, decoder, k, prior)).double().cpu().numpy())
    return np.concatenate(out)
