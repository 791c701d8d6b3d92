"""Render the course notebooks as reveal.js slides and as plain HTML pages, both working offline.

    python scripts/build_slides.py                          # slides and HTML, profile ci, every notebook
    python scripts/build_slides.py --to slides              # what `make slides` runs
    python scripts/build_slides.py --to html --profile full notebooks/03_vae.ipynb

1. **JavaScript, from local copies.** reveal.js 4, require.js, jQuery and MathJax 2.7 are npm packages
   (package.json, pinned in package-lock.json). They are installed into node_modules/ with `npm ci` when
   missing or out of date, and the files the pages load are copied into build/<slides|html>/_lib/, so each
   output folder is self-contained (copy it to a USB stick, open index.html, no network needed). No page
   loads anything from a CDN: tests/test_browser.py checks that in headless Chromium.
2. **Executed notebooks.** An executed copy in build/executed/<profile>/ (written by scripts/bench.py, or by
   an earlier run of this script) is reused when it is newer than the notebook and its .py and ran to the
   end without an error; otherwise the notebook is executed with nbclient on the kernel it declares.
3. **Rendering.** Slides: nbconvert's SlidesExporter (the cells' slideshow metadata: slide, subslide,
   fragment, skip, notes) into build/slides/NAME.slides.html; press `s` for the speaker view with the notes.
   HTML: nbconvert's HTMLExporter (lab template) into build/html/NAME.html. Each folder gets an index.html.

A notebook that fails to execute is still rendered (its traceback shows where), is marked FAILED in the
index, and makes the script exit with status 1.
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
TEMPLATES = Path(__file__).resolve().parent / "nbconvert_templates"
LIB = "_lib"  # folder name, inside each output folder, of the copied JavaScript

# What the pages load, relative to the output folder.
REVEAL_PREFIX = f"{LIB}/reveal.js"
REQUIRE_JS = f"{LIB}/require.js"
JQUERY = f"{LIB}/jquery.min.js"
# The configuration nbconvert's templates are written for (MathJax 2: CommonHTML output, TeX input).
MATHJAX = f"{LIB}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"

# Files copied from node_modules/ into <out>/_lib/ (source, destination); directories are copied whole.
LIB_FILES = [
    ("reveal.js/dist", "reveal.js/dist"),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes"),
    ("reveal.js/LICENSE", "reveal.js/LICENSE"),
    ("requirejs/require.js", "require.js"),
    ("jquery/dist/jquery.min.js", "jquery.min.js"),
    ("mathjax/MathJax.js", "mathjax/MathJax.js"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
    ("mathjax/config/TeX-AMS_CHTML-full.js", "mathjax/config/TeX-AMS_CHTML-full.js"),
    ("mathjax/config/Safe.js", "mathjax/config/Safe.js"),
    ("mathjax/extensions", "mathjax/extensions"),
    ("mathjax/jax/input/TeX", "mathjax/jax/input/TeX"),
    ("mathjax/jax/element", "mathjax/jax/element"),
    ("mathjax/jax/output/CommonHTML", "mathjax/jax/output/CommonHTML"),
    ("mathjax/fonts/HTML-CSS/TeX/woff", "mathjax/fonts/HTML-CSS/TeX/woff"),
    ("mathjax/fonts/HTML-CSS/TeX/otf", "mathjax/fonts/HTML-CSS/TeX/otf"),
]


# ---------------------------------------------------------------------------------------------------------
# JavaScript libraries
# ---------------------------------------------------------------------------------------------------------


def ensure_js_libs(quiet: bool = False) -> Path:
    """Install the npm packages of package-lock.json into node_modules/ unless they are already there.

    Returns:
        The node_modules folder.

    Raises:
        RuntimeError: when npm is missing (install Debian's `npm`, or Node.js 18+) or `npm ci` fails.
    """
    stamp = NODE_MODULES / ".package-lock.json"  # npm writes it after every successful install
    lock = ROOT / "package-lock.json"
    missing = [src for src, _ in LIB_FILES if not (NODE_MODULES / src).exists()]
    if not missing and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
        return NODE_MODULES
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is needed once, to install reveal.js, require.js, jQuery and MathJax into node_modules/ "
            "(Debian/Ubuntu: `sudo apt-get install npm`; macOS: `brew install node`)."
        )
    if not quiet:
        print("installing reveal.js, require.js, jQuery and MathJax with `npm ci` ...", flush=True)
    proc = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"`npm ci` failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    missing = [src for src, _ in LIB_FILES if not (NODE_MODULES / src).exists()]
    if missing:
        raise RuntimeError(f"`npm ci` ran but these files are missing from node_modules/: {missing}")
    return NODE_MODULES


def copy_libs(out_dir: Path) -> Path:
    """Copy the files the pages load from node_modules/ into ``out_dir/_lib/`` (skipped when up to date)."""
    lib = out_dir / LIB
    stamp = lib / ".copied-from"
    lock = (ROOT / "package-lock.json").read_text()
    if stamp.exists() and stamp.read_text() == lock:
        return lib
    if lib.exists():
        shutil.rmtree(lib)
    for src, dst in LIB_FILES:
        source, target = NODE_MODULES / src, lib / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        else:
            shutil.copy2(source, target)
    stamp.write_text(lock)
    return lib


# ---------------------------------------------------------------------------------------------------------
# Executed notebooks
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Executed:
    """An executed notebook and how it came to be."""

    source: Path
    nb: object  # nbformat.NotebookNode
    reused: bool
    seconds: float
    error: str | None


def first_error(nb) -> str | None:
    """The first error output of an executed notebook as ``"Name: value"``, or None."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def is_complete(nb) -> bool:
    """True when every non-empty code cell ran and none raised."""
    ran = all(c.get("execution_count") for c in nb.cells if c.cell_type == "code" and c.source.strip())
    return ran and first_error(nb) is None


def executed_path(src: Path, profile: str) -> Path:
    return ROOT / "build" / "executed" / profile / src.name


def fresh_executed_copy(src: Path, profile: str):
    """The executed copy of ``src`` if it is newer than the notebook and its .py and ran to the end, else None."""
    import nbformat

    cached = executed_path(src, profile)
    sources = [p for p in (src, src.with_suffix(".py")) if p.exists()]
    if not cached.exists() or cached.stat().st_mtime <= max(p.stat().st_mtime for p in sources):
        return None
    nb = nbformat.read(cached, as_version=4)
    return nb if is_complete(nb) else None


def save_executed(nb, outputs: list, src: Path, profile: str) -> Path | None:
    """Save ``nb`` with the outputs of a run that happened elsewhere (the notebook tests) as its executed copy.

    ``outputs`` holds one list of output nodes per code cell, or None for a cell that did not run. The copy is
    written (atomically) only when every cell ran and none raised, so :func:`execute` can reuse it.
    """
    import copy

    import nbformat
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if len(outputs) != len(code_cells) or any(o is None for o in outputs):
        return None
    if any(out.get("output_type") == "error" for outs in outputs for out in outs):
        return None
    nb = copy.deepcopy(nb)
    merge_streams = CoalesceStreamsPreprocessor()
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for count, (cell, outs) in enumerate(zip(code_cells, outputs), start=1):
        cell.outputs = [nbformat.from_dict(copy.deepcopy(dict(out))) for out in outs]
        cell.execution_count = count
        for out in cell.outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = count
        merge_streams.preprocess_cell(cell, {}, count)  # print's and tqdm's many small writes, as one output
    target = executed_path(src, profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return target


def execute(src: Path, profile: str, *, reexecute: bool = False, timeout: int = 1800, quiet: bool = False) -> Executed:
    """The executed version of ``src`` in ``profile``: reused from build/executed/<profile>/ or run now.

    The kernel is the one the notebook declares; ``COURSE_PROFILE`` is set to ``profile`` and headline figures
    go to a temporary folder (so a slides build never touches results/). The executed copy is written to
    build/executed/<profile>/, where scripts/bench.py also writes its copies.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = None if reexecute else fresh_executed_copy(src, profile)
    if nb is not None:
        return Executed(src, nb, reused=True, seconds=0.0, error=None)

    nb = nbformat.read(src, as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    if not quiet:
        print(f"executing {src.name} (profile {profile}, kernel {kernel}) ...", flush=True)
    saved = {k: os.environ.get(k) for k in ("COURSE_PROFILE", "COURSE_RESULTS_DIR")}
    error = None
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as results:
        os.environ["COURSE_PROFILE"] = profile
        os.environ["COURSE_RESULTS_DIR"] = results
        try:
            client = NotebookClient(
                nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": str(src.parent)}}
            )
            client.execute()
        except Exception as exc:  # CellExecutionError, timeouts, a dead kernel: render what ran, report it
            lines = str(exc).strip().splitlines()
            error = first_error(nb) or f"{type(exc).__name__}: {lines[-1] if lines else ''}"
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    seconds = time.perf_counter() - start
    cached = executed_path(src, profile)
    cached.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, cached)
    return Executed(src, nb, reused=False, seconds=seconds, error=error)


# ---------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------


REMOVE_TAG = "remove-cell"
SLIDES_REMOVE_INPUT_TAG = "slides-remove-input"
# The frame the decks are laid out for (16:10, a common projector); reveal.js scales it to the window.
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 800


def is_graded_cell(cell) -> bool:
    """True for a graded task's solution or test cell (nbgrader metadata with ``solution`` or ``grade``), and for
    a worked answer in prose (tagged ``instructor-only``)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("solution") or meta.get("grade")) or "instructor-only" in cell.get("metadata", {}).get("tags", [])


def _prepare(nb, *, slides: bool = False):
    """A copy of ``nb`` ready for a static page.

    Cells tagged ``remove-cell`` exist for the benchmark and the tests (the headline figures), not for the
    audience: they are left out of slides and pages (they stay in the notebook, where they run). On slides,
    code cells tagged ``slides-remove-input`` show only their output (a figure whose plotting code would push
    it off the frame); the HTML pages keep their code.
    Graded tasks' solution and test cells (nbgrader metadata) and worked answers (``instructor-only``) are left out
    of slides and pages too: a published page must not show the answers or the hidden tests (the task's text stays).
    Widget state (tqdm's notebook progress bars) is dropped: rendering it would load the widget manager from
    a CDN. Each widget output keeps its text fallback (the final state of the progress bar).
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if REMOVE_TAG not in c.get("metadata", {}).get("tags", [])
                and not is_graded_cell(c)]
    nb.metadata.pop("widgets", None)
    if slides:
        for cell in nb.cells:
            if cell.cell_type == "code" and SLIDES_REMOVE_INPUT_TAG in cell.get("metadata", {}).get("tags", []):
                cell.metadata.setdefault("transient", {})["remove_source"] = True
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "application/vnd.jupyter.widget-view+json" in data and len(data) > 1:
                del data["application/vnd.jupyter.widget-view+json"]
    return nb


def _common_config() -> dict:
    return {"require_js_url": REQUIRE_JS, "jquery_url": JQUERY, "mathjax_url": MATHJAX}


def render_slides(nb, name: str, out_dir: Path) -> Path:
    """Write ``out_dir/NAME.slides.html`` (reveal.js, local libraries) and return its path."""
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.update(_common_config())
    config.SlidesExporter.reveal_url_prefix = REVEAL_PREFIX
    config.SlidesExporter.reveal_theme = "white"  # its fonts are local (nbconvert's default, simple, loads Google Fonts)
    config.SlidesExporter.reveal_scroll = True  # a tall output scrolls instead of running off the slide
    config.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    config.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    exporter = SlidesExporter(config=config, extra_template_basedirs=[str(TEMPLATES)], template_name="course_reveal")
    body, _ = exporter.from_notebook_node(_prepare(nb, slides=True), resources={"metadata": {"name": name}})
    path = out_dir / f"{name}.slides.html"
    path.write_text(body, encoding="utf-8")
    return path


def render_html(nb, name: str, out_dir: Path) -> Path:
    """Write ``out_dir/NAME.html`` (the whole executed notebook, local MathJax) and return its path."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.update(_common_config())
    exporter = HTMLExporter(config=config, template_name="lab")
    body, _ = exporter.from_notebook_node(_prepare(nb), resources={"metadata": {"name": name}})
    path = out_dir / f"{name}.html"
    path.write_text(body, encoding="utf-8")
    return path


def title_of(nb, fallback: str) -> tuple[str, str]:
    """The notebook's title (its first ``# `` heading) and its **Question.** line, if any."""
    title, question = fallback, ""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# ") and title == fallback:
                title = line[2:].strip()
            elif line.startswith("**Question.**") and not question:
                question = line.removeprefix("**Question.**").strip()
        if title != fallback:
            break
    return title, question


INDEX_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{heading}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
li {{ margin: 0.6rem 0; }} .question {{ color: #444; }} .failed {{ color: #b00020; font-weight: bold; }}
small {{ color: #666; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<p>{intro}</p>
<ul>
{items}
</ul>
<p><small>Executed in the <code>{profile}</code> profile; built {built} by <code>scripts/build_slides.py</code>.</small></p>
</body>
</html>
"""


def write_index(out_dir: Path, kind: str, entries: list[dict], profile: str) -> Path:
    """Write ``out_dir/index.html`` linking every rendered notebook."""
    items = []
    for e in entries:
        failed = f' <span class="failed">FAILED: {html.escape(e["error"])}</span>' if e["error"] else ""
        question = f'<br><span class="question">{html.escape(e["question"])}</span>' if e["question"] else ""
        items.append(f'<li><a href="{html.escape(e["file"])}">{html.escape(e["title"])}</a>{failed}{question}</li>')
    if kind == "slides":
        heading = "Course slides"
        intro = ("reveal.js slides of the executed notebooks. Arrow keys move, <kbd>s</kbd> opens the speaker "
                 "view with the notes, <kbd>Esc</kbd> the overview. Everything loads from this folder; no network needed.")
    else:
        heading = "Course notebooks (read-only HTML)"
        intro = "The executed notebooks, with their outputs, for reading without Jupyter. No network needed."
    page = INDEX_PAGE.format(
        heading=heading, intro=intro, items="\n".join(items), profile=html.escape(profile),
        built=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def build(notebooks: list[Path], profile: str, kinds: list[str], *, out_root: Path | None = None,
          reexecute: bool = False, timeout: int = 1800, quiet: bool = False) -> dict[str, list[dict]]:
    """Execute (or reuse) each notebook and render it into ``out_root/<kind>/`` for each kind.

    Returns:
        For each kind, one entry per notebook: name, title, question, file (relative to the folder),
        path, error (None when it ran to the end), reused, seconds.
    """
    out_root = out_root or ROOT / "build"
    ensure_js_libs(quiet=quiet)
    out_dirs = {}
    for kind in kinds:
        out_dirs[kind] = out_root / kind
        out_dirs[kind].mkdir(parents=True, exist_ok=True)
        copy_libs(out_dirs[kind])
    entries: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for src in notebooks:
        src = src.resolve()
        run = execute(src, profile, reexecute=reexecute, timeout=timeout, quiet=quiet)
        title, question = title_of(run.nb, src.stem)
        how = "reused build/executed copy" if run.reused else f"executed in {run.seconds:.0f} s"
        for kind in kinds:
            render = render_slides if kind == "slides" else render_html
            path = render(run.nb, src.stem, out_dirs[kind])
            entries[kind].append({
                "name": src.stem, "title": title, "question": question, "file": path.name, "path": path,
                "error": run.error, "reused": run.reused, "seconds": run.seconds,
            })
            if not quiet:
                status = f"FAILED ({run.error})" if run.error else "ok"
                print(f"  {path.relative_to(out_root.parent) if out_root.parent in path.parents else path}"
                      f"  [{how}; {status}]", flush=True)
    for kind in kinds:
        index = write_index(out_dirs[kind], kind, entries[kind], profile)
        if not quiet:
            print(f"wrote {index}")
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to render (default: all)")
    parser.add_argument("--profile", default=os.environ.get("PROFILE", "ci"), choices=["ci", "full"])
    parser.add_argument("--to", choices=["slides", "html", "both"], default="both")
    parser.add_argument("--reexecute", action="store_true", help="ignore executed copies in build/executed/")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)

    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    kinds = ["slides", "html"] if args.to == "both" else [args.to]
    try:
        entries = build(notebooks, args.profile, kinds, reexecute=args.reexecute, timeout=args.timeout)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = sorted({e["name"] for kind in kinds for e in entries[kind] if e["error"]})
    if failed:
        print(f"error: {len(failed)} notebook(s) raised while executing: {', '.join(failed)} "
              "(rendered anyway; see the traceback in the page)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
