"""Data for the course: real MNIST (checksum-verified) and the seeds' toy data sets.

MNIST comes as the four canonical IDX files. They are looked for, in order:

1. in ``$COURSE_DATA_DIR`` (CI points it at ``../shared/data/mnist``),
2. in the project's cache, ``data/mnist/``,
3. on the public mirrors, downloaded with :mod:`pooch` into the cache.

Every file's sha256 is checked against the values pinned below before it is
parsed, so a corrupt or truncated file is never used. No deep-learning framework
is imported: everything here returns NumPy arrays.

Run ``python -m course_utils.data`` to make MNIST available (``make data`` does).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sys
import warnings
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from .runtime import REPO_ROOT, Profile

DATA_DIR_ENV = "COURSE_DATA_DIR"
MIRRORS_ENV = "COURSE_MNIST_MIRRORS"
CACHE_DIR = REPO_ROOT / "data" / "mnist"

#: The canonical files and their official sha256 (see shared/data/mnist/SOURCE.md).
MNIST_SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: Expected (magic, shape) of each file after decompression.
MNIST_LAYOUT: dict[str, tuple[int, tuple[int, ...]]] = {
    "train-images-idx3-ubyte.gz": (2051, (60_000, 28, 28)),
    "train-labels-idx1-ubyte.gz": (2049, (60_000,)),
    "t10k-images-idx3-ubyte.gz": (2051, (10_000, 28, 28)),
    "t10k-labels-idx1-ubyte.gz": (2049, (10_000,)),
}

#: Public mirrors that serve the same bytes. Tried in order.
MNIST_MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
)

Scale = Literal["uint8", "01", "pm1"]


class MNISTError(RuntimeError):
    """MNIST could not be found, downloaded or read. The message says what to do."""


# --------------------------------------------------------------------------- files


def sha256sum(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _move_aside(path: Path) -> Path | None:
    """Rename a bad file to ``NAME.corrupt`` so it is never read again; None if not allowed."""
    target = path.with_name(path.name + ".corrupt")
    try:
        path.replace(target)
    except OSError:
        return None
    return target


def _verified(path: Path) -> bool:
    """True if ``path`` exists and has the pinned sha256; raise nothing."""
    return path.is_file() and sha256sum(path) == MNIST_SHA256[path.name]


def _mismatch_message(path: Path, moved: Path | None, remedy: str) -> str:
    where = f"It was moved aside to {moved}." if moved else "It could not be moved aside (read-only?)."
    return (
        f"{path} does not have the official sha256 (it is corrupt, truncated or a different file), "
        f"so it was not used. {where} {remedy}"
    )


def mirrors() -> list[str]:
    """Mirror base URLs: ``$COURSE_MNIST_MIRRORS`` (space-separated) or :data:`MNIST_MIRRORS`."""
    env = os.environ.get(MIRRORS_ENV, "").split()
    return [m if m.endswith("/") else m + "/" for m in (env or MNIST_MIRRORS)]


def download_file(name: str, dest_dir: Path, urls: list[str] | None = None) -> Path:
    """Download one MNIST file into ``dest_dir``, trying each mirror until one verifies.

    :func:`pooch.retrieve` writes to a temporary file and renames it only after
    the sha256 matched, so an interrupted or corrupt download never leaves a
    file under the final name.

    Raises:
        MNISTError: when no mirror gave a file with the right sha256.
    """
    import pooch

    dest_dir.mkdir(parents=True, exist_ok=True)
    errors = []
    for base in urls or mirrors():
        try:
            path = pooch.retrieve(
                base + name,
                known_hash=f"sha256:{MNIST_SHA256[name]}",
                fname=name,
                path=dest_dir,
                progressbar=False,
            )
            return Path(path)
        except Exception as exc:  # network error, HTTP error or hash mismatch
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            errors.append(f"  {base}{name}: {first_line}")
    raise MNISTError(
        f"Could not download {name}: no mirror gave a file with the official sha256.\n"
        + "\n".join(errors)
        + f"\nIf you are offline, copy the four MNIST .gz files into {dest_dir} "
        f"or point ${DATA_DIR_ENV} at a folder that holds them."
    )


def locate_mnist(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> dict[str, Path]:
    """Find (or fetch) the four verified MNIST files; return ``{name: path}``.

    Args:
        data_dir: a folder to use instead of ``$COURSE_DATA_DIR``.
        download: whether to download what is missing into ``data/mnist/``.

    Raises:
        MNISTError: a file is corrupt in the folder you named, or missing and
            cannot be downloaded. The message names the file and the remedy.
    """
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    user_dir = Path(chosen) if chosen else None
    found: dict[str, Path] = {}
    for name in MNIST_SHA256:
        if user_dir is not None and (user_dir / name).exists():
            path = user_dir / name
            if not _verified(path):
                moved = _move_aside(path)
                raise MNISTError(
                    _mismatch_message(
                        path, moved, f"Put the official file there (or unset ${DATA_DIR_ENV} to download it)."
                    )
                )
            found[name] = path
            continue
        cached = CACHE_DIR / name
        if cached.exists():
            if _verified(cached):
                found[name] = cached
                continue
            moved = _move_aside(cached)
            message = _mismatch_message(cached, moved, "Downloading a fresh copy.")
            if not download:
                raise MNISTError(message.replace("Downloading a fresh copy.", "Run `make data` to download it."))
            warnings.warn(message, stacklevel=2)
        if not download:
            places = ([str(user_dir)] if user_dir else []) + [str(CACHE_DIR)]
            raise MNISTError(
                f"{name} is missing (looked in {', '.join(places)}). Run `make data` to download it, "
                f"or copy the four MNIST .gz files into {CACHE_DIR} or point ${DATA_DIR_ENV} at them."
            )
        found[name] = download_file(name, CACHE_DIR)
    return found


def parse_idx(path: str | os.PathLike, *, magic: int | None = None, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Parse a gzipped IDX file (the MNIST format) into a uint8 array, validating it.

    The header is a 4-byte magic number (``0x0000 08 D``: unsigned bytes, ``D``
    dimensions) and ``D`` big-endian int32 sizes, followed by the data.

    Raises:
        MNISTError: truncated or corrupt gzip, wrong magic number, wrong
            dimensions, or a data length that does not match the header.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise MNISTError(f"{path} is not a complete gzip file ({exc}). Delete it and run `make data`.") from exc
    if len(raw) < 4:
        raise MNISTError(f"{path} is too short to be an IDX file. Delete it and run `make data`.")
    found_magic = int.from_bytes(raw[:4], "big")
    if found_magic >> 8 != 0x08 or (magic is not None and found_magic != magic):
        expected = f"{magic}" if magic is not None else "0x0000080D"
        raise MNISTError(
            f"{path} has magic number {found_magic}, expected {expected}: it is not the MNIST file "
            "its name says. Delete it and run `make data`."
        )
    ndim = found_magic & 0xFF
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if shape is not None and dims != shape:
        raise MNISTError(f"{path} has dimensions {dims}, expected {shape}. Delete it and run `make data`.")
    expected_len = header + int(np.prod(dims))
    if len(raw) != expected_len:
        raise MNISTError(
            f"{path} holds {len(raw) - header} data bytes but its header promises {expected_len - header}. "
            "Delete it and run `make data`."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


@lru_cache(maxsize=2)
def _read_all(paths: tuple[tuple[str, str], ...]) -> dict[str, np.ndarray]:
    out = {}
    for name, path in paths:
        magic, shape = MNIST_LAYOUT[name]
        arr = parse_idx(path, magic=magic, shape=shape)
        arr.setflags(write=False)
        out[name] = arr
    return out


# --------------------------------------------------------------------------- splits


def stratified_indices(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn without replacement, keeping each class's share of ``labels``.

    Per-class counts are rounded with the largest-remainder method so they add
    up to exactly ``n``. The result is shuffled.
    """
    labels = np.asarray(labels)
    if not 0 <= n <= len(labels):
        raise ValueError(f"cannot draw {n} of {len(labels)} examples")
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n / len(labels)
    take = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - take), kind="stable")[: n - take.sum()]:
        take[i] += 1
    picked = [rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, take)]
    return rng.permutation(np.concatenate(picked))


@dataclass
class MNIST:
    """MNIST split into train / validation / test arrays.

    Images are ``(N, 28, 28)`` (or ``(N, 784)`` when flattened); labels are
    ``int64``. The validation set is carved out of the 60,000 training images
    (stratified), so the test set stays untouched until the final measurement.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        return (
            f"MNIST(train={self.x_train.shape}, val={self.x_val.shape}, test={self.x_test.shape}, "
            f"dtype={self.x_train.dtype}, range=[{self.x_train.min()}, {self.x_train.max()}])"
        )


def scale_images(images: np.ndarray, scale: Scale) -> np.ndarray:
    """uint8 pixels to ``uint8`` (unchanged), ``01`` (float32 in [0, 1]) or ``pm1`` (float32 in [-1, 1])."""
    if scale == "uint8":
        return images.copy()
    if scale == "01":
        return images.astype(np.float32) / 255.0
    if scale == "pm1":
        return images.astype(np.float32) / 127.5 - 1.0
    raise ValueError(f"scale must be 'uint8', '01' or 'pm1', not {scale!r}")


def load_mnist(
    profile: Profile | None = None,
    *,
    scale: Scale = "01",
    flatten: bool = False,
    train_size: int | None = None,
    val_size: int | None = None,
    test_size: int | None = None,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
) -> MNIST:
    """Load verified MNIST as NumPy arrays.

    Args:
        profile: take ``train_size``/``val_size``/``test_size`` from this run
            profile (``runtime.profile()``); explicit sizes override it.
        scale: ``"uint8"``, ``"01"`` (float32 in [0, 1]) or ``"pm1"`` (float32 in [-1, 1]).
        flatten: return images as ``(N, 784)`` vectors.
        train_size: stratified subset of the training images left after the
            validation split (``None`` = all of them).
        val_size: stratified validation images held out of the 60,000 (default 0).
        test_size: stratified subset of the 10,000 test images (``None`` = all).
        seed: seeds the splits, so the same arguments give the same arrays.
    """
    if profile is not None:
        train_size = profile.train_size if train_size is None else train_size
        val_size = profile.val_size if val_size is None else val_size
        test_size = profile.test_size if test_size is None else test_size
    val_size = val_size or 0
    files = locate_mnist(data_dir, download=download)
    arrays = _read_all(tuple((name, str(path)) for name, path in files.items()))
    x_all, y_all = arrays["train-images-idx3-ubyte.gz"], arrays["train-labels-idx1-ubyte.gz"].astype(np.int64)
    x_test, y_test = arrays["t10k-images-idx3-ubyte.gz"], arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64)

    rng = np.random.default_rng(seed)
    val_idx = stratified_indices(y_all, val_size, rng) if val_size else np.array([], dtype=int)
    rest = np.setdiff1d(np.arange(len(y_all)), val_idx)
    if train_size is not None:
        rest = rest[stratified_indices(y_all[rest], train_size, rng)]
    else:
        rest = rng.permutation(rest)
    test_idx = stratified_indices(y_test, test_size, rng) if test_size is not None else np.arange(len(y_test))

    def prep(images: np.ndarray) -> np.ndarray:
        out = scale_images(images, scale)
        return out.reshape(len(out), -1) if flatten else out

    return MNIST(
        prep(x_all[rest]), y_all[rest], prep(x_all[val_idx]), y_all[val_idx], prep(x_test[test_idx]), y_test[test_idx]
    )


# --------------------------------------------------------------------------- toy data


def quadratic_samples(n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Seed 000's real data: ``n`` points ``(x, x²)`` with ``x`` uniform in [-0.5, 0.5]."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.5, 0.5, size=n)
    return np.stack([x, x * x], axis=1)


def uniform_square(n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Seed 000's hand-made fakes: ``n`` points uniform in [-1, 1]²."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, size=(n, 2))


def curve_points(kind: Literal["line", "parabola", "spiral"], n: int = 1000, seed: int | np.random.Generator = 0) -> np.ndarray:
    """Seed 003's point sets, ``n`` points spread uniformly along a curve inside [-1, 1]².

    - ``line``: ``y = x`` for ``x`` in [-1, 1];
    - ``parabola``: ``y = x²`` for ``x`` in [-1, 1];
    - ``spiral``: the Archimedean spiral ``r = θ / 3π`` for ``θ`` in [0, 3π]
      (one and a half turns), sampled uniformly in ``θ``.
    """
    rng = np.random.default_rng(seed)
    if kind == "line":
        x = rng.uniform(-1, 1, n)
        return np.stack([x, x], axis=1)
    if kind == "parabola":
        x = rng.uniform(-1, 1, n)
        return np.stack([x, x * x], axis=1)
    if kind == "spiral":
        theta = rng.uniform(0, 3 * np.pi, n)
        r = theta / (3 * np.pi)
        return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    raise ValueError(f"kind must be 'line', 'parabola' or 'spiral', not {kind!r}")


def gaussian_mixture(
    n: int, centers: np.ndarray, std: float, seed: int | np.random.Generator = 0, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from an isotropic Gaussian mixture; returns ``(points, component)``."""
    rng = np.random.default_rng(seed)
    centers = np.asarray(centers, dtype=float)
    comp = rng.choice(len(centers), size=n, p=weights)
    return centers[comp] + std * rng.standard_normal((n, centers.shape[1])), comp


def ring_centers(k: int = 8, radius: float = 2.0) -> np.ndarray:
    """``k`` centres evenly spaced on a circle (the classic 8-Gaussian ring)."""
    angles = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


def gaussian_ring(
    n: int, k: int = 8, radius: float = 2.0, std: float = 0.05, seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points from ``k`` equal Gaussians on a ring; returns ``(points, component)``."""
    return gaussian_mixture(n, ring_centers(k, radius), std, seed)


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.data``: make sure verified MNIST is available."""
    try:
        files = locate_mnist()
    except MNISTError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, path in files.items():
        print(f"ok  {path}  (sha256 verified)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
