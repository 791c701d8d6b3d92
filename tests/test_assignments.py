"""Graded tasks (nbgrader): the instructor notebooks are well formed, the student release is clean, and the
autograder gives full marks to the worked solutions, zero to an untouched release and exactly one task's points
to a release with one task solved.

The static tests cover every graded notebook. Autograding executes a notebook three times, so in `make test` it
runs on AUTOGRADED (two notebooks) only; `make autograde-all` (COURSE_AUTOGRADE=all) runs it on every graded
notebook.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import build_assignments as ba  # noqa: E402

REGISTRY_FILE = Path(__file__).with_name("graded_tasks.json")
#: grade id -> points, per notebook. Ids are frozen: renaming one after a release breaks grading submissions.
REGISTRY: dict[str, dict[str, int]] = json.loads(REGISTRY_FILE.read_text())
#: What `make test` autogrades: two cheap graded notebooks, one NumPy and one Keras (37 s and 83 s in a clean-clone
#: CI run on a 2-core CPU; the others train MNIST models or many toy runs, three times over). COURSE_AUTOGRADE=all
#: grades every one.
AUTOGRADED = ["08_gan_numpy_backprop", "07_gan_keras_toy"]
ALL = os.environ.get("COURSE_AUTOGRADE") == "all"


def instructor(name: str):
    return nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)


def tasks_of(nb) -> dict[str, int]:
    """{grade id: points} of the notebook's test cells, in order."""
    return {m["grade_id"]: m["points"] for c in nb.cells if (m := ba.nbgrader_meta(c)).get("grade")}


def graded() -> list[str]:
    return [p.stem for p in ba.graded_notebooks()]


def test_the_registry_lists_every_graded_task() -> None:
    found = {name: tasks_of(instructor(name)) for name in graded()}
    assert found == REGISTRY, "tests/graded_tasks.json and the notebooks' graded cells differ"
    ids = [i for tasks in REGISTRY.values() for i in tasks]
    assert len(ids) == len(set(ids)), "grade ids must be unique across the course"
    assert all(len(tasks) >= 2 for tasks in REGISTRY.values()), "each graded notebook has at least two tasks"


@pytest.mark.parametrize("name", graded())
def test_each_task_is_a_solution_cell_then_its_test_cell(name: str) -> None:
    cells = [(c, ba.nbgrader_meta(c)) for c in instructor(name).cells]
    graded_cells = [(c, m) for c, m in cells if m]
    for i, (cell, meta) in enumerate(graded_cells):
        assert cell.cell_type == "code" and meta["schema_version"] == 3, meta
        if meta["grade"]:
            assert not meta["solution"] and meta["locked"] and meta["points"] > 0, meta
            before = graded_cells[i - 1][1] if i else {}
            assert before.get("grade_id") == f"{meta['grade_id']}_solution", \
                f"{meta['grade_id']}: its solution cell `{meta['grade_id']}_solution` must come right before it"
        else:
            assert meta["solution"] and not meta["locked"] and "points" not in meta, meta
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


@pytest.mark.parametrize("name", graded())
def test_instructor_notebooks_keep_tasks_off_slides_and_markers_in_their_cells(name: str) -> None:
    for cell in instructor(name).cells:
        meta = ba.nbgrader_meta(cell)
        tags = cell.metadata.get("tags", [])
        # nbval accepts any exception in a raises-exception cell: in notebooks/ it would hide a failing assert
        assert ba.TAG not in tags, "raises-exception belongs in the release only (build_assignments adds it)"
        if meta or ba.INSTRUCTOR_ONLY in tags:
            assert cell.metadata.get("slideshow", {}).get("slide_type") == "skip", \
                f"{meta.get('grade_id', cell.source[:60])}: not `skip` on slides"
        else:
            found = [m for m in ba.MARKERS if m in cell.source]
            assert not found, f"nbgrader would act on {found} in an ordinary cell: {cell.source[:80]!r}"
        assert "AUTOTEST" not in cell.source and "HASHED" not in cell.source


def _bound_names(source: str) -> set[str]:
    """The names a cell binds at module level (not the locals of the functions it defines)."""
    names: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_FunctionDef(self, node):  # noqa: N802 (ast's names)
            names.add(node.name)             # the body's names are local

        visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef  # noqa: N815

        def visit_Lambda(self, node):  # noqa: N802
            pass

        def visit_ListComp(self, node):  # noqa: N802 (comprehension variables are local)
            pass

        visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp  # noqa: N815

        def visit_Name(self, node):  # noqa: N802
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)

        def visit_alias(self, node):
            names.add((node.asname or node.name).split(".")[0])

    Visitor().visit(ast.parse(source))
    return names


def _read_names(source: str) -> set[str]:
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("name", graded())
def test_the_rest_of_the_notebook_runs_without_the_answers(name: str) -> None:
    """A student's unfinished task breaks only its own test cell: nothing outside the task uses what a task cell
    defines, test cells bind only _-prefixed names (no notebook variable is overwritten), and a test cell ends
    with a statement (a trailing expression would be read by nbgrader as partial credit)."""
    cells = [c for c in instructor(name).cells if c.cell_type == "code"]
    for i, cell in enumerate(cells):
        meta = ba.nbgrader_meta(cell)
        if not meta:
            continue
        bound = _bound_names(cell.source)
        if meta["grade"]:
            assert all(n.startswith("_") for n in bound), f"{meta['grade_id']}: test cells bind only _names: {bound}"
            body = ast.parse(cell.source).body
            assert body and not isinstance(body[-1], ast.Expr), f"{meta['grade_id']}: ends with an expression"
        later = [c for c in cells[i + 1:] if not ba.nbgrader_meta(c)]
        used = {n for c in later for n in _read_names(c.source)} & bound
        assert not used, f"{meta['grade_id']} defines {used}, which later cells use: they would fail in the release"


def test_the_release_is_clean(tmp_path: Path) -> None:
    """`build` checks each released notebook (ba.check_release) and raises if anything leaked."""
    released = ba.build(root=tmp_path / "course", release=tmp_path / "release")
    assert sorted(p.parent.name for p in released) == sorted(REGISTRY)
    assert not list((tmp_path / "release").rglob("*.py")), "the release must not be paired with .py files"
    toml = (tmp_path / "release" / "jupytext.toml").read_text()
    assert "formats" not in toml.replace("# The student", "")
    for path in released:
        nb = nbformat.read(path, as_version=4)
        assert tasks_of(nb) == REGISTRY[path.parent.name]
        stubs = [c for c in nb.cells if ba.nbgrader_meta(c).get("solution")]
        assert stubs and all(ba.STUB in c.source for c in stubs)


def test_check_release_catches_a_leaked_solution(tmp_path: Path) -> None:
    name = next(iter(REGISTRY))
    released = ba.build([ROOT / "notebooks" / f"{name}.ipynb"], root=tmp_path / "course", release=tmp_path / "rel")[0]
    teacher = instructor(name)
    solution = next(c for c in teacher.cells if ba.nbgrader_meta(c).get("solution"))
    nb = nbformat.read(released, as_version=4)
    stub = next(c for c in nb.cells if ba.nbgrader_meta(c).get("grade_id") == ba.nbgrader_meta(solution)["grade_id"])
    stub.source = re.sub(r"\s*### (BEGIN|END) SOLUTION", "", solution.source)   # the answer, markers gone
    nbformat.write(nb, released)
    with pytest.raises(SystemExit, match="instructor line"):
        ba.check_release(released, ROOT / "notebooks" / f"{name}.ipynb")


# ----------------------------------------------------------------------------------------------- autograding


def _solve(release_nb, teacher_nb, grade_ids: list[str]):
    """A copy of the release with the instructor's answers pasted into the solution cells ``grade_ids``."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(release_nb)))
    for grade_id in grade_ids:
        answer = next(c.source for c in teacher_nb.cells if ba.nbgrader_meta(c).get("grade_id") == grade_id)
        cell = next(c for c in nb.cells if ba.nbgrader_meta(c).get("grade_id") == grade_id)
        cell.source = re.sub(r"^\s*### (BEGIN|END) SOLUTION\n", "", answer, flags=re.M)
    return nb


def _submit(root: Path, student: str, name: str, nb) -> None:
    out = root / "submitted" / student / name / f"{name}.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)


@pytest.mark.parametrize("name", graded() if ALL else [n for n in AUTOGRADED if n in REGISTRY])
def test_autograding_scores_exactly_what_was_solved(name: str, tmp_path: Path) -> None:
    if not (Path(sys.prefix) / "share" / "jupyter" / "kernels").is_dir():
        pytest.skip("the course kernels are not installed: run `make kernels`")
    root = tmp_path / "course"
    released = ba.build([ROOT / "notebooks" / f"{name}.ipynb"], root=root, release=tmp_path / "release")[0]
    release_nb, teacher = nbformat.read(released, as_version=4), instructor(name)
    tasks = REGISTRY[name]
    first = next(iter(tasks))
    _submit(root, "untouched", name, release_nb)
    _submit(root, "one_solved", name, _solve(release_nb, teacher, [f"{first}_solution"]))
    # The worked solutions of the graded tasks, pasted into the release (nbval runs the instructor notebook
    # itself, worked solutions of the other exercises included; autograding it again would cost a second run).
    _submit(root, "instructor", name, _solve(release_nb, teacher, [f"{t}_solution" for t in tasks]))

    ba.venv_on_path()
    env = {**os.environ, "COURSE_PROFILE": "ci", "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "COURSE_RESULTS_DIR": str(tmp_path / "results"), "COURSE_SAMPLES_DIR": str(tmp_path / "samples"),
           "COURSE_CHECKPOINT_DIR": str(tmp_path / "checkpoints")}
    run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", name, "--force"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=ba.COURSE_ID) as gb:
        scores = {s: {g.name: g.score for g in gb.find_submission_notebook(name, name, s).grades}
                  for s in ("untouched", "one_solved", "instructor")}
    assert scores["instructor"] == tasks, "the worked solutions must score full marks"
    assert scores["untouched"] == dict.fromkeys(tasks, 0), "an untouched release must score zero"
    assert scores["one_solved"] == {k: (p if k == first else 0) for k, p in tasks.items()}

    # The release runs top to bottom: the only errors are the NotImplementedErrors of unanswered tasks, and of
    # the empty cells that stand for worked solutions (a solution cell whose whole body was the answer).
    blanks = {ba.nbgrader_meta(c)["grade_id"] for c in release_nb.cells
              if ba.nbgrader_meta(c).get("solution") and c.source.lstrip().startswith("# YOUR CODE HERE")}
    for student, unsolved in (("untouched", set(tasks) | blanks), ("one_solved", (set(tasks) - {first}) | blanks),
                              ("instructor", blanks)):
        out = nbformat.read(root / "autograded" / student / name / f"{name}.ipynb", as_version=4)
        code = [c for c in out.cells if c.cell_type == "code" and c.source.strip()]
        assert all(c.execution_count for c in code), f"{student}: not every cell ran"
        errors = [(c, o) for c in code for o in c.outputs if o.output_type == "error"]
        assert all(o.ename == "NotImplementedError" for _, o in errors), [o.ename for _, o in errors]
        assert {ba.nbgrader_meta(c).get("grade_id") for c, _ in errors} == unsolved
    shutil.rmtree(root / "autograded")  # executed copies are large; tmp_path keeps only the rest


# ------------------------------------------------------------------------------------------ worked solutions

WORKED = "## Exercises: worked solutions"


def _exercise_numbers(nb) -> list[int]:
    """The numbers of the exercises listed in the notebook's "Summary · Exercises" cell."""
    summary = next(c.source for c in nb.cells if c.cell_type == "markdown" and "## Summary · Exercises" in c.source)
    listed = summary.split("**Exercises**", 1)[1]
    return [int(n) for n in re.findall(r"^(\d+)\. ", listed, flags=re.M)]


@pytest.mark.parametrize("name", graded())
def test_every_exercise_has_a_worked_solution(name: str) -> None:
    """Each listed exercise is answered in the worked-solutions section (the graded ones by a pointer to their
    task and an answer to what the task leaves open)."""
    nb = instructor(name)
    start = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and WORKED in c.source), None)
    if start is None:
        pytest.xfail(f"{name}: no worked solutions yet (#15)")
    section = "\n".join(c.source for c in nb.cells[start:])
    numbers = _exercise_numbers(nb)
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    named = {int(n) for m in re.finditer(r"Exercises? ((?:\d+(?:, | and |–))*\d+)", section)
             for n in re.findall(r"\d+", m.group(1))}
    assert not set(numbers) - named, f"{name}: no worked solution names exercise(s) {sorted(set(numbers) - named)}"
    solutions = [c for c in nb.cells[start:] if ba.nbgrader_meta(c).get("solution")]
    assert all(c.source.lstrip().startswith("### BEGIN SOLUTION") and c.source.rstrip().endswith("### END SOLUTION")
               for c in solutions), "a worked solution's whole body lies between the markers (the release empties it)"
