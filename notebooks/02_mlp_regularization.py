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
# # 02 · Regularization, activations and a better dense net
# **Question.** How strong should a weight penalty be, does tanh really learn slower than ReLU (and why),
# and how far can a well-designed dense network go on MNIST?
#
# **You will:** sweep L2 and L1 penalties over eight orders of magnitude and read under- and overfitting off
# the train–validation gap, time tanh against ReLU in epochs, test the seed's explanation by measuring
# saturation, then reproduce the seed's best dense net and beat it with dropout, batch normalization and a
# learning-rate schedule.

# %% [markdown] slideshow={"slide_type": "skip"}
# Set-up: shared helpers (`training.build_mlp` is the seed's network with an optional L1/L2 penalty), Keras,
# the run profile and seeding.

# %% slideshow={"slide_type": "skip"}
import keras
import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from course_utils import data, metrics, plotting, runtime, training

cfg = runtime.profile()
runtime.seed_everything(0)
runtime.report();

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 0. Parameters
# The seed's recipe: Adam at Keras' default learning rate 1e-3 (Kingma & Ba, 2015), batch 128, 10 epochs,
# hidden layers (200, 100). The `ci` profile trains fewer models (λ = 1e-6 and, in section 2, λ = 1e-8
# are left out) to stay within its time budget. `ACT_THRESHOLD` is the validation accuracy whose first epoch we time in section 2;
# the `ci` subset trains for 3 epochs on 5,000 images and gets a lower bar.

# %%
NOTEBOOK = "02_mlp_regularization"
SEED = 0
NUM_EPOCHS = cfg.pick(full=10, ci=3)
BATCH_SIZE = 128
LR = 1e-3
HIDDEN = (200, 100)
LAMBDAS = cfg.pick(full=[0.0, 1e-8, 1e-6, 1e-4, 1e-2, 1.0],   # the seed's grid (section 1.4), plus λ = 0
                   ci=[0.0, 1e-8, 1e-4, 1e-2, 1.0])            # ci: fewer models, same story
ACT_LAMBDAS = cfg.pick(full=[0.0, 1e-8], ci=[0.0])              # section 1.5; 1e-8 changes nothing measurable (section 1)
ACT_THRESHOLD = cfg.pick(full=0.97, ci=0.85)
SEED_BEST_VAL = 0.9826                               # seed, section 1.6 (measured on the test set, see 01)
NUM_SEEDS = cfg.pick(full=3, ci=2)                   # seeds behind the causal claims of sections 2 and 3 (seed 0 included)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Data as in notebook 01: a stratified validation split for every choice below, the test set for one final
# number. In `full` that is 50,000 training images (391 steps per epoch); the seed's 469 steps meant it trained
# on all 60,000 and validated on the test set.

# %%
mnist = data.load_mnist(cfg, scale="01", flatten=True, seed=SEED)
train, val = (mnist.x_train, mnist.y_train), (mnist.x_val, mnist.y_val)
print(mnist, f"· {training.steps_per_epoch(len(mnist.x_train), BATCH_SIZE)} steps per epoch")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Weight penalties: L2 and L1
# A penalty adds $\lambda \sum w^2$ (L2, "weight decay") or $\lambda \sum |w|$ (L1, which pushes weights to
# exactly zero) to the cross-entropy, for every layer's weights (not the biases). Large $\lambda$ shrinks the
# network until it cannot fit even the training set (**underfitting**: train and validation both low);
# $\lambda = 0$ lets it fit the training set better than new data (**overfitting**: a gap).
# One caution on the name: with Adam, an L2 term in the loss is *not* weight decay. Adam divides every gradient,
# the penalty's share included, by its running RMS, so weights with large gradients are decayed less than the
# rest; decoupled weight decay (AdamW, Loshchilov & Hutter 2019) shrinks every weight by the same factor. The
# seed used the L2 term, and so do we.

# %%
configs = [{"regularizer": reg, "lam": lam} for reg in ("l2", "l1") for lam in LAMBDAS if not (reg == "l1" and lam == 0)]
models = {}
rows = training.run_sweep(configs, lambda regularizer, lam: training.build_mlp(HIDDEN, regularizer=regularizer, lam=lam, lr=LR),
                          train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=SEED,
                          name=lambda c: f"{c['regularizer'] if c['lam'] else 'none'} λ={c['lam']:g}", models=models)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Keras' `accuracy` in the history is a running average over the epoch's batches, while the weights were still
# changing. For an honest train–validation gap we **re-evaluate** each final model on the training images.

# %%
train_eval = training.as_dataset(*train, 1024)
final = {r["run"]: r for r in training.final(rows)}
for run, model in models.items():
    final[run]["train_acc_end"] = model.evaluate(train_eval, verbose=0)[1]
    final[run]["gap"] = final[run]["train_acc_end"] - final[run]["val_accuracy"]
print(training.format_table(list(final.values()), ["run", "train_acc_end", "val_accuracy", "gap", "val_loss"]))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Learning curves, one panel per penalty, shared axes.

# %%
fig = plotting.curves_grid(rows, metric="accuracy", ncols=6, ylim=(0, 1), title="accuracy per epoch (solid: train, dashed: validation)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The summary: final train and validation accuracy against λ, for both penalties.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, reg in zip(axes, ("l2", "l1")):
    runs = ["none λ=0"] + [f"{reg} λ={lam:g}" for lam in LAMBDAS[1:]]
    ax.plot(range(len(runs)), [final[r]["train_acc_end"] for r in runs], "o-", label="train (re-evaluated)")
    ax.plot(range(len(runs)), [final[r]["val_accuracy"] for r in runs], "s--", label="validation")
    ax.set_xticks(range(len(runs)), ["0"] + [f"{lam:g}" for lam in LAMBDAS[1:]])
    ax.set(title=reg.upper(), xlabel="λ")
axes[0].set_ylabel("accuracy")
axes[0].legend();

# %% [markdown] slideshow={"slide_type": "subslide"}
# What the table says, as asserts:
# * λ = 1 is far too strong for both penalties: the network underfits, close to chance, train and validation alike.
# * λ up to 1e-6 changes nothing measurable: the penalty is tiny next to the cross-entropy.
# * the seed wrote that λ = 1e-2 "creates a learning curve similar to a smaller network", and then that "a very small
#   λ leads to overfitting". The first is underfitting; the second we measure as the gap at λ = 0.
# * a stronger penalty does *not* narrow the gap step by step. Where the gap is clearly narrower (by more than half
#   a point: λ = 1e-2 and 1, and L1 at 1e-4 in `full`), most of the narrowing is lost *training* accuracy, not
#   gained validation accuracy. Below that the gap moves by about a tenth of a point from one λ to the next,
#   not in order (in `full`, L2: 0.0204, 0.0195, 0.0207, 0.0196 for λ = 0 to 1e-4, as in an earlier run; a run of
#   the same code on another CPU gave 0.0204, 0.0201, 0.0186, 0.0189): differences one run cannot tell from noise.

# %%
for reg in ("l2", "l1"):
    assert final[f"{reg} λ=1"]["train_acc_end"] < 0.3, f"{reg} λ=1 should underfit"
    for lam in (lam for lam in LAMBDAS if 0 < lam <= 1e-6):
        assert abs(final[f"{reg} λ={lam:g}"]["val_accuracy"] - final["none λ=0"]["val_accuracy"]) < 0.01
assert final["none λ=0"]["val_accuracy"] > cfg.pick(full=0.97, ci=0.85)
assert final["l1 λ=0.01"]["val_accuracy"] < final["none λ=0"]["val_accuracy"], "strong L1 costs accuracy"
base = final["none λ=0"]
for run, r in final.items():
    narrowed = base["gap"] - r["gap"]
    if narrowed > 0.005:
        assert base["train_acc_end"] - r["train_acc_end"] > narrowed / 2, f"{run}: the gap should close from the train side"
print(f"gap at λ=0: {final['none λ=0']['gap']:+.4f}; L2 λ=1e-4: {final['l2 λ=0.0001']['gap']:+.4f}")

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Graded task (2 points): the penalty Keras adds to the loss
# Write `weight_penalty(model, regularizer, lam)`: the number that `build_mlp(..., regularizer, lam)` adds to the
# cross-entropy, $\lambda \sum w^2$ for `"l2"` or $\lambda \sum |w|$ for `"l1"`, summed over the kernel of every
# `keras.layers.Dense` layer of `model` and not over the biases. Compute it with NumPy from the weights
# (`np.asarray(layer.kernel)`), as a float. The test compares it with Keras' own regularizers on section 1's models.

# %% nbgrader={"grade": false, "grade_id": "mlp_weight_penalty_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def weight_penalty(model: keras.Model, regularizer: str, lam: float) -> float:
    """lam * sum(w**2) ("l2") or lam * sum(|w|) ("l1") over the kernels of the model's Dense layers."""
    ### BEGIN SOLUTION
    kernels = [np.asarray(layer.kernel, dtype=np.float64) for layer in model.layers
               if isinstance(layer, keras.layers.Dense)]
    return lam * sum(float((k**2).sum() if regularizer == "l2" else np.abs(k).sum()) for k in kernels)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "mlp_weight_penalty", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
def _keras_penalty(model):
    return sum(float(layer.kernel_regularizer(layer.kernel)) for layer in model.layers
               if getattr(layer, "kernel_regularizer", None) is not None)


assert np.isclose(weight_penalty(models["l2 λ=0.0001"], "l2", 1e-4), _keras_penalty(models["l2 λ=0.0001"]), rtol=1e-4)
### BEGIN HIDDEN TESTS
assert np.isclose(weight_penalty(models["l1 λ=0.0001"], "l1", 1e-4), _keras_penalty(models["l1 λ=0.0001"]), rtol=1e-4)
_tiny = training.build_mlp((3,), regularizer="l2", lam=0.5, input_dim=4, num_classes=2)
for _layer in _tiny.layers:
    if isinstance(_layer, keras.layers.Dense):
        _layer.bias.assign(np.ones(_layer.bias.shape))          # a penalty that counts the biases fails here
assert np.isclose(weight_penalty(_tiny, "l2", 0.5), _keras_penalty(_tiny), rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. tanh against ReLU
# The seed's section 1.5: (200, 100) and (100, 100), λ ∈ {0, 1e-8}, ReLU against tanh, and the claim that tanh
# "converges around the 3rd epoch" instead of the first. We time it: the first epoch whose validation accuracy
# reaches `ACT_THRESHOLD`. The ReLU runs at (200, 100) are section 1's runs with the same λ, reused rather than
# re-trained: `run_sweep` re-seeds Keras before every build and every fit, so training them again would start
# from the same weights, see the same batches and repeat the same numbers.

# %%
act_configs = [{"activation": a, "hidden": h, "lam": lam} for h in (HIDDEN, (100, 100)) for lam in ACT_LAMBDAS
               for a in ("relu", "tanh")]
act_rows, act_models = [], {}
for c in act_configs:
    label = f"{c['activation']} {c['hidden']} λ={c['lam']:g}"
    if c["activation"] == "relu" and c["hidden"] == HIDDEN:          # trained in section 1
        source = "none λ=0" if c["lam"] == 0 else f"l2 λ={c['lam']:g}"
        act_rows += [{**r, **c, "run": label} for r in training.select(rows, run=source)]
        act_models[label] = models[source]
        continue
    act_rows += training.run_sweep(
        [c], lambda activation, hidden, lam: training.build_mlp(hidden, activation=activation, regularizer="l2", lam=lam, lr=LR),
        train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=SEED, name=lambda _: label, models=act_models)

# %%
reach = {run: training.first_epoch_reaching(training.select(act_rows, run=run), ACT_THRESHOLD) for run in training.runs(act_rows)}
act_final = {r["run"]: r for r in training.final(act_rows)}
print(training.format_table([{"run": r, f"first epoch ≥ {ACT_THRESHOLD}": reach[r], "epoch-1 val acc":
                              training.select(act_rows, run=r)[0]["val_accuracy"], "final val acc": act_final[r]["val_accuracy"]}
                             for r in reach]))

# %% slideshow={"slide_type": "subslide"} tags=["slides-remove-input"]
fig = plotting.curves_grid(act_rows, metric="accuracy", ncols=4, ylim=(cfg.pick(full=0.9, ci=0.6), 1.0),
                           title="ReLU against tanh (solid: train, dashed: validation)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Testing the seed's explanation.** It says tanh is slower because it is bounded: large inputs saturate it
# at ±1, where its derivative $1 - \tanh^2$ vanishes. If so, a large share of the tanh units must sit near ±1.
# We measure it on validation images: the share of hidden activations with $|\tanh(s)| > 0.99$ (derivative
# below 0.02), and the mean derivative $1-\tanh^2$. (To compare it with ReLU, compare like with like: ReLU's
# derivative is 1 on its active units and 0 on the others, so its mean over *all* units is the share of active
# units, not 1.)

# %%
def tanh_stats(model, x):
    probe = keras.Model(model.inputs, [model.get_layer("act1").output, model.get_layer("act2").output])
    acts = np.concatenate([np.asarray(a) for a in probe(x, training=False)], axis=1)
    return float(np.mean(np.abs(acts) > 0.99)), float(np.mean(1 - acts**2))

x_probe = mnist.x_val[:1000]
keras.utils.set_random_seed(SEED)
sat_init, deriv_init = tanh_stats(training.build_mlp((200, 100), activation="tanh"), x_probe)
keras.utils.set_random_seed(SEED)                       # the same net after one epoch, when the lag first shows
tanh_epoch1 = training.build_mlp((200, 100), activation="tanh", regularizer="l2", lam=0.0, lr=LR)
training.fit(tanh_epoch1, train, val, epochs=1, batch_size=BATCH_SIZE, run="tanh (200, 100), one epoch", seed=SEED)
sat_epoch1, deriv_epoch1 = tanh_stats(tanh_epoch1, x_probe)
sat_trained, deriv_trained = tanh_stats(act_models["tanh (200, 100) λ=0"], x_probe)
for when, sat, deriv in (("at initialization", sat_init, deriv_init), ("after 1 epoch", sat_epoch1, deriv_epoch1),
                         (f"after {NUM_EPOCHS} epochs", sat_trained, deriv_trained)):
    print(f"{when:18s} units with |a| > 0.99: {sat:6.2%}   mean derivative 1 - a²: {deriv:.3f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **What the measurement says.** Saturation is absent at initialization and grows as the weights grow: in the full
# profile 3 % of the units after one epoch, 18 % after ten (mean derivative 0.60 → 0.38); in `ci` it stays below
# 1 %. But tanh's lag is already there after the **first** epoch (full profile: 0.936 against ReLU's 0.951 at
# (200, 100), 0.932 against 0.945 at (100, 100)), when 97 % of the units are far from ±1. So saturation does not
# explain the early lag; it may add to it later. And the lag is not universal: to reach 0.97, tanh needed 6 epochs
# against ReLU's 3 at (200, 100), but 6 against 7 at (100, 100). The seed's "converges around the 3rd epoch instead
# of the first" holds for one of its two networks. What does cause the early lag is left open here, as a
# hypothesis to measure (exercise 5); exercise 3 makes saturation happen on purpose and measures what it costs.

# %%
assert sat_init < 0.01, "a freshly initialized tanh net is far from saturation"
assert sat_init < sat_epoch1 < sat_trained, "saturation should grow as the weights grow"
assert sat_epoch1 < cfg.pick(full=0.05, ci=0.01), "after one epoch saturation should still be rare"
relu_epochs = [reach[r] or NUM_EPOCHS + 1 for r in reach if r.startswith("relu")]
tanh_epochs = [reach[r] or NUM_EPOCHS + 1 for r in reach if r.startswith("tanh")]
first_val = {r: training.select(act_rows, run=r)[0]["val_accuracy"] for r in reach}
print(f"mean first epoch ≥ {ACT_THRESHOLD}: ReLU {np.mean(relu_epochs):.2f}, tanh {np.mean(tanh_epochs):.2f}")
print(f"mean validation accuracy after epoch 1: ReLU {np.mean([v for r, v in first_val.items() if r.startswith('relu')]):.4f}, "
      f"tanh {np.mean([v for r, v in first_val.items() if r.startswith('tanh')]):.4f}")
assert all(act_final[r]["val_accuracy"] > cfg.pick(full=0.96, ci=0.8) for r in act_final), "both activations learn"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Over seeds.** One run of each cannot tell a lag from luck: another initialization and another batch order
# move both the epoch-1 accuracy and the first epoch over the bar. We train the λ = 0 runs with `NUM_SEEDS − 1`
# more seeds (seed 0 is the run above) and report mean ± standard deviation; a run that never reaches
# `ACT_THRESHOLD` counts as `NUM_EPOCHS + 1`.

# %%
def act_run(activation, hidden, seed):
    """One λ = 0 run of section 2's sweep with another seed (its rows)."""
    return training.run_sweep(
        [{"activation": activation, "hidden": hidden}],
        lambda activation, hidden: training.build_mlp(hidden, activation=activation, regularizer="l2", lam=0.0, lr=LR),
        train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=seed, progress=False,
        name=lambda _: f"{activation} {hidden} seed {seed}")


ACT_PAIRS = [(a, h) for h in (HIDDEN, (100, 100)) for a in ("relu", "tanh")]
act_seed_rows = {(a, h): [training.select(act_rows, run=f"{a} {h} λ=0")] for a, h in ACT_PAIRS}   # seed 0
for seed in tqdm(range(NUM_SEEDS - 1), desc="more seeds"):
    for a, h in ACT_PAIRS:
        act_seed_rows[a, h].append(act_run(a, h, SEED + 1 + seed))
epoch1 = {k: [r[0]["val_accuracy"] for r in v] for k, v in act_seed_rows.items()}
to_bar = {k: [training.first_epoch_reaching(r, ACT_THRESHOLD) or NUM_EPOCHS + 1 for r in v] for k, v in act_seed_rows.items()}
print(training.format_table([
    {"run": f"{a} {h}", "epoch-1 val acc": "{:.4f} ± {:.4f}".format(*metrics.seed_spread(epoch1[a, h])),
     f"first epoch ≥ {ACT_THRESHOLD}": "{:.1f} ± {:.1f}".format(*metrics.seed_spread(to_bar[a, h])),
     "per seed": to_bar[a, h]} for a, h in ACT_PAIRS]))
lag1 = {h: metrics.mean_difference(epoch1["relu", h], epoch1["tanh", h]) for h in (HIDDEN, (100, 100))}
lag_bar = {h: metrics.mean_difference(to_bar["tanh", h], to_bar["relu", h]) for h in (HIDDEN, (100, 100))}
for h in lag1:
    print(f"{h}: ReLU − tanh at epoch 1 {lag1[h][0]:+.4f} ± {lag1[h][1]:.4f} (SE); "
          f"tanh − ReLU in epochs to {ACT_THRESHOLD}: {lag_bar[h][0]:+.1f} ± {lag_bar[h][1]:.1f} (SE)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Measured** (`full`, 3 seeds): after one epoch tanh trails ReLU by 1.38 ± 0.09 points at (200, 100) and
# 1.24 ± 0.05 at (100, 100) (standard errors): the early lag is real, and the same at both sizes. The epochs to
# 0.97 tell two stories: at (200, 100) tanh needs 6 in every seed against ReLU's 3; at (100, 100) ReLU needs
# 7, 5 and 5 epochs, tanh 6, 6 and 7, a difference of 0.7 ± 0.7 epochs, not shown. So the seed's "converges around the 3rd
# epoch instead of the first" is a lag of about 1.3 points at epoch 1 for both networks, which at (200, 100)
# costs three epochs to the 97 % bar and at (100, 100) none that three seeds can see. In `ci` (40 steps per epoch
# on 5,000 images) tanh is *not* behind after one epoch (−0.3 ± 0.7 and −1.1 ± 0.4 points): the lag belongs to the
# first few hundred steps of Adam on the full data. Asserted in `full`: the epoch-1 lag at both sizes by more than
# two standard errors, and at (200, 100) at least one epoch more to 0.97.

# %%
# full: tanh trails after one epoch. ci (one epoch = 40 steps on 5,000 images): the sign is not the same at both
# sizes (see the text), so ci only checks that every run is well past chance after its first epoch.
EPOCH1_LAG_SHOWN = cfg.pick(full=True, ci=False)
if EPOCH1_LAG_SHOWN:
    for h in lag1:
        assert lag1[h][0] > 2 * lag1[h][1], f"{h}: tanh should trail ReLU after one epoch, by more than 2 SE over seeds"
    assert lag_bar[HIDDEN][0] >= 1 and lag_bar[HIDDEN][0] > 2 * lag_bar[HIDDEN][1], "tanh should reach the bar later"
assert min(min(v) for v in epoch1.values()) > cfg.pick(full=0.9, ci=0.7)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. The seed's best dense net, and a better one
# The seed's best: one hidden layer of 200 ReLU units, L1 λ = 1e-6, Adam, 10 epochs: 0.9826 (on the test set).
# We re-train it under our protocol, then design a better MLP, one choice at a time:
# * **Wider, two layers** (512, 256): more capacity, which only pays with the next two.
# * **Batch normalization** (Ioffe & Szegedy, 2015) after each dense layer: each unit's input keeps a steady scale,
#   so Adam can take larger steps early.
# * **Dropout 0.3** (Srivastava et al., 2014): each step trains a random sub-network, so units cannot co-adapt; the
#   cure for the overfitting gap of section 1, where weight penalties helped little.
# * **Cosine learning-rate decay** (Loshchilov & Hutter, 2017) from 1e-3 to 0 over the run: large steps early, small
#   steps to settle at the end instead of bouncing around the minimum.

# %%
def better_mlp(hidden=(512, 256), dropout=0.3, batch_norm=True, cosine=True, total_steps=1):
    """The better MLP; each switch turns one of its ingredients off (for the ablation below)."""
    layers = [keras.Input((784,), name="pixels")]
    for i, units in enumerate(hidden, start=1):
        layers.append(keras.layers.Dense(units, use_bias=not batch_norm, name=f"hidden{i}"))  # BN's shift replaces the bias
        if batch_norm:
            layers.append(keras.layers.BatchNormalization(name=f"bn{i}"))
        layers.append(keras.layers.Activation("relu", name=f"act{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(dropout, name=f"drop{i}"))
    layers += [keras.layers.Dense(10, activation="softmax", name="softmax")]
    model = keras.Sequential(layers, name="better_mlp")
    schedule = keras.optimizers.schedules.CosineDecay(LR, decay_steps=total_steps) if cosine else LR
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=training.STEPS_PER_EXECUTION)    # as build_mlp: see notebook 01, section 3
    return model

total_steps = NUM_EPOCHS * training.steps_per_epoch(len(mnist.x_train), BATCH_SIZE)
duel_models = {}
duel_rows = training.run_sweep(
    [{"design": "seed best"}, {"design": "better"}],
    lambda design: training.build_mlp((200,), regularizer="l1", lam=1e-6, lr=LR) if design == "seed best" else better_mlp(total_steps=total_steps),
    train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=SEED, name=lambda c: c["design"], models=duel_models)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Parameter counts (a checked output): the seed's 159,010 as in its summary, and ours.

# %% tags=["nbval-check-output"]
n_seed = training.print_summary(duel_models["seed best"])
n_better = training.print_summary(duel_models["better"])
assert n_seed == 159_010

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Graded task (2 points): counting the better MLP's parameters
# Write `better_mlp_params(hidden=(512, 256), batch_norm=True)`, the parameter count of `better_mlp(hidden,
# batch_norm=...)`, from the widths alone. Each hidden `Dense` has a bias only without batch norm (batch norm's
# shift $\beta$ replaces it); each `BatchNormalization` keeps four numbers per unit (scale $\gamma$, shift $\beta$,
# and the running mean and variance, which Keras counts though they are not trained); dropout has none.

# %% nbgrader={"grade": false, "grade_id": "mlp_better_params_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
def better_mlp_params(hidden: tuple[int, ...] = (512, 256), batch_norm: bool = True) -> int:
    """Parameters (trainable or not) of better_mlp(hidden, batch_norm=batch_norm)."""
    ### BEGIN SOLUTION
    widths, total = [784, *hidden], 0
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        total += n_in * n_out + (4 * n_out if batch_norm else n_out)
    return total + (widths[-1] + 1) * 10
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "mlp_better_params", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} slideshow={"slide_type": "skip"}
assert better_mlp_params() == n_better == 538_122, "the better MLP's summary"
assert better_mlp_params((200,), batch_norm=False) == n_seed == 159_010, "without batch norm: the seed's network"
### BEGIN HIDDEN TESTS
for _h, _bn in (((64, 32), True), ((128,), False), ((16, 16, 16), True)):
    assert better_mlp_params(_h, _bn) == better_mlp(hidden=_h, batch_norm=_bn).count_params(), (_h, _bn)
_m = better_mlp(hidden=(64,))
assert sum(int(np.prod(w.shape)) for w in _m.trainable_weights) == better_mlp_params((64,)) - 2 * 64
### END HIDDEN TESTS

# %% [markdown] slideshow={"slide_type": "subslide"}
# Both on validation, then, once, on the test set.

# %%
test_ds = training.as_dataset(mnist.x_test, mnist.y_test, 1024)
duel = {r["run"]: r for r in training.final(duel_rows)}
for name, model in duel_models.items():
    duel[name]["test_accuracy"] = model.evaluate(test_ds, verbose=0)[1]
print(training.format_table(list(duel.values()), ["run", "params", "val_accuracy", "test_accuracy"]))
fig = plotting.curves_grid(duel_rows, metric="accuracy", ncols=2, ylim=(cfg.pick(full=0.9, ci=0.6), 1.0))

# %%
# ci: 3 epochs on 5,000 images put the two within a few validation images of each other; full must win outright.
assert duel["better"]["val_accuracy"] > duel["seed best"]["val_accuracy"] - cfg.pick(full=0.0, ci=0.01)
assert duel["better"]["val_accuracy"] >= cfg.pick(full=SEED_BEST_VAL, ci=0.85)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Measured** (full profile, 2-core CPU, seed 0): the seed's best net, re-trained under our protocol, reaches
# 0.9761 on validation and 0.9795 on test (its 0.9826 was measured on the test set after training on all 60,000
# images); the better MLP reaches 0.9839 and 0.9833 with 538,122 parameters, 3.4× as many. Against the seed's
# *reported* number the margin is thin (0.07 points on test); against the same net re-trained the same way, 0.78
# points on validation (0.38 on test), which is the comparison that means something. One run of each: the next
# slide repeats it over seeds and takes the better MLP apart.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Which ingredient buys it?** Remove one at a time: batch normalization, dropout, the cosine decay (a constant
# learning rate of 1e-3 instead), or the width (one layer of 200, the seed's, with all three kept). Every
# variant and the seed's best net train with `NUM_SEEDS` seeds; seed 0 of the better MLP and of the seed's net
# are the runs above. A drop of less than about two standard errors is "not shown", not "no effect".

# %%
ABLATIONS = {"better": {}, "no batch norm": {"batch_norm": False}, "no dropout": {"dropout": 0.0},
             "no cosine decay": {"cosine": False}, "one layer of 200": {"hidden": (200,)}}
abl_val = {"seed best": [duel["seed best"]["val_accuracy"]], "better": [duel["better"]["val_accuracy"]]}
for seed in tqdm(range(NUM_SEEDS), desc="ablation seeds"):
    for name, change in ABLATIONS.items():
        if seed == 0 and name == "better":
            continue
        run = training.run_sweep([change], lambda **kw: better_mlp(total_steps=total_steps, **kw), train, val,
                                 epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=SEED + seed, progress=False,
                                 name=lambda _: f"{name} seed {seed}")
        abl_val.setdefault(name, []).append(training.final(run)[0]["val_accuracy"])
    if seed > 0:
        run = training.run_sweep([{}], lambda: training.build_mlp((200,), regularizer="l1", lam=1e-6, lr=LR), train, val,
                                 epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=SEED + seed, progress=False,
                                 name=lambda _: f"seed best seed {seed}")
        abl_val["seed best"].append(training.final(run)[0]["val_accuracy"])
drop = {name: metrics.mean_difference(abl_val["better"], v) for name, v in abl_val.items() if name != "better"}
print(training.format_table([{"design": name, "val acc": "{:.4f} ± {:.4f}".format(*metrics.seed_spread(v)),
                              "better − this": "" if name == "better" else "{:+.4f} ± {:.4f} (SE)".format(*drop[name])}
                             for name, v in abl_val.items()]))

# %% slideshow={"slide_type": "subslide"} tags=["slides-remove-input"]
fig, ax = plt.subplots(figsize=(7, 3))
names = list(abl_val)
ax.errorbar(range(len(names)), [np.mean(abl_val[n]) for n in names], yerr=[np.std(abl_val[n], ddof=1) for n in names],
            fmt="o", capsize=4)
for i, n in enumerate(names):
    ax.scatter([i] * len(abl_val[n]), abl_val[n], color="gray", s=10)
ax.set_xticks(range(len(names)), names, rotation=20)
ax.set(ylabel="validation accuracy", title=f"mean ± sd over {NUM_SEEDS} seeds (grey: each seed)");

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Measured** (`full`, 3 seeds, validation accuracy): the better MLP 0.9835 ± 0.0005, the seed's best net
# 0.9772 ± 0.0010: a lead of 0.63 ± 0.06 points (standard error), about ten of them. Taking it apart, the cost of
# removing each ingredient: **the width** (one layer of 200) 0.77 ± 0.07 points, the **cosine decay** 0.28 ± 0.07,
# **batch normalization** 0.03 ± 0.03; removing **dropout** *gains* 0.17 ± 0.04. So the lead comes from the second,
# wider layer and the schedule; what batch normalization adds, three seeds do not show; and dropout 0.3, which
# section 1's gap asked for, does not pay within 10 epochs: it costs more than four standard errors (exercise 4
# asks when it pays). In `ci` (2 seeds) the width matters most as well (3.1 ± 0.5 points), batch normalization
# 1.5 ± 0.2, and neither dropout nor the decay helps in 3 short epochs. Asserted in both profiles: the better MLP leads by more than 2 SE; the width is the largest cost, by
# more than 2 SE; dropout's gain is not shown (its removal costs less than 2 SE).

# %%
better_vs_seed = drop["seed best"]
assert better_vs_seed[0] > 2 * better_vs_seed[1], "over seeds, the better MLP should beat the seed's best by more than 2 SE"
ingredients = {k: v for k, v in drop.items() if k != "seed best"}
assert max(ingredients, key=lambda k: ingredients[k][0]) == "one layer of 200", "the width should matter most"
assert ingredients["one layer of 200"][0] > 2 * ingredients["one layer of 200"][1]
assert ingredients["no dropout"][0] < 2 * ingredients["no dropout"][1], "dropout's gain within NUM_EPOCHS: revisit the text"

# %% [markdown] slideshow={"slide_type": "slide"} tags=["remove-cell"]
# ## 4. Saving the sweeps and the headline figures
# Full-profile tables go to `results/`; `ci` runs write to the build folder.

# %% tags=["remove-cell"]
out_dir = runtime.REPO_ROOT / "results" if cfg.name == "full" else runtime.results_dir()
for table, label in ((rows, "penalties"), (act_rows, "activations"), (duel_rows, "best_dense")):
    print("saved", training.to_csv(table, out_dir / f"{NOTEBOOK}_{label}_{cfg.name}.csv").name)

# %% tags=["remove-cell"]
runtime.save_headline(NOTEBOOK, {
    "val_acc_lambda0": round(final["none λ=0"]["val_accuracy"], 4),
    "gap_lambda0": round(final["none λ=0"]["gap"], 4),
    "relu_mean_epoch_to_thr": round(float(np.mean(relu_epochs)), 2), "tanh_mean_epoch_to_thr": round(float(np.mean(tanh_epochs)), 2),
    "tanh_saturated_share": round(sat_trained, 4), "tanh_saturated_share_epoch1": round(sat_epoch1, 4),
    "seed_best_val": round(duel["seed best"]["val_accuracy"], 4), "seed_best_test": round(duel["seed best"]["test_accuracy"], 4),
    "better_val": round(duel["better"]["val_accuracy"], 4), "better_test": round(duel["better"]["test_accuracy"], 4),
    "better_params": n_better,
    "seeds": NUM_SEEDS,
    "seeds_epoch1_lag_200_100": "{:.4f}±{:.4f}".format(*lag1[HIDDEN]),
    "seeds_epoch1_lag_100_100": "{:.4f}±{:.4f}".format(*lag1[(100, 100)]),
    "seeds_better_val": "{:.4f}±{:.4f}".format(*metrics.seed_spread(abl_val["better"])),
    "seeds_seed_best_val": "{:.4f}±{:.4f}".format(*metrics.seed_spread(abl_val["seed best"])),
    **{f"ablation_drop_{k.replace(' ', '_')}": "{:.4f}±{:.4f}".format(*v) for k, v in drop.items() if k != "seed best"},
});

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary · Exercises
# * In this 10-epoch sweep no weight penalty improved validation accuracy by more than 0.002 (full profile: 0.9767
#   at λ = 0, and 0.9746–0.9780 for every λ ≤ 1e-4, L2 or L1; one run each, while the seed-to-seed standard
#   deviation of the nets in section 3 is 0.0005–0.0010); λ = 1e-2 narrows the gap only by underfitting
#   (validation 0.914 with L2, 0.543 with L1) and λ = 1 gives chance. Read under- and overfitting off the
#   *re-evaluated* train–validation gap.
# * **Does tanh learn slower than ReLU?** After one epoch, yes: 1.38 ± 0.09 points behind at (200, 100) and
#   1.24 ± 0.05 at (100, 100) (3 seeds). To 97 %, only at (200, 100) (6 epochs against 3 in every seed).
#   Saturation, the seed's explanation, grows with training (3 % → 18 % of units) but is rare when the lag appears.
# * **How far can a dense net go?** The better MLP reaches 0.9835 ± 0.0005 on validation (0.9833 on test, seed 0)
#   against 0.9772 ± 0.0010 for the seed's best net re-trained the same way. Its second, wider layer matters most
#   (removing it costs 0.77 points), then the cosine decay (0.28); batch normalization's 0.03 is not shown, and
#   dropout costs 0.17 within 10 epochs.
#
# **Exercises** (from the seed's sections 1.4–1.6)
# 1. Refine the grid between 1e-6 and 1e-2 for L2. Where is the validation accuracy highest, and is the gain larger
#    than the seed-to-seed spread (train λ = 0 with three `SEED`s)?
# 2. L1 drives weights to exactly zero: count the first layer's weights with $|w| < 10^{-4}$ at λ = 1e-4. Which pixels
#    lost all their weights? Draw them as a 28×28 image.
# 3. Initialize the tanh network with weights 5× larger. Does saturation appear now, and does it slow training?
# 4. Dropout cost 0.17 points in the 10-epoch ablation. Train the better MLP with and without dropout for
#    `NUM_EPOCHS = 30` (3 seeds each; about 7 minutes on a 2-core CPU). Does dropout pay once the net has time to
#    overfit? Read the re-evaluated train–validation gap of both.
# 5. A hypothesis for tanh's early lag: a ReLU unit is exactly 0 on many inputs, so each unit learns from the
#    inputs it is active on, while every tanh unit responds to every input. Measure the share of zero ReLU
#    activations after one epoch, then train with `leaky_relu` (never exactly 0). Does the lag to tanh shrink?

# %% [markdown] slideshow={"slide_type": "skip"}
# ## Exercises: worked solutions
# The two graded tasks (the weight penalty after section 1, the parameter count after section 3) are not among
# the exercises; all five are answered below, trained with the recipe of section 0. In the student release these
# code cells are empty, for your answers (each raises `NotImplementedError` until you write one); in the course's
# `notebooks/` they hold the worked solutions, with the measured numbers. `EX_SEEDS` seeds where an exercise
# compares two settings (`full`: 3; `ci`: 1, to keep the tests short); the other side of each comparison reuses
# section 2's `NUM_SEEDS` runs.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 1: a finer L2 grid, against the seed-to-seed spread
# New values of λ between section 1's (seed 0, as there). Seed 0 chose the best λ, so its own run of it is the
# best of several noisy numbers and biased upwards: in `full` the best λ is trained again with three *other*
# seeds (`ci`: seed 0's run, to save time) and compared with λ = 0 over section 2's seeds (the ReLU (200, 100)
# runs at λ = 0 are exactly this network).

# %% nbgrader={"grade": false, "grade_id": "mlp_regularization_ex1_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
EX_SEEDS = range(SEED, SEED + cfg.pick(full=3, ci=1))


def l2_val(lam, seed):
    """Final validation accuracy of section 1's network with an L2 penalty λ, trained with `seed`."""
    run = training.run_sweep([{"lam": lam}], lambda lam: training.build_mlp(HIDDEN, regularizer="l2", lam=lam, lr=LR),
                             train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=seed, progress=False,
                             name=lambda _: f"l2 λ={lam:g}, seed {seed}")
    return training.final(run)[0]["val_accuracy"]


grid_val = {lam: final[f"l2 λ={lam:g}"]["val_accuracy"] for lam in LAMBDAS if 1e-6 <= lam <= 1e-2}
grid_val |= {lam: l2_val(lam, SEED) for lam in cfg.pick(full=(1e-5, 3e-4, 1e-3, 3e-3), ci=(1e-3,))}
best_lam = max(grid_val, key=grid_val.get)
zero_val = [r[-1]["val_accuracy"] for r in act_seed_rows["relu", HIDDEN]]            # λ = 0, seeds 0 … NUM_SEEDS − 1
BEST_SEEDS = cfg.pick(full=range(SEED + 1, SEED + 4), ci=range(SEED, SEED + 1))      # full: seeds that did not choose λ
best_val = [grid_val[best_lam] if s == SEED else l2_val(best_lam, s) for s in BEST_SEEDS]
zero_mean, zero_sd = metrics.seed_spread(zero_val)
gain, gain_se = metrics.mean_difference(best_val, zero_val)
print(training.format_table([{"λ": f"{lam:g}", "val acc (seed 0)": v,
                              "− λ = 0 (seed 0)": v - final["none λ=0"]["val_accuracy"]}
                             for lam, v in sorted(grid_val.items())]))
print(f"best λ = {best_lam:g}; λ = 0 over {len(zero_val)} seeds: {zero_mean:.4f} ± {zero_sd:.4f} (mean ± sd)")
print(f"best λ over seeds {list(BEST_SEEDS)}: {np.mean(best_val):.4f}; gain over λ = 0: {gain:+.4f} ± {gain_se:.4f} (SE)")
assert grid_val[1e-2] < grid_val[best_lam] - 0.01, "λ = 1e-2 underfits: the best λ should lie below it"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, 10 epochs). On seed 0 the validation accuracy is highest at λ = 1e-5 (0.9773, 0.06 points
# above λ = 0's 0.9767), one of the four new values; section 1's values score lower (1e-6: 0.9759, 1e-4: 0.9754),
# and so does 3e-4 (0.9747). It is lower at the strong end (0.9706 at 1e-3, 0.9557 at 3e-3, 0.9137 at 1e-2, where
# the net underfits: asserted). But one seed cannot rank values this close: λ = 0 alone spreads over
# 0.9783 ± 0.0014 (mean ± standard deviation, 3 seeds), and section 1 already showed how large a nothing can look:
# λ = 1e-8, a penalty far too small to matter, scored 0.9772 (L2) and 0.9780 (L1) against λ = 0's 0.9767 with the
# *same* seed, about as much as the best λ's lead (L1: twice it), because any change of the updates sends the run down another
# path. Trained with three fresh seeds, λ = 1e-5 reaches 0.9773, a gain over λ = 0 of −0.10 ± 0.10 points
# (standard error): no gain is shown. Seed 0's 0.06 points do not survive new seeds; its λ = 0 run lies 0.16 points
# below the three-seed mean. A gain within two standard errors is "not shown" (and not
# asserted: an assert cannot require an effect to be absent). In `ci` (1,000 validation images, one seed) every
# λ ≤ 1e-3 lies within 0.005 of λ = 0, and 1e-2 is 0.02 lower.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 2: which pixels does L1 cut off?
# Section 1's L1 net at λ = 1e-4 against the unpenalized one, first layer (784 pixels × 200 units). No training.

# %% nbgrader={"grade": false, "grade_id": "mlp_regularization_ex2_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
l1_kernel = np.abs(np.asarray(models["l1 λ=0.0001"].get_layer("hidden1").kernel))     # |w|, (784 pixels, 200 units)
free_kernel = np.abs(np.asarray(models["none λ=0"].get_layer("hidden1").kernel))
lit = (mnist.x_train > 0).mean(axis=0)               # share of the training images in which each pixel is not black
pixel_max = l1_kernel.max(axis=1)                    # a pixel has lost all its weights when even the largest is small
cut = {t: pixel_max < t for t in (1e-4, 1e-3)}
print(training.format_table([{"net": n, "weights with |w| < 1e-4": int((k < 1e-4).sum()), "share": float((k < 1e-4).mean())}
                             for n, k in (("λ = 0", free_kernel), ("L1 λ = 1e-4", l1_kernel))]))
print(f"pixels with all 200 weights below 1e-4: {cut[1e-4].sum()}, below 1e-3: {cut[1e-3].sum()}; never lit in "
      f"training: {(lit == 0).sum()}, all of them among the cut: {cut[1e-3][lit == 0].all()}; "
      f"the most often lit cut pixel is lit in {lit[cut[1e-3]].max():.2%} of the images")
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, img, title in zip(axes, (np.log10(pixel_max), cut[1e-3], lit == 0),
                          ("log10 of the largest |w| per pixel", "all 200 weights below 1e-3", "never lit in training")):
    ax.imshow(img.reshape(28, 28), cmap="viridis" if img.dtype != bool else "gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
assert (l1_kernel < 1e-4).sum() > 10 * (free_kernel < 1e-4).sum(), "L1 should bring many more weights near 0"
assert cut[1e-3][lit == 0].all(), "a pixel never lit gets no gradient from the data: L1 alone should cut it off"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`). 65,629 of the 156,800 first-layer weights (41.9 %) have $|w| < 10^{-4}$ at λ = 1e-4,
# against 184 at λ = 0. Yet not one pixel has *all* 200 weights below $10^{-4}$: with Adam, an L1 term never
# lands a weight on exactly 0. Where the data give no gradient, Adam's step is $\eta\, \hat m / \sqrt{\hat v}$ with
# $g = \pm\lambda$, so about $\eta = 10^{-3}$ whatever λ is: the weight overshoots 0, the sign of $g$ flips, and it
# jitters around 0 at a few $10^{-4}$ (a proximal or "soft-thresholding" step would set it to 0). At the scale of
# that jitter, $10^{-3}$, 211 pixels are cut off: the frame of the image, where digits draw rarely or never. Every
# one of the 71 pixels never lit in the 50,000 training images is among them (asserted): they get no gradient
# from the cross-entropy, so L1 alone moves them; the other 140 are lit in at most 0.66 % of the images. The net
# learns to ignore the border, the weights a dense net spends on pixels that are almost always black. In `ci` (5,000
# images, 120 steps) the counts are 24,206 (15 %) against 227, 0 pixels below $10^{-4}$, 166 below $10^{-3}$, and
# 127 never lit.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 3: tanh with weights 5× larger
# Section 2's tanh net (200, 100), its two hidden kernels multiplied by 5 after Glorot's initialization (the
# output layer as it was), `EX_SEEDS` seeds; against section 2's tanh runs of the same seeds. Saturation measured
# with section 2's `tanh_stats` on the same 1,000 validation images.

# %% nbgrader={"grade": false, "grade_id": "mlp_regularization_ex3_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
def tanh_scaled(scale=5.0):
    """Section 2's tanh net with its hidden kernels `scale` times larger than Glorot's."""
    model = training.build_mlp(HIDDEN, activation="tanh", regularizer="l2", lam=0.0, lr=LR)
    for name in ("hidden1", "hidden2"):
        model.get_layer(name).kernel.assign(scale * np.asarray(model.get_layer(name).kernel))
    return model


big_rows, big_models, big_sat_init = {}, {}, []
for s in EX_SEEDS:
    keras.utils.set_random_seed(s)
    big_sat_init.append(tanh_stats(tanh_scaled(), x_probe)[0])
    big_rows[s] = training.run_sweep([{}], tanh_scaled, train, val, epochs=NUM_EPOCHS, batch_size=BATCH_SIZE, seed=s,
                                     progress=False, name=lambda _: f"tanh ×5, seed {s}", models=big_models)
big_epoch1 = [r[0]["val_accuracy"] for r in big_rows.values()]
big_sat_end = [tanh_stats(m, x_probe)[0] for m in big_models.values()]
slow1 = metrics.mean_difference(epoch1["tanh", HIDDEN], big_epoch1)                  # Glorot − 5× after one epoch


def spread(values):
    return "{:.4f} ± {:.4f}".format(*metrics.seed_spread(values))


print(training.format_table([
    {"init": "Glorot (section 2)", "saturated at init": sat_init, f"after {NUM_EPOCHS} epochs": sat_trained,
     "epoch-1 val acc": spread(epoch1["tanh", HIDDEN]), f"first epoch ≥ {ACT_THRESHOLD}": to_bar["tanh", HIDDEN],
     "final val acc": spread([r[-1]["val_accuracy"] for r in act_seed_rows["tanh", HIDDEN]])},
    {"init": "5× Glorot", "saturated at init": np.mean(big_sat_init), f"after {NUM_EPOCHS} epochs": np.mean(big_sat_end),
     "epoch-1 val acc": spread(big_epoch1),
     f"first epoch ≥ {ACT_THRESHOLD}": [training.first_epoch_reaching(r, ACT_THRESHOLD) or NUM_EPOCHS + 1
                                        for r in big_rows.values()],
     "final val acc": spread([r[-1]["val_accuracy"] for r in big_rows.values()])}]))
print(f"Glorot − 5× after one epoch: {slow1[0]:+.4f} ± {slow1[1]:.4f} (SE)")
assert min(big_sat_init) > 0.2, "5× larger weights should saturate many tanh units from the start"
assert min(big_sat_end) > sat_trained, "and keep more of them saturated than Glorot's init after training"
assert slow1[0] > 2 * slow1[1], "the 5× net should trail after one epoch, by more than 2 SE"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, 3 seeds). Now saturation is there from the start: 33 % of the units have
# $|\tanh| > 0.99$ at initialization (below 0.01 % with Glorot's weights); after 10 epochs 46 %, against Glorot's
# 18 %. And it slows training: after one epoch the 5× net trails by 1.47 ± 0.14 points (standard error, asserted
# beyond 2); it never reaches 0.97 within 10 epochs, in any seed (Glorot: epoch 6 in all three); and it ends at
# 0.9626 ± 0.0022 against 0.9766 ± 0.0003 (mean ± standard deviation). So the seed's mechanism is real; it just
# is not what happens with Glorot's initialization, where section 2 found 97 % of the units far from ±1 when the
# lag shows. In `ci` (3 epochs on 5,000 images) the effect is the same and larger: 34 % saturated at init, 0.74
# after one epoch against 0.86.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 4: does dropout pay in 30 epochs?
# The experiment costs more than this notebook's budget (the cell prints the estimate from the better MLP's
# epochs in section 3); the cell measures only what is cheap: how much the better MLP, dropout included, still
# overfits after `NUM_EPOCHS`, on section 3's run re-evaluated on the training images.

# %% nbgrader={"grade": false, "grade_id": "mlp_regularization_ex4_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
epoch_s = float(np.mean([r["seconds"] for r in training.select(duel_rows, run="better")][1:]))   # first epoch traces
print(f"exercise 4 in this profile: 2 settings × 3 seeds × 30 epochs × {epoch_s:.2f} s = {6 * 30 * epoch_s / 60:.1f} min")
better_train = duel_models["better"].evaluate(train_eval, verbose=0)[1]
better_gap = better_train - duel["better"]["val_accuracy"]
val_se = np.sqrt(duel["better"]["val_accuracy"] * (1 - duel["better"]["val_accuracy"]) / len(mnist.y_val))
print(training.format_table([
    {"net": "section 1, λ = 0", "train (re-evaluated)": final["none λ=0"]["train_acc_end"],
     "val": final["none λ=0"]["val_accuracy"], "gap": final["none λ=0"]["gap"]},
    {"net": "better MLP (dropout 0.3)", "train (re-evaluated)": better_train, "val": duel["better"]["val_accuracy"],
     "gap": better_gap}]))
assert better_gap > 2 * val_se, "after NUM_EPOCHS the better MLP should still fit its training images better than new ones"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer.** Not measured here: at 2.4 s per epoch for the better MLP on this 2-core CPU (section 3), the six
# runs take 6 × 30 × 2.4 s ≈ 7 minutes, half as long as this notebook's whole `full` run, for an exercise the course
# leaves to the student (far less on a GPU, not timed here). What the 10-epoch runs do say: the better MLP with
# dropout already fits its training images better than new ones, a re-evaluated gap of 0.0145 (train 0.9984, validation 0.9839; asserted above two binomial
# standard errors of the validation accuracy), against 0.0204 for section 1's net without any regularization. So
# there is overfitting for dropout to prevent, and the ablation of section 3 shows it did not pay within 10 epochs
# (removing it gained 0.17 ± 0.04 points). What to expect from the 30-epoch run, as a hypothesis to test, not a
# result: without dropout the re-evaluated training accuracy goes to 1.000 and the gap widens while the validation
# accuracy stalls; with dropout the gap stays narrower and the validation accuracy keeps rising a little longer, so
# the difference should turn in dropout's favour, by a few hundredths of a point, of the order of the seed-to-seed
# spread (standard deviations 0.05 and 0.06 points with and without dropout, section 3): three seeds per side may
# well not show it. The cosine schedule, stretched over 30 epochs, also changes both runs, so compare them with
# each other, not with the 10-epoch ones.

# %% [markdown] slideshow={"slide_type": "skip"}
# ### Exercise 5: is ReLU faster because it is often exactly 0?
# ReLU and leaky ReLU (Keras' `leaky_relu`, slope 0.2 below 0) trained for one epoch, (200, 100), λ = 0; ReLU's
# and tanh's epoch-1 accuracies over seeds are section 2's, leaky ReLU's come from `EX_SEEDS`. The share of
# exactly-zero hidden activations on section 2's 1,000 probe images, seed 0.

# %% nbgrader={"grade": false, "grade_id": "mlp_regularization_ex5_solution", "locked": false, "schema_version": 3, "solution": true, "task": false} slideshow={"slide_type": "skip"}
### BEGIN SOLUTION
def zero_shares(model, x):
    """Share of exactly-zero activations in each hidden layer on the images x."""
    probe = keras.Model(model.inputs, [model.get_layer("act1").output, model.get_layer("act2").output])
    return [float(np.mean(np.asarray(a) == 0)) for a in probe(x, training=False)]


leaky_epoch1, one_epoch_models = [], {}
for s in EX_SEEDS:
    acts = ("relu", "leaky_relu") if s == SEED else ("leaky_relu",)      # ReLU: only for its zeros; its accuracy is section 2's
    one = training.run_sweep([{"activation": a} for a in acts],
                             lambda activation: training.build_mlp(HIDDEN, activation=activation, regularizer="l2",
                                                                   lam=0.0, lr=LR),
                             train, val, epochs=1, batch_size=BATCH_SIZE, seed=s, progress=False,
                             name=lambda c: f"{c['activation']}, seed {s}", models=one_epoch_models)
    leaky_epoch1 += [r["val_accuracy"] for r in one if r["activation"] == "leaky_relu"]
zeros = {a: zero_shares(one_epoch_models[f"{a}, seed {SEED}"], x_probe) for a in ("relu", "leaky_relu")}
lag_leaky = metrics.mean_difference(leaky_epoch1, epoch1["tanh", HIDDEN])
relu_vs_leaky = metrics.mean_difference(epoch1["relu", HIDDEN], leaky_epoch1)
print(f"exactly 0 after one epoch (layers 1, 2): ReLU {zeros['relu'][0]:.1%}, {zeros['relu'][1]:.1%}; "
      f"leaky ReLU {zeros['leaky_relu'][0]:.1%}, {zeros['leaky_relu'][1]:.1%}")
print(training.format_table([{"activation": a, "epoch-1 val acc": spread(v), "− tanh": "{:+.4f} ± {:.4f} (SE)".format(
    *metrics.mean_difference(v, epoch1["tanh", HIDDEN]))} for a, v in
    (("relu", epoch1["relu", HIDDEN]), ("leaky_relu", leaky_epoch1), ("tanh", epoch1["tanh", HIDDEN]))]))
print(f"ReLU − leaky ReLU after one epoch: {relu_vs_leaky[0]:+.4f} ± {relu_vs_leaky[1]:.4f} (SE)")
assert min(zeros["relu"]) > 0.1, "after one epoch a good share of ReLU activations should be exactly 0"
assert max(zeros["leaky_relu"]) < 0.001, "leaky ReLU is never exactly 0 (up to float rounding)"
assert min(leaky_epoch1) > cfg.pick(full=0.9, ci=0.7), "leaky ReLU learns in one epoch"
### END SOLUTION

# %% [markdown] slideshow={"slide_type": "skip"} tags=["instructor-only"]
# **Answer** (`full`, 3 seeds). After one epoch 41.8 % of the first layer's and 30.5 % of the second layer's
# ReLU activations are exactly 0 (seed 0; leaky ReLU: none). If those zeros were what makes ReLU fast, leaky ReLU,
# which has none, should fall back towards tanh. It falls back halfway. After one epoch leaky ReLU − tanh is
# 0.66 ± 0.12 points (standard error), against ReLU − tanh 1.38 ± 0.09 (section 2); ReLU − leaky ReLU is
# 0.72 ± 0.10, a positive difference of more than two standard errors, as the hypothesis needs. So the zeros go
# with about half of the early lag; what gives leaky ReLU the other half over tanh is not measured here. In `ci`
# there is no lag to explain (tanh is not behind after one epoch of 40 steps, section 2), and one seed of leaky
# ReLU (0.860) lands next to ReLU's (0.861); about a quarter of ReLU's activations are 0 there.
