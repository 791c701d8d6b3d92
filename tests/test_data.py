"""MNIST loading, verification, downloading and every bad-input case, on real files and real corrupted copies."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_utils import data
from course_utils.data import MNISTError

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def copy_real(mnist_dir: Path, dest: Path, names=tuple(data.MNIST_SHA256)) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(mnist_dir / name, dest / name)
    return dest


def rewrite_gz(src: Path, dest: Path, edit) -> Path:
    """Decompress a real file, apply ``edit`` to its bytes, and recompress under ``dest``."""
    raw = bytearray(gzip.decompress(src.read_bytes()))
    dest.write_bytes(gzip.compress(bytes(edit(raw))))
    return dest


# ----------------------------------------------------------------------------- parsing


def test_parse_real_files(mnist_dir: Path) -> None:
    labels = data.parse_idx(mnist_dir / TEST_LABELS, magic=2049, shape=(10_000,))
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    images = data.parse_idx(mnist_dir / "t10k-images-idx3-ubyte.gz", magic=2051, shape=(10_000, 28, 28))
    assert images.dtype == np.uint8 and images.shape == (10_000, 28, 28) and images.max() == 255


def test_parse_truncated_gzip(mnist_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / TEST_LABELS
    raw = (mnist_dir / TEST_LABELS).read_bytes()
    bad.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(MNISTError, match="not a complete gzip file.*make data"):
        data.parse_idx(bad)


def test_parse_not_gzip(tmp_path: Path) -> None:
    bad = tmp_path / TEST_LABELS
    bad.write_bytes(b"<html>404 Not Found</html>")
    with pytest.raises(MNISTError, match="not a complete gzip file"):
        data.parse_idx(bad)


def test_parse_wrong_magic(mnist_dir: Path, tmp_path: Path) -> None:
    # A labels file (magic 2049) where an images file (2051) is expected.
    bad = shutil.copyfile(mnist_dir / TEST_LABELS, tmp_path / "t10k-images-idx3-ubyte.gz")
    with pytest.raises(MNISTError, match="magic number 2049, expected 2051"):
        data.parse_idx(bad, magic=2051)

    def garble(raw: bytearray) -> bytearray:
        raw[2] = 0x0C  # type byte 0x0C = int32, not the unsigned bytes MNIST uses
        return raw

    bad2 = rewrite_gz(mnist_dir / TEST_LABELS, tmp_path / "garbled.gz", garble)
    with pytest.raises(MNISTError, match="magic number"):
        data.parse_idx(bad2)


def test_parse_wrong_dimensions(mnist_dir: Path, tmp_path: Path) -> None:
    def claim_9999(raw: bytearray) -> bytearray:
        raw[4:8] = (9_999).to_bytes(4, "big")
        return raw

    bad = rewrite_gz(mnist_dir / TEST_LABELS, tmp_path / TEST_LABELS, claim_9999)
    with pytest.raises(MNISTError, match=r"dimensions \(9999,\), expected \(10000,\)"):
        data.parse_idx(bad, magic=2049, shape=(10_000,))


def test_parse_wrong_length(mnist_dir: Path, tmp_path: Path) -> None:
    bad = rewrite_gz(mnist_dir / TEST_LABELS, tmp_path / TEST_LABELS, lambda raw: raw[:-7])
    with pytest.raises(MNISTError, match="header promises 10000"):
        data.parse_idx(bad, magic=2049, shape=(10_000,))


# ----------------------------------------------------------------------------- locating


def test_locate_in_course_data_dir(mnist_dir: Path, tmp_path: Path, empty_cache: Path, monkeypatch) -> None:
    folder = copy_real(mnist_dir, tmp_path / "mine")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    found = data.locate_mnist(download=False)
    assert all(path.parent == folder for path in found.values())
    assert not empty_cache.exists(), "nothing is copied or downloaded when the files are there"


def test_corrupt_file_in_course_data_dir_is_refused_and_moved_aside(
    mnist_dir: Path, tmp_path: Path, empty_cache: Path, monkeypatch
) -> None:
    folder = copy_real(mnist_dir, tmp_path / "mine")
    raw = (folder / TRAIN_IMAGES).read_bytes()
    (folder / TRAIN_IMAGES).write_bytes(raw[: len(raw) - 1000])  # truncated, like an interrupted copy
    monkeypatch.setenv(data.DATA_DIR_ENV, str(folder))
    with pytest.raises(MNISTError) as info:
        data.locate_mnist(download=True)
    message = str(info.value)
    assert TRAIN_IMAGES in message and "sha256" in message and "moved aside" in message
    assert not (folder / TRAIN_IMAGES).exists()
    assert (folder / (TRAIN_IMAGES + ".corrupt")).exists()
    assert not empty_cache.exists(), "a bad file in your folder is an error, not a reason to download silently"


def test_missing_offline_says_where_to_put_files(empty_cache: Path) -> None:
    with pytest.raises(MNISTError) as info:
        data.locate_mnist(download=False)
    message = str(info.value)
    assert "missing" in message and str(empty_cache) in message and "make data" in message
    assert data.DATA_DIR_ENV in message


def test_corrupt_cache_file_without_download_is_an_error(mnist_dir: Path, empty_cache: Path) -> None:
    copy_real(mnist_dir, empty_cache)
    (empty_cache / TEST_LABELS).write_bytes(b"\x1f\x8b" + b"\0" * 100)
    with pytest.raises(MNISTError, match="make data"):
        data.locate_mnist(download=False)
    assert (empty_cache / (TEST_LABELS + ".corrupt")).exists()


# ----------------------------------------------------------------------------- downloading (127.0.0.1 only)


def test_download_from_local_mirror(mirror, empty_cache: Path, monkeypatch) -> None:
    base, _ = mirror
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/good/")
    found = data.locate_mnist()
    for name, path in found.items():
        assert path == empty_cache / name
        assert data.sha256sum(path) == data.MNIST_SHA256[name]
    # Idempotent: a second call finds the verified cache and downloads nothing.
    monkeypatch.setenv(data.MIRRORS_ENV, "http://127.0.0.1:9/none/")
    assert data.locate_mnist() == found


def test_corrupt_mirror_falls_back_to_the_next(mirror, empty_cache: Path, monkeypatch) -> None:
    base, _ = mirror
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/bad/ {base}/good/")
    found = data.locate_mnist()
    assert all(data.sha256sum(p) == data.MNIST_SHA256[n] for n, p in found.items())
    assert not list(empty_cache.glob("*.corrupt"))


def test_all_mirrors_corrupt_leaves_nothing(mirror, empty_cache: Path, monkeypatch) -> None:
    base, _ = mirror
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/bad/")
    with pytest.raises(MNISTError) as info:
        data.locate_mnist()
    assert "no mirror gave a file with the official sha256" in str(info.value)
    assert f"{base}/bad/" in str(info.value)
    assert not list(empty_cache.iterdir()), "no file under a final name, no temporary leftovers"


def test_interrupted_download_leaves_no_partial_file(mirror, empty_cache: Path, monkeypatch) -> None:
    base, _ = mirror
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/cut/")
    with pytest.raises(MNISTError, match="Connection broken"):
        data.locate_mnist()
    assert not list(empty_cache.iterdir()), "no partial file, under the final name or any other"
    # ...and the next attempt, from a mirror that works, completes.
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/good/")
    assert len(data.locate_mnist()) == 4


def test_unreachable_mirror_error_says_what_to_do(empty_cache: Path, monkeypatch) -> None:
    monkeypatch.setenv(data.MIRRORS_ENV, "http://127.0.0.1:9/mnist/")  # port 9 (discard): nothing listens
    with pytest.raises(MNISTError) as info:
        data.locate_mnist()
    message = str(info.value)
    assert "Could not download" in message and "offline" in message and str(empty_cache) in message


def test_corrupt_cache_is_moved_aside_and_downloaded_again(mirror, mnist_dir, empty_cache: Path, monkeypatch) -> None:
    base, root = mirror
    copy_real(mnist_dir, empty_cache)
    shutil.copyfile(root / "bad" / TRAIN_IMAGES, empty_cache / TRAIN_IMAGES)
    monkeypatch.setenv(data.MIRRORS_ENV, f"{base}/good/")
    with pytest.warns(UserWarning, match="moved aside"):
        found = data.locate_mnist()
    assert data.sha256sum(found[TRAIN_IMAGES]) == data.MNIST_SHA256[TRAIN_IMAGES]
    assert (empty_cache / (TRAIN_IMAGES + ".corrupt")).exists()


def test_mirrors_default_to_public_list(monkeypatch) -> None:
    monkeypatch.delenv(data.MIRRORS_ENV, raising=False)
    assert len(data.mirrors()) >= 2 and all(m.startswith("https://") for m in data.mirrors())


# ----------------------------------------------------------------------------- splits and scaling


def test_load_mnist_scales_and_shapes(mnist_dir: Path) -> None:
    m = data.load_mnist(scale="pm1", flatten=True, train_size=1000, val_size=500, test_size=200, data_dir=mnist_dir)
    assert m.x_train.shape == (1000, 784) and m.x_val.shape == (500, 784) and m.x_test.shape == (200, 784)
    assert m.x_train.dtype == np.float32 and m.x_train.min() == -1.0 and m.x_train.max() == 1.0
    u = data.load_mnist(scale="uint8", train_size=10, val_size=0, test_size=10, data_dir=mnist_dir)
    assert u.x_train.dtype == np.uint8 and u.x_train.shape == (10, 28, 28) and len(u.x_val) == 0
    with pytest.raises(ValueError, match="scale"):
        data.load_mnist(scale="bad", data_dir=mnist_dir)  # type: ignore[arg-type]


def test_load_mnist_splits_are_disjoint_seeded_and_full(mnist_dir: Path) -> None:
    a = data.load_mnist(scale="uint8", val_size=10_000, seed=1, data_dir=mnist_dir)
    assert len(a.x_train) == 50_000 and len(a.x_val) == 10_000 and len(a.x_test) == 10_000
    b = data.load_mnist(scale="uint8", val_size=10_000, seed=1, data_dir=mnist_dir)
    assert np.array_equal(a.y_val, b.y_val) and np.array_equal(a.x_train[:50], b.x_train[:50])
    c = data.load_mnist(scale="uint8", val_size=10_000, seed=2, data_dir=mnist_dir)
    assert not np.array_equal(a.y_val, c.y_val)
    # train and validation never share an image index: total label counts add up to the official ones
    counts = np.bincount(np.concatenate([a.y_train, a.y_val]), minlength=10)
    assert counts.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_load_mnist_uses_profile_sizes(mnist_dir: Path) -> None:
    from course_utils import runtime

    m = data.load_mnist(runtime.profile("ci"), data_dir=mnist_dir)
    assert (len(m.x_train), len(m.x_val), len(m.x_test)) == (5_000, 1_000, 2_000)


def test_stratified_indices_keep_class_shares() -> None:
    labels = np.repeat(np.arange(3), [500, 300, 200])
    idx = data.stratified_indices(labels, 101, np.random.default_rng(0))
    assert len(idx) == 101 and len(set(idx)) == 101
    assert np.bincount(labels[idx]).tolist() in ([51, 30, 20], [50, 31, 20], [50, 30, 21])
    with pytest.raises(ValueError):
        data.stratified_indices(labels, 2000, np.random.default_rng(0))


# ----------------------------------------------------------------------------- toy data


def test_quadratic_samples() -> None:
    pts = data.quadratic_samples(1000, seed=3)
    assert pts.shape == (1000, 2) and np.allclose(pts[:, 1], pts[:, 0] ** 2)
    assert -0.5 <= pts[:, 0].min() and pts[:, 0].max() <= 0.5
    assert np.array_equal(pts, data.quadratic_samples(1000, seed=3))


def test_uniform_square() -> None:
    pts = data.uniform_square(5000, seed=0)
    assert pts.shape == (5000, 2) and np.abs(pts).max() <= 1.0 and abs(pts.mean()) < 0.05


@pytest.mark.parametrize("kind", ["line", "parabola", "spiral"])
def test_curve_points(kind: str) -> None:
    pts = data.curve_points(kind, n=1000, seed=0)
    assert pts.shape == (1000, 2) and np.abs(pts).max() <= 1.0
    assert np.array_equal(pts, data.curve_points(kind, n=1000, seed=0))
    if kind == "line":
        assert np.allclose(pts[:, 0], pts[:, 1])
    if kind == "spiral":
        r = np.hypot(pts[:, 0], pts[:, 1])
        theta = r * 3 * np.pi
        assert np.allclose(pts[:, 0], r * np.cos(theta))
    with pytest.raises(ValueError):
        data.curve_points("circle")  # type: ignore[arg-type]


def test_gaussian_ring() -> None:
    pts, comp = data.gaussian_ring(8000, k=8, radius=2.0, std=0.05, seed=0)
    centers = data.ring_centers(8, 2.0)
    assert np.allclose(np.linalg.norm(centers, axis=1), 2.0)
    assert np.abs(pts - centers[comp]).max() < 0.05 * 6
    assert np.bincount(comp).min() > 800
