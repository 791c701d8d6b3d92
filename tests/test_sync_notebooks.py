"""`make sync` (scripts/sync_notebooks.py): writes the .ipynb from the .py, and changes nothing else."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "scripts" / "sync_notebooks.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)

PAIR = "00_getting_started"


def copy_pair(tmp_path: Path) -> tuple[Path, Path]:
    for ext in (".py", ".ipynb"):
        shutil.copy(ROOT / "notebooks" / f"{PAIR}{ext}", tmp_path / f"{PAIR}{ext}")
    return tmp_path / f"{PAIR}.py", tmp_path / f"{PAIR}.ipynb"


def test_sync_of_a_pair_in_sync_changes_nothing(tmp_path):
    py, ipynb = copy_pair(tmp_path)
    before = (py.read_bytes(), ipynb.read_bytes())
    assert sync.main([str(py)]) == 0
    assert (py.read_bytes(), ipynb.read_bytes()) == before


def test_sync_keeps_the_ids_of_unchanged_cells(tmp_path):
    py, ipynb = copy_pair(tmp_path)
    old_ids = [c["id"] for c in json.loads(ipynb.read_text())["cells"]]
    py.write_text(py.read_text() + "\n# %%\nprint('a new cell')\n")
    assert sync.main([str(py)]) == 0
    cells = json.loads(ipynb.read_text())["cells"]
    assert [c["id"] for c in cells[:-1]] == old_ids
    assert "".join(cells[-1]["source"]) == "print('a new cell')" and cells[-1]["outputs"] == []


def test_sync_takes_a_newer_notebook_edited_in_jupyterlab(tmp_path):
    py, ipynb = copy_pair(tmp_path)
    nb = json.loads(ipynb.read_text())
    nb["cells"][0]["source"] = "# Edited in JupyterLab"
    ipynb.write_text(json.dumps(nb))
    stamp = py.stat().st_mtime + 10

    os.utime(ipynb, (stamp, stamp))
    assert sync.main([str(py)]) == 0
    assert "# Edited in JupyterLab" in py.read_text()
    assert "jupytext_version" not in py.read_text()
