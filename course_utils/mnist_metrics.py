"""Sample quality for generated MNIST digits, measured with one small cached classifier.

A generative model of MNIST is judged by numbers, not by eye. A small PyTorch
CNN, trained once on all 60,000 training images and cached, gives:

* **FID-MNIST** (:func:`fid_mnist`): the Fréchet distance between Gaussians fitted
  to the classifier's penultimate-layer features of generated and of real test
  images (Heusel et al., 2017, with an MNIST classifier in place of Inception).
  Show it beside :func:`fid_floor`, the value two *real* samples of the same size
  get: with a finite sample no model can score below it.
* **Class coverage** (:func:`class_histogram`, :func:`class_entropy`,
  :func:`kl_to_uniform`): the histogram of predicted digits. Its entropy is
  ``log 10 ≈ 2.303`` nats when every digit is equally frequent; a collapsing GAN
  loses classes and the entropy falls (the KL to uniform rises).
* **Confidence** (:func:`mean_confidence`): the classifier's mean top probability;
  blotchy, ambiguous digits get low confidence.

:func:`sample_quality` computes all of them in one pass.

**Input convention.** Images are float arrays in [0, 1] of shape ``(N, 28, 28)``,
``(N, 784)`` or ``(N, 28, 28, 1)``. A GAN with a ``tanh`` output converts with
``(x + 1) / 2``; values outside [-0.01, 1.01] raise a ``ValueError`` saying so.

**Cache.** The classifier lives in ``data/cache/`` (``$COURSE_CACHE_DIR`` overrides),
stored with a key made of :data:`RECIPE_VERSION`, the MNIST sha256s and the torch
version. A missing or stale cache retrains (about a minute on 2 CPU cores); the
file is written atomically and a lock file keeps concurrent processes from
training twice. This module imports no TensorFlow; torch is imported lazily.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import data
from .runtime import REPO_ROOT

#: Bump when the architecture or the training recipe changes: the cache then retrains.
RECIPE_VERSION = "mnist-cnn-v3 (conv32 5x5/2-conv64 3x3/2-fc128, Adam one-cycle 3e-3, 5 epochs, batch 256, seed 0)"
CACHE_ENV = "COURSE_CACHE_DIR"
CACHE_DIR = REPO_ROOT / "data" / "cache"
CLASSIFIER_FILE = "mnist_classifier.pt"
#: The classifier must reach this test accuracy when it trains, or it is not cached.
MIN_TEST_ACCURACY = 0.99
#: Seed of the fixed real samples (reference and floor).
REFERENCE_SEED = 1234
NUM_CLASSES = 10
FEATURE_DIM = 128

_loaded: dict[str, Any] = {}  # in-process cache: {"key": ..., "model": ...}
_ref_stats: dict[tuple[str, int, str], tuple[np.ndarray, np.ndarray]] = {}


# --------------------------------------------------------------------------- cache key and files


def cache_dir() -> Path:
    """The folder that holds the classifier and the reference statistics."""
    path = Path(os.environ.get(CACHE_ENV) or CACHE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key() -> str:
    """A hash of what the cached classifier depends on: recipe version, MNIST sha256s, torch version."""
    import torch

    parts = {"recipe": RECIPE_VERSION, "mnist": data.MNIST_SHA256, "torch": torch.__version__}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive advisory lock (POSIX ``flock``); a no-op where that does not exist."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock, the atomic rename still keeps the file whole
        yield
        return
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _atomic_torch_save(obj: Any, path: Path) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the classifier


def _build():
    """The small CNN: two strided conv layers, a 128-unit feature layer, 10 logits."""
    import torch
    from torch import nn

    class MnistCNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                # Strided convolutions instead of conv + max-pool: on a CPU this is ~5x faster to train.
                nn.Conv2d(1, 32, 5, stride=2, padding=2), nn.ReLU(),          # 32 x 14 x 14
                nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),         # 64 x 7 x 7
                nn.Flatten(),
                nn.Linear(64 * 7 * 7, FEATURE_DIM), nn.ReLU(),                 # penultimate features
            )
            self.head = nn.Linear(FEATURE_DIM, NUM_CLASSES)

        def features(self, x: "torch.Tensor") -> "torch.Tensor":
            return self.body(x)

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            return self.head(self.body(x))

    return MnistCNN()


def _train(epochs: int = 5, batch_size: int = 256, lr: float = 3e-3, seed: int = 0) -> tuple[Any, float]:
    """Train the CNN on all 60,000 training images; return ``(model, test accuracy)``."""
    import torch
    import torch.nn.functional as F

    mnist = data.load_mnist(scale="01", val_size=0, seed=seed)
    x = torch.from_numpy(mnist.x_train[:, None])
    y = torch.from_numpy(mnist.y_train)
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = _build()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * int(np.ceil(len(x) / batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch_size):
            idx = perm[i : i + batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    pred = _logits(model, mnist.x_test).argmax(1)
    return model, float((pred == mnist.y_test).mean())


def classifier(retrain: bool = False) -> Any:
    """The cached MNIST classifier (a ``torch.nn.Module`` in eval mode).

    Loads ``data/cache/mnist_classifier.pt`` when its stored key equals
    :func:`cache_key`; otherwise (missing, stale, or ``retrain=True``) trains it,
    checks that its test accuracy is at least :data:`MIN_TEST_ACCURACY`, and
    writes it atomically with the key and the measured accuracy. The model has
    ``.test_accuracy`` and ``.cache_key`` attributes.

    Raises:
        RuntimeError: if a freshly trained classifier misses the accuracy bar.
    """
    import torch

    key = cache_key()
    if not retrain and _loaded.get("key") == key and _loaded.get("dir") == str(cache_dir()):
        return _loaded["model"]
    path = cache_dir() / CLASSIFIER_FILE
    with _file_lock(path.with_suffix(".lock")):
        record = None
        if path.is_file() and not retrain:
            try:
                # Files written by an older version of this module hold a TorchVersion; allow it.
                with torch.serialization.safe_globals([torch.torch_version.TorchVersion]):
                    record = torch.load(path, map_location="cpu", weights_only=True)
            except Exception:  # unreadable or foreign file: retrain over it
                record = None
            if record is not None and record.get("key") != key:
                record = None
        if record is None:
            start = time.perf_counter()
            # Training seeds torch's global generators (CPU and CUDA); fork them so that a notebook which triggers
            # the first training mid-run draws the same random numbers as one that finds the classifier cached.
            with torch.random.fork_rng():
                model, acc = _train()
            if acc < MIN_TEST_ACCURACY:
                raise RuntimeError(
                    f"The MNIST classifier reached only {acc:.4f} test accuracy (< {MIN_TEST_ACCURACY}); "
                    "it was not cached. Check the data and the recipe."
                )
            record = {
                "key": key,
                "recipe": RECIPE_VERSION,
                "torch": torch.__version__.encode().decode(),  # a plain str: weights_only loads refuse TorchVersion
                "test_accuracy": acc,
                "train_seconds": round(time.perf_counter() - start, 1),
                "state_dict": model.state_dict(),
            }
            _atomic_torch_save(record, path)
            for stale in cache_dir().glob("mnist_ref_stats_*.npz"):  # computed with the old weights
                stale.unlink(missing_ok=True)
            _ref_stats.clear()
        model = _build()
        model.load_state_dict(record["state_dict"])
        model.eval()
    model.test_accuracy = float(record["test_accuracy"])
    model.cache_key = key
    _loaded.update(key=key, dir=str(cache_dir()), model=model)
    return model


# --------------------------------------------------------------------------- inputs and forward passes


def as_images(images: Any) -> np.ndarray:
    """Check the input convention and return float32 ``(N, 1, 28, 28)``.

    Raises:
        ValueError: wrong shape, NaNs, or values outside [-0.01, 1.01].
    """
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28), (N, 784) or (N, 28, 28, 1), got {np.shape(images)}")
    if len(x) == 0:
        raise ValueError("no images given")
    if not np.isfinite(x).all():
        raise ValueError("images contain NaN or inf values")
    lo, hi = float(x.min()), float(x.max())
    if lo < -0.01 or hi > 1.01:
        raise ValueError(
            f"images must be in [0, 1], but their values span [{lo:.3f}, {hi:.3f}]. Rescale them first: "
            "a tanh output in [-1, 1] converts with (x + 1) / 2, uint8 pixels with x / 255."
        )
    return np.clip(x, 0.0, 1.0)[:, None]


def from_pm1(images: Any) -> np.ndarray:
    """Images in [-1, 1] (a tanh output, data scaled that way) as float32 ``(N, 28, 28)`` in [0, 1].

    The generative notebooks train on [-1, 1]; the metrics here take [0, 1].
    Accepts NumPy arrays or torch tensors (on any device, with or without
    gradients), with a channel axis of size 1 first ``(N, 1, 28, 28)`` or last
    ``(N, 28, 28, 1)``, or none. Values outside [-1, 1] (a sampler's overshoot)
    are clipped first.
    """
    if hasattr(images, "detach"):                       # a torch tensor
        images = images.detach().cpu().numpy()
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"expected images of shape (N, 28, 28), (N, 1, 28, 28) or (N, 28, 28, 1), got {x.shape}")
    return (np.clip(x, -1.0, 1.0) + 1.0) / 2.0


def _forward(model: Any, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """``(features, logits)`` for images already checked by :func:`as_images`."""
    import torch

    feats, logits = [], []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            f = model.features(torch.from_numpy(np.ascontiguousarray(images[i : i + batch_size])))
            feats.append(f.numpy())
            logits.append(model.head(f).numpy())
    return np.concatenate(feats).astype(np.float64), np.concatenate(logits).astype(np.float64)


def _logits(model: Any, images: Any) -> np.ndarray:
    return _forward(model, as_images(images))[1]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def features(images: Any) -> np.ndarray:
    """Penultimate-layer (128-d, post-ReLU) features of the classifier, ``(N, 128)``."""
    return _forward(classifier(), as_images(images))[0]


def predict_proba(images: Any) -> np.ndarray:
    """Class probabilities, ``(N, 10)``."""
    return _softmax(_forward(classifier(), as_images(images))[1])


# --------------------------------------------------------------------------- Fréchet distance


def gaussian_stats(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased) covariance of features ``(N, D)``."""
    feats = np.asarray(feats, dtype=np.float64)
    if len(feats) < 2:
        raise ValueError("need at least two samples for a covariance")
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """``‖μ1−μ2‖² + tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)`` between two Gaussians.

    ``tr (Σ1 Σ2)^½`` is computed as the sum of square roots of the eigenvalues of
    the symmetric PSD matrix ``Σ1^½ Σ2 Σ1^½`` (same spectrum), which is stable
    with ``numpy.linalg.eigh`` alone (no SciPy).
    """
    w, v = np.linalg.eigh(cov1)
    s1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = s1 @ cov2 @ s1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * tr_sqrt, 0.0))


def _real_test_images() -> tuple[np.ndarray, np.ndarray]:
    mnist = data.load_mnist(scale="01", val_size=0, train_size=0)
    return mnist.x_test, mnist.y_test


def _real_sample(n: int, which: str) -> np.ndarray:
    """A fixed stratified sample of ``n`` real images: ``which="reference"`` or its disjoint ``"floor"``.

    Both come from the 10,000 test images (which the classifier never trained
    on) while ``2n ≤ 10,000``; the floor sample for a larger ``n`` comes from
    the training images instead (a slightly optimistic floor).
    """
    if not 2 <= n <= 10_000:
        raise ValueError(f"reference samples need 2 <= n <= 10,000 images, not {n}")
    x, y = _real_test_images()
    rng = np.random.default_rng(REFERENCE_SEED)
    ref = data.stratified_indices(y, n, rng)
    if which == "reference":
        return x[ref]
    rest = np.setdiff1d(np.arange(len(y)), ref)
    if n <= len(rest):
        return x[rest[data.stratified_indices(y[rest], n, rng)]]
    train = data.load_mnist(scale="01", val_size=0, train_size=n, test_size=0, seed=REFERENCE_SEED)
    return train.x_train


def reference_images(n: int, which: str = "reference") -> np.ndarray:
    """The fixed real sample of ``n`` images behind :func:`reference_stats` (``which``: ``"reference"`` or
    ``"floor"``), as float32 ``(n, 28, 28)`` in [0, 1]: for measures that need the images, not only their mean and
    covariance (precision and recall, the bootstrap)."""
    if which not in ("reference", "floor"):
        raise ValueError(f"which must be 'reference' or 'floor', not {which!r}")
    return _real_sample(n, which)


def reference_stats(n: int, which: str = "reference") -> tuple[np.ndarray, np.ndarray]:
    """Feature mean and covariance of the fixed real sample of ``n`` images (cached in memory and on disk)."""
    key = (cache_key(), n, which)
    if key in _ref_stats:
        return _ref_stats[key]
    classifier()
    path = cache_dir() / f"mnist_ref_stats_{key[0]}_{which}_{n}.npz"
    if path.is_file():
        try:
            with np.load(path) as z:
                _ref_stats[key] = (z["mu"], z["cov"])
                return _ref_stats[key]
        except Exception:
            pass
    mu, cov = gaussian_stats(features(_real_sample(n, which)))
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, mu=mu, cov=cov)
    os.replace(tmp, path)
    _ref_stats[key] = (mu, cov)
    return mu, cov


def fid_mnist(images: Any, reference: Any = None) -> float:
    """FID-MNIST of ``images`` against ``reference`` images.

    Args:
        images: generated images (input convention above).
        reference: real images to compare with; by default the fixed stratified
            sample of real MNIST test images of the same count (statistics cached).
    """
    mu, cov = gaussian_stats(features(images))
    if reference is None:
        mu_r, cov_r = reference_stats(len(as_images(images)))
    else:
        mu_r, cov_r = gaussian_stats(features(reference))
    return frechet_distance(mu, cov, mu_r, cov_r)


def fid_floor(n: int) -> float:
    """FID-MNIST of ``n`` real images against the reference sample of ``n``: the floor for that sample size."""
    mu, cov = reference_stats(n, "floor")
    mu_r, cov_r = reference_stats(n, "reference")
    return frechet_distance(mu, cov, mu_r, cov_r)


# --------------------------------------------------------------------------- class coverage


def _hist_from_proba(proba: np.ndarray) -> np.ndarray:
    return np.bincount(proba.argmax(axis=1), minlength=NUM_CLASSES)


def _entropy(hist: np.ndarray) -> float:
    p = hist / hist.sum()
    p = p[p > 0]
    return max(0.0, float(-(p * np.log(p)).sum()))  # no "-0.0" for a single class


def class_histogram(images: Any) -> np.ndarray:
    """How many images the classifier assigns to each digit, ``(10,)`` integers."""
    return _hist_from_proba(predict_proba(images))


def class_entropy(images: Any) -> float:
    """Entropy (nats) of the predicted-class histogram; ``log 10 ≈ 2.303`` is perfect coverage."""
    return _entropy(class_histogram(images))


def kl_to_uniform(images: Any) -> float:
    """KL(predicted-class histogram ‖ uniform) = ``log 10 − entropy``; 0 for perfect coverage."""
    return float(np.log(NUM_CLASSES) - class_entropy(images))


def mean_confidence(images: Any) -> float:
    """Mean top-class probability the classifier gives the images."""
    return float(predict_proba(images).max(axis=1).mean())


def sample_quality(images: Any, n_ref: int | None = None, *, reference: tuple[np.ndarray, np.ndarray] | None = None,
                   histogram: bool = False) -> dict[str, Any]:
    """All the measures in one forward pass of the classifier.

    Args:
        images: generated images (input convention above).
        n_ref: size of the real reference sample for the FID (default: as many as images).
        reference: ``(mean, covariance)`` of other real features to compute the FID against (for example
            :func:`gaussian_stats` of ``features(validation_images)``), instead of the test-set reference.
        histogram: also return the predicted-class counts, ``"histogram"`` (a list of 10 ints).

    Returns:
        ``{"fid", "class_entropy", "kl_uniform", "confidence"}`` (and ``"histogram"`` if asked).
    """
    x = as_images(images)
    feats, logits = _forward(classifier(), x)
    proba = _softmax(logits)
    mu, cov = gaussian_stats(feats)
    mu_r, cov_r = reference if reference is not None else reference_stats(n_ref or len(x))
    counts = _hist_from_proba(proba)
    ent = _entropy(counts)
    out: dict[str, Any] = {
        "fid": frechet_distance(mu, cov, mu_r, cov_r),
        "class_entropy": ent,
        "kl_uniform": float(np.log(NUM_CLASSES) - ent),
        "confidence": float(proba.max(axis=1).mean()),
    }
    if histogram:
        out["histogram"] = [int(c) for c in counts]
    return out
