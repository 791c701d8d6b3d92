"""environment.yml, the CI workflows and the Makefile agree with pyproject.toml (one dependency list)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONDA_ONLY = {"python", "pip", "graphviz", "nodejs"}  # not on PyPI, or the interpreter itself


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement.strip(), maxsplit=1)[0].lower()


def test_environment_yml_installs_the_project_and_nothing_else() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert {_name(d.split("=")[0]) for d in conda} <= CONDA_ONLY, "packages belong in pyproject.toml, not environment.yml"
    assert pip_sections == [["-e .[cpu]"]], "the pip section must install this project (one dependency list)"


def test_python_versions_agree() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert conda_python.split("=")[1] == minimum
    assert "3.11" in (ROOT / "Makefile").read_text()


def test_torch_is_pinned_to_the_local_cpu_build() -> None:
    deps = PYPROJECT["project"]["dependencies"]
    torch = [d for d in deps if _name(d) == "torch"]
    assert torch and torch[0].split("#")[0].strip() == "torch==2.13.0"
    assert not any(_name(d) == "torchvision" for d in deps), "course_utils loads MNIST itself"


def test_tensorflow_flavours() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(d.startswith("tensorflow-cpu") for d in extras["cpu"])
    assert any(d.startswith("tensorflow[and-cuda]") for d in extras["gpu"])


def test_workflows_are_valid_and_run_the_same_commands() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    gpu = yaml.safe_load((ROOT / ".github/workflows/gpu.yml").read_text())
    ci_steps = " ".join(s.get("run", "") for s in ci["jobs"]["test"]["steps"])
    assert "bash .ci/run" in ci_steps and ci["jobs"]["test"]["runs-on"] == "ubuntu-latest"
    assert "make test" in (ROOT / ".ci/run").read_text()
    job = gpu["jobs"]["full-profile"]
    assert job["runs-on"] == ["self-hosted", "gpu"]
    commands = [s["run"] for s in job["steps"] if "run" in s]
    for command in commands:
        for target in re.findall(r"make ([a-z-]+)", command):
            assert target in targets, f"workflow calls `make {target}`, which the Makefile lacks"
    assert "bench-gpu" in " ".join(commands)
    assert "--profile full --kernel course-gpu" in makefile


def test_readme_shows_the_two_commands_first() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make lab" in first_block and "make test" in first_block


def test_make_lab_opens_jupyterlab_without_mnist(tmp_path) -> None:
    """Offline and without MNIST, `make lab` says which notebooks need it and where to put it, then opens Lab."""
    import os
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    # MNIST_CHECK=false stands for a failed check (offline, no copy): data/mnist may hold a real copy here.
    env = {**os.environ, "COURSE_DATA_DIR": str(tmp_path / "nowhere"), "COURSE_MNIST_MIRRORS": "http://127.0.0.1:9/"}
    out = subprocess.run(["make", "-s", "lab", "JUPYTER_LAB=echo LAB-OPENED", "MNIST_CHECK=false"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "LAB-OPENED --notebook-dir=notebooks" in out.stdout
    assert "07, 08 and 09 need no MNIST" in out.stdout and "COURSE_DATA_DIR" in out.stdout
