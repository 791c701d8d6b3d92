# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Course (GPU)
#     language: python
#     name: course-gpu
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 01 · How big must a dense network be?
# **Question.** How many parameters does a two-hidden-layer network need to classify MNIST digits with
# at least 97 % validation accuracy, and does the first hidden layer matter more than the second?
#
# **You will:** count the parameters of ten architectures by hand and by Keras, train all ten with the
# same recipe, look at their learning curves side by side, and *compute* the answers instead of eyeballing them.

# %% [markdown] slideshow={"slide_type": "skip"}
# Set-up: the shared helpers (`training` holds the sweep runner and the MLP builder), Keras, the run profile
# and seeding. Keras is imported before `seed_everything`, so it is seeded too.

# %% slideshow={"slide_type": "skip"}
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from course_utils import data, metrics, plotting, runtime, training

cfg = runtime.profile()
runtime.seed_everything(0)
runtime.report();

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 0. Parameters
# The seed trained every network for 10 epochs with Adam (Keras' default learning rate, 1e-3; Kingma & Ba,
# 2015) at batch size 128. The `ci` profile keeps the recipe and shrinks only the data, the epochs and the
# number of seeds.
# `TARGET_ACC` is the seed's 97 %; the `ci` subset (5,000 images, 4 epochs) cannot reach it, so there the
# same computation runs against 90 %.

# %%
NOTEBOOK = "01_mlp_capacity"
SEED = 0
NUM_EPOCHS = cfg.pick(full=10, ci=4)
BATCH_SIZE = 128
LR = 1e-3
TARGET_ACC = cfg.pick(full=0.97, ci=0.90)
NUM_SEEDS = cfg.pick(full=3, ci=2)              # seeds of the whole sweep in section 5 (seed 0 is the headline run)
LONG_EPOCHS = cfg.pick(full=40, ci=12)          # section 5: (30, 100) trained this long, to separate capacity from budget
ARCHITECTURES = [(200, 100), (100, 100), (10, 100), (200, 200), (100, 200),
                 (10, 200), (200, 10), (100, 10), (10, 10), (30, 100)]   # section 1.3 of the seed, in its order

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Data: train, validation, test
# We hold a stratified **validation** set out of the 60,000 training images and use it for every decision
# in this notebook (which architecture is "enough"). The **test** set is used once, at the end.
#
# The seed did something else: its logs say `469/469` steps per epoch at batch 128, that is
# ⌈60,000 / 128⌉ = 469, so it trained on all 60,000 images and passed the 10,000 *test* images as
# `validation_data`. Its "validation accuracy" is therefore a test accuracy, and choosing an architecture by
# it leaks the test set into the choice. We train on 50,000 images (391 steps per epoch) and keep 10,000
# for validation; in `ci` it is 5,000 and 1,000.

# %%
mnist = data.load_mnist(cfg, scale="01", flatten=True, seed=SEED)
steps = training.steps_per_epoch(len(mnist.x_train), BATCH_SIZE)
print(mnist)
print(f"{steps} steps per epoch at batch {BATCH_SIZE} (the seed: {training.steps_per_epoch(60_000, BATCH_SIZE)})")
assert mnist.x_train.shape[1] == 784 and steps == -(-cfg.pick(full=50_000, ci=5_000) // BATCH_SIZE)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Counting parameters
# A dense layer from $n$ inputs to $m$ units has an $n \times m$ weight matrix and $m$ biases: $(n+1)\,m$
# parameters. For hidden layers $(h_1, h_2)$ between 784 pixels and 10 classes:
# $$P(h_1, h_2) = 785\,h_1 + (h_1 + 1)\,h_2 + 10\,(h_2 + 1).$$
# The first layer's factor 785 is why $h_1$ dominates the count. `training.build_mlp` builds the seed's
# network (Dense → ReLU → Dense → ReLU → Dense → softmax, compiled with Adam and cross-entropy).

# %% tags=["nbval-check-output"]
def n_params(h1: int, h2: int) -> int:
    return 785 * h1 + (h1 + 1) * h2 + 10 * (h2 + 1)

model = training.build_mlp((30, 100), lr=LR)
total = training.print_summary(model)
assert total == n_params(30, 100) == 27_660, "the seed's summary says 27,660"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The formula agrees with Keras for all ten architectures. Sorted by size, they span a factor of 24.7.

# %% tags=["nbval-check-output"]
sizes = {h: training.build_mlp(h).count_params() for h in ARCHITECTURES}
assert all(sizes[h] == n_params(*h) for h in ARCHITECTURES)
print(training.format_table([{"hidden": str(h), "params": p} for h, p in sorted(sizes.items(), key=lambda kv: kv[1])]))

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Graded task (1 point): parameters of a dense network of any depth
# `n_params` knows exactly two hidden layers. Write `mlp_params(hidden, n_in=784, n_out=10)` for any tuple of hidden
# widths, including none (a softmax regression): one $(n+1)\,m$ per layer, as above.

# %% nbgrader={"grade": false, "grade_id": "mlp_params_any_depth_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def mlp_params(hidden: tuple[int, ...], n_in: int = 784, n_out: int = 10) -> int:
    """Weights and biases of a dense network n_in -> hidden[0] -> ... -> n_out."""
    ### BEGIN SOLUTION
    widths = [n_in, *hidden, n_out]
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "mlp_params_any_depth", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
assert mlp_params((30, 100)) == n_params(30, 100) == 27_660 and mlp_params((200,)) == 159_010
### BEGIN HIDDEN TESTS
assert mlp_params(()) == 7_850 and mlp_params((5,), n_in=3, n_out=2) == 32
assert mlp_params((64, 32, 16)) == training.build_mlp((64, 32, 16)).count_params()
### END HIDDEN TESTS

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Graded task (2 points): the same size, one width changed
# Exercise 3 asks to give (10, 200) and (100, 10) the same number of parameters by changing one width. $P$ is linear
# in $h_1$: $P(h_1, h_2) = (785 + h_2)\,h_1 + 11\,h_2 + 10$. Write `closest_first_width(target, h2)`: the $h_1 \ge 1$
# whose network $(h_1, h_2)$ has the parameter count closest to `target` (an `int`; either neighbour on a tie).

# %% nbgrader={"grade": false, "grade_id": "mlp_equal_params_width_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def closest_first_width(target: int, h2: int) -> int:
    """The first width h1 >= 1 whose (h1, h2) network has the parameter count closest to target."""
    ### BEGIN SOLUTION
    exact = (target - 11 * h2 - 10) / (785 + h2)
    candidates = {max(1, int(np.floor(exact))), max(1, int(np.ceil(exact)))}
    return min(candidates, key=lambda h1: abs(n_params(h1, h2) - target))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "mlp_equal_params_width", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
assert closest_first_width(n_params(10, 200), 10) == 15, "P(10, 200) = 12,060; P(15, 10) = 12,045; P(16, 10) = 12,840"
### BEGIN HIDDEN TESTS
for _t, _h2 in ((27_660, 100), (79_620, 200), (159_010, 10), (100, 50)):
    _h1 = closest_first_width(_t, _h2)
    assert _h1 >= 1 and abs(n_params(_h1, _h2) - _t) == min(abs(n_params(h, _h2) - _t) for h in range(1, 3000)), (_t, _h2)
### END HIDDEN TESTS

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Training all ten
# `training.run_sweep` re-seeds Keras before building each model (so every run starts from the same random
# state, whatever its place in the list), trains it with one compact progress bar, and returns one tidy table:
# a row per (architecture, epoch) with loss, accuracy, validation loss and accuracy, and the epoch's seconds.
#
# One speed setting first. A network this small does very little arithmetic per step (a (10, 10) net about
# 6 MFLOP per batch of 128), so most of a step's time is spent *calling* the compiled step from Python: fetching
# the batch, dispatching, updating the metrics. `build_mlp` therefore compiles with
# `steps_per_execution=training.STEPS_PER_EXECUTION` (32): Keras runs 32 optimizer steps inside one call. The
# updates are exactly the same; only the calls are fewer. Timed here for the smallest and the largest net, one
# epoch each way, after a first epoch that traces the graph:

# %%
def seconds_per_epoch(hidden, steps_per_execution):
    """Wall seconds of the second epoch of `hidden`, trained with `steps_per_execution` steps per call."""
    keras.utils.set_random_seed(SEED)
    model = training.build_mlp(hidden, lr=LR, steps_per_execution=steps_per_execution)
    train_ds = training.as_dataset(mnist.x_train, mnist.y_train, BATCH_SIZE, shuffle=True, seed=SEED)
    model.fit(train_ds, epochs=1, shuffle=False, verbose=0)       # traces the compiled step (the dataset shuffles)
    start = time.perf_counter()
    model.fit(train_ds, epochs=1, shuffle=False, verbose=0)
    return time.perf_counter() - start


for hidden in (min(ARCHITECTURES, key=sizes.get), max(ARCHITECTURES, key=sizes.get)):
    one, many = seconds_per_epoch(hidden, 1), seconds_per_epoch(hidden, training.STEPS_PER_EXECUTION)
    print(f"{str(hidden):11s} 1 step per call {one:5.2f} s/epoch, {training.STEPS_PER_EXECUTION} per call "
          f"{many:5.2f} s/epoch: {one / many:.1f}x faster")

# %% [markdown] slideshow={"slide_type": "fragment"}
# In our final `full` run on a 2-core AMD EPYC CPU: 2.6× faster per epoch for (10, 10) (0.62 → 0.24 s), where the
# overhead is nearly all of a step, and 1.7× for (200, 200) (1.26 → 0.74 s). How much the calls cost depends on
# the machine and its load: the previous run, on a slower 2-core VM, gave 2.5× (0.73 → 0.29 s) and 1.5× (1.32 →
# 0.88 s), and an earlier run on that VM, when it ran slower still, 1.9× and 2.0×. The lines above are this run's.
# On an earlier machine the whole notebook, before section 5's extra seeds were added, went from 193 s to 119 s,
# with the same accuracies to the last digit (`results/01_mlp_capacity_sweep_full.csv`).

# %%
def sweep(architectures, seed=SEED, epochs=NUM_EPOCHS, label="", models=None):
    """Train every architecture with the seed's recipe; one tidy table of their histories."""
    return training.run_sweep(
        [{"hidden": h} for h in architectures], lambda hidden: training.build_mlp(hidden, lr=LR),
        (mnist.x_train, mnist.y_train), (mnist.x_val, mnist.y_val), epochs=epochs, batch_size=BATCH_SIZE,
        seed=seed, name=lambda c: f"{c['hidden']}{label}", models=models)


models = {}
rows = sweep(ARCHITECTURES, models=models)
last = {r["run"]: r for r in training.final(rows)}
print(training.format_table(training.final(rows), ["run", "params", "loss", "accuracy", "val_loss", "val_accuracy"]))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Every network learns: the training loss falls from the first epoch to the last, and the validation
# accuracy is far above the 10 % of guessing.

# %%
for run in training.runs(rows):
    hist = training.select(rows, run=run)
    assert hist[-1]["loss"] < hist[0]["loss"], f"{run}: training loss did not fall"
    assert hist[-1]["val_accuracy"] > cfg.pick(full=0.85, ci=0.5), f"{run}: barely above chance"
print("min validation accuracy:", round(min(r["val_accuracy"] for r in last.values()), 3))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. Learning curves, side by side
# One panel per architecture, shared axes, so the panels compare at a glance: training accuracy (solid)
# and validation accuracy (dashed) per epoch.

# %%
fig = plotting.curves_grid(rows, metric="accuracy", ncols=5, ylim=(cfg.pick(full=0.85, ci=0.5), 1.0),
                           title="accuracy per epoch (solid: train, dashed: validation)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The seed wrote that "the training accuracy and validation loss curve were greater than their counterparts"
# and that the curves "converge after only 1 epoch". We measure the train–validation gap at the last epoch
# instead: for the big networks it is about 0.02, the start of overfitting; for the 10-unit first layers it is
# 0.007–0.012.

# %%
gaps = {run: last[run]["accuracy"] - last[run]["val_accuracy"] for run in last}
print(training.format_table([{"run": k, "train - val accuracy": v} for k, v in gaps.items()]))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. How many parameters for 97 %?
# Final validation accuracy against parameter count (log scale), with the target line. The answer is computed
# from the table: the smallest network that reached the target, and the largest that did not.

# %%
params = np.array([last[r]["params"] for r in last])
val_acc = np.array([last[r]["val_accuracy"] for r in last])
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.scatter(params, val_acc, c=val_acc >= TARGET_ACC, cmap="coolwarm_r", vmin=0, vmax=1)
for run, p, a in zip(last, params, val_acc):
    ax.annotate(run, (p, a), textcoords="offset points", xytext=(4, -3), fontsize=8)
ax.axhline(TARGET_ACC, color="gray", ls="--", label=f"{TARGET_ACC:.0%} target")
ax.set(xscale="log", xlabel="parameters", ylabel=f"validation accuracy after {NUM_EPOCHS} epochs")
ax.legend();

# %%
reached = [r for r in last if last[r]["val_accuracy"] >= TARGET_ACC]
missed = [r for r in last if last[r]["val_accuracy"] < TARGET_ACC]
smallest = min(reached, key=lambda r: last[r]["params"]) if reached else None
largest_miss = max(missed, key=lambda r: last[r]["params"]) if missed else None
print(f"smallest network reaching {TARGET_ACC:.0%}: {smallest} with {last[smallest]['params']:,} parameters"
      if smallest else f"no network reached {TARGET_ACC:.0%}")
if largest_miss:
    print(f"largest network missing it:   {largest_miss} with {last[largest_miss]['params']:,} parameters")
assert smallest is not None, "at least one architecture must reach the target"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The seed concluded that "we need at minimum ~27,000–28,000 parameters", from (30, 100) reaching 0.9701,
# one hundredth of a point above the line. Three cautions. That 0.9701 was measured on the *test* set, after
# training on all 60,000 images. Ten architectures only bracket the answer (nothing between the ones that missed
# and the ones that reached was tried). And parameter count alone is not the whole story: (10, 200) has fewer
# parameters than (30, 100), but its 10-unit first layer is a bottleneck.
#
# **Measured** (full profile, this notebook, 50,000 training images, held-out validation): (30, 100) reaches
# **0.9628**, *not* 97 %; the smallest of the ten that does is (100, 10) with 79,620 parameters. So under an honest
# split the seed's "27,000–28,000 parameters" does not hold. The assert checks that (30, 100) learns well; whether
# it crosses 97 % is exactly what the computation above reports.

# %%
acc_30_100 = last["(30, 100)"]["val_accuracy"]
print(f"(30, 100): validation accuracy {acc_30_100:.4f} with {last['(30, 100)']['params']:,} parameters")
assert acc_30_100 >= cfg.pick(full=0.955, ci=0.85)  # full: measured 0.9628 (the seed's 0.97 is not reached)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One seed, or three?
# A threshold decided by a few hundredths of a point can flip with the random seed: the initial weights and the
# order of the minibatches. So we train the whole sweep again with `NUM_SEEDS − 1` more seeds (same data, same
# recipe) and ask, per architecture, for the mean and the spread of the final validation accuracy, and in how
# many seeds it reached the target.

# %%
seed_rows = {SEED: rows}
for seed in range(SEED + 1, SEED + NUM_SEEDS):
    seed_rows[seed] = sweep(ARCHITECTURES, seed=seed, label=f", seed {seed}")
finals = {seed: [r["val_accuracy"] for r in training.final(rs)] for seed, rs in seed_rows.items()}
by_arch = {run: np.array([finals[seed][i] for seed in finals]) for i, run in enumerate(last)}
seed_table = sorted(({"run": run, "params": last[run]["params"], **dict(zip(("mean val acc", "std"), metrics.seed_spread(a))),
                      f"seeds ≥ {TARGET_ACC:.0%}": f"{int((a >= TARGET_ACC).sum())}/{NUM_SEEDS}"}
                     for run, a in by_arch.items()), key=lambda r: r["params"])
print(training.format_table(seed_table))
smallest_per_seed = {seed: min((run for i, run in enumerate(last) if finals[seed][i] >= TARGET_ACC),
                               key=lambda run: last[run]["params"], default=None) for seed in finals}
print("smallest network reaching the target, per seed:", smallest_per_seed)
acc_mean, acc_sd = metrics.seed_spread(by_arch["(30, 100)"])
acc_se = acc_sd / np.sqrt(NUM_SEEDS)                             # standard error of the mean over seeds
print(f"(30, 100): {acc_mean:.4f} ± {acc_se:.4f} (mean ± standard error over {NUM_SEEDS} seeds)")
assert acc_mean < TARGET_ACC - 2 * acc_se, "(30, 100) misses the target only within the seed noise"

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Measured** (`full`, 3 seeds): the answer holds in all three seeds, but its edge is thin. In every seed the
# smallest network over the line is (100, 10), yet it averages only 0.9713 ± 0.0013 (mean ± standard deviation),
# within seed noise of the line: in an earlier run of the same code on another machine, seed 2 ended just under
# 97 % and the smallest there was (100, 100) (89,610 parameters). (30, 100) misses it in all three: 0.9650 ±
# 0.0019 (mean ± standard error), 0.0050 or about 2.6 standard errors below 97 %. The assert asks for the mean to
# sit more than 2 standard errors below the target (`full` margin: about 0.0012). The seed-to-seed spread of one
# architecture (standard deviation up to 0.0035) is as large as the gaps between several neighbours in the table,
# which is why one run per architecture cannot rank them.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Capacity, or the 10-epoch budget?
# "(30, 100) does not reach 97 %" can mean two things: it cannot (capacity), or it did not yet (ten epochs).
# Train it `LONG_EPOCHS` epochs and look at the validation curve.

# %%
long_rows = sweep([(30, 100)], epochs=LONG_EPOCHS, label=f", {LONG_EPOCHS} epochs")
long_best = max(long_rows, key=lambda r: r["val_accuracy"])
print(f"(30, 100) over {LONG_EPOCHS} epochs: best validation accuracy {long_best['val_accuracy']:.4f} at epoch "
      f"{long_best['epoch']}, last {long_rows[-1]['val_accuracy']:.4f}; first epoch ≥ {TARGET_ACC:.0%}: "
      f"{training.first_epoch_reaching(long_rows, TARGET_ACC)}")
fig = plotting.curves_grid(long_rows, metric="accuracy", ncols=1, ylim=(cfg.pick(full=0.9, ci=0.6), 1.0),
                           title=f"(30, 100) for {LONG_EPOCHS} epochs (solid: train, dashed: validation)")
assert long_best["val_accuracy"] > acc_30_100, "more epochs should still help (30, 100)"

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Measured** (`full`, seed 0; its first ten epochs are the headline run): four times the epochs buy 0.65 points
# (0.9628 → best 0.9693, at epoch 32; 0.9686 at the last epoch). So the ten-epoch budget is part of the answer, but
# not all of it: after 40 epochs (30, 100) is still 0.07 points short of 97 %, where (100, 10) passes it within ten
# epochs in all three seeds. Under this recipe the seed's "27,000–28,000 parameters" sits at the edge at best. (In
# `ci`, with its 90 % line, (30, 100) crosses at epoch 8 of 12: there the budget was the limit.)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. Does the first hidden layer matter more than the second?
# The seed's claim, tested two ways on the same table.
# 1. **Same total units, swapped order**: (10, 100) vs (100, 10), (10, 200) vs (200, 10), (100, 200) vs
#    (200, 100). If the first layer matters more, the wider-first network wins each pair.
# 2. **Vary one layer, fix the other**: how much the final validation accuracy spreads when $h_1$ goes
#    10 → 100 → 200 (with $h_2 = 100$), against when $h_2$ goes 10 → 100 → 200 (with $h_1 = 100$).

# %%
pairs = [((10, 100), (100, 10)), ((10, 200), (200, 10)), ((100, 200), (200, 100))]
table = []
for narrow_first, wide_first in pairs:
    a, b = last[str(narrow_first)], last[str(wide_first)]
    table.append({"narrow first": str(narrow_first), "val acc": a["val_accuracy"], "wide first": str(wide_first),
                  "val acc ": b["val_accuracy"], "wide first wins": b["val_accuracy"] > a["val_accuracy"]})
print(training.format_table(table))

# %%
acc = lambda h: last[str(h)]["val_accuracy"]  # noqa: E731
spread_first = max(acc((h, 100)) for h in (10, 100, 200)) - min(acc((h, 100)) for h in (10, 100, 200))
spread_second = max(acc((100, h)) for h in (10, 100, 200)) - min(acc((100, h)) for h in (10, 100, 200))
print(f"spread of validation accuracy when h1 varies: {spread_first:.4f}; when h2 varies: {spread_second:.4f}")
assert spread_first > spread_second
assert table[0]["wide first wins"] and table[1]["wide first wins"], "the 10-unit first layer should lose"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The claim holds where the first layer is a **bottleneck**: 10 units cannot carry what 784 pixels say about
# the digit, and no width after them can recover it. Between two wide layers, (100, 200) against (200, 100),
# the order matters little. The seed's explanation ("the first layer contributes more parameters") is only
# half of it: (200, 10) has 13× the parameters of (10, 200), so pair comparisons mix two effects. The second
# test does not separate them either: taking $h_1$ from 10 to 200 multiplies the parameters by 17.9, taking $h_2$
# from 10 to 200 by only 1.26. Narrowing $h_1$ costs more than narrowing $h_2$ by the same factor, but whether
# that is the bottleneck or the lost parameters, this table cannot say (exercise: compare networks of equal
# parameter count).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7. One number on the test set
# Only now do we touch the test set, once, for the network we singled out. The seed's 0.9701 for (30, 100)
# was measured on the test set too (its "validation data"), with 60,000 training images against our 50,000.

# %%
test_loss, test_acc = models["(30, 100)"].evaluate(training.as_dataset(mnist.x_test, mnist.y_test, 1024), verbose=0)
print(f"(30, 100) test accuracy: {test_acc:.4f} on {len(mnist.y_test):,} test images")
assert abs(test_acc - acc_30_100) < cfg.pick(full=0.01, ci=0.05), "validation should predict test"

# %% [markdown] slideshow={"slide_type": "slide"} tags=["remove-cell"]
# ## 8. Saving the sweep and the headline figures
# The full-profile table goes to `results/` (one row per architecture and epoch) so later notebooks and
# readers can use the numbers without re-training; `ci` runs write to the build folder instead.

# %% tags=["remove-cell"]
out_dir = runtime.REPO_ROOT / "results" if cfg.name == "full" else runtime.results_dir()
path = training.to_csv(rows, out_dir / f"{NOTEBOOK}_sweep_{cfg.name}.csv")
print("saved", path.name)

# %% tags=["remove-cell"]
runtime.save_headline(NOTEBOOK, {
    "val_acc_30_100": round(acc_30_100, 4), "test_acc_30_100": round(test_acc, 4),
    "smallest_reaching_target": smallest, "target": TARGET_ACC,
    "params_smallest": last[smallest]["params"], "best_val_acc": round(float(val_acc.max()), 4),
    "sec_per_epoch_200_100": round(float(np.median([r["seconds"] for r in training.select(rows, run="(200, 100)")])), 2),
    "seeds": NUM_SEEDS, "seeds_val_acc_30_100": f"{acc_mean:.4f}±{acc_se:.4f}",
    "seeds_smallest_reaching": sorted({str(v) for v in smallest_per_seed.values()}),
    "long_epochs_best_30_100": round(long_best["val_accuracy"], 4),
});

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary · Exercises
# * Parameters: $P = 785h_1 + (h_1+1)h_2 + 10(h_2+1)$; (30, 100) has 27,660, as in the seed.
# * How many parameters for 97 %? Of the ten networks, (100, 10) with 79,620 parameters is the smallest that
#   reaches it, in all 3 seeds but narrowly (0.9713 ± 0.0013, mean ± std; in an earlier run, one seed fell short
#   and there (100, 100) with 89,610 was the smallest); (30, 100), the seed's 27,660, misses it in all three
#   (0.9650 ± 0.0019, mean ± standard error) and is still 0.07 points short after 40 epochs. Ten architectures
#   bracket the answer, they do not pin it down.
# * Narrowing the first layer costs more accuracy than narrowing the second by the same factor, as the seed
#   said. Whether that is a 10-unit bottleneck or the parameters it removes (×17.9 against ×1.26), this sweep
#   cannot separate: the two go together (exercise 3 pulls them apart).
# * Validation is for choosing, test for the final number; the seed used the test set for both.
#
# **Exercises** (from the seed's section 1.3)
# 1. Narrow the bracket: train (15, 100), (20, 100) and (25, 100). Where does 97 % start? Predict first.
# 2. Section 5 measured the seed-to-seed spread on validation. Measure it on the *test* set for (30, 100) over
#    five seeds: what does it say about the seed's "0.9701 ≥ 0.97"?
# 3. Give (10, 200) and (100, 10) the same number of parameters by changing one width (the graded task after
#    section 2 finds the width). Which wins now?
# 4. Train on all 60,000 images with the test set as validation, as the seed did. How much does the
#    "validation" accuracy change, and why is it no longer a fair number to choose an architecture by?

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises: worked solutions
# Exercise 3's counting half is the graded task after section 2; below are the others, one cell each, trained
# with the recipe of section 3. In the student release these code cells are empty, for your answers (each raises
# `NotImplementedError` until you write one); in the course's `notebooks/` they hold the worked solutions, with the
# measured numbers. `EX_SEEDS` seeds where an exercise compares two settings (`full`: 3; `ci`: 1, to keep the tests short).

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1: narrowing the bracket
# First widths between the (30, 100) that missed and the (100, 100) that reached the target, one seed (seed 0, the
# headline run's), $h_2 = 100$ as in the pair.

# %% nbgrader={"grade": false, "grade_id": "mlp_capacity_ex1_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
EX_SEEDS = range(SEED, SEED + cfg.pick(full=3, ci=1))
bracket = [(h1, 100) for h1 in cfg.pick(full=(15, 20, 25, 40, 50, 70), ci=(15,))]
bracket_rows = sweep(bracket)
bracket_acc = {**{h: r["val_accuracy"] for h, r in zip(bracket, training.final(bracket_rows))},
               (30, 100): acc_30_100, (100, 100): last["(100, 100)"]["val_accuracy"]}
print(training.format_table([{"hidden": str(h), "params": n_params(*h), "val acc": a, f"≥ {TARGET_ACC:.0%}": a >= TARGET_ACC}
                             for h, a in sorted(bracket_acc.items())]))
print("first h1 reaching the target at h2 = 100:", min((h[0] for h, a in bracket_acc.items() if a >= TARGET_ACC), default=None))
assert bracket_acc[bracket[0]] < bracket_acc[(100, 100)], "a 15-unit first layer should lose to a 100-unit one"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, seed 0). At $h_1$ = 70 in this run: the validation accuracy climbs from 0.9552 at (15, 100)
# through 0.9571, 0.9618 and 0.9628 at (30, 100), then flattens at 0.9695 for both $h_1$ = 40 and 50, and
# (70, 100) is the first to cross the line (0.9705, 63,060 parameters), then (100, 100) (0.9719). With one seed the
# plateau is within noise of 97 % (section 5 measured standard deviations of up to 0.0035 between seeds), so the
# honest answer is "near $h_1 \approx 40$–70 at $h_2 = 100$, about 36,000–63,000 parameters", not a single width;
# the seed's 27,660 is below all of it.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2: the seed-to-seed spread on the test set
# (30, 100) trained with five seeds (`ci`: two), each evaluated once on the test set.

# %% nbgrader={"grade": false, "grade_id": "mlp_capacity_ex2_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
test_ds = training.as_dataset(mnist.x_test, mnist.y_test, 1024)
seed_models = {SEED: models["(30, 100)"]}                        # seed 0 is the headline run
for seed in range(SEED + 1, SEED + cfg.pick(full=5, ci=2)):
    trained = {}
    sweep([(30, 100)], seed=seed, label=f", seed {seed}", models=trained)
    seed_models[seed] = trained[f"(30, 100), seed {seed}"]
test_accs = {seed: m.evaluate(test_ds, verbose=0)[1] for seed, m in seed_models.items()}
test_mean, test_sd = metrics.seed_spread(list(test_accs.values()))
print({s: round(a, 4) for s, a in test_accs.items()})
print(f"(30, 100) test accuracy over {len(test_accs)} seeds: {test_mean:.4f} ± {test_sd:.4f} (mean ± std); "
      f"range {min(test_accs.values()):.4f}–{max(test_accs.values()):.4f}; the seed's margin 0.9701 − 0.97 = 0.0001")
assert test_sd > 0.0001, "the seed-to-seed spread should exceed the seed's one-hundredth-of-a-point margin"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, 50,000 training images, seeds 0–4). Test accuracies 0.9666, 0.9692, 0.9648, 0.9642 and
# 0.9657: mean 0.9661, standard deviation 0.0020, a range of 0.0050. The seed's "0.9701 ≥ 0.97" is a margin of
# 0.0001, one twentieth of the seed-to-seed standard deviation: another seed could as well have given 0.968 or 0.972.
# One run cannot decide a threshold that close; several seeds and a mean with its standard error can (section 5).

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 3: equal parameters, which wins?
# The graded task gives (15, 10) with 12,045 parameters against (10, 200) with 12,060: now only the position of
# the narrow layer differs, not the count. `EX_SEEDS` seeds each, the difference of the means with its standard
# error.

# %% nbgrader={"grade": false, "grade_id": "mlp_capacity_ex3_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
equal = {h: [training.final(sweep([h], seed=s, label=f", seed {s}"))[0]["val_accuracy"] for s in EX_SEEDS]
         for h in ((15, 10), (10, 200))}
diff, diff_se = metrics.mean_difference(equal[(15, 10)], equal[(10, 200)])
print(training.format_table([{"hidden": str(h), "params": n_params(*h), **dict(zip(("mean val acc", "std"), metrics.seed_spread(a)))}
                             for h, a in equal.items()]))
print(f"(15, 10) − (10, 200): {diff:+.4f} ± {diff_se:.4f} over {len(EX_SEEDS)} seeds")
assert diff + 2 * diff_se < cfg.pick(full=0.0, ci=0.05), "(10, 200) should win at equal parameters"  # full: −0.0091 ± 0.0031
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, seeds 0–2). (10, 200) wins: 0.9472 ± 0.0035 against 0.9381 ± 0.0040 for (15, 10) (mean ±
# standard deviation), a difference of −0.0091 ± 0.0031 (about three standard errors). At equal parameters, the
# network with the *narrower* first layer wins, because the other one is narrow twice: (15, 10) squeezes the digit
# through 15 and then 10 units, (10, 200) through 10 and then widens again. So "the first layer matters more" was, in
# section 6's pairs, mostly "more parameters matter more"; what the bottleneck costs depends on the whole shape.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4: training on 60,000 images with the test set as "validation"
# The seed's split: the 50,000 training and 10,000 validation images together, the test set passed as
# `validation_data`. Paired with exercise 2's runs of the same seeds (all five; `ci`: one), trained on 50,000
# and scored on the same test set.

# %% nbgrader={"grade": false, "grade_id": "mlp_capacity_ex4_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
x_all, y_all = np.concatenate([mnist.x_train, mnist.x_val]), np.concatenate([mnist.y_train, mnist.y_val])
split_seeds = list(test_accs)[:cfg.pick(full=5, ci=1)]
seed_split = {}
for s in split_seeds:
    hist = training.run_sweep([{"hidden": (30, 100)}], lambda hidden: training.build_mlp(hidden, lr=LR), (x_all, y_all),
                              (mnist.x_test, mnist.y_test), epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=s,
                              name=lambda c: f"(30, 100) on {len(y_all):,}, seed {s}")
    seed_split[s] = training.final(hist)[0]["val_accuracy"]           # the seed's "validation accuracy"
gain = np.array([seed_split[s] - test_accs[s] for s in split_seeds])
gain_mean, gain_se = metrics.mean_se(gain)
print(training.format_table([{"seed": s, f"trained on {len(y_all):,}, test": seed_split[s],
                              f"trained on {len(mnist.y_train):,}, test": test_accs[s]} for s in split_seeds]))
print(f"the seed's split adds {gain_mean:+.4f} ± {gain_se:.4f} (mean ± standard error) to the test accuracy of (30, 100)")
assert gain_mean - 2 * gain_se > cfg.pick(full=0.0, ci=-0.05), "10,000 more training images should help"  # full: +0.0023 ± 0.0009
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, seeds 0–4). Training on 60,000 images raises the test accuracy of (30, 100) from 0.9661 to
# 0.9684 on average, +0.0023 ± 0.0009 (mean ± standard error, paired by seed): more data helps a little (in four of
# the five seeds; in seed 1 it scores 0.0004 lower), and none of the five runs reaches the seed's 0.9701 (its
# TensorFlow and hardware differ). The number is no longer fair for choosing: once the test set decides which
# architecture "reaches 97 %", the decision is fitted to those 10,000 images, and the reported accuracy of the
# winner is biased upwards (it is the best of several noisy scores, each with a spread of about 0.0020, exercise 2),
# with no untouched data left to check it.
