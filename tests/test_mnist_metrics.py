"""Tests for course_utils.mnist_metrics.

The real classifier is trained once (about a minute on 2 idle cores) and then
shared through data/cache/ by every test and notebook. The staleness tests use a
temporary cache folder and a stand-in for the training function, so they are fast.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from course_utils import data
from course_utils import mnist_metrics as mm

N = 500


@pytest.fixture(scope="module")
def real() -> tuple[np.ndarray, np.ndarray]:
    """A stratified sample of real training images (the reference comes from the test set)."""
    m = data.load_mnist(scale="01", val_size=0, train_size=N, test_size=0, seed=7)
    return m.x_train, m.y_train


@pytest.fixture(scope="module")
def model():
    return mm.classifier()


def test_classifier_is_accurate_and_records_it(model) -> None:
    assert model.test_accuracy >= mm.MIN_TEST_ACCURACY
    assert model.cache_key == mm.cache_key()
    x = data.load_mnist(scale="01", val_size=0, train_size=0, test_size=1000, seed=3)
    pred = mm.predict_proba(x.x_test).argmax(1)
    assert (pred == x.y_test).mean() >= 0.98


def test_shapes_and_input_conventions(model, real) -> None:
    x, _ = real
    f = mm.features(x[:20])
    p = mm.predict_proba(x[:20])
    assert f.shape == (20, mm.FEATURE_DIM) and p.shape == (20, 10)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-6)
    # The three accepted layouts give the same answer.
    np.testing.assert_allclose(mm.predict_proba(x[:20].reshape(20, 784)), p, atol=1e-6)
    np.testing.assert_allclose(mm.predict_proba(x[:20, :, :, None]), p, atol=1e-6)


def test_out_of_range_input_is_refused_with_the_fix(model, real) -> None:
    x, _ = real
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        mm.fid_mnist(x[:50] * 2 - 1)  # a tanh generator's raw output
    with pytest.raises(ValueError, match="x / 255"):
        mm.class_entropy(x[:50] * 255)
    with pytest.raises(ValueError, match="shape"):
        mm.features(np.zeros((5, 27, 27)))


def test_real_digits_score_low_fid_and_high_entropy(model, real) -> None:
    x, _ = real
    q = mm.sample_quality(x)
    floor = mm.fid_floor(N)
    assert set(q) == {"fid", "class_entropy", "kl_uniform", "confidence"}
    assert q["fid"] < 3 * floor + 1.0, (q, floor)
    assert q["class_entropy"] > 2.28  # log 10 = 2.303
    assert q["kl_uniform"] < 0.03
    assert q["confidence"] > 0.95
    # sample_quality agrees with the single-purpose functions.
    assert q["fid"] == pytest.approx(mm.fid_mnist(x), rel=1e-9)
    assert q["class_entropy"] == pytest.approx(mm.class_entropy(x))
    assert q["confidence"] == pytest.approx(mm.mean_confidence(x))
    # The optional histogram and an explicit reference (here: the same images' own statistics, FID 0).
    q2 = mm.sample_quality(x, reference=mm.gaussian_stats(mm.features(x)), histogram=True)
    assert q2["histogram"] == mm.class_histogram(x).tolist() and sum(q2["histogram"]) == len(x)
    assert q2["fid"] == pytest.approx(0.0, abs=1e-6) and q2["class_entropy"] == q["class_entropy"]


def test_one_repeated_class_scores_high_kl(model, real) -> None:
    x, y = real
    sevens = x[y == 7]
    hist = mm.class_histogram(sevens)
    assert hist.shape == (10,) and hist.sum() == len(sevens) and hist.argmax() == 7
    assert mm.kl_to_uniform(sevens) > 2.0
    assert mm.class_entropy(sevens) < 0.3
    # ... and a much worse FID than the balanced sample of the same size.
    balanced = x[: len(sevens)]
    assert mm.fid_mnist(sevens) > 5 * mm.fid_mnist(balanced)


def test_noise_scores_high_fid(model, real) -> None:
    x, _ = real
    noise = np.random.default_rng(0).uniform(0, 1, size=(N, 28, 28))
    assert mm.fid_mnist(noise) > 20 * mm.fid_mnist(x)
    blank = np.zeros((N, 28, 28))
    assert mm.fid_mnist(blank) > 20 * mm.fid_mnist(x)


def test_explicit_reference_and_floor(model, real) -> None:
    x, _ = real
    assert mm.fid_mnist(x, reference=x) == pytest.approx(0.0, abs=1e-6)
    small, large = mm.fid_floor(200), mm.fid_floor(2000)
    assert 0 < large < small  # the floor falls with sample size (bias ~ 1/n)


def test_reference_images_are_the_sample_behind_the_cached_statistics(model) -> None:
    ref, floor = mm.reference_images(300), mm.reference_images(300, "floor")
    assert ref.shape == floor.shape == (300, 28, 28)
    mu, cov = mm.gaussian_stats(mm.features(ref))
    mu_c, cov_c = mm.reference_stats(300)
    np.testing.assert_allclose(mu, mu_c, atol=1e-5)
    np.testing.assert_allclose(cov, cov_c, atol=1e-5)
    assert mm.fid_mnist(floor) == pytest.approx(mm.fid_floor(300), rel=1e-6)
    gaps = ((ref.reshape(300, 1, -1) - floor[:50].reshape(1, 50, -1)) ** 2).sum(-1)
    assert gaps.min() > 0, "the floor sample is disjoint from the reference"
    with pytest.raises(ValueError, match="reference"):
        mm.reference_images(300, "test")


def test_frechet_distance_matches_closed_form() -> None:
    # 1-D Gaussians: (m1 - m2)^2 + (s1 - s2)^2.
    d = mm.frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[1.0]]))
    assert d == pytest.approx(4.0 + 1.0)
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    cov = a @ a.T
    assert mm.frechet_distance(np.zeros(5), cov, np.zeros(5), cov) == pytest.approx(0.0, abs=1e-8)


# --------------------------------------------------------------------------- cache behaviour (fast, fake training)


@pytest.fixture
def fake_training(tmp_path, monkeypatch):
    """A temporary cache folder and a training function that counts its calls (no real training)."""
    import torch

    monkeypatch.setenv(mm.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(mm, "_loaded", {})
    calls = []

    def fake_train(accuracy: float = 0.995):
        calls.append(1)
        torch.manual_seed(len(calls))
        return mm._build().eval(), accuracy

    monkeypatch.setattr(mm, "_train", fake_train)
    return tmp_path, calls


def test_missing_cache_trains_then_loads(fake_training, monkeypatch) -> None:
    folder, calls = fake_training
    m1 = mm.classifier()
    assert len(calls) == 1 and (folder / mm.CLASSIFIER_FILE).is_file()
    assert not [p for p in os.listdir(folder) if p.endswith(".tmp")], "a temporary file was left behind"
    monkeypatch.setattr(mm, "_loaded", {})  # a new process: loads the file, no training
    m2 = mm.classifier()
    assert len(calls) == 1
    for a, b in zip(m1.state_dict().values(), m2.state_dict().values()):
        assert (a == b).all()
    assert m2.test_accuracy == pytest.approx(0.995)


def test_stale_cache_retrains(fake_training, monkeypatch) -> None:
    folder, calls = fake_training
    mm.classifier()
    assert len(calls) == 1
    monkeypatch.setattr(mm, "_loaded", {})
    monkeypatch.setattr(mm, "RECIPE_VERSION", mm.RECIPE_VERSION + " (changed)")  # a new recipe: stale key
    m = mm.classifier()
    assert len(calls) == 2 and m.cache_key == mm.cache_key()
    import torch

    assert torch.load(folder / mm.CLASSIFIER_FILE, weights_only=True)["key"] == mm.cache_key()
    mm.classifier(retrain=True)
    assert len(calls) == 3


def test_training_leaves_the_callers_random_numbers_alone(fake_training, monkeypatch) -> None:
    """A notebook that triggers the first training mid-run must draw what it draws when the classifier is cached."""
    import torch

    folder, calls = fake_training
    torch.manual_seed(1234)
    mm.classifier()  # trains (the fake seeds torch's global generator, as the real recipe does)
    after_training = torch.rand(3)
    monkeypatch.setattr(mm, "_loaded", {})
    torch.manual_seed(1234)
    mm.classifier()  # loads the file just written
    after_loading = torch.rand(3)
    assert len(calls) == 1 and torch.equal(after_training, after_loading)


def test_corrupt_cache_retrains(fake_training) -> None:
    folder, calls = fake_training
    (folder / mm.CLASSIFIER_FILE).write_bytes(b"not a checkpoint")
    mm.classifier()
    assert len(calls) == 1


def test_inaccurate_classifier_is_not_cached(fake_training, monkeypatch) -> None:
    folder, calls = fake_training
    monkeypatch.setattr(mm, "_train", lambda: (mm._build().eval(), 0.9))
    with pytest.raises(RuntimeError, match="0.9000"):
        mm.classifier()
    assert not (folder / mm.CLASSIFIER_FILE).exists()


def test_from_pm1_maps_every_layout_to_unit_images() -> None:
    import torch

    x = np.linspace(-1.2, 1.2, 2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)
    expected = (np.clip(x, -1, 1) + 1) / 2
    for layout in (x, x[:, None], x[..., None], torch.from_numpy(x[:, None]).requires_grad_(True)):
        out = mm.from_pm1(layout)
        assert out.shape == (2, 28, 28) and out.dtype == np.float32
        np.testing.assert_allclose(out, expected, atol=1e-7)
    assert out.min() == 0.0 and out.max() == 1.0          # the overshoot beyond ±1 is clipped
    with pytest.raises(ValueError, match="N, 28, 28"):
        mm.from_pm1(np.zeros((2, 3, 28, 28)))
