"""Every notebook is a jupytext pair in sync, committed without outputs, declaring the right kernel."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
IPYNBS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
# Notebooks that train on MNIST use the GPU kernel; the rest run on the CPU kernel.
GPU_NOTEBOOKS = {"01", "02", "03", "04", "05", "06", "10", "11", "12"}
COURSE_ORDER = [
    "00_getting_started", "01_mlp_capacity", "02_mlp_regularization", "03_cnn", "04_rbm", "05_langevin_ebm",
    "06_vae", "07_gan_keras_toy", "08_gan_numpy_backprop", "09_gan_curves_pytorch", "10_gan_mnist",
    "11_score_diffusion", "12_families_compared",
]


def as_percent(path: Path) -> str:
    return jupytext.writes(jupytext.read(path), fmt="py:percent")


def test_every_notebook_has_both_sides() -> None:
    assert IPYNBS, "no notebooks found"
    assert [p.stem for p in IPYNBS] == [p.stem for p in SOURCES]
    assert {p.stem for p in IPYNBS} <= set(COURSE_ORDER), "notebook names follow the course order"


def test_the_suite_runs_the_sample_writers_before_the_comparison() -> None:
    """12 reads the ci samples that 04, 05, 06, 10 and 11 save when the suite runs them: they must come first.

    pytest collects notebooks/ in file-name order and conftest.py moves only ``after_notebooks`` tests.
    """
    from course_utils import sample_store

    order = [p.stem for p in IPYNBS]
    assert "12_families_compared" in order
    writers = list(sample_store.FAMILIES.values())
    assert set(writers) <= set(order)
    assert max(order.index(w) for w in writers) < order.index("12_families_compared")
    for writer in writers:
        assert "sample_store.save_samples(" in (NOTEBOOKS / f"{writer}.py").read_text(), f"{writer} saves no samples"


@pytest.mark.parametrize("ipynb", IPYNBS, ids=lambda p: p.stem)
def test_pair_is_in_sync(ipynb: Path) -> None:
    # `jupytext --test` exits 0 even when a pair has drifted; compare both sides as py:percent instead.
    assert as_percent(ipynb) == as_percent(ipynb.with_suffix(".py")), (
        f"{ipynb.name} and {ipynb.stem}.py differ: run `make sync` (or save the notebook in JupyterLab)"
    )


@pytest.mark.parametrize("ipynb", IPYNBS, ids=lambda p: p.stem)
def test_committed_without_outputs(ipynb: Path) -> None:
    nb = json.loads(ipynb.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"{ipynb.name} has outputs in cells {dirty}: run `make sync` to strip them"


@pytest.mark.parametrize("ipynb", IPYNBS, ids=lambda p: p.stem)
def test_declares_the_right_kernel(ipynb: Path) -> None:
    spec = json.loads(ipynb.read_text())["metadata"]["kernelspec"]
    expected = ("course-gpu", "Course (GPU)") if ipynb.stem[:2] in GPU_NOTEBOOKS else ("course", "Course (CPU)")
    assert (spec["name"], spec["display_name"]) == expected


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_follows_the_template(source: Path) -> None:
    text = source.read_text()
    assert "## 0. Parameters" in text, "a Parameters cell of named constants comes first"
    assert f'NOTEBOOK = "{source.stem}"' in text
    assert "runtime.seed_everything(" in text and "runtime.report()" in text
    assert "runtime.save_headline(NOTEBOOK" in text, "headline figures feed the benchmark table"
    assert "## Summary · Exercises" in text
    assert "!pip" not in text and "%pip" not in text, "no installs from notebooks"
    assert "assert " in text, "every notebook checks its claims"
    assert "NBVAL" not in text, "test markers belong in cell tags (`# %% tags=[\"nbval-check-output\"]`), not in code"


@pytest.mark.parametrize("ipynb", IPYNBS, ids=lambda p: p.stem)
def test_checked_cells_have_recorded_outputs(ipynb: Path) -> None:
    # nbval compares `nbval-check-output` cells only against a reference that was run; the notebooks are
    # committed without outputs, so the references live in tests/notebook_outputs/ (scripts/expected_outputs.py).
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    import expected_outputs

    nb = jupytext.read(ipynb)
    checked = {expected_outputs.cell_key(c) for c in nb.cells if expected_outputs.is_checked(c)}
    recorded = set(expected_outputs.load(ipynb))
    assert checked <= recorded, f"{ipynb.name}: checked cells without a recorded output; run `make expected`"
    assert recorded <= checked, f"{ipynb.name}: stale recorded outputs; run `make expected`"
