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


def as_percent(nb) -> str:
    """The py:percent text of `nb`, without the header line that names the jupytext version."""
    text = jupytext.writes(nb, fmt="py:percent")
    return "\n".join(line for line in text.splitlines() if "jupytext_version:" not in line)


def keep_ids(nb, old) -> None:
    """Give the cells of `nb` the ids they had in `old` where the cell is unchanged, so diffs stay small."""
    by_content = {}
    for cell in old.cells:
        by_content.setdefault((cell.cell_type, cell.source), []).append(cell.get("id"))
    for cell in nb.cells:
        ids = by_content.get((cell.cell_type, cell.source))
        if ids:
            cell["id"] = ids.pop(0)


def main(argv: list[str]) -> int:
    sources = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    for src in sources:
        ipynb = src.with_suffix(".ipynb")
        nb = jupytext.read(src)
        old = jupytext.read(ipynb) if ipynb.exists() else None
        if old is not None and as_percent(old) != as_percent(nb) \
                and ipynb.stat().st_mtime > src.stat().st_mtime + 1:
            # The notebook was edited and saved after the .py: take the newer side, as jupytext --sync would.
            nb = old
            src.write_text(as_percent(nb) + "\n")
            print(f"synced {ipynb.name} -> {src.name}")
        strip(nb)
        if old is not None:
            keep_ids(nb, old)
        text = jupytext.writes(nb, fmt="ipynb").rstrip("\n") + "\n"
        if ipynb.exists() and ipynb.read_text() == text:
            continue
        ipynb.write_text(text)
        print(f"synced {src.name} -> {ipynb.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
