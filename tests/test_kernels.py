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
        assert spec["env"]["TF_ENABLE_ONEDNN_OPTS"] == "1", "oneDNN's CPU kernels are much faster: keep them on"
        assert spec["env"]["COURSE_KERNEL"] == name
    cpu = json.loads((Path(specs["course"]) / "kernel.json").read_text())
    assert cpu["env"]["CUDA_VISIBLE_DEVICES"] == ""
    assert "CUDA_VISIBLE_DEVICES" not in json.loads((Path(specs["course-gpu"]) / "kernel.json").read_text())["env"]


def test_jupyterlab_asks_no_news_question() -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "install_kernels.py")], check=True)
    overrides = json.loads((Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False
    schema = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab" / "apputils-extension" / "notification.json"
    allowed = [c["const"] for c in json.loads(schema.read_text())["properties"]["fetchNews"]["oneOf"]]
    assert notification["fetchNews"] in allowed, f"JupyterLab's schema allows {allowed}"


def test_install_is_idempotent() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "install_kernels.py")], check=True, capture_output=True, text=True
    )
    assert out.stdout == "", "a second run changes nothing"



def test_tensorflow_prints_no_banner_into_a_notebook() -> None:
    """oneDNN on makes TensorFlow write a banner to fd 2 at import; the course kernel keeps it out of cell outputs."""
    import os

    from jupyter_client.manager import start_new_kernel

    # ipykernel stops capturing file-descriptor output when PYTEST_CURRENT_TEST is set, which would make this test
    # pass whatever the kernel's argv says: start the kernel as JupyterLab would, without it.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    km, kc = start_new_kernel(kernel_name="course", env=env)
    outputs = []
    try:
        reply = kc.execute_interactive("import tensorflow as tf\nprint(float(tf.reduce_sum(tf.ones(3))))",
                                       timeout=120, output_hook=lambda msg: outputs.append(msg))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    streams = [(m["content"]["name"], m["content"]["text"]) for m in outputs if m["msg_type"] == "stream"]
    assert streams and all(name == "stdout" for name, _ in streams), f"unexpected output in the cell: {streams}"
    assert "".join(text for _, text in streams).strip() == "3.0"


def test_jupyterlab_starts_the_declared_kernel_without_asking() -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "install_kernels.py")], check=True)
    overrides = json.loads((Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/notebook-extension:tracker"]["autoStartDefaultKernel"] is True
    schema = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas" / "@jupyterlab" / "notebook-extension" / "tracker.json"
    assert json.loads(schema.read_text())["properties"]["autoStartDefaultKernel"]["type"] == "boolean"


def test_nbgrader_stays_out_of_the_students_jupyterlab() -> None:
    """nbgrader's formgrader would write a gradebook.db into notebooks/; its panels are for instructors."""
    listing = subprocess.run([sys.executable, "-m", "jupyter", "server", "extension", "list"],
                             capture_output=True, text=True, timeout=120)
    lines = [line for line in (listing.stdout + listing.stderr).splitlines() if "nbgrader.server_extensions." in line]
    status = [line for line in lines if "abled" in line]
    assert len(status) == 4 and all("disabled" in line for line in status), status
    page = json.loads((Path(sys.prefix) / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader"] is True
