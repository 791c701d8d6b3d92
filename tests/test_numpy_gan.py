"""The NumPy GAN of notebook 08: shapes, the stable loss, and gradients checked by finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import data, metrics
from course_utils import numpy_gan as ng


@pytest.fixture
def nets() -> tuple[ng.Params, ng.Params]:
    rng = np.random.default_rng(0)
    return ng.init_discriminator(rng), ng.init_generator(rng)


@pytest.fixture
def batch() -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([data.quadratic_samples(6, 1), data.uniform_square(6, 2)])
    return x, np.r_[np.ones(6), np.zeros(6)]


def test_parameter_counts_match_the_keras_models(nets):
    d, g = nets
    assert ng.count_params(d) == 101  # 2·25 + 25 + 25 + 1
    assert ng.count_params(g) == 122  # 5·15 + 15 + 15·2 + 2


def test_forward_shapes(nets):
    d, g = nets
    x, cache = ng.forward_g(g, np.zeros((7, ng.LATENT_DIM)))
    assert x.shape == (7, 2) and cache["H"].shape == (7, ng.G_HIDDEN)
    z, cache = ng.forward_d(d, x)
    assert z.shape == (7,) and cache["G"].shape == (7, ng.D_HIDDEN)


def test_loss_is_stable_and_matches_the_naive_formula():
    z = np.array([-3.0, 0.0, 2.5])
    t = np.array([1.0, 0.0, 1.0])
    y = 1 / (1 + np.exp(-z))
    naive = -np.mean(t * np.log(y) + (1 - t) * np.log(1 - y))
    assert ng.bce_with_logits(z, t) == pytest.approx(naive, rel=1e-12)
    # A saturated logit: the naive formula gives inf, logaddexp gives the exact 800.
    assert ng.bce_with_logits(np.array([-800.0]), np.array([1.0])) == pytest.approx(800.0)
    assert np.isfinite(ng.bce_with_logits(np.array([1e4, -1e4]), np.array([0.0, 1.0])))
    assert ng.sigmoid(np.array([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]


def test_discriminator_gradients_pass_the_check(nets, batch):
    d, _ = nets
    x, t = batch
    errors = ng.grad_check(lambda p: ng.d_loss_and_grads(p, x, t), d)
    assert set(errors) == {"U", "b", "W", "c"}
    assert max(errors.values()) < 1e-6, errors


def test_input_gradient_of_the_discriminator(nets, batch):
    d, _ = nets
    x, t = batch
    _, cache = ng.forward_d(d, x)
    _, x_bar = ng.backward_d(d, cache, t)
    numeric = ng.numerical_grads(lambda p: ng.bce_with_logits(ng.forward_d(d, p["X"])[0], t), {"X": x.copy()})["X"]
    assert ng.relative_error(x_bar, numeric) < 1e-6


def test_generator_gradients_through_the_discriminator_pass_the_check(nets):
    d, g = nets
    z = np.random.default_rng(3).standard_normal((10, ng.LATENT_DIM))
    errors = ng.grad_check(lambda p: ng.g_loss_and_grads(p, d, z), g)
    assert set(errors) == {"U", "b", "W", "c"}
    assert max(errors.values()) < 1e-6, errors


def test_the_check_catches_the_seeds_draft(nets, batch):
    d, _ = nets
    x, t = batch

    def draft(p):
        z, cache = ng.forward_d(p, x)
        return ng.bce_with_logits(z, t), ng.backward_d_seed_draft(p, cache, t)[0]

    assert min(ng.grad_check(draft, d).values()) > 0.1


def test_the_check_catches_a_missing_relu_mask(nets, batch):
    d, _ = nets
    x, t = batch

    def no_mask(p):
        z, cache = ng.forward_d(p, x)
        cache = {**cache, "G": np.abs(cache["G"]) + 1.0}  # every unit "active": the mask is gone
        return ng.bce_with_logits(z, t), ng.backward_d(p, cache, t)[0]

    errors = ng.grad_check(no_mask, d)
    assert errors["U"] > 1e-3 and errors["b"] > 1e-3


def test_seed_drelu_overwrites_its_argument():
    g = np.array([-1.0, 0.5, 2.0])
    out = ng.drelu_seed(g)
    assert out is g and g.tolist() == [0.0, 1.0, 1.0]


def test_numerical_grads_restore_the_parameters(nets):
    d, _ = nets
    before = ng.copy_params(d)
    ng.numerical_grads(lambda p: float(np.sum(p["W"] ** 2)), d)
    assert all(np.array_equal(before[k], d[k]) for k in d)


def test_elementwise_relative_error_has_a_floor_for_entries_near_zero():
    a = np.array([1.0, 2.0, 0.0, 1e-9, 1e-3])
    b = np.array([1.0, 2.2, 0.0, 0.0, -1e-3])
    err = ng.elementwise_relative_error(a, b)
    assert err.shape == a.shape
    assert err[0] == 0.0 and err[1] == pytest.approx(0.2 / 4.2)
    assert err[2] == 0.0 and err[3] == pytest.approx(1e-4)  # rounding-sized differences stay small
    assert err[4] == pytest.approx(1.0)                     # opposite signs
    # one wrong small entry that the norm over the array hides
    big = np.r_[100.0, 1e-2]
    assert ng.relative_error(big, np.r_[100.0, -1e-2]) < 1e-3
    assert ng.elementwise_relative_error(big, np.r_[100.0, -1e-2]).max() == pytest.approx(1.0)


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert ng.relative_error(a, a) == 0.0
    assert ng.relative_error(a, -a) == pytest.approx(1.0)
    assert ng.relative_error(np.zeros(2), np.zeros(2)) == 0.0


def test_adam_matches_keras_first_step():
    # First Adam step moves every parameter by lr·sign(grad) (up to epsilon).
    p = {"w": np.array([1.0, -2.0])}
    opt = ng.Adam(p, lr=0.01)
    opt.step(p, {"w": np.array([0.3, -4.0])})
    assert np.allclose(p["w"], [0.99, -1.99], atol=1e-6)


def test_sgd_step_is_minus_lr_times_grad():
    p = {"w": np.array([1.0, -2.0]), "c": np.asarray(0.5)}
    opt = ng.SGD(p, lr=0.1)
    opt.step(p, {"w": np.array([0.3, -4.0]), "c": np.asarray(1.0)})
    assert np.allclose(p["w"], [0.97, -1.6]) and np.isclose(p["c"], 0.4)


def test_training_improves_the_fit():
    rng = np.random.default_rng(0)
    d, g = ng.init_discriminator(rng), ng.init_generator(rng)
    d_opt, g_opt = ng.Adam(d), ng.Adam(g)
    real = data.quadratic_samples(500, 1)

    def mmd() -> float:
        fake, _ = ng.forward_g(g, np.random.default_rng(2).standard_normal((500, ng.LATENT_DIM)))
        return metrics.mmd_rbf(fake, real)

    before = mmd()
    for _ in range(600):
        out = ng.train_step(d, g, d_opt, g_opt, data.quadratic_samples(64, rng), rng)
    assert set(out) == {"d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake"}
    assert mmd() < 0.5 * before
