"""Point-cloud measures: each is zero (or best) exactly where it should be, and grows with the error."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import data, metrics


def test_mmd_is_near_zero_for_the_same_distribution_and_grows_with_shift() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    same = metrics.mmd_rbf(a, b)
    assert abs(same) < 0.01
    shifted = [metrics.mmd_rbf(a, b + d) for d in (0.1, 0.3, 1.0)]
    assert same < shifted[0] < shifted[1] < shifted[2]


def test_mmd_separates_the_parabola_from_uniform_fakes() -> None:
    real = data.quadratic_samples(500, seed=0)
    assert metrics.mmd_rbf(real, data.quadratic_samples(500, seed=1)) < 0.01
    assert metrics.mmd_rbf(real, data.uniform_square(500, seed=1)) > 0.1


def test_quadratic_residual() -> None:
    assert metrics.quadratic_residual(data.quadratic_samples(100)) == 0.0
    assert np.isclose(metrics.quadratic_residual(np.array([[0.0, 0.5], [1.0, 0.0]])), 0.75)


def test_chamfer_distance_sees_missing_parts() -> None:
    curve = data.curve_points("spiral", 1000, seed=0)
    near = curve + 0.001
    assert metrics.chamfer_distance(curve, near) < 0.01
    cut = curve[np.hypot(*curve.T) < 0.6]  # the spiral's outer tail cut off
    assert metrics.chamfer_distance(cut, curve) > 5 * metrics.chamfer_distance(near, curve)


def test_modes_covered() -> None:
    centers = data.ring_centers(8, 2.0)
    pts, _ = data.gaussian_ring(2000, std=0.05, seed=0)
    covered, quality = metrics.modes_covered(pts, centers, 0.05)
    assert covered == 8 and quality > 0.98
    collapsed = centers[[0, 1]].repeat(500, axis=0) + 0.01
    covered, quality = metrics.modes_covered(collapsed, centers, 0.05)
    assert covered == 2 and quality == 1.0


def test_chamfer_terms_split_scatter_from_missing_parts() -> None:
    curve = data.curve_points("spiral", 1000, seed=0)
    precision, coverage = metrics.chamfer_terms(curve[:500], curve)
    assert np.isclose(precision + coverage, metrics.chamfer_distance(curve[:500], curve))
    assert precision < 1e-6 and coverage > 0.0  # a subset lies on the curve but leaves gaps
    cut = curve[np.hypot(*curve.T) < 0.6]  # tail cut off: precise, poor coverage
    scattered = curve + np.random.default_rng(1).normal(0, 0.05, curve.shape)  # everywhere, but off the curve
    p_cut, c_cut = metrics.chamfer_terms(cut, curve)
    p_sc, c_sc = metrics.chamfer_terms(scattered, curve)
    assert p_cut < 1e-6 and c_cut > 5 * c_sc
    assert p_sc > 0.02 and p_sc > c_sc


def test_covered_fraction() -> None:
    ref = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0]])
    pts = np.array([[0.05, 0.0], [1.0, 0.2]])
    assert metrics.covered_fraction(ref, pts, 0.1) == 1 / 3
    assert metrics.covered_fraction(ref, pts, 0.25) == 2 / 3
    assert metrics.covered_fraction(ref, ref, 0.0) == 1.0


def test_seed_spread_and_mean_difference() -> None:
    assert metrics.seed_spread([3.0]) == (3.0, 0.0)
    m, s = metrics.seed_spread([1.0, 3.0])
    assert m == 2.0 and s == pytest.approx(np.sqrt(2.0))
    d, se = metrics.mean_difference([1.0, 3.0], [0.0, 0.0, 0.0])
    assert d == 2.0 and se == pytest.approx(np.sqrt(2.0 / 2))
    with pytest.raises(ValueError, match="at least one"):
        metrics.seed_spread([])


def test_paired_sign_test_counts_only_discordant_seeds():
    # 3 seeds where only A fails, none where only B fails: p = (1/2)^3
    b, c, p = metrics.paired_sign_test([1, 1, 1, 0, 1], [0, 0, 0, 0, 1])
    assert (b, c) == (3, 0) and p == pytest.approx(0.125)
    # balanced discordance is no evidence: P(X >= 2 | n = 4) = 11/16
    assert metrics.paired_sign_test([1, 1, 0, 0], [0, 0, 1, 1])[2] == pytest.approx(11 / 16)
    assert metrics.paired_sign_test([0, 0], [0, 0]) == (0, 0, 1.0)
    with pytest.raises(ValueError, match="one outcome per seed"):
        metrics.paired_sign_test([1, 0], [1])
