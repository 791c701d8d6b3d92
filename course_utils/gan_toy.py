"""Evaluation and plots shared by the toy-GAN notebooks on y = x² (07 Keras, 08 NumPy).

Both notebooks train the same GAN with the same schedule; these helpers make
sure they are *measured* and *drawn* the same way, so their numbers can be put
side by side:

- :func:`fit_metrics`: MMD² to real points and mean ``|y − x²|`` of generated points;
- :func:`mmd_noise_level`: the MMD² that two *real* samples already show (the noise floor);
- :func:`fit_shape`: names what a generated cloud looks like (both arms, gaps, one arm, a point, ...);
- :func:`plot_snapshots`: real against generated scatter at each evaluation;
- :func:`plot_history`: D and G losses, D's accuracies, and the fit metric over training.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from course_utils import data, metrics, plotting

HISTORY_KEYS = ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake")


def fit_metrics(generated: np.ndarray, real: np.ndarray) -> dict[str, float]:
    """How close generated points are to the real ones: ``{"mmd": ..., "residual": ...}``.

    ``mmd`` is the *squared* MMD, :func:`course_utils.metrics.mmd_rbf`, between
    the two samples (0 when the distributions match; for two real samples it
    scatters around 0, see :func:`mmd_noise_level`);
    ``residual`` is :func:`course_utils.metrics.quadratic_residual` of the
    generated points (0 when every point lies on y = x², whatever its x).
    Both are needed: points piled at one spot of the curve have a tiny residual
    but a large MMD².
    """
    return {"mmd": metrics.mmd_rbf(generated, real), "residual": metrics.quadratic_residual(generated)}


def mmd_noise_level(n: int, n_pairs: int, rng: np.random.Generator) -> np.ndarray:
    """MMD² between ``n_pairs`` pairs of independent real samples of ``n`` points each.

    The unbiased estimator scatters around 0 for two samples of the same
    distribution; this spread is the level below which a generator's MMD²
    cannot be told from a perfect one at this sample size.
    """
    if n < 2 or n_pairs < 1:
        raise ValueError("mmd_noise_level needs n >= 2 points per sample and at least one pair")
    return np.array([metrics.mmd_rbf(data.quadratic_samples(n, rng), data.quadratic_samples(n, rng))
                     for _ in range(n_pairs)])


SHAPES = ("both arms", "gaps", "uneven split", "one arm", "point", "off the curve")


def fit_shape(generated: np.ndarray, *, max_residual: float = 0.1, min_x_spread: float = 0.05,
              even: float = 0.1, one_arm: float = 0.1, bins: int = 10, min_bin_share: float = 0.025) -> str:
    """Name the shape of a generated cloud against the parabola ``y = x²``, ``x ∈ [−½, ½]``.

    Checked in this order (real data: residual 0, x spread 0.29, half the points at x < 0, a tenth in each
    of ten equal bins of x):

    - ``"off the curve"``: mean ``|y − x²|`` above ``max_residual`` (the curve spans y from 0 to ¼);
    - ``"point"``: standard deviation of x below ``min_x_spread`` (a point collapse);
    - ``"one arm"``: fewer than ``one_arm`` of the points on one side of x = 0;
    - ``"uneven split"``: the share at x < 0 more than ``even`` away from ½ (e.g. 70/30);
    - ``"gaps"``: some of ``bins`` equal bins of x over [−½, ½] holds less than ``min_bin_share`` of the
      points (a quarter of its real share): both sides are reached, but not the whole curve (e.g. a few points);
    - ``"both arms"``: otherwise.

    With 1,000 points the share's sampling spread is 0.016, so ``even = 0.1`` is over six of them.
    """
    g = np.asarray(generated, dtype=np.float64)
    if g.ndim != 2 or g.shape[1] != 2 or len(g) < 2:
        raise ValueError(f"fit_shape needs an (N, 2) array of points with N >= 2, got shape {g.shape}")
    if metrics.quadratic_residual(g) > max_residual:
        return "off the curve"
    if g[:, 0].std() < min_x_spread:
        return "point"
    left = float(np.mean(g[:, 0] < 0))
    if min(left, 1 - left) < one_arm:
        return "one arm"
    if abs(left - 0.5) > even:
        return "uneven split"
    counts, _ = np.histogram(g[:, 0], bins=bins, range=(-0.5, 0.5))
    if counts.min() < min_bin_share * len(g):
        return "gaps"
    return "both arms"


def moving_average(values: Sequence[float] | np.ndarray, window: int) -> np.ndarray:
    """Trailing moving average (the first ``window − 1`` points average what there is so far)."""
    v = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(v) == 0:
        return v.copy()
    c = np.cumsum(np.insert(v, 0, 0.0))
    out = np.empty_like(v)
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(idx - window, 0)
    out[:] = (c[idx] - c[lo]) / (idx - lo)
    return out


def plot_snapshots(snapshots: Sequence[Mapping], *, lim: tuple[float, float, float, float] = (-0.8, 0.8, -0.3, 0.6),
                   title: str | None = None) -> plt.Figure:
    """One real-against-generated scatter per evaluation.

    ``snapshots``: dicts with ``step``, ``real``, ``fake`` (N×2 arrays), and
    optionally ``mmd``, ``d_acc_real``, ``d_acc_fake`` for the panel title.
    """
    n = len(snapshots)
    fig, axes = plt.subplots(1, n, figsize=(2.9 * n, 2.9), squeeze=False)
    for ax, s in zip(axes[0], snapshots):
        plotting.scatter_real_fake(s["real"], s["fake"], ax=ax, lim=lim)
        label = f"step {s['step']:,}"
        if "mmd" in s:
            label += f"\nMMD² {s['mmd']:.3f}"
        if "d_acc_real" in s and "d_acc_fake" in s:
            label += f" · D acc {s['d_acc_real']:.2f}/{s['d_acc_fake']:.2f}"
        ax.set_title(label, fontsize=8)
        ax.set_aspect("auto")
        if ax is not axes[0, 0] and ax.get_legend() is not None:
            ax.get_legend().remove()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]], evals: Sequence[Mapping] | None = None, *,
                 window: int = 100, title: str | None = None) -> plt.Figure:
    """Losses and accuracies per step (moving average over ``window`` steps), and the fit metric.

    ``history`` maps each of :data:`HISTORY_KEYS` to one value per step;
    ``evals`` is a list of dicts with ``step`` and ``mmd`` (and ``residual``).
    The dotted lines mark log 2 ≈ 0.693 (the loss of a D that outputs ½) and
    accuracy ½ (a D that guesses): where a GAN at equilibrium sits.
    """
    ncols = 3 if evals else 2
    fig, axes = plt.subplots(1, ncols, figsize=(4.4 * ncols, 3.1))
    steps = np.arange(1, len(history["g_loss"]) + 1)
    for key, label in (("d_loss_real", "D loss, real"), ("d_loss_fake", "D loss, fake"), ("g_loss", "G loss")):
        axes[0].plot(steps, moving_average(history[key], window), label=label, lw=1.2)
    axes[0].axhline(np.log(2), ls=":", color="grey")
    axes[0].set(xlabel="step", ylabel="binary cross-entropy", title="losses")
    axes[0].legend(fontsize=8)
    for key, label in (("d_acc_real", "D accuracy on real"), ("d_acc_fake", "D accuracy on fake")):
        axes[1].plot(steps, moving_average(history[key], window), label=label, lw=1.2)
    axes[1].axhline(0.5, ls=":", color="grey")
    axes[1].set(xlabel="step", ylabel="accuracy", title="discriminator accuracy", ylim=(-0.02, 1.02))
    axes[1].legend(fontsize=8)
    if evals:
        e_steps = [e["step"] for e in evals]
        axes[2].semilogy(e_steps, [max(e["mmd"], 1e-4) for e in evals], "o-", label="MMD²(generated, real)")
        if "residual" in evals[0]:
            axes[2].semilogy(e_steps, [e["residual"] for e in evals], "s--", label="mean |y − x²|")
        axes[2].set(xlabel="step", title="fit (lower is better)")
        axes[2].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
