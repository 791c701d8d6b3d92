"""The generative notebooks' final samples, saved for ``12_families_compared``.

04 (RBM), 05 (EBM), 06 (VAE), 10 (GAN) and 11 (diffusion) each end by saving
:func:`sample_count` of their final samples with :func:`save_samples`, together
with what they were trained with and how long training and sampling took. 12
reads them back with :func:`load_samples` and never retrains a model.

A file is used only if it is current: written by this version of the format, in
the profile 12 runs in, with the profile's sample count, and by the notebook
code that is in ``notebooks/`` now (a fingerprint of the code cells up to the
one that saves). Anything
else (missing, unreadable, stale) raises :class:`SamplesError` naming the
notebook to run. Files live in ``data/samples/`` (git-ignored; override with
``$COURSE_SAMPLES_DIR``) and are written atomically, so an interrupted save
leaves the previous file untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import runtime

FORMAT_VERSION = 1
SAMPLES_ENV = "COURSE_SAMPLES_DIR"
#: Samples per family in each profile: one N, so that FID's sample-size bias is the same for every family.
SAMPLE_COUNTS = {"full": 2000, "ci": 256}
#: The families 12 compares, and the notebook that trains each one.
FAMILIES = {
    "RBM": "04_rbm",
    "EBM": "05_langevin_ebm",
    "VAE": "06_vae",
    "GAN": "10_gan_mnist",
    "diffusion": "11_score_diffusion",
}


class SamplesError(RuntimeError):
    """Saved samples are missing, unreadable or stale; the message says which notebook to run."""


@dataclass(frozen=True)
class SampleSet:
    """One family's saved samples: ``images`` float32 ``(N, 28, 28)`` in [0, 1], and what produced them."""

    family: str
    images: np.ndarray
    meta: dict[str, Any]

    @property
    def notebook(self) -> str:
        return self.meta["notebook"]


def samples_dir() -> Path:
    """Where sample files live: ``$COURSE_SAMPLES_DIR``, else ``data/samples`` in the repository."""
    return Path(os.environ.get(SAMPLES_ENV) or runtime.REPO_ROOT / "data" / "samples")


def sample_count(profile: str | None = None) -> int:
    """How many samples each family saves in ``profile`` (default: the current one)."""
    return SAMPLE_COUNTS[runtime.profile(profile).name]


def sample_path(family: str, profile: str | None = None) -> Path:
    """The file of ``family``'s samples in ``profile``; the format version is part of the name."""
    _check_family(family)
    return samples_dir() / f"v{FORMAT_VERSION}_{FAMILIES[family]}_{runtime.profile(profile).name}.npz"


SAVE_CALL = "sample_store.save_samples("


def code_fingerprint(notebook: str) -> str:
    """A short hash of the code that produced a notebook's samples: the code cells of ``notebooks/<notebook>.py``
    up to and including the cell that calls :func:`save_samples` (markdown, blank lines and nbgrader cells ignored).

    Editing that code (a Parameters value, a layer, the sampler) changes it; editing the text, code that runs
    after the samples are saved (headline figures, exercises), or a graded task (a cell whose header carries
    ``nbgrader=`` metadata: its function is called by its own test cell only) does not.
    """
    path = runtime.REPO_ROOT / "notebooks" / f"{notebook}.py"
    if not path.is_file():
        raise SamplesError(f"{path} not found: the fingerprint is taken from the notebook's paired .py file")
    lines, keep, saved = [], False, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            if saved:
                break
            keep = "[markdown]" not in line and "nbgrader=" not in line
            continue
        if keep and line.strip():
            lines.append(line.rstrip())
            saved = saved or SAVE_CALL in line
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; the families are {', '.join(FAMILIES)}")


def _run_hint(family: str, profile: str) -> str:
    nb = FAMILIES[family]
    return (f"run notebooks/{nb}.ipynb to the end in the {profile} profile (COURSE_PROFILE={profile}), "
            f"or all five with `make samples PROFILE={profile}`")


def save_samples(family: str, images: Any, *, train_seconds: float, seconds_per_1000: float,
                 settings: dict[str, Any], log_likelihood: dict[str, Any] | None = None) -> Path:
    """Save a family's final samples for 12 (atomically) and return the file's path.

    Args:
        family: one of :data:`FAMILIES`; the notebook is the one that trains it.
        images: exactly :func:`sample_count` images in [0, 1], ``(N, 28, 28)`` or ``(N, 784)``.
        train_seconds: wall time of the training that produced the model.
        seconds_per_1000: wall time to draw 1,000 samples with the sampler that drew these.
        settings: the notebook's sizes and sampler settings, shown in 12's table.
        log_likelihood: where the family has one, ``{"nats": ..., "se": ..., "method": ...}``
            (mean test log-likelihood per image).
    """
    from . import mnist_metrics  # imports torch only when a notebook saves

    _check_family(family)
    prof = runtime.profile().name
    x = mnist_metrics.as_images(images)[:, 0]
    n = sample_count(prof)
    if len(x) != n:
        raise ValueError(f"{family}: the {prof} profile saves exactly {n} samples (samples.sample_count()), got {len(x)}")
    meta = {
        "format_version": FORMAT_VERSION,
        "family": family,
        "notebook": FAMILIES[family],
        "profile": prof,
        "count": n,
        "code_fingerprint": code_fingerprint(FAMILIES[family]),
        "train_seconds": float(train_seconds),
        "seconds_per_1000": float(seconds_per_1000),
        "settings": {k: runtime._plain(v) for k, v in settings.items()},
        "log_likelihood": {k: runtime._plain(v) for k, v in log_likelihood.items()} if log_likelihood else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {'GPU' if runtime.gpu_available() else 'CPU'}",
        "saved": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    path = sample_path(family, prof)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        np.savez_compressed(tmp, images=x.astype(np.float32), meta=np.array(json.dumps(meta)))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_samples(family: str, profile: str | None = None) -> SampleSet:
    """Read ``family``'s samples for ``profile`` (default: the current one), checking that they are current.

    Raises:
        SamplesError: the file is missing, unreadable, or from another format version, profile, sample count or
            version of the notebook's code; the message says which notebook to run. A stale file is not used.
    """
    _check_family(family)
    prof = runtime.profile(profile).name
    path = sample_path(family, prof)
    hint = _run_hint(family, prof)
    if not path.is_file():
        raise SamplesError(f"no {family} samples for the {prof} profile ({path}): {hint}")
    try:
        with np.load(path, allow_pickle=False) as z:
            images, meta = z["images"], json.loads(str(z["meta"]))
    except Exception as err:  # a truncated or foreign file: say so, never use it
        raise SamplesError(f"{path} cannot be read ({type(err).__name__}: {err}); it is not used: {hint}") from err
    n = sample_count(prof)
    problems = []
    if meta.get("format_version") != FORMAT_VERSION:
        problems.append(f"format version {meta.get('format_version')} (this code reads {FORMAT_VERSION})")
    if meta.get("profile") != prof:
        problems.append(f"profile {meta.get('profile')!r}, not {prof!r}")
    if meta.get("count") != n or images.shape != (n, 28, 28):
        problems.append(f"{images.shape[0]} images of shape {images.shape[1:]}, not {n} of (28, 28)")
    if meta.get("code_fingerprint") != code_fingerprint(FAMILIES[family]):
        problems.append(f"notebooks/{FAMILIES[family]}.py has changed since they were saved ({meta.get('saved')})")
    if problems:
        raise SamplesError(f"{family} samples in {path} are stale: {'; '.join(problems)}. They are not used: {hint}")
    return SampleSet(family, images.astype(np.float32), meta)


def load_all(profile: str | None = None) -> dict[str, SampleSet]:
    """Every family's samples; if any are missing or stale, one error listing all of them."""
    found, errors = {}, []
    for family in FAMILIES:
        try:
            found[family] = load_samples(family, profile)
        except SamplesError as err:
            errors.append(f"- {err}")
    if errors:
        raise SamplesError("12 compares saved samples and does not retrain the models. Missing or stale:\n"
                           + "\n".join(errors))
    return found
