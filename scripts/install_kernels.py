"""Register the course's two Jupyter kernels inside the virtual environment, and JupyterLab's course settings.

- ``course``     "Course (CPU)": hides any GPU, for the notebooks that train small models.
- ``course-gpu`` "Course (GPU)": uses a GPU when there is one, for the MNIST notebooks.

Both are installed with ``--sys-prefix`` (into .venv/share/jupyter/kernels), never
into the user's home, and both set the environment the notebooks expect.

JupyterLab's settings overrides (.venv/share/jupyter/lab/settings/overrides.json)
switch off the "get notified about official Jupyter news?" prompt and the update
check: both ask the internet, and the prompt covered the exercises of the notebook
a student had just opened. They also start a notebook's preferred kernel (the one its
metadata declares) without asking: on a freshly started server the first notebook
opened could otherwise meet a "Select Kernel" dialog that stopped Run All. And RISE's live
slideshows use a theme that loads nothing from the internet.

nbgrader (graded tasks, `make assignments`) installs a formgrader and assignment lists into JupyterLab and
turns them on. Students do not need them, and the formgrader writes a gradebook.db into the folder JupyterLab
serves; so they are switched off in the course's environment (``NBGRADER_OFF``). Instructors who want the
formgrader switch it back on (README, "Assignments").
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

COMMON_ENV = {
    # oneDNN CPU kernels on: measured here, 03's seed CNN trains 2.2x faster with them (#13).
    "TF_ENABLE_ONEDNN_OPTS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",  # hides TensorFlow's C++ info and warning lines (not its oneDNN banner: see argv)
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
    # RISE's live slides: reveal.js's "white" theme, whose fonts ship with it ("simple", the default, loads
    # Google Fonts), and tall slides scroll instead of running off the screen.
    "jupyterlab-rise:plugin": {"theme": "white", "scroll": True},
}
NBGRADER_SERVER_EXTENSIONS = ("formgrader", "validate_assignment", "assignment_list", "course_list")
# Loaded after nbgrader's own nbgrader.json in jupyter_server_config.d (files are read in sorted order).
NBGRADER_OFF = "zz_course_nbgrader_off.json"
KERNELS = {
    "course": ("Course (CPU)", {"COURSE_KERNEL": "course", "CUDA_VISIBLE_DEVICES": ""}),
    "course-gpu": ("Course (GPU)", {"COURSE_KERNEL": "course-gpu"}),
}


def main() -> int:
    manager = KernelSpecManager()
    for name, (display, env) in KERNELS.items():
        spec = {
            # Output written straight to file descriptor 2 by C++ libraries (TensorFlow's oneDNN banner, which
            # TF_CPP_MIN_LOG_LEVEL does not hide) goes to the server's log, not into the notebook; Python's
            # prints, warnings and progress bars are captured as always.
            "argv": [sys.executable, "-m", "ipykernel_launcher", "--IPKernelApp.capture_fd_output=False",
                     "-f", "{connection_file}"],
            "display_name": display,
            "language": "python",
            "env": {**COMMON_ENV, **env},
            "metadata": {"debugger": True},
        }
        existing = manager.find_kernel_specs().get(name)
        if existing and json.loads((Path(existing) / "kernel.json").read_text()) == spec:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "kernel.json").write_text(json.dumps(spec, indent=1))
            path = manager.install_kernel_spec(tmp, kernel_name=name, prefix=sys.prefix)
        print(f"registered kernel {name!r} ({display}) in {path}")
    install_lab_overrides()
    switch_nbgrader_ui_off()
    return 0


def _write_if_changed(path: Path, value: dict) -> bool:
    """Write ``value`` as JSON to ``path`` atomically (never a half-written settings file), only when it differs
    from what is there; return whether it wrote."""
    if path.is_file() and json.loads(path.read_text()) == value:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n")
    tmp.replace(path)
    return True


def switch_nbgrader_ui_off() -> None:
    """Disable nbgrader's server extensions and its JupyterLab extension in this environment."""
    etc = Path(sys.prefix) / "etc" / "jupyter"
    off = {f"nbgrader.server_extensions.{name}": False for name in NBGRADER_SERVER_EXTENSIONS}
    _write_if_changed(etc / "jupyter_server_config.d" / NBGRADER_OFF, {"ServerApp": {"jpserver_extensions": off}})
    page = etc / "labconfig" / "page_config.json"
    current = json.loads(page.read_text()) if page.is_file() else {}
    _write_if_changed(page, {**current, "disabledExtensions": {**current.get("disabledExtensions", {}),
                                                               "@jupyter/nbgrader": True}})


def install_lab_overrides() -> None:
    """Merge LAB_OVERRIDES into the environment's JupyterLab overrides.json (written only when it changes)."""
    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    current = json.loads(path.read_text()) if path.is_file() else {}
    merged = {**current, **{plugin: {**current.get(plugin, {}), **values} for plugin, values in LAB_OVERRIDES.items()}}
    if not _write_if_changed(path, merged):
        return
    print(f"JupyterLab settings: news prompt and update check off, preferred kernel starts without asking, in {path}")


if __name__ == "__main__":
    raise SystemExit(main())
