"""Shared fixtures: where the real MNIST files are, and a loopback HTTP server that serves them."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_utils import data

ROOT = Path(__file__).resolve().parent.parent


def real_mnist_dir() -> Path:
    """A folder with the four real MNIST files: $COURSE_DATA_DIR, ../shared/data/mnist, or data/mnist."""
    candidates = [os.environ.get(data.DATA_DIR_ENV), ROOT.parent / "shared" / "data" / "mnist", data.CACHE_DIR]
    for c in candidates:
        if c and all((Path(c) / name).is_file() for name in data.MNIST_SHA256):
            return Path(c)
    pytest.fail("the real MNIST files are needed for these tests: run `make data` first")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return real_mnist_dir()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from `directory`; paths under /cut/ send half a file, then hang up."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path.startswith("/cut/"):
            path = Path(self.directory) / "good" / self.path.removeprefix("/cut/")
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def mirror(tmp_path: Path, mnist_dir: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 with /good/ (real files), /bad/ (corrupted copies) and /cut/ (dropped halfway).

    Yields ``(base_url, root_dir)``.
    """
    root = tmp_path / "www"
    (root / "good").mkdir(parents=True)
    (root / "bad").mkdir()
    for name in data.MNIST_SHA256:
        raw = (mnist_dir / name).read_bytes()
        (root / "good" / name).write_bytes(raw)
        flipped = bytearray(raw)
        flipped[len(raw) // 2] ^= 0xFF  # one flipped byte: same size, wrong sha256
        (root / "bad" / name).write_bytes(bytes(flipped))

    handler = lambda *a, **k: _Handler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the loader at an empty cache and no $COURSE_DATA_DIR."""
    cache = tmp_path / "cache" / "mnist"
    monkeypatch.setattr(data, "CACHE_DIR", cache)
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
    return cache
