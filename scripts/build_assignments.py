"""Build the student release of the graded notebooks with nbgrader (what `make assignments` runs).

    python scripts/build_assignments.py                      # every notebook with graded tasks
    python scripts/build_assignments.py notebooks/08_gan_numpy_backprop.ipynb
    python scripts/build_assignments.py --course-dir ~/teaching/dgm-2027   # a real term's course folder

The notebooks in notebooks/ are the instructor version: each graded task is a solution cell (the worked
answer between the nbgrader solution markers) and a locked test cell that holds the points (visible asserts,
plus hidden ones). This script

1. copies each graded notebook into the nbgrader course folder as ``source/<NN>/<NN>.ipynb``, without its
   jupytext metadata and without cells tagged ``instructor-only``, and tags every test cell (and any solution
   cell whose whole body is a solution) ``raises-exception``: in the release those cells raise
   ``NotImplementedError`` until the student answers, and the tag lets Run All, nbval and the autograder go on
   past them. The tag is never put in notebooks/, where it would hide a failing assert from nbval;
2. runs ``nbgrader generate_assignment`` (solutions become ``raise NotImplementedError()``, hidden tests are
   removed, outputs cleared; the gradebook keeps the full tests for autograding);
3. copies the release to ``build/release/<NN>/`` with a ``jupytext.toml`` that pairs nothing (the repository's
   pairing would otherwise write a .py beside each release notebook), and checks it (:func:`check_release`).

Autograding a collected submission: see README, "Assignments (nbgrader)".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COURSE_DIR = ROOT / "build" / "nbgrader"
RELEASE_DIR = ROOT / "build" / "release"
COURSE_ID = "deep-generative-course"
TAG = "raises-exception"
INSTRUCTOR_ONLY = "instructor-only"
CELL_TIMEOUT = 3600  # seconds per cell when autograding (nbgrader's default of 30 s is shorter than a training cell)
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
STUB = "raise NotImplementedError()"
CODE_STUB = f"# YOUR CODE HERE\n{STUB}"  # what a solution region becomes in the release

CONFIG = f"""\
# Written by scripts/build_assignments.py; the nbgrader command line reads it from this folder.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {COURSE_ID!r}
c.Execute.timeout = {CELL_TIMEOUT}
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
"""


def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata ({} for an ordinary cell)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_graded_notebook(path: Path) -> bool:
    """True if the notebook has at least one graded test cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(nbgrader_meta(c).get("grade") for c in nb["cells"])


def graded_notebooks() -> list[Path]:
    """notebooks/NN_*.ipynb with graded tasks, in course order."""
    return [p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) if is_graded_notebook(p)]


def write_config(root: Path) -> None:
    """Create the course folder and its nbgrader_config.py."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")


def source_copy(src: Path, root: Path) -> Path:
    """Write the instructor notebook as nbgrader's source, ``<root>/source/<NN>/<NN>.ipynb``, and return it."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    nb.metadata.pop("jupytext", None)
    nb.cells = [c for c in nb.cells if INSTRUCTOR_ONLY not in c.metadata.get("tags", [])]
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        whole_stub = meta.get("solution") and re.match(r"\s*### BEGIN SOLUTION", cell.source)
        if cell.cell_type == "code" and (meta.get("grade") or whole_stub):
            tags = cell.metadata.setdefault("tags", [])
            if TAG not in tags:
                tags.append(TAG)
    out = root / "source" / src.stem / src.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def venv_on_path() -> None:
    """Put this interpreter's bin folder first on PATH: nbgrader runs its database migrations as the command
    ``alembic``, which lies in the virtual environment's bin folder and is not found otherwise."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def api(root: Path):
    """An NbGraderAPI on the course folder ``root``."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    venv_on_path()

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.Execute.timeout = CELL_TIMEOUT
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    return NbGraderAPI(config=c)


def build(notebooks: list[Path] | None = None, root: Path = COURSE_DIR, release: Path = RELEASE_DIR) -> list[Path]:
    """Generate the release of ``notebooks`` (default: every graded one); return the released notebooks' paths."""
    notebooks = graded_notebooks() if notebooks is None else notebooks
    if not notebooks:
        raise SystemExit("no notebook in notebooks/ has graded tasks")
    write_config(root)
    grader = api(root)
    released = []
    for src in notebooks:
        source_copy(src, root)
        result = grader.generate_assignment(src.stem, force=True, create=True)
        if not result["success"]:
            raise SystemExit(f"nbgrader could not release {src.name}:\n{result.get('error')}\n{result.get('log')}")
        out_dir = release / src.stem
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(root / "release" / src.stem, out_dir)
        out = out_dir / src.name
        check_release(out, src)
        released.append(out)
    (release / "jupytext.toml").write_text("# The student release is not paired with .py files.\n", encoding="utf-8")
    return released


def solution_lines(source: str) -> list[str]:
    """The lines of ``source`` inside solution or hidden-test regions (markers excluded)."""
    lines, inside = [], False
    for line in source.splitlines():
        text = line.strip()
        if text.startswith("### BEGIN SOLUTION") or text.startswith("### BEGIN HIDDEN TESTS"):
            inside = True
        elif text.startswith("### END SOLUTION") or text.startswith("### END HIDDEN TESTS"):
            inside = False
        elif inside:
            lines.append(text)
    return lines


def check_release(released: Path, instructor: Path) -> None:
    """Raise ``SystemExit`` unless ``released`` is a clean student copy of ``instructor``.

    Clean means: valid nbgrader metadata with checksums; no marker, no instructor-only cell and no line of a
    solution or hidden test left (a line of 20 characters or more that appears nowhere else in the notebook);
    every solution replaced by the stub; every test cell tagged ``raises-exception``; no outputs; no jupytext
    metadata; the same graded cells, in the same order, as the instructor version.
    """
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.utils import compute_checksum

    problems = []
    nb = nbformat.read(released, as_version=4)
    teacher = nbformat.read(instructor, as_version=4)
    try:
        MetadataValidator().validate_nb(nb)
    except Exception as err:  # nbgrader raises its own ValidationError types
        problems.append(f"invalid nbgrader metadata: {err}")
    if "jupytext" in nb.metadata:
        problems.append("jupytext metadata left in the release (it would pair the student's copy)")
    public = "\n".join(c.source for c in teacher.cells if not nbgrader_meta(c))
    secret = {line for c in teacher.cells for line in solution_lines(c.source) if len(line) >= 20 and line not in public}
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        where = f"cell {i} ({meta.get('grade_id', cell.cell_type)})"
        if any(m in cell.source for m in MARKERS):
            problems.append(f"{where}: a solution or hidden-test marker survived")
        if INSTRUCTOR_ONLY in cell.metadata.get("tags", []):
            problems.append(f"{where}: an instructor-only cell survived")
        leaked = [line for line in cell.source.splitlines() if line.strip() in secret]
        if leaked:
            problems.append(f"{where}: instructor line(s) survived: {leaked[:2]}")
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            problems.append(f"{where}: has outputs")
        if meta and meta.get("checksum") != compute_checksum(cell):
            problems.append(f"{where}: checksum missing or wrong")
        if meta.get("solution") and cell.cell_type == "code" and STUB not in cell.source:
            problems.append(f"{where}: the solution was not replaced by the stub")
        if meta.get("grade") and TAG not in cell.metadata.get("tags", []):
            problems.append(f"{where}: a test cell is not tagged {TAG}")
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    teacher_ids = [nbgrader_meta(c).get("grade_id") for c in teacher.cells
                   if nbgrader_meta(c) and INSTRUCTOR_ONLY not in c.metadata.get("tags", [])]
    if ids != teacher_ids:
        problems.append(f"graded cells differ from the instructor version: {ids} vs {teacher_ids}")
    if problems:
        raise SystemExit(f"{released}: the release is not clean:\n  " + "\n  ".join(problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="instructor notebooks (default: every graded one)")
    parser.add_argument("--course-dir", type=Path, default=COURSE_DIR, help="nbgrader course folder")
    parser.add_argument("--release-dir", type=Path, default=RELEASE_DIR, help="where the student copies go")
    args = parser.parse_args(argv)
    released = build([p.resolve() for p in args.notebooks] or None, args.course_dir.resolve(), args.release_dir.resolve())
    for path in released:
        print(f"released {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"course folder (gradebook, source, release): {args.course_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
