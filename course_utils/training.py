"""Training sweeps for the Keras notebooks, and their results as tidy tables.

A *tidy table* here is a plain ``list[dict]``: one row per (run, epoch), with the
run's settings repeated in every row, e.g.::

    {"run": "(30, 100)", "hidden": (30, 100), "epoch": 3, "loss": 0.21,
     "accuracy": 0.94, "val_loss": 0.19, "val_accuracy": 0.95, "seconds": 1.2}

No pandas: :func:`select`, :func:`final`, :func:`column` and :func:`to_csv`
cover what the notebooks need, and ``pandas.DataFrame(rows)`` works if you
have it. Keras is imported only inside the functions that train, so importing
this module is cheap.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

Row = dict[str, Any]


# --------------------------------------------------------------------------- tidy tables


def select(rows: Iterable[Row], **where: Any) -> list[Row]:
    """The rows whose fields equal every ``key=value`` given: ``select(rows, run="(30, 100)")``."""
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def runs(rows: Iterable[Row]) -> list[str]:
    """The run names in order of first appearance."""
    seen: dict[str, None] = {}
    for r in rows:
        seen.setdefault(r["run"], None)
    return list(seen)


def final(rows: Iterable[Row]) -> list[Row]:
    """One row per run: its last epoch (runs in order of first appearance)."""
    last: dict[str, Row] = {}
    for r in rows:
        if r["run"] not in last or r["epoch"] >= last[r["run"]]["epoch"]:
            last[r["run"]] = r
    return list(last.values())


def column(rows: Iterable[Row], key: str) -> np.ndarray:
    """One field of every row as a NumPy array."""
    return np.asarray([r[key] for r in rows])


def first_epoch_reaching(rows: Iterable[Row], threshold: float, metric: str = "val_accuracy") -> int | None:
    """The first epoch (1-based, as in the rows) at which ``metric >= threshold``; ``None`` if never."""
    for r in sorted(rows, key=lambda r: r["epoch"]):
        if r[metric] >= threshold:
            return int(r["epoch"])
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def to_csv(rows: Sequence[Row], path: str | Path) -> Path:
    """Write a tidy table as CSV (columns: the union of the rows' keys, in first-seen order)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fields: dict[str, None] = {}
    for r in rows:
        for k in r:
            fields.setdefault(k, None)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _plain(v) for k, v in r.items()})
    return path


def to_json(rows: Sequence[Row], path: str | Path, **meta: Any) -> Path:
    """Write a tidy table as JSON: ``{"meta": {...}, "rows": [...]}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"meta": {k: _plain(v) for k, v in meta.items()}, "rows": [{k: _plain(v) for k, v in r.items()} for r in rows]}
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None, *, floatfmt: str = ".4f") -> str:
    """A fixed-width text table (numbers right-aligned, ints with thousands separators)."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())

    def cell(v: Any) -> str:
        if isinstance(v, (bool, np.bool_)):
            return str(bool(v))
        if isinstance(v, (int, np.integer)):
            return f"{int(v):,}"
        if isinstance(v, (float, np.floating)):
            return format(float(v), floatfmt)
        return "-" if v is None else str(v)

    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(r.get(c), (int, float, np.number)) and not isinstance(r.get(c), bool) for r in rows) for c in columns]
    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()
    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


# --------------------------------------------------------------------------- Keras models


def summary_table(model: Any) -> list[Row]:
    """A Keras model's layers as rows: ``name``, ``type``, ``output_shape``, ``params``.

    Unlike ``model.summary()`` this is data you can assert on, and its text form
    (:func:`format_table`) does not depend on terminal width. Name your layers to
    keep the output the same run after run (Keras numbers unnamed ones globally).
    """
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "output_shape", None)
        if shape is None:
            try:
                shape = tuple(layer.output.shape)
            except Exception:  # a layer that was never called
                shape = None
        rows.append(
            {"name": layer.name, "type": type(layer).__name__, "output_shape": str(tuple(shape)) if shape is not None else "?",
             "params": int(layer.count_params())}
        )
    return rows


def print_summary(model: Any) -> int:
    """Print :func:`summary_table` and the total; return the total parameter count."""
    rows = summary_table(model)
    total = sum(r["params"] for r in rows)
    print(format_table(rows, ["name", "type", "output_shape", "params"]))
    print(f"total parameters: {total:,}")
    return total


def epoch_bar(total_epochs: int, desc: str) -> Any:
    """A Keras callback that shows one compact tqdm bar per model (one tick per epoch).

    The bar's postfix shows the latest training loss and validation accuracy.
    Use it with ``fit(..., verbose=0)``.
    """
    import keras
    from tqdm.auto import tqdm

    class _EpochBar(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.bar = tqdm(total=total_epochs, desc=desc, unit="epoch", leave=True, mininterval=0.5)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            post = {k: f"{logs[k]:.3f}" for k in ("loss", "val_accuracy") if k in logs}
            self.bar.set_postfix(post, refresh=False)
            self.bar.update(1)

        def on_train_end(self, logs=None):
            self.bar.close()

    return _EpochBar()


class _EpochTimer:
    """Wall-clock seconds per epoch (a Keras callback built lazily to avoid importing Keras at import time)."""

    @staticmethod
    def make() -> Any:
        import keras

        class EpochTimer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds: list[float] = []

            def on_epoch_begin(self, epoch, logs=None):
                self._t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self._t)

        return EpochTimer()


def as_dataset(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> Any:
    """A ``tf.data`` pipeline over in-memory arrays: (shuffle each epoch) → batch → prefetch.

    Keras would build a similar one from NumPy arrays itself, with a parallel
    ``map`` per batch; slicing whole batches from one tensor is simpler and faster
    for data that fits in memory, and with a fixed ``seed`` the order is the same
    run after run.
    """
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def history_rows(history: Mapping[str, Sequence[float]], run: str, settings: Mapping[str, Any] | None = None,
                 seconds: Sequence[float] | None = None) -> list[Row]:
    """Turn a Keras ``History.history`` dict into tidy rows (one per epoch)."""
    n = len(next(iter(history.values()))) if history else 0
    rows = []
    for e in range(n):
        row: Row = {"run": run, **(settings or {}), "epoch": e + 1}
        row.update({k: float(v[e]) for k, v in history.items()})
        if seconds is not None:
            row["seconds"] = float(seconds[e])
        rows.append(row)
    return rows


def fit(
    model: Any,
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    run: str = "model",
    settings: Mapping[str, Any] | None = None,
    progress: bool = True,
    callbacks: Sequence[Any] = (),
    seed: int = 0,
) -> list[Row]:
    """Fit a compiled Keras model and return its per-epoch history as tidy rows.

    Each row also records ``seconds`` (wall time of the epoch, evaluation
    included) and ``params`` (the model's parameter count). The arrays go through
    :func:`as_dataset` (shuffled each epoch with ``seed``, batched; validation
    batches of 1,024, which changes nothing but speed).
    """
    timer = _EpochTimer.make()
    cbs = [timer, *callbacks]
    if progress:
        cbs.append(epoch_bar(epochs, run))
    h = model.fit(as_dataset(*train, batch_size, shuffle=True, seed=seed), validation_data=as_dataset(*val, 1024),
                  epochs=epochs, shuffle=False, verbose=0, callbacks=cbs)
    return history_rows(h.history, run, {**(settings or {}), "params": int(model.count_params())}, timer.seconds)


def run_sweep(
    configs: Sequence[Mapping[str, Any]],
    build: Callable[..., Any],
    train: tuple[np.ndarray, np.ndarray],
    val: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    name: Callable[[Mapping[str, Any]], str] | None = None,
    progress: bool = True,
    models: dict[str, Any] | None = None,
) -> list[Row]:
    """Train one model per config and return all their histories as one tidy table.

    ``build(**config)`` must return a *compiled* Keras model. Keras is re-seeded
    with ``seed`` before each build, so every run starts from the same random
    state whatever its position in the sweep (reorder the configs and each run's
    numbers stay the same).

    Args:
        configs: one dict of settings per run; they are copied into every row.
        name: the run's label; by default ``"key=value, ..."`` of its config.
        models: if a dict is given, each trained model is stored in it under its label
            (to evaluate a chosen one on the test set later).
    """
    import keras

    rows: list[Row] = []
    for config in configs:
        label = name(config) if name else ", ".join(f"{k}={v}" for k, v in config.items())
        policy = keras.mixed_precision.global_policy()
        keras.backend.clear_session()  # forget earlier models' graphs and layer-name counters
        keras.mixed_precision.set_global_policy(policy)  # clear_session resets it to float32 (mixed precision on a GPU)
        keras.utils.set_random_seed(seed)
        model = build(**config)
        rows += fit(model, train, val, epochs=epochs, batch_size=batch_size, run=label, settings=config,
                    progress=progress, seed=seed)
        if models is not None:
            models[label] = model
    return rows


STEPS_PER_EXECUTION = 32
"""Optimizer steps Keras runs per call into the compiled train function (``compile(steps_per_execution=...)``).

For the course's small dense networks the per-call overhead of ``fit`` costs more than the arithmetic; running 32
steps per call measured 1.3-3.2x faster per epoch on a 2-core CPU (notebook 01 times it). The updates are the
same; callbacks see batches in groups of 32 (the course's callbacks only act per epoch)."""


def build_mlp(
    hidden: Sequence[int],
    *,
    activation: str = "relu",
    regularizer: str | None = None,
    lam: float = 0.0,
    lr: float = 1e-3,
    input_dim: int = 784,
    num_classes: int = 10,
    steps_per_execution: int = STEPS_PER_EXECUTION,
) -> Any:
    """The seed's dense classifier, compiled: ``Dense → activation`` per hidden layer, then softmax.

    Layers are named ``hidden1, act1, ..., logits, softmax`` so summaries are the
    same run after run. ``regularizer`` is ``"l1"``, ``"l2"`` or ``None``; ``lam``
    is its strength λ, applied to every kernel (not the biases), as in the seed.
    Optimizer: Adam with learning rate ``lr``; loss: cross-entropy. ``steps_per_execution``
    optimizer steps run per call into the compiled graph (see :data:`STEPS_PER_EXECUTION`).
    """
    import keras

    reg = None
    if regularizer is not None and lam > 0:
        reg = {"l1": keras.regularizers.L1, "l2": keras.regularizers.L2}[regularizer](lam)
    layers: list[Any] = [keras.Input((input_dim,), name="pixels")]
    for i, units in enumerate(hidden, start=1):
        layers += [keras.layers.Dense(units, kernel_regularizer=reg, name=f"hidden{i}"),
                   keras.layers.Activation(activation, name=f"act{i}")]
    layers += [keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits"),
               keras.layers.Activation("softmax", name="softmax")]
    model = keras.Sequential(layers, name="mlp")
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model


def steps_per_epoch(n_examples: int, batch_size: int) -> int:
    """Optimizer steps per epoch: ``ceil(n / batch)`` (the last, smaller batch counts)."""
    return -(-int(n_examples) // int(batch_size))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int = 10) -> np.ndarray:
    """Counts ``C[t, p]`` of examples with true class ``t`` predicted as ``p``."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm
