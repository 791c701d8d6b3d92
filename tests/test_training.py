"""Unit tests for course_utils.training (tidy tables, sweeps, summaries) and its plots."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from course_utils import plotting, training

ROWS = [
    {"run": "a", "epoch": 1, "val_accuracy": 0.80, "loss": 1.0},
    {"run": "a", "epoch": 2, "val_accuracy": 0.90, "loss": 0.5},
    {"run": "b", "epoch": 1, "val_accuracy": 0.70, "loss": 2.0},
    {"run": "b", "epoch": 2, "val_accuracy": 0.75, "loss": 1.5},
]


def test_tidy_table_helpers():
    assert training.runs(ROWS) == ["a", "b"]
    assert [r["epoch"] for r in training.final(ROWS)] == [2, 2]
    assert training.column(training.final(ROWS), "val_accuracy").tolist() == [0.90, 0.75]
    assert training.select(ROWS, run="b", epoch=1) == [ROWS[2]]
    assert training.first_epoch_reaching(training.select(ROWS, run="a"), 0.85) == 2
    assert training.first_epoch_reaching(training.select(ROWS, run="b"), 0.85) is None


def test_steps_and_confusion():
    assert training.steps_per_epoch(60_000, 128) == 469  # the seed's 469/469
    assert training.steps_per_epoch(50_000, 128) == 391
    assert training.steps_per_epoch(256, 128) == 2
    cm = training.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), num_classes=3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert cm.sum() == 4


def test_csv_json_roundtrip(tmp_path):
    rows = [{"run": "x", "hidden": (3, 4), "epoch": 1, "acc": np.float32(0.5)}]
    p = training.to_csv(rows, tmp_path / "t.csv")
    with open(p) as f:
        got = list(csv.DictReader(f))
    assert got[0]["run"] == "x" and float(got[0]["acc"]) == 0.5 and got[0]["hidden"] == "[3, 4]"
    p = training.to_json(rows, tmp_path / "t.json", profile="ci")
    rec = json.loads(p.read_text())
    assert rec["meta"] == {"profile": "ci"} and rec["rows"][0]["hidden"] == [3, 4]


def test_format_table_aligns():
    text = training.format_table([{"name": "d", "params": 23550}, {"name": "out", "params": 1010}])
    lines = text.splitlines()
    assert lines[0].split() == ["name", "params"]
    assert lines[2].endswith("23,550") and lines[3].endswith("1,010")
    assert len({len(line) for line in lines}) == 1  # right-aligned numbers: same width


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _mlp(keras, hidden=4, lr=1e-2):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(hidden, activation="relu", name="h"),
         keras.layers.Dense(2, activation="softmax", name="out")]
    )
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_summary_table_counts_parameters(keras):
    model = _mlp(keras, hidden=5)
    rows = training.summary_table(model)
    assert [r["name"] for r in rows] == ["h", "out"]
    assert [r["params"] for r in rows] == [3 * 5 + 5, 5 * 2 + 2]
    assert rows[0]["output_shape"] == "(None, 5)" and rows[0]["type"] == "Dense"
    assert sum(r["params"] for r in rows) == model.count_params()


def test_run_sweep_is_tidy_and_order_independent(keras):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    build = lambda hidden: _mlp(keras, hidden)  # noqa: E731
    kw = dict(epochs=3, batch_size=16, seed=1, name=lambda c: f"h{c['hidden']}", progress=False)
    rows = training.run_sweep([{"hidden": 2}, {"hidden": 4}], build, (x, y), (x, y), **kw)
    assert len(rows) == 6 and training.runs(rows) == ["h2", "h4"]
    r = rows[0]
    assert {"run", "hidden", "params", "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"} <= set(r)
    assert [r["epoch"] for r in training.select(rows, run="h4")] == [1, 2, 3]
    assert training.select(rows, run="h4")[0]["params"] == 3 * 4 + 4 + 4 * 2 + 2
    # Re-seeding before each build: a run's numbers do not depend on its position in the sweep.
    alone = training.run_sweep([{"hidden": 4}], build, (x, y), (x, y), **kw)
    assert [a["loss"] for a in alone] == pytest.approx([b["loss"] for b in training.select(rows, run="h4")], rel=1e-5)


def test_run_sweep_keeps_the_dtype_policy(keras):
    """clear_session resets Keras' global dtype policy; a sweep must not drop a notebook's mixed precision."""
    x = np.zeros((8, 3), dtype="float32")
    y = np.zeros(8, dtype="int64")
    seen = []

    def build(hidden):
        seen.append(keras.mixed_precision.global_policy().name)
        return _mlp(keras, hidden)

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        training.run_sweep([{"hidden": 2}, {"hidden": 3}], build, (x, y), (x, y), epochs=1, batch_size=8, progress=False)
        assert seen == ["mixed_bfloat16", "mixed_bfloat16"]
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_plots_return_figures():
    fig = plotting.curves_grid(ROWS, metric="loss", ncols=3)
    assert len([ax for ax in fig.axes if ax.has_data()]) == 2
    fig = plotting.confusion_matrix_plot(np.eye(3, dtype=int) * 5 + 1)
    assert fig.axes
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]])
    fig = plotting.misclassified_gallery(np.zeros((3, 4, 4)), np.array([0, 1, 0]), probs)
    assert len([ax for ax in fig.axes if ax.images]) == 1  # only the one mistake is drawn
    fig = plotting.misclassified_gallery(np.zeros((1, 4, 4)), np.array([0]), probs[:1])
    assert fig.axes


def test_build_mlp_matches_the_seed(keras):
    model = training.build_mlp((30, 100))
    assert model.count_params() == 27_660  # the seed's summary
    assert [r["params"] for r in training.summary_table(model)] == [23_550, 0, 3_100, 0, 1_010, 0]
    assert training.build_mlp((200,)).count_params() == 159_010
    model = training.build_mlp((5,), regularizer="l1", lam=0.5, input_dim=3, num_classes=2)
    assert model.get_layer("hidden1").kernel_regularizer is not None
    assert training.build_mlp((5,), regularizer="l2", lam=0.0).get_layer("hidden1").kernel_regularizer is None
