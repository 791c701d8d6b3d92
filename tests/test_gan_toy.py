"""Shared evaluation and plots of the toy GAN notebooks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_utils import data, gan_toy


def test_fit_metrics_tell_real_from_wrong():
    real = data.quadratic_samples(400, 0)
    good = gan_toy.fit_metrics(data.quadratic_samples(400, 1), real)
    assert abs(good["mmd"]) < 0.03 and good["residual"] == pytest.approx(0.0, abs=1e-12)
    collapsed = gan_toy.fit_metrics(np.tile([[0.3, 0.09]], (400, 1)), real)  # on the curve, one point
    assert collapsed["residual"] < 1e-12 and collapsed["mmd"] > 0.5
    uniform = gan_toy.fit_metrics(data.uniform_square(400, 2), real)
    assert uniform["residual"] > 0.3 and uniform["mmd"] > 0.5


def test_moving_average():
    assert gan_toy.moving_average([1, 2, 3, 4], 2).tolist() == [1.0, 1.5, 2.5, 3.5]
    assert gan_toy.moving_average([1, 2], 1).tolist() == [1.0, 2.0]


def test_plots_draw():
    real = data.quadratic_samples(50, 0)
    snaps = [{"step": s, "real": real, "fake": real + 0.01 * s, "mmd": 0.1, "d_acc_real": 0.5, "d_acc_fake": 0.5}
             for s in (1, 2)]
    fig = gan_toy.plot_snapshots(snaps)
    assert len(fig.axes) == 2
    hist = {k: np.linspace(0, 1, 30) for k in gan_toy.HISTORY_KEYS}
    fig = gan_toy.plot_history(hist, [{"step": 10, "mmd": 0.2, "residual": 0.1}, {"step": 20, "mmd": 0.1, "residual": 0.05}],
                               window=5)
    assert len(fig.axes) == 3


def test_mmd_noise_level_scatters_around_zero():
    noise = gan_toy.mmd_noise_level(300, 8, np.random.default_rng(0))
    assert noise.shape == (8,)
    assert abs(noise.mean()) < 0.01 and noise.std() > 0   # unbiased: centred on 0, not exactly 0
    with pytest.raises(ValueError, match="pair"):
        gan_toy.mmd_noise_level(300, 0, np.random.default_rng(0))


def test_fit_shape_names_each_failure():
    rng = np.random.default_rng(0)
    real = data.quadratic_samples(1000, rng)
    assert gan_toy.fit_shape(real) == "both arms"
    right = real[real[:, 0] > 0]
    assert gan_toy.fit_shape(right) == "one arm"
    left, right = real[real[:, 0] < 0], real[real[:, 0] >= 0]
    split = np.concatenate([left[:140], right[:60]])          # 70/30
    assert gan_toy.fit_shape(split) == "uneven split"
    point = np.tile([[0.3, 0.09]], (100, 1)) + rng.normal(0, 1e-3, (100, 2))
    assert gan_toy.fit_shape(point) == "point"
    assert gan_toy.fit_shape(data.uniform_square(500, rng)) == "off the curve"
    off_point = np.tile([[0.3, 0.6]], (100, 1))                  # a point, but off the curve: residual first
    assert gan_toy.fit_shape(off_point) == "off the curve"
    two_points = np.repeat([[-0.3, 0.09], [0.3, 0.09]], 100, axis=0)   # spread and balanced, yet two points
    assert gan_toy.fit_shape(two_points) == "gaps"
    near_even = np.concatenate([left[:110], right[:90]])       # 55/45 is within sampling noise of 50/50
    assert gan_toy.fit_shape(near_even) == "both arms"
    with pytest.raises(ValueError, match="N, 2"):
        gan_toy.fit_shape(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="N >= 2"):
        gan_toy.fit_shape(np.zeros((1, 2)))
