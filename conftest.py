"""Collect every notebook as an nbval test, with the recorded outputs of its checked cells.

nbval runs each notebook on the kernel its metadata declares, in lax mode: only cells tagged
``nbval-check-output`` are compared, against the references in tests/notebook_outputs/ (see
scripts/expected_outputs.py); every other claim is an ``assert`` inside the notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbval.plugin import IPyNbFile

sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
import expected_outputs  # noqa: E402


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
        yield from items


def pytest_collect_file(file_path: Path, parent):
    opt = parent.config.option
    if file_path.suffix == ".ipynb" and not (opt.nbval or opt.nbval_lax) and ".ipynb_checkpoints" not in file_path.parts:
        return CheckedNotebook.from_parent(parent, path=file_path)
    return None
