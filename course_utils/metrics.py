"""Sample-quality measures shared by the generative notebooks.

Point-cloud measures for the 2-D toy GANs and Langevin samplers live here, the
mean-and-spread helpers for figures measured over several seeds, and the
feature-space precision/recall and bootstrap intervals that 12 uses to compare
the generative families.
(The MNIST sample-quality measures, FID-MNIST and class coverage, are in
:mod:`course_utils.mnist_metrics`.)
"""

from __future__ import annotations

import numpy as np


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def mmd_rbf(x: np.ndarray, y: np.ndarray, bandwidths: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0)) -> float:
    """Squared maximum mean discrepancy between two samples, with a sum of RBF kernels.

    MMD² = E k(x, x') + E k(y, y') − 2 E k(x, y) is zero exactly when the two
    distributions are equal (the RBF kernel is characteristic). This is the
    unbiased estimator (diagonal terms left out), so it can be slightly
    negative for two samples of the same distribution. Summing several
    bandwidths makes it sensitive at several length scales at once.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError("mmd_rbf needs at least two points in each sample")
    dxx, dyy, dxy = _sq_dists(x, x), _sq_dists(y, y), _sq_dists(x, y)
    total = 0.0
    for h in bandwidths:
        kxx = np.exp(-dxx / (2 * h * h))
        kyy = np.exp(-dyy / (2 * h * h))
        kxy = np.exp(-dxy / (2 * h * h))
        total += (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        total += (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        total -= 2.0 * kxy.mean()
    return float(total)


def quadratic_residual(points: np.ndarray) -> float:
    """Mean ``|y − x²|`` of 2-D points: 0 when every point lies on the parabola ``y = x²``."""
    points = np.asarray(points, dtype=np.float64)
    return float(np.mean(np.abs(points[:, 1] - points[:, 0] ** 2)))


def chamfer_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Symmetric Chamfer distance: mean nearest-neighbour distance from a to b plus from b to a.

    Small only when every generated point is near the curve *and* every part of
    the curve has a generated point near it (so a cut-off spiral tail shows).
    """
    d = np.sqrt(_sq_dists(a, b))
    return float(d.min(axis=1).mean() + d.min(axis=0).mean())


def modes_covered(
    points: np.ndarray, centers: np.ndarray, std: float, *, radius_stds: float = 3.0, min_share: float = 0.01
) -> tuple[int, float]:
    """Count mixture modes that received samples, and the share of high-quality samples.

    A point counts for the nearest centre if it is within ``radius_stds·std``
    of it; a mode is *covered* if at least ``min_share`` of all points landed
    on it.

    Returns:
        ``(modes covered, fraction of points near some centre)``.
    """
    d = np.sqrt(_sq_dists(points, centers))
    nearest = d.argmin(axis=1)
    good = d[np.arange(len(points)), nearest] <= radius_stds * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    return int((counts >= min_share * len(points)).sum()), float(good.mean())


def chamfer_terms(points: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """The two halves of :func:`chamfer_distance`, kept apart because they fail differently.

    Returns:
        ``(precision, coverage)``: the mean distance from each of ``points`` to
        its nearest ``reference`` point (large when generated points are
        scattered off the curve), and the mean distance from each ``reference``
        point to its nearest of ``points`` (large when part of the curve gets no
        samples, e.g. a cut-off spiral tail or points piled up in one place).
        Their sum is ``chamfer_distance(points, reference)``.
    """
    d = np.sqrt(_sq_dists(points, reference))
    return float(d.min(axis=1).mean()), float(d.min(axis=0).mean())


def covered_fraction(reference: np.ndarray, points: np.ndarray, radius: float) -> float:
    """Share of ``reference`` points that have at least one of ``points`` within ``radius``."""
    d2 = _sq_dists(reference, points)
    return float((d2.min(axis=1) <= radius * radius).mean())


# --------------------------------------------------------------------------- runs over several seeds


def seed_spread(values) -> tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``; 0.0 for a single value) of one figure over seeds."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("seed_spread needs at least one value")
    return float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0


def mean_se(values) -> tuple[float, float]:
    """Mean of one figure over seeds and its standard error ``s / sqrt(n)`` (``ddof=1``; 0.0 for a single value).

    Read a mean of less than about two standard errors as "not shown"; with a handful of seeds the
    standard error is itself rough.
    """
    mean, sd = seed_spread(values)
    return mean, sd / float(np.sqrt(np.size(values)))


def mean_difference(a, b) -> tuple[float, float]:
    """``mean(a) − mean(b)`` over seeds and its standard error ``sqrt(s_a²/n_a + s_b²/n_b)``.

    With two or three seeds per side the standard error is itself rough; read a
    difference of less than about two of them as "not shown", not as "no effect".
    """
    (ma, sa), (mb, sb) = seed_spread(a), seed_spread(b)
    return ma - mb, float(np.sqrt(sa**2 / np.size(a) + sb**2 / np.size(b)))


def paired_sign_test(fails_a, fails_b) -> tuple[int, int, float]:
    """Exact one-sided sign test (McNemar's) on paired pass/fail outcomes, one pair per seed.

    Only the *discordant* seeds carry information: ``b`` where A failed and B did
    not, ``c`` where B failed and A did not. If A and B failed equally often, each
    discordant seed would go either way with probability ½, so
    ``p = P(X ≥ b)`` for ``X ~ Binomial(b + c, ½)``. Returns ``(b, c, p)``; ``p``
    is 1.0 when no seed is discordant (no evidence either way).
    """
    from math import comb

    a = np.asarray(fails_a, dtype=bool).ravel()
    b_ = np.asarray(fails_b, dtype=bool).ravel()
    if a.shape != b_.shape:
        raise ValueError(f"paired_sign_test needs one outcome per seed on both sides, got {a.size} and {b_.size}")
    b, c = int(np.sum(a & ~b_)), int(np.sum(~a & b_))
    n = b + c
    p = sum(comb(n, k) for k in range(b, n + 1)) / 2**n if n else 1.0
    return b, c, float(p)


# --------------------------------------------------------------------------- precision, recall and the bootstrap


def knn_radii(points: np.ndarray, k: int = 3, chunk: int = 2048) -> np.ndarray:
    """Distance from each point to its ``k``-th nearest neighbour in the same set (itself excluded).

    The ball of that radius around every point is Kynkäänniemi et al.'s (2019) estimate of the set's manifold.
    """
    x = np.asarray(points, dtype=np.float64)
    if not 1 <= k < len(x):
        raise ValueError(f"k must be between 1 and the number of points minus 1 ({len(x) - 1}), got {k}")
    out = np.empty(len(x))
    for i in range(0, len(x), chunk):
        d = _sq_dists(x[i:i + chunk], x)
        # column k of the sorted row: column 0 is the point itself (distance 0)
        out[i:i + chunk] = np.sqrt(np.partition(d, k, axis=1)[:, k])
    return out


def inside_manifold(points: np.ndarray, reference: np.ndarray, radii: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """For each point, whether it lies within ``radii[j]`` of some ``reference[j]``: a boolean per point."""
    p = np.asarray(points, dtype=np.float64)
    r2 = np.asarray(radii, dtype=np.float64) ** 2
    out = np.empty(len(p), dtype=bool)
    for i in range(0, len(p), chunk):
        out[i:i + chunk] = (_sq_dists(p[i:i + chunk], reference) <= r2[None, :] * (1 + 1e-12)).any(axis=1)
    return out


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> dict[str, np.ndarray | float]:
    """Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019) in a feature space.

    **Precision**: the share of generated points inside the real manifold (are the samples realistic?).
    **Recall**: the share of real points inside the generated manifold (is all of the data covered?).
    Each manifold is the union of balls reaching every point's ``k``-th nearest neighbour (the paper uses k = 3).

    Returns:
        ``{"precision", "recall"}`` as floats, and the per-point indicators ``"fake_in_real"`` and
        ``"real_in_fake"`` (their means are the two numbers; bootstrap them for an interval).
    """
    real = np.asarray(real, dtype=np.float64)
    fake = np.asarray(fake, dtype=np.float64)
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"need two (N, D) feature arrays of the same D, got {real.shape} and {fake.shape}")
    fake_in_real = inside_manifold(fake, real, knn_radii(real, k))
    real_in_fake = inside_manifold(real, fake, knn_radii(fake, k))
    return {"precision": float(fake_in_real.mean()), "recall": float(real_in_fake.mean()),
            "fake_in_real": fake_in_real, "real_in_fake": real_in_fake}


def bootstrap(statistic, arrays, n_boot: int = 200, seed: int = 0) -> np.ndarray:
    """Bootstrap replicates of ``statistic(*arrays)``: each array resampled with replacement along its first axis.

    The arrays are resampled independently of each other, with one random generator, so two calls with the same
    ``seed`` and arrays of the same lengths draw the same indices (paired comparisons reuse them).
    """
    arrays = [np.asarray(a) for a in arrays]
    if n_boot < 2 or any(len(a) < 2 for a in arrays):
        raise ValueError("the bootstrap needs n_boot >= 2 and at least 2 rows in every array")
    rng = np.random.default_rng(seed)
    reps = []
    for _ in range(n_boot):
        reps.append(statistic(*(a[rng.integers(0, len(a), len(a))] for a in arrays)))
    return np.asarray(reps, dtype=np.float64)


def bootstrap_interval(estimate: float, replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """An interval for ``estimate`` from the spread of its bootstrap replicates.

    The replicates' quantiles are taken relative to *their own mean* and added to the estimate, so a statistic
    that resampling biases (FID rises when duplicated images shrink the sample's spread) gets the bootstrap's
    width without its shift. For an unbiased statistic such as a mean this is the percentile interval.
    """
    reps = np.asarray(replicates, dtype=np.float64)
    if not 0 < level < 1 or reps.size < 2:
        raise ValueError("need 0 < level < 1 and at least 2 replicates")
    lo, hi = np.quantile(reps - reps.mean(), [(1 - level) / 2, (1 + level) / 2])
    return float(estimate + lo), float(estimate + hi)


def nearest_neighbours(points: np.ndarray, reference: np.ndarray, chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance from each point to its nearest ``reference`` row, and that row's index."""
    p = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
    r = np.asarray(reference, dtype=np.float64).reshape(len(reference), -1)
    dist, idx = np.empty(len(p)), np.empty(len(p), dtype=int)
    for i in range(0, len(p), chunk):
        d2 = _sq_dists(p[i:i + chunk], r)
        idx[i:i + chunk] = d2.argmin(axis=1)
        dist[i:i + chunk] = np.sqrt(d2[np.arange(len(d2)), idx[i:i + chunk]])
    return dist, idx
