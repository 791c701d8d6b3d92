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


def test_mean_se_is_the_standard_error_of_the_mean() -> None:
    assert metrics.mean_se([5.0]) == (5.0, 0.0)
    m, se = metrics.mean_se([1.0, 2.0, 3.0, 6.0])
    assert m == 3.0 and se == pytest.approx(np.std([1, 2, 3, 6], ddof=1) / 2)
    with pytest.raises(ValueError, match="at least one"):
        metrics.mean_se([])


def test_paired_sign_test_counts_only_discordant_seeds():
    # 3 seeds where only A fails, none where only B fails: p = (1/2)^3
    b, c, p = metrics.paired_sign_test([1, 1, 1, 0, 1], [0, 0, 0, 0, 1])
    assert (b, c) == (3, 0) and p == pytest.approx(0.125)
    # balanced discordance is no evidence: P(X >= 2 | n = 4) = 11/16
    assert metrics.paired_sign_test([1, 1, 0, 0], [0, 0, 1, 1])[2] == pytest.approx(11 / 16)
    assert metrics.paired_sign_test([0, 0], [0, 0]) == (0, 0, 1.0)
    with pytest.raises(ValueError, match="one outcome per seed"):
        metrics.paired_sign_test([1, 0], [1])


# --------------------------------------------------------------------------- precision / recall, bootstrap


def test_knn_radii_count_neighbours_not_the_point_itself() -> None:
    pts = np.array([[0.0], [1.0], [3.0], [7.0]])
    assert np.allclose(metrics.knn_radii(pts, k=1), [1, 1, 2, 4])
    assert np.allclose(metrics.knn_radii(pts, k=2), [3, 2, 3, 6])
    with pytest.raises(ValueError):
        metrics.knn_radii(pts, k=4)


def test_precision_recall_of_identical_sets_is_one() -> None:
    x = np.random.default_rng(0).normal(size=(300, 8))
    pr = metrics.precision_recall(x, x.copy())
    assert pr["precision"] == 1.0 and pr["recall"] == 1.0


def test_precision_recall_of_disjoint_sets_is_zero() -> None:
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(300, 8)), rng.normal(size=(200, 8)) + 100.0
    pr = metrics.precision_recall(real, fake)
    assert pr["precision"] == 0.0 and pr["recall"] == 0.0


def test_a_generator_that_drops_a_mode_keeps_precision_and_loses_recall() -> None:
    # two far clusters of real points; the "generator" reproduces one of them exactly
    rng = np.random.default_rng(2)
    real = np.concatenate([rng.normal(size=(200, 4)), rng.normal(size=(200, 4)) + 50.0])
    pr = metrics.precision_recall(real, real[:200])
    assert pr["precision"] == 1.0
    assert pr["recall"] == 0.5
    assert pr["real_in_fake"][:200].all() and not pr["real_in_fake"][200:].any()


def test_precision_and_recall_of_two_draws_of_one_distribution_are_high_and_alike() -> None:
    rng = np.random.default_rng(3)
    pr = metrics.precision_recall(rng.normal(size=(1000, 4)), rng.normal(size=(1000, 4)))
    assert 0.85 < pr["precision"] < 1 and 0.85 < pr["recall"] < 1
    assert abs(pr["precision"] - pr["recall"]) < 0.05


def test_bootstrap_interval_of_a_mean_matches_the_standard_error() -> None:
    x = np.random.default_rng(4).normal(size=400)
    reps = metrics.bootstrap(np.mean, [x], n_boot=2000, seed=0)
    lo, hi = metrics.bootstrap_interval(x.mean(), reps)
    half = 1.96 * x.std(ddof=1) / np.sqrt(len(x))
    assert lo < x.mean() < hi
    assert abs((hi - lo) / 2 - half) < 0.1 * half


def test_bootstrap_of_a_constant_is_that_constant_and_reuses_indices_for_a_seed() -> None:
    c = np.full(50, 3.0)
    reps = metrics.bootstrap(np.mean, [c], n_boot=20)
    assert np.all(reps == 3.0) and metrics.bootstrap_interval(3.0, reps) == (3.0, 3.0)
    a = np.arange(30.0)
    assert np.array_equal(metrics.bootstrap(np.mean, [a], 10, seed=5), metrics.bootstrap(np.mean, [a], 10, seed=5))
    with pytest.raises(ValueError):
        metrics.bootstrap(np.mean, [np.ones(1)])


def test_bootstrap_interval_removes_the_replicates_shift() -> None:
    reps = np.array([10.0, 11.0, 12.0, 13.0, 14.0])      # centred at 12: a statistic biased up by 2
    lo, hi = metrics.bootstrap_interval(10.0, reps, level=0.5)
    assert lo < 10.0 < hi and np.isclose((lo + hi) / 2, 10.0)


def test_nearest_neighbours_finds_the_closest_row_and_its_distance() -> None:
    ref = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    dist, idx = metrics.nearest_neighbours(np.array([[3.0, 4.0], [9.0, 0.0], [0.0, 1.0]]), ref, chunk=2)
    assert idx.tolist() == [1, 2, 0] and np.allclose(dist, [0.0, 1.0, 1.0])
