"""Write each notebooks/NAME.ipynb from its paired NAME.py (py:percent), without outputs.

The .py file is the source you edit and review; the .ipynb is what students open.
Run by `make sync`. tests/test_notebooks_paired.py fails when a pair has drifted.
If you edited an .ipynb in JupyterLab, jupytext's pairing already updated the .py
on save; run `make sync` to strip outputs before committing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import jupytext

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def strip(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def main(argv: list[str]) -> int:
    sources = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    for src in sources:
        ipynb = src.with_suffix(".ipynb")
        if ipynb.exists() and ipynb.stat().st_mtime > src.stat().st_mtime + 1:
            # The notebook was saved after the .py: take the newer side, as jupytext --sync would.
            nb = jupytext.read(ipynb)
            jupytext.write(nb, src, fmt="py:percent")
        nb = jupytext.read(src)
        strip(nb)
        jupytext.write(nb, ipynb, fmt="ipynb")
        print(f"synced {src.name} -> {ipynb.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
