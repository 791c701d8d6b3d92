"""A binary-binary restricted Boltzmann machine, written out by hand in PyTorch.

Notebook 04 shows this code (``inspect.getsource``) and the unit tests in
``tests/test_rbm.py`` check it, so what students read is what is tested.

The model, with visible units ``v ∈ {0,1}^D``, hidden units ``h ∈ {0,1}^H``,
weights ``W`` (D×H), visible biases ``b`` and hidden biases ``c``::

    E(v, h) = -b·v - c·h - vᵀ W h
    p(v, h) = exp(-E(v, h)) / Z
    F(v)    = -log Σ_h exp(-E(v, h)) = -b·v - Σ_j softplus(c_j + (vᵀW)_j)
    p(h_j = 1 | v) = σ(c_j + (vᵀW)_j),   p(v_i = 1 | h) = σ(b_i + (W h)_i)

Training follows the log-likelihood gradient
``∂ log p(v)/∂W = E_data[v hᵀ] - E_model[v hᵀ]``, with the model expectation
replaced by a short Gibbs chain: started at the data (CD-k, Hinton 2002) or
continued from the previous update (persistent CD, Tieleman 2008).
``log Z`` is estimated by annealed importance sampling (Neal 2001) from a
base-rate model, as in Salakhutdinov & Murray (2008); for tiny RBMs it is
computed exactly by enumerating the hidden configurations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F


@dataclass
class RBM:
    """Parameters of a binary-binary RBM: ``W`` (D×H), ``b`` (D,) visible and ``c`` (H,) hidden biases."""

    W: torch.Tensor
    b: torch.Tensor
    c: torch.Tensor

    @property
    def n_visible(self) -> int:
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W.shape[1]

    def clone(self) -> "RBM":
        return RBM(self.W.clone(), self.b.clone(), self.c.clone())

    def num_params(self) -> int:
        return self.W.numel() + self.b.numel() + self.c.numel()


def init_rbm(
    n_visible: int,
    n_hidden: int,
    *,
    data: torch.Tensor | None = None,
    std: float = 0.01,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> RBM:
    """Small random weights N(0, std²), hidden biases 0, visible biases log(p/(1-p)).

    ``p`` is each pixel's mean over ``data`` (clipped to [1e-3, 1-1e-3]); this is the
    initialisation of Hinton's *Practical guide to training RBMs* (2010, §8):
    with W ≈ 0 the model starts as the independent-pixel model of the data.
    """
    W = std * torch.randn(n_visible, n_hidden, generator=generator, dtype=dtype)
    c = torch.zeros(n_hidden, dtype=dtype)
    if data is None:
        b = torch.zeros(n_visible, dtype=dtype)
    else:
        p = data.to(dtype).mean(0).clamp(1e-3, 1 - 1e-3)
        b = torch.log(p) - torch.log1p(-p)
    return RBM(W, b, c)


# --------------------------------------------------------------------------- energies and conditionals


def energy(rbm: RBM, v: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """E(v, h) = -b·v - c·h - vᵀWh, one value per row of ``v``/``h``."""
    return -(v @ rbm.b) - (h @ rbm.c) - ((v @ rbm.W) * h).sum(-1)


def free_energy(rbm: RBM, v: torch.Tensor) -> torch.Tensor:
    """F(v) = -log Σ_h exp(-E(v,h)) = -b·v - Σ_j softplus(c_j + (vᵀW)_j)."""
    return -(v @ rbm.b) - F.softplus(v @ rbm.W + rbm.c).sum(-1)


def p_h_given_v(rbm: RBM, v: torch.Tensor) -> torch.Tensor:
    """p(h_j = 1 | v) = σ(c_j + (vᵀW)_j) for every hidden unit (the hiddens are independent given v)."""
    return torch.sigmoid(v @ rbm.W + rbm.c)


def p_v_given_h(rbm: RBM, h: torch.Tensor) -> torch.Tensor:
    """p(v_i = 1 | h) = σ(b_i + (W h)_i) for every visible unit."""
    return torch.sigmoid(h @ rbm.W.T + rbm.b)


def bernoulli(p: torch.Tensor, u: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Binary sample with P(1) = p, as ``u < p`` for uniform ``u`` (given, or drawn from ``generator``).

    Taking ``u`` explicitly lets another implementation (the TensorFlow one in
    notebook 04) use exactly the same random numbers.
    """
    if u is None:
        u = torch.rand(p.shape, generator=generator, dtype=p.dtype)
    return (u < p).to(p.dtype)


def gibbs_step(
    rbm: RBM, v: torch.Tensor, generator: torch.Generator | None = None, noise: tuple[torch.Tensor, torch.Tensor] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """One block-Gibbs sweep v → h ~ p(h|v) → v' ~ p(v|h). Returns ``(v', p(v'=1|h))``.

    ``noise = (u_h, u_v)`` supplies the uniforms for the two samples.
    """
    u_h, u_v = noise if noise is not None else (None, None)
    h = bernoulli(p_h_given_v(rbm, v), u_h, generator)
    pv = p_v_given_h(rbm, h)
    return bernoulli(pv, u_v, generator), pv


# --------------------------------------------------------------------------- learning


@dataclass
class Trainer:
    """Optimiser state for CD-k / PCD: the momentum buffers and, for PCD, the persistent chains."""

    lr: float = 0.05
    momentum: float = 0.5
    weight_decay: float = 0.0
    k: int = 1
    persistent: bool = False
    velocity: list[torch.Tensor] = field(default_factory=list)
    chains: torch.Tensor | None = None


def cd_gradient(
    rbm: RBM,
    v_data: torch.Tensor,
    v_start: torch.Tensor,
    k: int = 1,
    generator: torch.Generator | None = None,
    noise: list[tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> tuple[tuple[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """Estimate of ∇ log-likelihood (ascent direction) from a k-step Gibbs chain.

    Positive phase: ⟨v hᵀ⟩ with h replaced by its expectation p(h|v_data).
    Negative phase: run ``k`` Gibbs sweeps from ``v_start`` (the data for CD-k,
    the persistent chains for PCD) and use ⟨v_k p(h|v_k)ᵀ⟩. Using probabilities
    instead of sampled h leaves the expectation unchanged and lowers the noise
    (Hinton 2010, §3). ``noise[t] = (u_h, u_v)`` fixes the uniforms of sweep t.

    Returns:
        ``((dW, db, dc), v_k)``: the minibatch-mean gradient and the chain's end state.
    """
    n = v_data.shape[0]
    ph_data = p_h_given_v(rbm, v_data)
    v = v_start
    for t in range(k):
        v, _ = gibbs_step(rbm, v, generator, noise[t] if noise is not None else None)
    ph_model = p_h_given_v(rbm, v)
    m = v.shape[0]
    dW = v_data.T @ ph_data / n - v.T @ ph_model / m
    db = v_data.mean(0) - v.mean(0)
    dc = ph_data.mean(0) - ph_model.mean(0)
    return (dW, db, dc), v


def cd_update(
    rbm: RBM, trainer: Trainer, v_data: torch.Tensor, generator: torch.Generator | None = None, lr: float | None = None
) -> torch.Tensor:
    """One minibatch update of ``rbm`` in place, with momentum and L2 weight decay on W.

    Δθ ← momentum·Δθ + lr·(∇θ - weight_decay·W [weights only]);  θ ← θ + Δθ.
    CD-k starts the chain at the data; PCD (``trainer.persistent``) continues
    ``trainer.chains`` (initialised to the first minibatch) and keeps their end state.

    Returns:
        The negative-phase samples (end of the chain).
    """
    lr = trainer.lr if lr is None else lr
    if trainer.persistent:
        if trainer.chains is None:
            trainer.chains = v_data.clone()
        v_start = trainer.chains
    else:
        v_start = v_data
    (dW, db, dc), v_neg = cd_gradient(rbm, v_data, v_start, trainer.k, generator)
    if trainer.persistent:
        trainer.chains = v_neg
    dW = dW - trainer.weight_decay * rbm.W
    if not trainer.velocity:
        trainer.velocity = [torch.zeros_like(rbm.W), torch.zeros_like(rbm.b), torch.zeros_like(rbm.c)]
    for param, vel, grad in zip((rbm.W, rbm.b, rbm.c), trainer.velocity, (dW, db, dc)):
        vel.mul_(trainer.momentum).add_(grad, alpha=lr)
        param.add_(vel)
    return v_neg


def reconstruction_error(rbm: RBM, v: torch.Tensor, generator: torch.Generator | None = None) -> float:
    """Mean squared error per image between v and p(v | h), h ~ p(h|v): Σ_i (v_i - p_i)², averaged over images.

    Cheap to monitor, but *not* the training objective: a model that mixes badly
    can reconstruct well (Hinton 2010, §5).
    """
    h = bernoulli(p_h_given_v(rbm, v), generator=generator)
    return float(((v - p_v_given_h(rbm, h)) ** 2).sum(-1).mean())


def pseudo_log_likelihood(rbm: RBM, v: torch.Tensor, chunk: int = 64) -> float:
    """Exact mean pseudo-log-likelihood Σ_i log p(v_i | v_{-i}) per image (nats).

    p(v_i | v_{-i}) = σ(F(v with bit i flipped) - F(v)). All D flips are
    computed at once: flipping bit i changes the hidden input by ±W_i.
    Needs no partition function, so it can be monitored during training.
    """
    total = 0.0
    for start in range(0, v.shape[0], chunk):
        x = v[start : start + chunk]
        a = x @ rbm.W + rbm.c  # (B, H)
        s = 1.0 - 2.0 * x  # +1 where the bit turns on, -1 where it turns off
        a_flip = a[:, None, :] + s[:, :, None] * rbm.W[None]  # (B, D, H)
        dF = -s * rbm.b - (F.softplus(a_flip) - F.softplus(a)[:, None, :]).sum(-1)  # F(flip) - F(v)
        total += float(F.logsigmoid(dF).sum())
    return total / v.shape[0]


# --------------------------------------------------------------------------- partition function


def log_z_exact(rbm: RBM, chunk: int = 4096) -> float:
    """Exact log Z by enumerating all 2^H hidden configurations (H ≤ 24), in float64.

    log Z = logsumexp_h [ c·h + Σ_i softplus(b_i + (W h)_i) ] (the visibles summed out).
    """
    H = rbm.n_hidden
    if H > 24:
        raise ValueError(f"exact enumeration needs at most 24 hidden units, not {H}")
    W, b, c = (t.double() for t in (rbm.W, rbm.b, rbm.c))
    bits = 2 ** torch.arange(H, dtype=torch.int64)
    parts = []
    for start in range(0, 2**H, chunk):
        idx = torch.arange(start, min(start + chunk, 2**H), dtype=torch.int64)
        h = ((idx[:, None] & bits) > 0).double()
        parts.append(h @ c + F.softplus(h @ W.T + b).sum(-1))
    return float(torch.logsumexp(torch.cat(parts), 0))


def base_rate_visible_bias(data: torch.Tensor, smoothing: float = 5.0) -> torch.Tensor:
    """Visible biases of the independent-pixel model fitted to ``data`` (Laplace-smoothed counts).

    p_i = (Σ_n v_ni + smoothing) / (N + 2·smoothing); bias = log p_i / (1 - p_i).
    """
    n = data.shape[0]
    p = (data.sum(0) + smoothing) / (n + 2 * smoothing)
    return torch.log(p) - torch.log1p(-p)


def independent_pixel_log_likelihood(b_base: torch.Tensor, v: torch.Tensor) -> float:
    """Mean log p(v) (nats) under independent Bernoulli pixels with logits ``b_base``: the baseline to beat."""
    return float((v @ b_base - F.softplus(b_base).sum()).mean())


def ais_log_z(
    rbm: RBM,
    b_base: torch.Tensor,
    betas: torch.Tensor,
    n_chains: int = 100,
    generator: torch.Generator | None = None,
) -> tuple[float, float]:
    """Annealed importance sampling estimate of log Z (Neal 2001; Salakhutdinov & Murray 2008).

    Intermediate distributions, for β from 0 to 1 (hiddens summed out)::

        log p*_β(v) = (1-β) b_A·v + β b·v + Σ_j softplus(β (c_j + (vᵀW)_j))

    β = 0 is the base-rate model A (W = 0, visible logits ``b_base``, H free
    hidden units), whose log Z_A = Σ_i softplus(b_A,i) + H log 2 is known; β = 1 is the RBM. Each chain starts
    with an exact sample of A; at every β_k it adds log p*_k(v) - log p*_{k-1}(v)
    to its log-weight and then takes one Gibbs sweep that leaves p_k invariant.
    log Z ≈ log Z_A + log mean exp(log w).

    Returns:
        ``(log_z, log_z_std)``: the estimate and a rough ±1 standard error of it
        from the spread of the weights (delta method, ``std(w) / (mean(w) √n)``;
        unreliable when a few chains dominate).
    """
    betas = betas.to(rbm.W.dtype)
    if float(betas[0]) != 0.0 or float(betas[-1]) != 1.0:
        raise ValueError("betas must run from 0 to 1")

    v = bernoulli(torch.sigmoid(b_base).expand(n_chains, -1).contiguous(), generator=generator)
    log_w = torch.zeros(n_chains, dtype=rbm.W.dtype)
    for beta_prev, beta in zip(betas[:-1], betas[1:]):
        # log p*_β(v) − log p*_β'(v), with the hidden input vᵀW + c computed once and reused for the Gibbs sweep
        act = v @ rbm.W + rbm.c
        log_w += (beta - beta_prev) * (v @ (rbm.b - b_base)) + (F.softplus(beta * act) - F.softplus(beta_prev * act)).sum(-1)
        h = bernoulli(torch.sigmoid(beta * act), generator=generator)
        v = bernoulli(torch.sigmoid((1 - beta) * b_base + beta * (h @ rbm.W.T + rbm.b)), generator=generator)
    # Model A at β = 0 still has H hidden units with zero input: each contributes a factor 2.
    log_z_base = float(F.softplus(b_base).sum()) + rbm.n_hidden * math.log(2.0)
    log_mean_w = float(torch.logsumexp(log_w, 0)) - math.log(n_chains)
    w = torch.exp(log_w - log_w.max())
    rel_std = float(w.std() / w.mean()) / math.sqrt(n_chains) if n_chains > 1 else float("nan")
    return log_z_base + log_mean_w, rel_std


def ais_betas(n_temperatures: int) -> torch.Tensor:
    """An inverse-temperature schedule from 0 to 1 spaced like Salakhutdinov & Murray's (2008) 14,500-step one.

    As their paper is usually quoted (not verified against the paper here), the schedule spends 500/14,500 of its steps on [0, 0.5], 4,000 on [0.5, 0.9]
    and 10,000 on [0.9, 1]; the same proportions are used for any length.
    """
    n1 = max(2, round(n_temperatures * 500 / 14500))
    n2 = max(2, round(n_temperatures * 4000 / 14500))
    n3 = max(2, n_temperatures - n1 - n2)
    return torch.cat(
        [
            torch.linspace(0.0, 0.5, n1 + 1, dtype=torch.float64)[:-1],
            torch.linspace(0.5, 0.9, n2 + 1, dtype=torch.float64)[:-1],
            torch.linspace(0.9, 1.0, n3, dtype=torch.float64),
        ]
    )


def mean_log_likelihood(rbm: RBM, v: torch.Tensor, log_z: float) -> float:
    """Mean log p(v) = -F(v) - log Z over the rows of ``v`` (nats)."""
    return float(-free_energy(rbm, v).double().mean()) - log_z
