"""Reference outputs for the notebook cells tagged ``nbval-check-output``.

The notebooks are committed without outputs (they diff well and carry no stale results), but nbval only
compares a cell whose reference in the .ipynb was run. So the reference outputs of the marked cells live
beside the tests, in tests/notebook_outputs/NN_name.json, keyed by the sha256 of the cell's source: edit a
checked cell and its reference must be recorded again (and reviewed in the diff).

    python scripts/expected_outputs.py          # record from build/executed/ci/ (run `make bench` first)

The root conftest.py injects these references when pytest collects a notebook.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "tests" / "notebook_outputs"
TAG = "nbval-check-output"   # nbval's own cell tag; in the py:percent source: `# %% tags=["nbval-check-output"]`


def is_checked(cell) -> bool:
    """True for a code cell tagged ``nbval-check-output`` (nbval compares its output with the reference)."""
    return cell["cell_type"] == "code" and TAG in cell.get("metadata", {}).get("tags", [])


def cell_key(cell) -> str:
    return hashlib.sha256(cell["source"].strip().encode()).hexdigest()[:16]


def store_path(notebook: Path) -> Path:
    return STORE / f"{Path(notebook).stem}.json"


def load(notebook: Path) -> dict[str, list]:
    path = store_path(notebook)
    return json.loads(path.read_text())["cells"] if path.exists() else {}


def _clean(output: dict) -> dict:
    out = {k: v for k, v in output.items() if k not in ("execution_count", "metadata", "transient")}
    if "data" in out:
        out["data"] = {k: v for k, v in out["data"].items() if not k.startswith("image/")}
    return out


def inject(nb, notebook: Path) -> list[str]:
    """Put the recorded outputs into the checked cells of ``nb``; return problems (missing references)."""
    expected = load(notebook)
    problems = []
    for i, cell in enumerate(nb.cells):
        if not is_checked(cell):
            continue
        key = cell_key(cell)
        if key not in expected:
            problems.append(f"cell {i} ({cell['source'].strip().splitlines()[0:1]}) has no recorded output")
            continue
        import nbformat

        cell["outputs"] = [nbformat.from_dict(o) for o in expected[key]["outputs"]]
        cell["execution_count"] = 1
    return problems


def record(executed: Path) -> Path:
    """Write the reference outputs of an executed notebook's checked cells."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    cells = {}
    for cell in nb.cells:
        if is_checked(cell):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                raise SystemExit(f"{executed.name}: a checked cell raised; fix the notebook before recording")
            src = cell["source"]
            cells[cell_key(cell)] = {
                "source_head": src.strip().splitlines()[0:2],
                "outputs": [_clean(dict(o)) for o in cell.get("outputs", [])],
            }
    path = store_path(executed)
    STORE.mkdir(parents=True, exist_ok=True)
    if cells:
        path.write_text(json.dumps({"notebook": executed.stem, "profile": "ci", "cells": cells}, indent=1) + "\n")
    elif path.exists():
        path.unlink()
    return path


def main(argv: list[str]) -> int:
    executed_dir = ROOT / "build" / "executed" / "ci"
    targets = [Path(a) for a in argv] or sorted(executed_dir.glob("[0-9][0-9]_*.ipynb"))
    if not targets:
        print("nothing executed yet: run `make bench` (PROFILE=ci) first", file=sys.stderr)
        return 1
    for executed in targets:
        executed = executed_dir / Path(executed).with_suffix(".ipynb").name if not Path(executed).is_file() else Path(executed)
        source = ROOT / "notebooks" / executed.name
        if source.stat().st_mtime > executed.stat().st_mtime:
            print(f"{executed.name}: the notebook changed after it was executed; run `make bench` again", file=sys.stderr)
            return 1
        print(f"recorded {record(executed).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
