"""Register the course's two Jupyter kernels inside the virtual environment.

- ``course``     "Course (CPU)": hides any GPU, for the notebooks that train small models.
- ``course-gpu`` "Course (GPU)": uses a GPU when there is one, for the MNIST notebooks.

Both are installed with ``--sys-prefix`` (into .venv/share/jupyter/kernels), never
into the user's home, and both set the environment the notebooks expect.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

COMMON_ENV = {
    "TF_ENABLE_ONEDNN_OPTS": "0",  # silences TensorFlow's oneDNN banner (it would break output checks)
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
KERNELS = {
    "course": ("Course (CPU)", {"COURSE_KERNEL": "course", "CUDA_VISIBLE_DEVICES": ""}),
    "course-gpu": ("Course (GPU)", {"COURSE_KERNEL": "course-gpu"}),
}


def main() -> int:
    manager = KernelSpecManager()
    for name, (display, env) in KERNELS.items():
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
