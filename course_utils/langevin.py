"""Langevin samplers and test densities with a known answer.

The samplers work on a batch of independent chains at once (``x`` has shape
``(chains, dim)``) and use NumPy only, so they run in milliseconds on the 2-D
densities of the course and can be checked against exact answers:

* :func:`langevin_chain` — the unadjusted Langevin algorithm (ULA),
  ``x ← x + drift·η·∇log p(x) + √η·w`` with ``w ~ N(0, I)``. ``drift=0.5`` is
  the standard discretisation of the Langevin diffusion, which samples ``p``
  as ``η → 0``. ``drift=1`` is the form often written in lecture notes,
  ``x ← x + η∇log p + √η w``; it is ULA for ``p²`` (the temperature is halved).
  With a *stochastic* gradient (a minibatch estimate) and a decreasing step
  size this is SGLD (Welling & Teh, 2011).
* :func:`mala_chain` — the Metropolis-adjusted Langevin algorithm (Roberts &
  Tweedie, 1996): the ULA move is a *proposal*, accepted with the
  Metropolis–Hastings probability, which makes ``p`` exactly invariant for any
  step size.
* :func:`three_mode_mixture`, :class:`GaussianMixture` and :class:`Banana` — normalised log-densities with
  their gradients and exact samplers; :func:`grid_probs` and :func:`grid_kl`
  compare samples with a density on a grid (and normalise densities such as
  ``p²`` whose constant is not known in closed form).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray
GradFn = Callable[[Array], Array]
LogProbFn = Callable[[Array], Array]


# --------------------------------------------------------------------------- densities


@dataclass
class GaussianMixture:
    """An isotropic Gaussian mixture in any dimension, ``Σ_k w_k N(μ_k, σ_k² I)``.

    A single component of dimension 1 is the 1-D Gaussian the unit tests use.
    """

    centers: Array
    stds: Array | float = 1.0
    weights: Array | None = None
    extent: tuple[float, float, float, float] = (-4.0, 4.0, -4.0, 4.0)

    def __post_init__(self) -> None:
        self.centers = np.atleast_2d(np.asarray(self.centers, dtype=np.float64))
        k = len(self.centers)
        self.stds = np.broadcast_to(np.asarray(self.stds, dtype=np.float64), (k,)).copy()
        w = np.full(k, 1.0 / k) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        self.weights = w / w.sum()

    @property
    def dim(self) -> int:
        return self.centers.shape[1]

    def _component_logs(self, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        d = self.dim
        sq = ((x[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (n, k)
        var = self.stds**2
        return np.log(self.weights) - 0.5 * sq / var - 0.5 * d * np.log(2 * np.pi * var)

    def log_prob(self, x: Array) -> Array:
        """Normalised ``log p(x)`` for points ``x`` of shape ``(n, dim)``."""
        logs = self._component_logs(x)
        m = logs.max(axis=1, keepdims=True)
        return (m + np.log(np.exp(logs - m).sum(axis=1, keepdims=True)))[:, 0]

    def grad_log_prob(self, x: Array) -> Array:
        """``∇ log p(x)``: the responsibility-weighted pull towards each centre."""
        x = np.asarray(x, dtype=np.float64)
        logs = self._component_logs(x)
        r = np.exp(logs - logs.max(axis=1, keepdims=True))
        r /= r.sum(axis=1, keepdims=True)  # responsibilities (n, k)
        pull = (self.centers[None] - x[:, None, :]) / (self.stds**2)[None, :, None]
        return (r[:, :, None] * pull).sum(axis=1)

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> Array:
        """``n`` exact samples."""
        rng = np.random.default_rng(seed)
        comp = rng.choice(len(self.centers), size=n, p=self.weights)
        return self.centers[comp] + self.stds[comp, None] * rng.standard_normal((n, self.dim))

    def perturbed(self, sigma: float, scale: float = 1.0) -> GaussianMixture:
        """The density of ``scale·x + sigma·z`` for ``x`` from this mixture and ``z ~ N(0, I)``.

        Still a Gaussian mixture: centres ``scale·μ_k``, standard deviations
        ``√(scale² σ_k² + sigma²)``, the same weights. ``scale=1`` is the noised
        density of score matching; ``scale=√ᾱ_t, sigma=√(1 − ᾱ_t)`` is the DDPM
        marginal ``q(x_t)``.
        """
        return GaussianMixture(self.centers * scale, np.sqrt(scale**2 * self.stds**2 + sigma**2), self.weights,
                               self.extent)

    def component_shares(self, samples: Array) -> Array:
        """Share of ``samples`` nearest to each centre (Euclidean), ``(k,)``: compare with ``weights``."""
        samples = np.asarray(samples, dtype=np.float64)
        nearest = ((samples[:, None, :] - self.centers[None]) ** 2).sum(-1).argmin(axis=1)
        return np.bincount(nearest, minlength=len(self.centers)) / len(samples)


def three_mode_mixture(spread: float = 1.0) -> GaussianMixture:
    """The course's 2-D mixture (notebooks 05 and 11): weights 0.5/0.3/0.2, standard deviation 0.6.

    Centres ``spread × (−1.5, −1), (1.5, −1), (0, 1.6)``; the plotting/grid extent
    grows with ``spread`` (``(-4, 4)²`` at ``spread=1``, ``(-5.2, 5.2)²`` at ``spread=2``).
    """
    centers = spread * np.array([[-1.5, -1.0], [1.5, -1.0], [0.0, 1.6]])
    half = max(4.0, 2.6 * spread)  # the top centre (0, 1.6·spread) plus 3 standard deviations fits
    return GaussianMixture(centers=centers, stds=0.6, weights=[0.5, 0.3, 0.2], extent=(-half, half, -half, half))


@dataclass
class Banana:
    """A 'banana': ``x₁ ~ N(0, a²)`` and ``x₂ | x₁ ~ N(b(x₁² − a²), s²)``.

    The shear ``x₂ − b(x₁² − a²)`` has Jacobian 1, so the density is normalised
    exactly; its mean is ``(0, 0)``. The curvature ``b`` makes the valley bend,
    which is what trips up a sampler with a large step.
    """

    a: float = 1.0
    b: float = 0.5
    s: float = 0.5
    extent: tuple[float, float, float, float] = field(default=(-3.5, 3.5, -2.5, 5.0))

    dim: int = 2

    def log_prob(self, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        x1, x2 = x[:, 0], x[:, 1]
        r = x2 - self.b * (x1**2 - self.a**2)
        return (
            -0.5 * x1**2 / self.a**2
            - 0.5 * r**2 / self.s**2
            - np.log(2 * np.pi * self.a * self.s)
        )

    def grad_log_prob(self, x: Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        x1, x2 = x[:, 0], x[:, 1]
        r = x2 - self.b * (x1**2 - self.a**2)
        g1 = -x1 / self.a**2 + r / self.s**2 * 2 * self.b * x1
        g2 = -r / self.s**2
        return np.stack([g1, g2], axis=1)

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> Array:
        rng = np.random.default_rng(seed)
        x1 = self.a * rng.standard_normal(n)
        x2 = self.b * (x1**2 - self.a**2) + self.s * rng.standard_normal(n)
        return np.stack([x1, x2], axis=1)


# --------------------------------------------------------------------------- grids


def grid_probs(
    log_prob: LogProbFn, extent: tuple[float, float, float, float], bins: int = 40, *, sub: int = 4
) -> tuple[Array, Array, Array]:
    """Probabilities of the cells of a ``bins × bins`` grid over ``extent``.

    ``exp(log_prob)`` is averaged over ``sub × sub`` points inside each cell and
    then normalised to sum to 1 over the grid. The normalising constant is
    therefore not needed: ``lambda x: 2 * d.log_prob(x)`` gives the cells of ``p²``.

    Returns:
        ``(probs, xedges, yedges)`` with ``probs[i, j]`` the cell
        ``[xedges[i], xedges[i+1]) × [yedges[j], yedges[j+1])`` (the layout of
        ``np.histogram2d``).
    """
    x0, x1, y0, y1 = extent
    xe = np.linspace(x0, x1, bins + 1)
    ye = np.linspace(y0, y1, bins + 1)
    # sub-cell midpoints
    fx = (np.arange(sub) + 0.5) / sub
    xs = (xe[:-1, None] + fx[None] * np.diff(xe)[:, None]).ravel()
    ys = (ye[:-1, None] + fx[None] * np.diff(ye)[:, None]).ravel()
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    lp = log_prob(np.stack([gx.ravel(), gy.ravel()], axis=1)).reshape(len(xs), len(ys))
    w = np.exp(lp - lp.max())
    cells = w.reshape(bins, sub, bins, sub).sum(axis=(1, 3))
    return cells / cells.sum(), xe, ye


def sample_histogram(samples: Array, extent: tuple[float, float, float, float], bins: int = 40) -> Array:
    """Share of ``samples`` in each grid cell; points outside ``extent`` count in the nearest edge cell."""
    x0, x1, y0, y1 = extent
    eps = 1e-9
    sx = np.clip(samples[:, 0], x0, x1 - eps * (x1 - x0))
    sy = np.clip(samples[:, 1], y0, y1 - eps * (y1 - y0))
    h, _, _ = np.histogram2d(sx, sy, bins=bins, range=[[x0, x1], [y0, y1]])
    return h / len(samples)


def grid_kl(
    samples: Array, log_prob: LogProbFn, extent: tuple[float, float, float, float], bins: int = 40
) -> float:
    """``KL(q̂ ‖ p)`` in nats between the samples' grid histogram ``q̂`` and the density's cells ``p``.

    Empty cells contribute nothing (``0 log 0 = 0``) and ``p`` is never zero,
    so this is finite. It is biased upwards by roughly ``(occupied cells − 1) / (2n)``
    for ``n`` samples; compare with the value for exact samples of the same size.
    """
    p, _, _ = grid_probs(log_prob, extent, bins)
    q = sample_histogram(np.asarray(samples), extent, bins)
    mask = q > 0
    return float((q[mask] * (np.log(q[mask]) - np.log(np.maximum(p[mask], 1e-300)))).sum())


# --------------------------------------------------------------------------- samplers


def langevin_chain(
    grad_log_prob: GradFn,
    x0: Array,
    step: float | Array,
    n_steps: int,
    *,
    drift: float = 0.5,
    seed: int | np.random.Generator = 0,
    trace_every: int = 0,
) -> tuple[Array, Array | None]:
    """Run unadjusted Langevin chains: ``x ← x + drift·η_t·∇log p(x) + √η_t·w``.

    Args:
        grad_log_prob: ``(chains, dim) → (chains, dim)``; may be a stochastic
            (minibatch) estimate, which turns this into SGLD.
        x0: starting points, ``(chains, dim)``.
        step: ``η``, a number or one value per step (e.g. :func:`sgld_step_sizes`).
        drift: 0.5 for the standard discretisation (samples ``p`` as ``η → 0``);
            1.0 for the lecture-note form, which samples ``p²``.
        trace_every: if > 0, also return the states every ``trace_every`` steps.

    Returns:
        ``(final states, trace)`` with trace ``(n_kept, chains, dim)`` or ``None``.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=np.float64, copy=True)
    steps = np.broadcast_to(np.asarray(step, dtype=np.float64), (n_steps,))
    trace = []
    for t in range(n_steps):
        eta = steps[t]
        x = x + drift * eta * grad_log_prob(x) + np.sqrt(eta) * rng.standard_normal(x.shape)
        if trace_every and (t + 1) % trace_every == 0:
            trace.append(x.copy())
    return x, (np.stack(trace) if trace_every else None)


def mala_chain(
    log_prob: LogProbFn,
    grad_log_prob: GradFn,
    x0: Array,
    step: float,
    n_steps: int,
    *,
    seed: int | np.random.Generator = 0,
    trace_every: int = 0,
) -> tuple[Array, float, Array | None]:
    """Metropolis-adjusted Langevin chains (Roberts & Tweedie, 1996).

    Proposal ``y = x + (η/2)∇log p(x) + √η w``, i.e. ``q(y|x) = N(y; x + (η/2)∇log p(x), η I)``,
    accepted with probability ``min(1, p(y) q(x|y) / (p(x) q(y|x)))``.

    Returns:
        ``(final states, acceptance rate, trace or None)``.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x0, dtype=np.float64, copy=True)
    lp, g = log_prob(x), grad_log_prob(x)
    accepted = 0.0
    trace = []
    for t in range(n_steps):
        mean_x = x + 0.5 * step * g
        y = mean_x + np.sqrt(step) * rng.standard_normal(x.shape)
        lp_y, g_y = log_prob(y), grad_log_prob(y)
        mean_y = y + 0.5 * step * g_y
        log_q_y_given_x = -((y - mean_x) ** 2).sum(1) / (2 * step)
        log_q_x_given_y = -((x - mean_y) ** 2).sum(1) / (2 * step)
        log_alpha = lp_y + log_q_x_given_y - lp - log_q_y_given_x
        accept = np.log(rng.uniform(size=len(x))) < log_alpha
        x = np.where(accept[:, None], y, x)
        lp = np.where(accept, lp_y, lp)
        g = np.where(accept[:, None], g_y, g)
        accepted += accept.mean()
        if trace_every and (t + 1) % trace_every == 0:
            trace.append(x.copy())
    return x, float(accepted / max(n_steps, 1)), (np.stack(trace) if trace_every else None)


def sgld_step_sizes(a: float, b: float, gamma: float, n_steps: int) -> Array:
    """Welling & Teh (2011) schedule ``η_t = a (b + t)^(−γ)``, ``γ ∈ (0.5, 1]``.

    ``Σ η_t = ∞`` (the chain keeps exploring) and ``Σ η_t² < ∞`` (the minibatch
    noise, of order ``η_t²``, dies out against the injected noise, of order ``η_t``).
    """
    return a * (b + np.arange(n_steps, dtype=np.float64)) ** (-gamma)


def ula_gaussian_variance(sigma2: float, step: float, drift: float = 0.5) -> float:
    """Exact stationary variance of :func:`langevin_chain` on a 1-D ``N(μ, σ²)``.

    The chain is the AR(1) ``x' − μ = (1 − drift·η/σ²)(x − μ) + √η w``, whose
    variance is ``η / (1 − c²)`` with ``c = 1 − drift·η/σ²``. For ``drift = 0.5``
    this is ``σ² / (1 − η/(4σ²))`` (a bias of order η); for ``drift = 1`` it is
    ``σ² / (2 − η/σ²) → σ²/2``, the variance of ``p²``.
    """
    c = 1.0 - drift * step / sigma2
    if abs(c) >= 1:
        raise ValueError("the chain is unstable for this step size (|1 - drift*step/sigma2| >= 1)")
    return step / (1.0 - c * c)
