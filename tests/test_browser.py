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
import signal
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
