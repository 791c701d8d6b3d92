"""The student's and the instructor's paths, in a real browser (headless Chromium).

1. ``test_slides_offline``: the reveal.js slides of 00_getting_started (executed in the ci profile) open from
   disk, Reveal initialises, the arrow keys move through the slides, MathJax typesets, the images load, and
   the browser asks nothing of the network.
2. ``test_jupyterlab_runs_getting_started``: JupyterLab on 127.0.0.1 opens a temporary copy of
   00_getting_started, *Run → Run All Cells* runs it on the kernel it declares, no cell raises, the digit
   grid appears, and the server shuts down cleanly.

Chromium and its driver are Debian's (``chromium``, ``chromium-driver``; .ci/run installs them). Selenium is
given the driver's path, so Selenium Manager never downloads a browser or a driver. Without them the tests
skip and say what to install. Screenshots go to build/test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
NOTEBOOK = ROOT / "notebooks" / "00_getting_started.ipynb"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Requests the pages may make: their own files, inline data, and the local Jupyter server
# (chrome:// is the browser's own built-in pages, e.g. the blank tab it starts with).
LOCAL_PREFIXES = ("file://", "data:", "blob:", "about:", "chrome://", "http://127.0.0.1:", "ws://127.0.0.1:")

pytestmark = pytest.mark.browser

sys.path.insert(0, str(ROOT / "scripts"))


def _browser_or_skip() -> None:
    chromium = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    driver = CHROMEDRIVER if os.access(CHROMEDRIVER, os.X_OK) else shutil.which("chromedriver")
    missing = [pkg for pkg, path in (("chromium", chromium), ("chromium-driver", driver)) if not path]
    if missing:
        pytest.skip(
            f"headless browser tests need Debian's {' and '.join(missing)} "
            f"(sudo apt-get install {' '.join(missing)}; .ci/run installs them)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (it is in pyproject.toml: `make setup` installs it)")


def _binary(default: str, name: str) -> str:
    return default if os.access(default, os.X_OK) else shutil.which(name)


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium through Debian's chromedriver, logging every network request."""
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _binary(CHROMIUM, "chromium")
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        "--window-size=1280,900", f"--user-data-dir={tmp_path / 'chromium-profile'}",
        # Belt and braces: a name that is not 127.0.0.1 does not resolve, so nothing can leave the machine.
        # The request log below is what the tests check; this only makes a leak fail instead of hang.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(executable_path=_binary(CHROMEDRIVER, "chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.requests_seen = []
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    """Every URL the browser has requested since the last call (from the DevTools performance log)."""
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            driver.requests_seen.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            driver.requests_seen.append(message["params"]["url"])
    return driver.requests_seen


def assert_only_local_requests(driver) -> None:
    urls = requested_urls(driver)
    assert urls, "the request log is empty: the check would pass vacuously"
    remote = sorted({u for u in urls if not u.startswith(LOCAL_PREFIXES)})
    assert not remote, f"the page requested non-local URLs: {remote}"


def wait_for(driver, script: str, timeout: float, what: str):
    """Poll a JavaScript expression until it is truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return {script}")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


# ---------------------------------------------------------------------------------------------------------
# 1. Slides
# ---------------------------------------------------------------------------------------------------------

FORMULA_CELL = (
    "## Formula check\n"
    "Added by tests/test_browser.py because this notebook has no formula: "
    "$\\hat{p}(d) = \\frac{1}{n}\\sum_{i=1}^{n} [y_i = d]$ and\n"
    "$$\\max_d \\left| \\hat{p}_\\text{train}(d) - \\hat{p}_\\text{val}(d) \\right|.$$"
)


def has_math(nb) -> bool:
    """True when a markdown cell holds a TeX formula ($...$, $$...$$, \\(...\\)), code spans aside."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"```.*?```|`[^`]*`", "", cell.source, flags=re.S)
            if re.search(r"\$\$.+?\$\$|\$[^$\s][^$]*?\$|\\\(.+?\\\)", text, flags=re.S):
                return True
    return False


@pytest.fixture(scope="module")
def slides(tmp_path_factory):
    """00_getting_started executed in the ci profile and rendered as slides with the local libraries."""
    _browser_or_skip()
    import nbformat
    import build_slides

    try:
        build_slides.ensure_js_libs(quiet=True)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    run = build_slides.execute(NOTEBOOK, "ci", quiet=True)
    assert run.error is None, f"00_getting_started raised in the ci profile: {run.error}"
    nb = run.nb
    if not has_math(nb):  # the math check needs a formula; use the notebook's own when it has one
        nb = nbformat.from_dict(json.loads(json.dumps(nb)))
        nb.cells.insert(-1, nbformat.v4.new_markdown_cell(FORMULA_CELL, metadata={"slideshow": {"slide_type": "slide"}}))
    out = tmp_path_factory.mktemp("slides")
    build_slides.copy_libs(out)
    return build_slides.render_slides(nb, NOTEBOOK.stem, out)


@pytest.mark.after_notebooks  # reuses the notebook tests' executed copy of 00 instead of running it again
def test_slides_offline(browser, slides):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    requested_urls(browser).clear()  # forget the start-up tab
    browser.get(slides.as_uri())
    wait_for(browser, "document.querySelector('.reveal.ready') !== null", 30, "Reveal to initialise")
    n_slides = browser.execute_script("return document.querySelectorAll('.reveal .slides > section').length")
    assert n_slides >= 5, f"only {n_slides} horizontal slides: is the slide metadata there?"

    # Math: MathJax 2 has typeset every formula (CommonHTML output) without an error.
    wait_for(browser, "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 "
             "&& MathJax.Hub.queue.running === 0 && document.querySelectorAll('.MathJax_CHTML').length > 0",
             30, "MathJax to typeset the formulas")
    assert browser.execute_script("return document.querySelectorAll('.MathJax_Error, merror').length") == 0
    screenshot(browser, "slides-00-title")

    # Move through the first slides with the keyboard, as a speaker would.
    body = browser.find_element(By.TAG_NAME, "body")
    seen = [browser.execute_script("return location.hash")]
    for step in range(1, 6):
        body.send_keys(Keys.ARROW_RIGHT if step % 2 else Keys.SPACE)
        time.sleep(0.6)  # the slide transition
        seen.append(browser.execute_script("return location.hash"))
        screenshot(browser, f"slides-00-step{step}")
    assert len(set(seen)) == len(seen), f"the keys did not move to a new slide each time: {seen}"

    # Images: the digit grids are there and decoded.
    images = browser.execute_script(
        "return Array.from(document.querySelectorAll('.reveal .slides img'))"
        ".map(i => [i.complete, i.naturalWidth, i.src.slice(0, 30)])"
    )
    assert len(images) >= 2, f"expected the digit grid and the class means, found {len(images)} images"
    assert all(done and width > 0 for done, width, _ in images), f"images that did not load: {images}"

    # Keep going (space: next slide, subslides included) to the digit grid and to a formula.
    body.send_keys(Keys.HOME)  # back to the title slide
    time.sleep(0.6)
    for css, name in (("img", "slides-00-digit-grid"), (".MathJax_CHTML", "slides-00-formula")):
        for _ in range(40):
            if browser.execute_script(f"return document.querySelector('section.present {css}') !== null"):
                break
            body.send_keys(Keys.SPACE)
            time.sleep(0.3)
        else:
            raise AssertionError(f"no slide shows {css!r}")
        time.sleep(0.6)
        screenshot(browser, name)

    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, f"the browser console reported errors: {errors}"
    assert_only_local_requests(browser)


# ---------------------------------------------------------------------------------------------------------
# 2. JupyterLab
# ---------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(base: str, token: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return json.loads(body) if body else None


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on 127.0.0.1 (free port, random token) serving a temporary copy of 00_getting_started.

    Runs inside the course environment (this interpreter's venv, its registered kernels) with the ci
    profile, and with configuration, runtime files, settings and workspaces in temporary folders, so
    neither the repository nor the user's Jupyter set-up is touched. Shut down through the REST API.
    """
    _browser_or_skip()
    import psutil

    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy2(NOTEBOOK, root / NOTEBOOK.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "COURSE_PROFILE": "ci",
        "COURSE_RESULTS_DIR": str(tmp_path / "results"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = (tmp_path / "jupyter.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}",  # news and update checks: off by the environment's overrides.json
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],  # CI containers run as root
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    lab = {"base": base, "token": token, "root": root, "server": server, "log": tmp_path / "jupyter.log"}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _api(base, token, "/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"JupyterLab did not start:\n{lab['log'].read_text()[-3000:]}")
                time.sleep(0.5)
        yield lab
    finally:
        if server.poll() is None:  # the test did not shut it down itself: stop the server anyway
            children = psutil.Process(server.pid).children(recursive=True)
            try:  # the clean way first (kernels shut down too); two SIGINTs can miss Jupyter's confirm prompt
                _api(base, token, "/api/shutdown", method="POST")
                server.wait(15)
            except (OSError, subprocess.TimeoutExpired):
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
            for child in children:
                if child.is_running():
                    child.kill()
        log.close()


def _click_menu(driver, menu: str, command: str) -> None:
    """Click a main-menu entry (e.g. Run → Run All Cells), identified by its JupyterLab command id."""
    from selenium.webdriver.common.by import By

    for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item"):
        if item.text.strip() == menu:
            item.click()
            break
    else:
        raise AssertionError(f"no {menu!r} menu in JupyterLab's menu bar")
    try:
        entry = wait_for(driver, f"document.querySelector('.lm-Menu li[data-command=\"{command}\"]')", 10,
                         f"{menu} → {command} in the menu")
    except AssertionError:
        items = driver.execute_script("return Array.from(document.querySelectorAll('.lm-Menu li'))"
                                      ".map(li => (li.dataset.command || '') + ' ' + li.textContent.trim())")
        raise AssertionError(f"no {command!r} in the {menu} menu; its entries: {items}") from None
    entry.click()


def test_jupyterlab_runs_getting_started(browser, jupyterlab):
    import nbformat
    import psutil

    before = NOTEBOOK.read_bytes()
    base, token = jupyterlab["base"], jupyterlab["token"]
    expected = nbformat.read(NOTEBOOK, as_version=4).metadata.kernelspec
    assert expected.name == "course", "00_getting_started should declare the Course (CPU) kernel"

    requested_urls(browser).clear()
    browser.get(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
    wait_for(browser, "document.querySelectorAll('.jp-Notebook .jp-CodeCell').length > 0", 90, "the notebook to open")

    def kernel_state():
        sessions = [s for s in _api(base, token, "/api/sessions") if s["path"].endswith(NOTEBOOK.name)]
        return (sessions[0]["kernel"]["name"], sessions[0]["kernel"]["execution_state"]) if sessions else (None, None)

    deadline = time.monotonic() + 60
    while kernel_state()[1] != "idle":
        assert time.monotonic() < deadline, f"the kernel did not start: {kernel_state()}"
        time.sleep(0.5)
    name, _ = kernel_state()
    assert name == expected.name, f"JupyterLab started kernel {name!r}, the notebook declares {expected.name!r}"
    shown = wait_for(browser, "(document.querySelector('.jp-NotebookPanel-toolbar .jp-KernelName, "
                     ".jp-Toolbar-kernelName') || {}).textContent", 30, "the kernel name in the toolbar")
    assert expected.display_name in shown, f"the toolbar shows kernel {shown!r}"
    screenshot(browser, "lab-00-opened")

    # Run → Run All Cells, as a student would.
    _click_menu(browser, "Run", "runmenu:run-all")
    prompts = ("Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt'))"
               ".map(p => p.textContent.trim())")
    # Run All has ended when no cell is queued or running ([*]) and the kernel is idle, twice in a row:
    # either every cell ran, or a cell raised and JupyterLab dropped the rest of the queue (reported below).
    deadline, calm = time.monotonic() + 240, 0
    while calm < 2:
        shown = browser.execute_script(f"return {prompts}")
        started = any(p[1:-2].isdigit() for p in shown)
        calm = calm + 1 if started and "[*]:" not in shown and kernel_state()[1] == "idle" else 0
        assert time.monotonic() < deadline, f"Run All did not finish in time; prompts: {shown}"
        time.sleep(1)
    screenshot(browser, "lab-00-after-run-all")
    # Nothing in the way: no dialog (e.g. "Select Kernel") and no notification (e.g. the news prompt).
    popups = browser.execute_script(
        "return Array.from(document.querySelectorAll('.jp-Dialog, .Toastify__toast')).map(e => e.innerText.slice(0, 120))")
    assert not popups, f"a dialog or notification is showing: {popups}"

    # File → Save, then read what the interface ran: every cell executed, none raised, images produced.
    copy = jupyterlab["root"] / NOTEBOOK.name
    saved_before = copy.stat().st_mtime
    _click_menu(browser, "File", "docmanager:save")
    deadline = time.monotonic() + 30
    while copy.stat().st_mtime == saved_before:
        assert time.monotonic() < deadline, "File → Save did not write the notebook"
        time.sleep(0.5)
    time.sleep(0.5)
    nb = nbformat.read(copy, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"cells raised: {[(o.ename, o.evalue) for o in errors]}"
    assert all(c.execution_count for c in code), "some cells did not run"
    grid = next(c for c in code if "image_grid(mnist.x_train" in c.source)
    assert any("image/png" in o.get("data", {}) for o in grid.outputs), "the digit grid did not appear"
    report = "".join(o.get("text", "") for c in code for o in c.outputs if o.output_type == "stream")
    shown = json.dumps([c.outputs for c in code])
    plumbing = [word for word in (*PLUMBING, "PosixPath", "headline") if word in shown]
    assert not plumbing, f"test plumbing in the outputs a student sees: {plumbing}"
    assert f"kernel {expected.name}" in report and "profile ci" in report, f"runtime.report() said: {report[:300]}"
    assert nb.metadata.kernelspec.name == expected.name

    # The digit grid: on screen and decoded.
    images = browser.execute_script(
        "return Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
        ".map(i => [i.complete, i.naturalWidth])"
    )
    assert len(images) >= 2, f"expected the digit grid and the class means, found {len(images)} images"
    assert all(done and width > 0 for done, width in images), f"images that did not load: {images}"
    browser.execute_script("document.querySelector('.jp-OutputArea-output img').scrollIntoView({block: 'center'})")
    time.sleep(0.5)
    screenshot(browser, "lab-00-digit-grid")

    assert_only_local_requests(browser)
    assert NOTEBOOK.read_bytes() == before, "the repository's notebook was modified"

    # Shut the server down through its API: kernels are stopped and the process exits with status 0.
    server = jupyterlab["server"]
    children = psutil.Process(server.pid).children(recursive=True)
    assert children, "no kernel process under the server"
    _api(base, token, "/api/shutdown", method="POST")
    assert server.wait(60) == 0, f"jupyter exited with {server.returncode}"
    time.sleep(0.5)
    alive = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left running after the server stopped: {alive}"


# ---------------------------------------------------------------------------------------------------------
# 3. Every deck, slide by slide: nothing clipped sideways, no test plumbing, figures on their slide
# ---------------------------------------------------------------------------------------------------------

# Text that only the test suite or the benchmark needs; an audience must never see it.
PLUMBING = ("save_headline", "NBVAL", "nbval-", "expected_outputs", "COURSE_RESULTS_DIR", "BEGIN SOLUTION",
            "HIDDEN TESTS", "NotImplementedError")

# A figure that starts in the bottom quarter of the frame is mostly off the slide: the presenter has to scroll
# to show it. Put it on a subslide of its own (`slideshow={"slide_type": "subslide"}` on its cell).
FIGURE_START_MAX = 0.75

# Shows slide (h, v) and answers once it has settled. The deck's own script re-typesets the math of a slide when
# it is shown, after the slide change returns: until every formula on the slide has its rendered frame, the raw
# TeX is shorter than the typeset math and everything below it sits higher than it will (one slide of 09
# measured 589 px, then 682 px a second later). Answers false if the math is not typeset within 20 s.
SHOW_SLIDE_JS = """
const [h, v, done] = arguments;
window.deck.slide(h, v);
const typeset = () => Array.from(window.deck.getCurrentSlide().querySelectorAll('script[type^="math/tex"]')).every(s => {
  const frame = s.id && document.getElementById(s.id + '-Frame'); return frame && frame.offsetHeight > 0; });
const start = performance.now();
(function check() {
  if (typeset()) requestAnimationFrame(() => done(true));
  else if (performance.now() - start > 20000) done(false);
  else setTimeout(check, 20);
})();
"""

# Runs in the browser on the slide that is showing. Returns one entry per problem:
# [kind, detail], kind "clipped" (a box whose content is wider than the box), "plumbing" or "figure-below".
LAYOUT_JS = """
const slide = window.deck.getCurrentSlide();
const problems = [];
const frame = document.querySelector('.reveal').getBoundingClientRect();
for (const el of [slide, ...slide.querySelectorAll('*')]) {
  if (el.tagName === 'svg' || el.closest('svg, .MathJax_CHTML, mjx-container, .MathJax_Preview')) continue;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') continue;
  const overflowing = el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0;
  const clips = ['hidden', 'auto', 'scroll', 'clip'].includes(style.overflowX) || el === slide;
  if (overflowing && clips) {
    problems.push(['clipped', `${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 2).join('.')} ` +
                   `${el.scrollWidth}px in ${el.clientWidth}px: ` + (el.innerText || '').trim().split('\\n')[0].slice(0, 80)]);
  }
}
const text = slide.innerText || '';
for (const word of arguments[0]) {
  if (text.includes(word)) problems.push(['plumbing', word]);
}
for (const img of slide.querySelectorAll('img')) {
  const top = img.getBoundingClientRect().top - slide.getBoundingClientRect().top;
  if (top > frame.height * arguments[1]) {
    problems.push(['figure-below', `image starts ${Math.round(top)}px down a ${Math.round(frame.height)}px frame`]);
  }
}
const heading = slide.querySelector('h1, h2, h3');
return [heading ? heading.innerText.trim().slice(0, 60) : '(no heading)', problems];
"""


def executed_decks() -> list:
    """The ci-executed copy of every notebook (written by the notebook tests or `make slides`), or skip."""
    import build_slides

    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing, decks = [], []
    for nb_path in notebooks:
        nb = build_slides.fresh_executed_copy(nb_path, "ci")
        if nb is None:
            missing.append(nb_path.stem)
        else:
            decks.append((nb_path.stem, nb))
    if missing:
        pytest.skip(f"no fresh, complete ci-executed copy of {', '.join(missing)} in build/executed/ci/: "
                    "run the notebooks first (`make test` runs them before this test, or `make slides`)")
    return decks


@pytest.mark.after_notebooks
def test_every_slide_fits_its_frame(browser, tmp_path):
    """All decks at 1280×800: no slide clips code or output sideways, shows plumbing, or pushes a figure off it."""
    _browser_or_skip()
    import build_slides

    try:
        build_slides.ensure_js_libs(quiet=True)
    except RuntimeError as exc:
        pytest.skip(str(exc))
    decks = executed_decks()
    build_slides.copy_libs(tmp_path)
    browser.set_window_size(1280, 800)
    report, n_slides = [], 0
    for name, nb in decks:
        path = build_slides.render_slides(nb, name, tmp_path)
        browser.get(path.as_uri())
        wait_for(browser, "document.querySelector('.reveal.ready') !== null", 30, f"Reveal to initialise ({name})")
        # The page loads reveal.js as a require.js module, not a global: ask require.js for the same instance.
        browser.set_script_timeout(30)
        browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            f"require(['{build_slides.REVEAL_PREFIX}/dist/reveal.js'], R => {{ window.deck = R; done(true); }});")
        browser.execute_script("deck.configure({transition: 'none', backgroundTransition: 'none'})")
        indices = browser.execute_script("return deck.getSlides().map(s => deck.getIndices(s))")
        for idx in indices:
            where = f"{idx['h']}.{idx.get('v') or 0}"
            assert browser.execute_async_script(SHOW_SLIDE_JS, idx["h"], idx.get("v") or 0), \
                f"MathJax did not typeset slide {where} of {name} within 20 s"
            title, problems = browser.execute_script(LAYOUT_JS, list(PLUMBING), FIGURE_START_MAX)
            n_slides += 1
            report += [f"{name} {where} '{title}': {kind}: {detail}" for kind, detail in problems]
    assert n_slides > 100, f"only {n_slides} slides in {len(decks)} decks: did the decks render?"
    assert not report, f"{len(report)} problems on the slides:\n" + "\n".join(report)


# ---------------------------------------------------------------------------------------------------------
# 4. Live slides in JupyterLab (jupyterlab-rise)
# ---------------------------------------------------------------------------------------------------------


def test_rise_presents_a_notebook_live(browser, jupyterlab):
    """An instructor opens a notebook in JupyterLab and starts RISE's slideshow from the toolbar: the slides
    come from the notebook's slide metadata, the kernel runs behind them, and nothing loads from the network."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base, token = jupyterlab["base"], jupyterlab["token"]
    requested_urls(browser).clear()
    browser.get(f"{base}/lab/tree/{NOTEBOOK.name}?token={token}")
    wait_for(browser, "document.querySelectorAll('.jp-Notebook .jp-CodeCell').length > 0", 90, "the notebook to open")
    try:
        button = wait_for(browser, "document.querySelector('.jp-NotebookPanel-toolbar [data-jp-item-name=\"RISE-button\"] "
                          "jp-button')", 30, "RISE's slideshow button in the notebook toolbar")
    except AssertionError:
        items = browser.execute_script("return Array.from(document.querySelectorAll('.jp-NotebookPanel-toolbar > *'))"
                                       ".map(e => e.dataset.jpItemName)")
        raise AssertionError(f"no RISE button in the notebook toolbar; its items: {items}") from None
    windows = set(browser.window_handles)
    button.click()
    # RISE opens the slideshow in a new browser tab, or in a panel beside the notebook (an iframe): follow either.
    frame = "document.querySelector('iframe[src*=\"/rise/\"]')"
    deadline = time.monotonic() + 30
    while set(browser.window_handles) == windows and not browser.execute_script(f"return {frame}"):
        assert time.monotonic() < deadline, "the RISE button opened nothing"
        time.sleep(0.5)
    new = set(browser.window_handles) - windows
    if new:
        browser.switch_to.window(new.pop())
        assert "/rise/" in browser.current_url, f"the slideshow opened {browser.current_url}"
    else:
        browser.switch_to.frame(browser.execute_script(f"return {frame}"))
    n = wait_for(browser, "document.querySelectorAll('.reveal .slides > section').length", 90, "RISE's slides")
    assert n >= 5, f"only {n} slides: is the slide metadata there?"
    screenshot(browser, "rise-00-first-slide")
    first = browser.execute_script("return document.querySelector('.reveal section.present').innerText.slice(0, 80)")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    wait_for(browser, f"document.querySelector('.reveal section.present').innerText.slice(0, 80) !== {json.dumps(first)}",
             10, "the arrow key to move to the next slide")
    time.sleep(1)  # the slide transition
    screenshot(browser, "rise-00-next-slide")
    sessions = [s for s in _api(base, token, "/api/sessions") if s["path"].endswith(NOTEBOOK.name)]
    assert sessions and sessions[0]["kernel"]["name"] == "course", f"no live kernel behind the slides: {sessions}"
    assert_only_local_requests(browser)
