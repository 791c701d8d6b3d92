"""Resumable training for Keras 3 / TensorFlow: checkpoint every epoch, resume, keep the best.

The seed's GAN ran for 44 minutes on a free hosted notebook that could drop the
session at any moment; its advice was to "periodically save your models to be
reviewed later". :class:`Checkpointer` does that properly:

* :meth:`Checkpointer.save` writes, after every epoch, the weights of every model
  (BatchNorm statistics included), every optimizer's state (its step counter and
  moments), the epoch, the history so far and the random state (a
  ``tf.random.Generator``'s state, NumPy's and Python's global state). Each
  checkpoint is written to a temporary folder and renamed into place, so an
  interruption never leaves a half-written checkpoint that looks complete.
* :meth:`Checkpointer.restore` loads the latest (or the best) checkpoint.
* :func:`train_epochs` is the resumable loop: called again after an
  interruption or a kernel restart it restores the latest checkpoint and carries
  on with the next epoch. With deterministic ops and the random state restored,
  the resumed run is the same, number for number, as one that never stopped.

Only the last ``keep`` checkpoints and the best one (by a metric, lower is
better) are kept on disk. Keras is used only through the model and optimizer
objects passed in, so importing this module is cheap.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Row = dict[str, Any]


class TrainingInterrupted(KeyboardInterrupt):
    """Raised by :func:`train_epochs` when ``interrupt_after`` simulates an interruption."""


def _np_state() -> dict[str, Any]:
    name, keys, pos, has_gauss, cached = np.random.get_state()
    return {"name": name, "keys": keys.tolist(), "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)}


def _set_np_state(s: dict[str, Any]) -> None:
    np.random.set_state((s["name"], np.asarray(s["keys"], dtype=np.uint32), s["pos"], s["has_gauss"], s["cached"]))


def _py_state() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]


def _set_py_state(s: list[Any]) -> None:
    random.setstate((s[0], tuple(s[1]), s[2]))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


class Checkpointer:
    """Save and restore models, optimizers, epoch, history and random state in one folder.

    Args:
        directory: where the checkpoints go (e.g. ``data/checkpoints/10_gan_mnist/ci/baseline``).
        models: ``{"generator": g, "discriminator": d}``; every weight is saved.
        optimizers: ``{"generator": opt_g, ...}``, each with the variables it updates
            (``{"generator": (opt_g, g.trainable_variables)}``) so it can be built before restoring.
        rng: a ``tf.random.Generator`` whose state is saved (or ``None``).
        keep: how many of the latest checkpoints to keep (the best is kept as well).
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        models: dict[str, Any],
        optimizers: dict[str, tuple[Any, list[Any]]],
        rng: Any = None,
        keep: int = 2,
    ) -> None:
        self.directory = Path(directory)
        self.models = models
        self.optimizers = optimizers
        self.rng = rng
        self.keep = keep

    # ---------------------------------------------------------------- bookkeeping

    def _pointer(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def _read_pointer(self, name: str) -> dict[str, Any] | None:
        path = self._pointer(name)
        if not path.is_file():
            return None
        record = json.loads(path.read_text())
        return record if (self.directory / record["folder"] / "state.json").is_file() else None

    def _write_pointer(self, name: str, record: dict[str, Any]) -> None:
        tmp = self._pointer(name).with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self._pointer(name))

    @property
    def latest_epoch(self) -> int:
        """The epoch of the latest complete checkpoint; 0 when there is none."""
        record = self._read_pointer("latest")
        return int(record["epoch"]) if record else 0

    @property
    def best(self) -> dict[str, Any] | None:
        """``{"epoch", "folder", "metric", "value"}`` of the best checkpoint, or ``None``."""
        return self._read_pointer("best")

    # ---------------------------------------------------------------- save / restore

    def save(self, epoch: int, history: list[Row], *, metric: str | None = None, value: float | None = None) -> Path:
        """Write the checkpoint of ``epoch`` atomically; mark it best if ``value`` beats the best so far."""
        self.directory.mkdir(parents=True, exist_ok=True)
        folder = f"epoch_{epoch:04d}"
        final = self.directory / folder
        tmp = self.directory / f".{folder}.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        arrays: dict[str, np.ndarray] = {}
        for name, model in self.models.items():
            for i, w in enumerate(model.get_weights()):
                arrays[f"model/{name}/{i}"] = np.asarray(w)
        for name, (opt, var_list) in self.optimizers.items():
            if not opt.built:
                opt.build(var_list)
            for i, v in enumerate(opt.variables):
                arrays[f"opt/{name}/{i}"] = np.asarray(v.numpy())
        if self.rng is not None:
            arrays["rng/state"] = np.asarray(self.rng.state.numpy())
        np.savez(tmp / "weights.npz", **arrays)
        state = {
            "epoch": int(epoch),
            "history": [{k: _plain(v) for k, v in row.items()} for row in history],
            "numpy_random": _np_state(),
            "python_random": _py_state(),
            "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        (tmp / "state.json").write_text(json.dumps(state))
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        self._write_pointer("latest", {"epoch": int(epoch), "folder": folder})
        best = self.best
        if value is not None and (best is None or value < best["value"] or best["epoch"] == epoch):
            self._write_pointer("best", {"epoch": int(epoch), "folder": folder, "metric": metric, "value": float(value)})
        self._prune()
        return final

    def _prune(self) -> None:
        keep = {p["folder"] for p in (self._read_pointer("latest"), self.best) if p}
        folders = sorted(p.name for p in self.directory.glob("epoch_*") if p.is_dir())
        keep |= set(folders[-self.keep :])
        for name in folders:
            if name not in keep:
                shutil.rmtree(self.directory / name, ignore_errors=True)

    def restore(self, which: str = "latest") -> dict[str, Any] | None:
        """Load the ``"latest"`` or ``"best"`` checkpoint into the objects; return its state or ``None``.

        The returned dict has ``epoch`` and ``history``. Random state is restored
        too, so training continues exactly where it stopped.
        """
        record = self._read_pointer(which)
        if record is None:
            return None
        folder = self.directory / record["folder"]
        state = json.loads((folder / "state.json").read_text())
        with np.load(folder / "weights.npz") as z:
            for name, model in self.models.items():
                n = len(model.get_weights())
                model.set_weights([z[f"model/{name}/{i}"] for i in range(n)])
            for name, (opt, var_list) in self.optimizers.items():
                if not opt.built:
                    opt.build(var_list)
                for i, v in enumerate(opt.variables):
                    v.assign(z[f"opt/{name}/{i}"])
            if self.rng is not None and "rng/state" in z:
                self.rng.reset(z["rng/state"])
        _set_np_state(state["numpy_random"])
        _set_py_state(state["python_random"])
        return state

    def clear(self) -> None:
        """Delete every checkpoint in the folder (start the run over)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def train_epochs(
    checkpointer: Checkpointer,
    num_epochs: int,
    run_epoch: Callable[[int], Row],
    *,
    metric: str | None = None,
    interrupt_after: int | None = None,
    progress: bool = True,
    desc: str = "epochs",
) -> tuple[list[Row], int]:
    """Run epochs ``latest+1 .. num_epochs``, checkpointing after each; resume if checkpoints exist.

    Args:
        run_epoch: trains one epoch (1-based number given) and returns its history row
            (losses, metrics); ``metric`` names the row field that picks the best epoch
            (lower is better).
        interrupt_after: raise :class:`TrainingInterrupted` once this epoch is saved
            (to show what resuming does; a real interruption is a kernel restart).

    Returns:
        ``(history of all epochs, number of epochs trained in this call)``.
    """
    state = checkpointer.restore("latest")
    history: list[Row] = list(state["history"]) if state else []
    start = state["epoch"] if state else 0
    epochs = range(start + 1, num_epochs + 1)
    bar = None
    if progress and len(epochs):
        from tqdm.auto import tqdm

        bar = tqdm(total=num_epochs, initial=start, desc=desc, leave=False)
    trained = 0
    try:
        for epoch in epochs:
            row = dict(run_epoch(epoch))
            row["epoch"] = epoch
            history.append(row)
            checkpointer.save(epoch, history, metric=metric, value=row.get(metric) if metric else None)
            trained += 1
            if bar is not None:
                bar.update(1)
                if metric:
                    bar.set_postfix({metric: f"{row[metric]:.3g}"})
            if interrupt_after is not None and epoch >= interrupt_after and epoch < num_epochs:
                raise TrainingInterrupted(f"simulated interruption after epoch {epoch}")
    finally:
        if bar is not None:
            bar.close()
    return history, trained
