"""Run profiles, seeding, device selection and the one-line environment report.

Every notebook starts with::

    from course_utils import runtime
    cfg = runtime.profile()          # `full` by default, `ci` under the test suite
    runtime.seed_everything(0)
    runtime.report()

`COURSE_PROFILE` picks the profile. The profile is the *only* thing that differs
between the test-suite run and the real experiment: a notebook names each size
once, as ``cfg.pick(full=..., ci=...)``, and the data sizes come from
:class:`Profile` itself.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

PROFILE_ENV = "COURSE_PROFILE"
KERNEL_ENV = "COURSE_KERNEL"
RESULTS_ENV = "COURSE_RESULTS_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Profile:
    """Sizes for one run profile.

    ``train_size``/``val_size``/``test_size`` are the MNIST split sizes every
    notebook uses (``None`` = all that is left). Everything else a notebook
    names itself with :meth:`pick`.
    """

    name: str
    train_size: int | None
    val_size: int
    test_size: int | None

    def pick(self, *, full: T, ci: T) -> T:
        """Return the value for this profile: ``cfg.pick(full=10, ci=1)``."""
        return full if self.name == "full" else ci

    @property
    def is_ci(self) -> bool:
        return self.name == "ci"


PROFILES: dict[str, Profile] = {
    # The real experiment: 50,000 training images, 10,000 held out for
    # validation, and the untouched 10,000-image test set.
    "full": Profile("full", train_size=None, val_size=10_000, test_size=None),
    # The test suite: a stratified subset that trains in seconds on 2 CPU cores.
    "ci": Profile("ci", train_size=5_000, val_size=1_000, test_size=2_000),
}


def profile(name: str | None = None) -> Profile:
    """The run profile named by ``name`` or by ``$COURSE_PROFILE`` (default ``full``).

    Raises:
        ValueError: for an unknown profile name, listing the valid ones.
    """
    name = (name or os.environ.get(PROFILE_ENV) or "full").strip().lower()
    if name not in PROFILES:
        raise ValueError(
            f"Unknown profile {name!r} (from ${PROFILE_ENV}). "
            f"Use one of: {', '.join(PROFILES)} — e.g. `export {PROFILE_ENV}=ci`."
        )
    return PROFILES[name]


def seed_everything(seed: int = 0, *, deterministic: bool = True) -> list[str]:
    """Seed Python, NumPy and every deep-learning framework already imported.

    Import torch or TensorFlow/Keras *before* calling this. With
    ``deterministic=True`` the frameworks are also asked for deterministic
    kernels (``torch.use_deterministic_algorithms``,
    ``tf.config.experimental.enable_op_determinism``), which is what makes the
    ``ci`` profile give the same checked outputs run after run.

    Returns:
        The names of what was seeded, e.g. ``["random", "numpy", "torch"]``.
    """
    seeded = ["random", "numpy"]
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)
        if deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.backends.cudnn.benchmark = False
        seeded.append("torch")
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend
        if deterministic and keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
        seeded.append("keras")
    return seeded


def gpu_available() -> bool:
    """True when a CUDA/Metal GPU is usable by an imported framework.

    Checks the frameworks that are imported (importing one just to look would
    cost seconds and memory); with none imported, falls back to ``nvidia-smi``.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES") == "":
        return False
    if "torch" in sys.modules:
        import torch

        if torch.cuda.is_available():
            return True
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return True
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        if tf.config.list_physical_devices("GPU"):
            return True
    if "torch" not in sys.modules and "tensorflow" not in sys.modules:
        return shutil.which("nvidia-smi") is not None
    return False


def torch_device() -> "Any":
    """The best torch device: ``cuda``, then Apple ``mps``, else ``cpu``."""
    import torch

    if os.environ.get("CUDA_VISIBLE_DEVICES") != "" and torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def tf_device() -> str:
    """The TensorFlow device string to use: ``/GPU:0`` if there is one, else ``/CPU:0``."""
    import tensorflow as tf

    return "/GPU:0" if tf.config.list_physical_devices("GPU") else "/CPU:0"


def kernel_name() -> str:
    """The Jupyter kernel this code runs in (``course``/``course-gpu``), or ``python``."""
    return os.environ.get(KERNEL_ENV, "python")


def _version(module: str) -> str | None:
    if module not in sys.modules:
        try:
            importlib.util.find_spec(module)
        except (ImportError, ValueError):
            return None
        return None
    return getattr(sys.modules[module], "__version__", "?")


def report_line() -> str:
    """One line: versions, device, profile and kernel."""
    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for mod in ("torch", "tensorflow", "keras"):
        v = _version(mod)
        if v:
            parts.append(f"{mod} {v}")
    device = "GPU" if gpu_available() else "CPU"
    parts += [f"device {device}", f"profile {profile().name}", f"kernel {kernel_name()}"]
    return " · ".join(parts)


def report() -> str:
    """Print the environment report, and a clear notice when the GPU kernel has no GPU."""
    line = report_line()
    print(line)
    if kernel_name() == "course-gpu" and not gpu_available():
        print(
            "NOTE: this notebook uses the 'Course (GPU)' kernel, but no GPU was found, "
            "so it runs on the CPU. Everything works; the full profile is just slower."
        )
    return line


def results_dir() -> Path:
    """Where notebooks write their headline-figure JSON (``$COURSE_RESULTS_DIR``, else build/results)."""
    path = Path(os.environ.get(RESULTS_ENV) or REPO_ROOT / "build" / "results")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_headline(notebook: str, figures: dict[str, Any]) -> Path:
    """Write a notebook's headline figures (accuracies, metrics, seconds) as JSON.

    The benchmark script (``make bench``) reads these files into the results
    table. The file is written atomically, so an interrupted run leaves the old
    one intact.
    """
    record = {
        "notebook": notebook,
        "profile": profile().name,
        "device": "GPU" if gpu_available() else "CPU",
        "kernel": kernel_name(),
        "figures": {k: _plain(v) for k, v in figures.items()},
    }
    path = results_dir() / f"{notebook}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    tmp.replace(path)
    return path


def _plain(value: Any) -> Any:
    """Turn numpy scalars into plain Python numbers for JSON."""
    if isinstance(value, np.generic):
        return value.item()
    return value
