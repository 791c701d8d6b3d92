"""The shared plots draw what they are given and refuse shapes they cannot draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_utils import plotting


def test_image_grid_layout_and_labels() -> None:
    images = np.random.default_rng(0).random((13, 28, 28))
    fig = plotting.image_grid(images, labels=list(range(13)), ncols=5)
    axes = fig.axes
    assert len(axes) == 15  # 3 rows of 5; the last two are blank
    assert [ax.get_title() for ax in axes[:3]] == ["0", "1", "2"]
    assert len(axes[12].images) == 1 and len(axes[13].images) == 0


@pytest.mark.parametrize("shape", [(4, 784), (4, 28, 28, 1)])
def test_image_grid_accepts_flat_and_channel_images(shape) -> None:
    fig = plotting.image_grid(np.zeros(shape))
    assert fig.axes[0].images[0].get_array().shape == (28, 28)


def test_image_grid_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="square"):
        plotting.image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        plotting.image_grid(np.zeros((2, 3, 28, 28)))


def test_learning_curves_plot_train_and_validation() -> None:
    history = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.5], "accuracy": [0.5, 0.8, 0.9]}
    fig = plotting.learning_curves(history)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train", "validation"]
    assert list(loss_ax.lines[1].get_ydata()) == [1.1, 0.6, 0.5]
    assert [line.get_label() for line in acc_ax.lines] == ["train"]


def test_scatter_real_fake() -> None:
    fig = plotting.scatter_real_fake(np.zeros((5, 2)), np.ones((7, 2)), lim=1.5, title="t")
    ax = fig.axes[0]
    assert [len(c.get_offsets()) for c in ax.collections] == [5, 7]
    assert ax.get_xlim() == (-1.5, 1.5)


def test_most_confident_mistakes_orders_by_confidence_and_skips_correct_ones() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.95, 0.05]])
    y_true = np.array([1, 1, 1, 0, 0])  # wrong: 0 (conf 0.9), 2 (0.6), 3 (0.7); right: 1, 4
    assert plotting.most_confident_mistakes(y_true, probs).tolist() == [0, 3, 2]
    assert plotting.most_confident_mistakes(y_true, probs, n=2).tolist() == [0, 3]
    assert plotting.most_confident_mistakes(np.array([0, 1]), probs[[4, 1]]).tolist() == []
