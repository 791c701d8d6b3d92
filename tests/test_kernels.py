"""The two course kernels are registered inside the environment with the environment notebooks expect."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parent.parent


def test_kernels_are_installed_in_the_environment() -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "install_kernels.py")], check=True)
    specs = KernelSpecManager().find_kernel_specs()
    for name, display in (("course", "Course (CPU)"), ("course-gpu", "Course (GPU)")):
        path = Path(specs[name])
        assert path.is_relative_to(Path(sys.prefix)), f"kernel {name} must live in the venv, not in $HOME"
        spec = json.loads((path / "kernel.json").read_text())
        assert spec["display_name"] == display
        assert spec["argv"][0] == sys.executable
        assert spec["env"]["TF_ENABLE_ONEDNN_OPTS"] == "0", "the oneDNN banner would break output checks"
        assert spec["env"]["COURSE_KERNEL"] == name
    cpu = json.loads((Path(specs["course"]) / "kernel.json").read_text())
    assert cpu["env"]["CUDA_VISIBLE_DEVICES"] == ""
    assert "CUDA_VISIBLE_DEVICES" not in json.loads((Path(specs["course-gpu"]) / "kernel.json").read_text())["env"]


def test_install_is_idempotent() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install_kernels.py")], check=True, capture_output=True, text=True
    )
    assert out.stdout == "", "a second run changes nothing"
