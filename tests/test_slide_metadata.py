"""Every notebook presents well as reveal.js slides (`make slides`): CONTRIBUTING.md, section "Slides".

Checked for each notebooks/NN_*.ipynb, present and future:
- the first cell is the title: a markdown ``# `` heading on a ``slide``;
- the set-up cells are ``skip``: the first cell importing course_utils, and every cell calling
  ``runtime.profile()``, ``runtime.seed_everything()`` or ``runtime.report()`` (a later cell that
  imports one more helper module is an ordinary cell);
- the notebook is cut into slides: at least MIN_SLIDES ``slide`` cells;
- a section heading (``## ``) opens a ``slide`` or ``subslide``, so it never lands in the middle of a slide;
- every slide_type is one reveal.js knows;
- graded tasks' solution and test cells (nbgrader metadata) are ``skip`` (tests/test_assignments.py) and left out
  of slides and pages;
- the cells that exist for the benchmark (``runtime.save_headline``, and the heading that introduces them) are
  tagged ``remove-cell``, so slides and pages leave them out, and show nothing in JupyterLab either.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "skip", "notes", "-"}
MIN_SLIDES = 4  # title, parameters, at least one idea, summary
IMPORTS_COURSE_UTILS = re.compile(r"^\s*(from\s+course_utils\b|import\s+course_utils\b)", re.M)
SETS_UP_RUNTIME = re.compile(r"\bruntime\.(profile|seed_everything|report)\(")


def slide_type(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def where(nb_path: Path, i: int, cell) -> str:
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else "(empty)"
    return f"{nb_path.name} cell {i} ({cell.cell_type}: {first[:60]!r})"


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_title_slide(notebook):
    path, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.lstrip().startswith("# "), (
        f"{path.name}: the first cell must be the title, a markdown '# ' heading"
    )
    assert slide_type(first) == "slide", f"{path.name}: the title cell must be a 'slide' (it is {slide_type(first)!r})"


def test_setup_cells_are_skipped(notebook):
    path, nb = notebook
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    first_import = next(((i, c) for i, c in code if IMPORTS_COURSE_UTILS.search(c.source)), None)
    setup = [(i, c) for i, c in code if SETS_UP_RUNTIME.search(c.source) or (i, c) == first_import]
    assert setup, f"{path.name}: no set-up cell (importing course_utils) found"
    wrong = [where(path, i, c) for i, c in setup if slide_type(c) != "skip"]
    assert not wrong, f"set-up cells must be 'skip' on slides: {wrong}"


def test_cut_into_slides(notebook):
    path, nb = notebook
    n = sum(slide_type(c) == "slide" for c in nb.cells)
    assert n >= MIN_SLIDES, f"{path.name}: only {n} 'slide' cells; start a slide at each new idea"


def test_headings_start_slides(notebook):
    path, nb = notebook
    wrong = [
        where(path, i, c) for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")
        and slide_type(c) not in {"slide", "subslide", "skip", "notes"}
    ]
    assert not wrong, f"a '## ' section heading must open a 'slide' or 'subslide': {wrong}"


def test_known_slide_types(notebook):
    path, nb = notebook
    wrong = [f"{where(path, i, c)}: {slide_type(c)!r}" for i, c in enumerate(nb.cells) if slide_type(c) not in SLIDE_TYPES]
    assert not wrong, f"unknown slide_type (use one of {sorted(SLIDE_TYPES)}): {wrong}"


def test_bookkeeping_is_off_the_slides(notebook):
    nb_path, nb = notebook
    for i, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code" and "runtime.save_headline(" in cell.source:
            assert "remove-cell" in tags, f"{where(nb_path, i, cell)}: tag it remove-cell (`# %% tags=[\"remove-cell\"]`)"
            assert cell.source.rstrip().endswith(";"), f"{where(nb_path, i, cell)}: end with `;` (no value shown)"
        if cell.cell_type == "markdown" and re.search(r"^## .*[Hh]eadline figures", cell.source, re.M):
            assert "remove-cell" in tags, f"{where(nb_path, i, cell)}: the headline heading is bookkeeping too"


def test_slides_and_pages_leave_the_bookkeeping_out(notebook):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_slides

    _, nb = notebook
    shown = build_slides._prepare(nb)
    assert not any("runtime.save_headline(" in c.source for c in shown.cells)
    assert not any("NBVAL" in c.source for c in shown.cells)
    # graded tasks: no worked answer and no hidden test on a published page
    assert not any("BEGIN SOLUTION" in c.source or "HIDDEN TESTS" in c.source for c in shown.cells)
    assert not any(c.get("metadata", {}).get("nbgrader") for c in shown.cells if c.cell_type == "code")
    assert len(shown.cells) < len(nb.cells) and nb.cells[0].source == shown.cells[0].source


def test_slides_can_show_a_figure_without_its_code(tmp_path):
    """`slides-remove-input`: the slide shows the output only; the HTML page keeps the code."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_slides

    code = "fig = plot_the_thing(with_many_arguments=True)  # SOURCE-MARKER"
    cell = nbformat.v4.new_code_cell(code, metadata={"tags": [build_slides.SLIDES_REMOVE_INPUT_TAG]})
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="OUTPUT-MARKER\n")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"), cell])
    slides = build_slides.render_slides(nb, "demo", tmp_path).read_text()
    page = build_slides.render_html(nb, "demo", tmp_path).read_text()
    assert "OUTPUT-MARKER" in slides and "SOURCE-MARKER" not in slides
    assert "OUTPUT-MARKER" in page and "SOURCE-MARKER" in page
    assert f"width: {build_slides.SLIDE_WIDTH}" in slides.replace('"', "").replace("'", "")


def test_a_clean_run_elsewhere_becomes_the_executed_copy(tmp_path, monkeypatch):
    """The notebook tests hand their outputs to `save_executed`; a run with an error or a skipped cell is not kept."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import build_slides

    monkeypatch.setattr(build_slides, "executed_path", lambda src, profile: tmp_path / profile / src.name)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("print(1)"),
                                         nbformat.v4.new_code_cell("1 + 1")])
    stream = [nbformat.NotebookNode(output_type="stream", name="stdout", text=t) for t in ("a", "b\n")]
    result = nbformat.NotebookNode(output_type="execute_result", data={"text/plain": "2"}, metadata={})
    src = tmp_path / "07_demo.ipynb"
    target = build_slides.save_executed(nb, [stream, [result]], src, "ci")
    saved = nbformat.read(target, as_version=4)
    assert build_slides.is_complete(saved)
    assert saved.cells[1].outputs[0].text == "ab\n", "consecutive writes become one output"
    assert saved.cells[2].outputs[0].execution_count == 2
    error = nbformat.NotebookNode(output_type="error", ename="AssertionError", evalue="", traceback=[])
    target.unlink()
    assert build_slides.save_executed(nb, [stream, [error]], src, "ci") is None and not target.exists()
    assert build_slides.save_executed(nb, [stream, None], src, "ci") is None and not target.exists()
