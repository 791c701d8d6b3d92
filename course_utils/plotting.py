"""Plots the course draws again and again, in one consistent style.

Every function returns the matplotlib ``Figure`` so a notebook can save it or
add to it; nothing calls ``plt.show()`` (Jupyter shows the figure anyway).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

REAL_COLOR = "#1f77b4"
FAKE_COLOR = "#d62728"


def use_course_style() -> None:
    """One look for every notebook: readable fonts, light grid, no top/right spines."""
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 120,
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "image.cmap": "gray",
        }
    )


use_course_style()


def image_grid(
    images: np.ndarray,
    labels: Sequence[str | int] | None = None,
    *,
    ncols: int = 10,
    title: str | None = None,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    cell_size: float = 1.0,
) -> plt.Figure:
    """Draw images (``(N, H, W)``, ``(N, H*W)`` square, or ``(N, H, W, 1)``) in a grid.

    Args:
        labels: one caption per image (a digit, or ``"7→1 (0.93)"`` for a mistake).
        vmin, vmax: the pixel range; by default each image's own range.
    """
    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"cannot make square images out of vectors of length {images.shape[1]}")
        images = images.reshape(-1, side, side)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W), got {images.shape}")
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(cell_size * ncols, cell_size * nrows * (1.25 if labels is not None else 1.0)),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap=cmap, vmin=vmin, vmax=vmax)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2)
    return fig


def learning_curves(
    history: Mapping[str, Sequence[float]],
    *,
    metrics: Sequence[str] = ("loss", "accuracy"),
    title: str | None = None,
    axes: Sequence[plt.Axes] | None = None,
) -> plt.Figure:
    """Loss and accuracy per epoch, training (solid) against validation (dashed).

    ``history`` is a Keras ``History.history``-style dict: ``{"loss": [...],
    "val_loss": [...], "accuracy": [...], ...}``. Metrics that are missing are
    skipped.
    """
    metrics = [m for m in metrics if m in history or f"val_{m}" in history]
    if axes is None:
        fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
        axes = axes[0]
    else:
        fig = axes[0].figure
    for ax, metric in zip(axes, metrics):
        for key, style, name in ((metric, "-", "train"), (f"val_{metric}", "--", "validation")):
            if key in history:
                values = list(history[key])
                ax.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3, label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def scatter_real_fake(
    real: np.ndarray,
    fake: np.ndarray,
    *,
    title: str | None = None,
    ax: plt.Axes | None = None,
    lim: float | tuple[float, float, float, float] | None = None,
) -> plt.Figure:
    """Real points (blue) against generated points (red) in the plane."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(4, 4))
    else:
        fig = ax.figure
    ax.scatter(real[:, 0], real[:, 1], s=6, alpha=0.5, color=REAL_COLOR, label="real")
    ax.scatter(fake[:, 0], fake[:, 1], s=6, alpha=0.5, color=FAKE_COLOR, label="generated")
    if lim is not None:
        x0, x1, y0, y1 = (-lim, lim, -lim, lim) if np.isscalar(lim) else lim
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.legend(loc="upper right", markerscale=2)
    if title:
        ax.set_title(title)
    return fig


def curves_grid(
    rows: Sequence[Mapping],
    *,
    metric: str = "accuracy",
    ncols: int = 5,
    runs: Sequence[str] | None = None,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    panel_size: tuple[float, float] = (2.6, 2.0),
) -> plt.Figure:
    """Small multiples: one panel per run, train (solid) against validation (dashed), shared axes.

    ``rows`` is a tidy table (``course_utils.training``): dicts with ``run``,
    ``epoch``, ``metric`` and ``val_<metric>``. Shared x and y axes make the
    panels comparable at a glance.
    """
    order = list(runs) if runs is not None else list(dict.fromkeys(r["run"] for r in rows))
    n = len(order)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size[0] * ncols, panel_size[1] * nrows),
                             sharex=True, sharey=True, squeeze=False)
    for ax, run in zip(axes.flat, order):
        sub = sorted((r for r in rows if r["run"] == run), key=lambda r: r["epoch"])
        epochs = [r["epoch"] for r in sub]
        for key, style, label in ((metric, "-", "train"), (f"val_{metric}", "--", "validation")):
            if sub and key in sub[0]:
                ax.plot(epochs, [r[key] for r in sub], style, marker="o", markersize=2.5, label=label)
        ax.set_title(str(run), fontsize=9)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel(metric)
    if ylim is not None:
        axes.flat[0].set_ylim(*ylim)
    axes.flat[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def confusion_matrix_plot(cm: np.ndarray, *, title: str | None = None, ax: plt.Axes | None = None) -> plt.Figure:
    """A confusion matrix (rows: true class, columns: predicted) with the off-diagonal counts written in.

    The colour scale is logarithmic so the few mistakes stay visible next to the
    large diagonal.
    """
    cm = np.asarray(cm)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
    else:
        fig = ax.figure
    im = ax.imshow(cm + 1, cmap="Blues", norm=mpl.colors.LogNorm())
    k = len(cm)
    for t in range(k):
        for p in range(k):
            if cm[t, p]:
                ax.text(p, t, str(cm[t, p]), ha="center", va="center", fontsize=6 if t == p else 7,
                        color="white" if t == p else "black")
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    fig.colorbar(im, ax=ax, fraction=0.046, label="count + 1 (log)")
    if title:
        ax.set_title(title)
    return fig


def most_confident_mistakes(y_true: np.ndarray, probs: np.ndarray, n: int = 20) -> np.ndarray:
    """Indices of the (at most) ``n`` misclassified examples with the highest predicted probability, most confident first."""
    probs = np.asarray(probs)
    conf = probs.max(axis=1)
    wrong = np.flatnonzero(probs.argmax(axis=1) != np.asarray(y_true))
    return wrong[np.argsort(-conf[wrong], kind="stable")][:n]


def misclassified_gallery(
    images: np.ndarray,
    y_true: np.ndarray,
    probs: np.ndarray,
    *,
    n: int = 20,
    ncols: int = 10,
    title: str | None = None,
) -> plt.Figure:
    """The ``n`` most confident mistakes, captioned ``true→predicted (confidence)``.

    ``probs`` are the predicted class probabilities ``(N, classes)``.
    """
    y_true = np.asarray(y_true)
    probs = np.asarray(probs)
    pred = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    wrong = most_confident_mistakes(y_true, probs, n)
    if len(wrong) == 0:
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center")
        return fig
    labels = [f"{y_true[i]}→{pred[i]} ({conf[i]:.2f})" for i in wrong]
    return image_grid(images[wrong], labels=labels, ncols=ncols, title=title, vmin=0, vmax=1)
