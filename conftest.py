"""Collect every notebook as an nbval test, with the recorded outputs of its checked cells.

nbval runs each notebook on the kernel its metadata declares, in lax mode: only cells tagged
``nbval-check-output`` are compared, against the references in tests/notebook_outputs/ (see
scripts/expected_outputs.py); every other claim is an ``assert`` inside the notebook.
A notebook whose every cell ran cleanly is kept, with its outputs, in build/executed/<profile>/ (the copy
`make slides` reuses); tests marked ``after_notebooks`` (the slide-layout test) read those copies, so they
are moved to the end of the run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbval.plugin import IPyNbFile

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
import expected_outputs  # noqa: E402
import build_slides  # noqa: E402


class CheckedNotebook(IPyNbFile):
    """An nbval notebook whose checked cells carry the recorded reference outputs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.compare_outputs = False  # lax: compare only the marked cells

    def collect(self):
        real_read = nbformat.read
        problems: list[str] = []

        def read_with_references(path, as_version, **kw):
            nb = real_read(path, as_version=as_version, **kw)
            problems.extend(expected_outputs.inject(nb, Path(str(path))))
            return nb

        nbformat.read = read_with_references
        try:
            items = list(super().collect())
        finally:
            nbformat.read = real_read
        if problems:
            raise self.CollectError(
                f"{self.path.name}: " + "; ".join(problems)
                + ". Record them with `make expected` and review the diff of tests/notebook_outputs/."
            )
        self.cell_items = items
        yield from items

    def teardown(self) -> None:
        """Keep what the run produced: a notebook whose every cell ran without an error is written, with its outputs,
        to build/executed/<profile>/, where the slides build and the slide-layout test read it (no second run)."""
        try:
            outputs = [item.test_outputs for item in getattr(self, "cell_items", [])]
            build_slides.save_executed(self.nb, outputs, Path(str(self.path)), os.environ.get("COURSE_PROFILE", "full"))
        finally:
            super().teardown()


def pytest_collect_file(file_path: Path, parent):
    opt = parent.config.option
    if file_path.suffix == ".ipynb" and not (opt.nbval or opt.nbval_lax) and ".ipynb_checkpoints" not in file_path.parts:
        return CheckedNotebook.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session, config, items) -> None:
    """Tests marked ``after_notebooks`` read the executed copies that the notebook tests write: run them last."""
    late = [item for item in items if item.get_closest_marker("after_notebooks")]
    items[:] = [item for item in items if item not in late] + late
