"""Tests for course_utils.checkpoints: atomic per-epoch checkpoints, exact resume, best-epoch bookkeeping."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from course_utils import checkpoints  # noqa: E402


def _setup(seed: int = 0):
    """A tiny model, its optimizer, a noise generator and a one-'epoch' function (a few Adam steps)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization(), keras.layers.Dense(1)])
    opt = keras.optimizers.Adam(1e-2, beta_1=0.5)
    rng = tf.random.Generator.from_seed(seed)
    ckpt_objects = dict(models={"m": model}, optimizers={"m": (opt, model.trainable_variables)}, rng=rng)

    @tf.function
    def step():
        x = rng.normal((16, 3))
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - tf.reduce_sum(x, 1, keepdims=True)) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    def run_epoch(epoch: int) -> dict:
        losses = [float(step()) for _ in range(5)]
        # Python and NumPy randomness is part of the state too.
        return {"loss": float(np.mean(losses)), "np": float(np.random.rand()), "py": random.random()}

    return model, opt, rng, ckpt_objects, run_epoch


def test_roundtrip_restores_weights_optimizer_and_rng(tmp_path) -> None:
    model, opt, rng, objs, run_epoch = _setup()
    ck = checkpoints.Checkpointer(tmp_path, **objs)
    run_epoch(1)
    ck.save(1, [{"loss": 1.0}])
    saved_w = [w.copy() for w in model.get_weights()]
    saved_opt = [v.numpy().copy() for v in opt.variables]
    saved_rng = rng.state.numpy().copy()
    run_epoch(2)  # move everything on
    assert int(opt.iterations.numpy()) == 10
    model2, opt2, rng2, objs2, _ = _setup(seed=1)  # other initial weights: a fresh kernel
    state = checkpoints.Checkpointer(tmp_path, **objs2).restore()
    assert state["epoch"] == 1 and state["history"] == [{"loss": 1.0}]
    for a, b in zip(model2.get_weights(), saved_w):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(opt2.variables, saved_opt):
        np.testing.assert_array_equal(a.numpy(), b)
    assert int(opt2.iterations.numpy()) == 5
    np.testing.assert_array_equal(rng2.state.numpy(), saved_rng)


def test_no_checkpoint_means_start_from_zero(tmp_path) -> None:
    *_, objs, _ = _setup()
    ck = checkpoints.Checkpointer(tmp_path / "nothing", **objs)
    assert ck.restore() is None and ck.latest_epoch == 0 and ck.best is None


def test_best_is_kept_and_old_epochs_pruned(tmp_path) -> None:
    *_, objs, run_epoch = _setup()
    ck = checkpoints.Checkpointer(tmp_path, keep=2, **objs)
    for epoch, fid in enumerate([5.0, 2.0, 3.0, 4.0, 6.0], start=1):
        ck.save(epoch, [], metric="fid", value=fid)
    assert ck.best["epoch"] == 2 and ck.best["value"] == 2.0
    assert sorted(p.name for p in tmp_path.glob("epoch_*")) == ["epoch_0002", "epoch_0004", "epoch_0005"]
    assert ck.latest_epoch == 5
    assert not list(tmp_path.glob(".*tmp*")), "temporary files left behind"
    assert ck.restore("best")["epoch"] == 2


def test_half_written_checkpoint_is_ignored(tmp_path) -> None:
    *_, objs, _ = _setup()
    ck = checkpoints.Checkpointer(tmp_path, **objs)
    ck.save(1, [{"a": 1}])
    # An interruption during save leaves a temporary folder and the old pointer: it is not used.
    (tmp_path / ".epoch_0002.tmp123").mkdir()
    assert ck.restore()["epoch"] == 1
    # A pointer to a folder that never completed is ignored too.
    (tmp_path / "latest.json").write_text(json.dumps({"epoch": 2, "folder": "epoch_0002"}))
    assert ck.latest_epoch == 0


def test_interrupted_run_resumes_exactly(tmp_path) -> None:
    """Stop after epoch 2 of 4, 'restart the kernel' (fresh objects), resume: same result as never stopping."""
    model, opt, _, objs, run_epoch = _setup()
    ref_hist, trained = checkpoints.train_epochs(checkpoints.Checkpointer(tmp_path / "ref", **objs), 4, run_epoch, metric="loss", progress=False)
    assert trained == 4
    ref_w = model.get_weights()

    _, _, _, objs1, run_epoch1 = _setup()
    with pytest.raises(checkpoints.TrainingInterrupted):
        checkpoints.train_epochs(checkpoints.Checkpointer(tmp_path / "run", **objs1), 4, run_epoch1, interrupt_after=2, progress=False)
    np.random.seed(99)  # the restart scrambles global random state; resuming must restore it
    random.seed(99)
    model2, opt2, _, objs2, run_epoch2 = _setup(seed=7)
    hist, trained = checkpoints.train_epochs(checkpoints.Checkpointer(tmp_path / "run", **objs2), 4, run_epoch2, metric="loss", progress=False)
    assert trained == 2 and [r["epoch"] for r in hist] == [1, 2, 3, 4]
    assert int(opt2.iterations.numpy()) == 20
    assert hist == ref_hist
    for a, b in zip(model2.get_weights(), ref_w):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # A finished run trains nothing when called again.
    _, _, _, objs3, run_epoch3 = _setup()
    assert checkpoints.train_epochs(checkpoints.Checkpointer(tmp_path / "run", **objs3), 4, run_epoch3, progress=False)[1] == 0
