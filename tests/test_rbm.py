"""Unit tests for course_utils.rbm: the formulas against brute force on tiny RBMs."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from course_utils import rbm as R


torch.set_num_threads(1)  # these tensors are tiny: one thread avoids thread start-up and contention costs


def _tiny(n_v: int = 6, n_h: int = 4, scale: float = 1.0, seed: int = 0) -> R.RBM:
    g = torch.Generator().manual_seed(seed)
    return R.RBM(
        scale * torch.randn(n_v, n_h, generator=g, dtype=torch.float64),
        torch.randn(n_v, generator=g, dtype=torch.float64),
        torch.randn(n_h, generator=g, dtype=torch.float64),
    )


def _all_states(n: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=torch.float64)


def test_free_energy_is_minus_log_sum_over_hidden():
    m = _tiny()
    vs, hs = _all_states(6), _all_states(4)
    brute = -torch.logsumexp(-R.energy(m, vs[:, None, :].expand(-1, 16, -1), hs[None].expand(64, -1, -1)), dim=1)
    assert torch.allclose(R.free_energy(m, vs), brute, atol=1e-10)


def test_conditionals_match_bayes_rule():
    m = _tiny()
    vs, hs = _all_states(6), _all_states(4)
    v = vs[37:38]
    log_joint = -R.energy(m, v.expand(16, -1), hs)  # log p(v, h) + log Z for the 16 h
    p_h = torch.softmax(log_joint, 0)
    marg = (p_h[:, None] * hs).sum(0)  # p(h_j = 1 | v) by brute force
    assert torch.allclose(R.p_h_given_v(m, v)[0], marg, atol=1e-10)
    h = hs[5:6]
    log_joint_v = -R.energy(m, vs, h.expand(64, -1))
    marg_v = (torch.softmax(log_joint_v, 0)[:, None] * vs).sum(0)
    assert torch.allclose(R.p_v_given_h(m, h)[0], marg_v, atol=1e-10)


def test_log_z_exact_matches_double_enumeration():
    m = _tiny(n_v=8, n_h=5)
    vs, hs = _all_states(8), _all_states(5)
    e = R.energy(m, vs[:, None, :].expand(-1, 32, -1), hs[None].expand(256, -1, -1))
    assert R.log_z_exact(m, chunk=7) == pytest.approx(float(torch.logsumexp(-e.flatten(), 0)), abs=1e-9)


def test_cd_gradient_with_exact_model_phase_is_the_likelihood_gradient():
    """With the negative phase taken from the model's exact distribution, the CD formula is ∇ log p."""
    m = _tiny(n_v=5, n_h=3)
    vs = _all_states(5)
    data = vs[[3, 17, 30]]
    log_p = -R.free_energy(m, vs) - R.log_z_exact(m)
    p = log_p.exp()
    ph_data, ph_all = R.p_h_given_v(m, data), R.p_h_given_v(m, vs)
    dW = data.T @ ph_data / 3 - (vs * p[:, None]).T @ ph_all
    W = m.W.clone().requires_grad_(True)
    mm = R.RBM(W, m.b, m.c)
    ll = (-R.free_energy(mm, data)).mean() - torch.logsumexp(-R.free_energy(mm, vs), 0)
    ll.backward()
    assert torch.allclose(W.grad, dW, atol=1e-10)


def test_gibbs_sampling_reaches_the_exact_distribution():
    m = _tiny(n_v=4, n_h=3, scale=0.5)
    vs = _all_states(4)
    p_exact = torch.softmax(-R.free_energy(m, vs), 0)
    g = torch.Generator().manual_seed(1)
    v = R.bernoulli(torch.full((4000, 4), 0.5, dtype=torch.float64), generator=g)
    for _ in range(50):
        v, _ = R.gibbs_step(m, v, g)
    idx = (v * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=torch.float64)).sum(1).long()
    p_emp = torch.bincount(idx, minlength=16).double() / len(idx)
    assert 0.5 * (p_emp - p_exact).abs().sum() < 0.05  # total-variation distance, 4000 samples


def test_pseudo_log_likelihood_matches_conditionals_by_brute_force():
    m = _tiny(n_v=6, n_h=4)
    vs = _all_states(6)
    v = vs[[5, 40, 63]]
    expected = 0.0
    for row in v:
        for i in range(6):
            flipped = row.clone()
            flipped[i] = 1 - flipped[i]
            fe = R.free_energy(m, torch.stack([row, flipped]))
            expected += float(-fe[0] - torch.logsumexp(-fe, 0))
    assert R.pseudo_log_likelihood(m, v, chunk=2) == pytest.approx(expected / 3, abs=1e-9)


@pytest.mark.parametrize("n_hidden, base_from_model, n_betas", [(8, False, 2000), (16, True, 300)])
def test_ais_matches_exact_log_z(n_hidden, base_from_model, n_betas):
    """AIS on an MNIST-sized visible layer (784) against exact enumeration of the hiddens."""
    g = torch.Generator().manual_seed(0)
    n_v = 784
    m = R.RBM(
        0.05 * torch.randn(n_v, n_hidden, generator=g, dtype=torch.float64),
        -1.0 + 0.5 * torch.randn(n_v, generator=g, dtype=torch.float64),
        0.5 * torch.randn(n_hidden, generator=g, dtype=torch.float64),
    )
    # A base model close to the target (here its own visible biases) needs few temperatures;
    # a poor one (all logits -1) needs many: with 100 the estimate was 1.2 nats off for n_hidden=8.
    base = m.b.clone() if base_from_model else torch.full((n_v,), -1.0, dtype=torch.float64)
    exact = R.log_z_exact(m)
    est, err = R.ais_log_z(m, base, R.ais_betas(n_betas), n_chains=50, generator=g)
    assert abs(est - exact) < 0.1, (est, exact, err)


def test_ais_with_base_rate_equal_to_model_is_exact():
    """With W = 0 and c = 0 the RBM is the base model: every AIS weight is 1, whatever the schedule."""
    b = torch.linspace(-2, 2, 30, dtype=torch.float64)
    m = R.RBM(torch.zeros(30, 7, dtype=torch.float64), b.clone(), torch.zeros(7, dtype=torch.float64))
    est, _ = R.ais_log_z(m, b, torch.tensor([0.0, 0.3, 1.0]), n_chains=5, generator=torch.Generator().manual_seed(0))
    assert est == pytest.approx(R.log_z_exact(m), abs=1e-9)


def test_cd_update_moves_towards_the_data_and_pcd_keeps_chains():
    g = torch.Generator().manual_seed(0)
    data = (torch.rand(200, 16, generator=g) < 0.2).float()
    data[:, :4] = 1.0  # four pixels always on
    m = R.init_rbm(16, 8, generator=g)  # zero visible biases: the model starts far from the data
    tr = R.Trainer(lr=0.1, momentum=0.5, k=1, persistent=True)
    err0 = R.reconstruction_error(m, data, g)
    for _ in range(200):
        neg = R.cd_update(m, tr, data[torch.randint(0, 200, (20,), generator=g)], g)
        assert tr.chains is neg and neg.shape == (20, 16)
    assert R.reconstruction_error(m, data, g) < 0.5 * err0
    assert float(R.p_v_given_h(m, R.p_h_given_v(m, data)).mean(0)[:4].min()) > 0.9


def test_independent_pixel_model_and_betas():
    data = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    b = R.base_rate_visible_bias(data, smoothing=0.0 + 1e-9)
    assert torch.sigmoid(b)[1] == pytest.approx(0.5, abs=1e-6)
    ll = R.independent_pixel_log_likelihood(R.base_rate_visible_bias(data, smoothing=1.0), data)
    p = torch.tensor([3 / 4, 2 / 4])
    expected = float((data * p.log() + (1 - data) * (1 - p).log()).sum(1).mean())
    assert ll == pytest.approx(expected, abs=1e-6)
    betas = R.ais_betas(1000)
    assert betas[0] == 0 and betas[-1] == 1 and bool((betas[1:] > betas[:-1]).all())
    assert math.isclose(len(betas), 1000, abs_tol=2)
