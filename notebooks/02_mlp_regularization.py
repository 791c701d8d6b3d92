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

from course_utils import data, plotting, runtime, training

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

# %%
for reg in ("l2", "l1"):
    assert final[f"{reg} λ=1"]["train_acc_end"] < 0.3, f"{reg} λ=1 should underfit"
    for lam in (lam for lam in LAMBDAS if 0 < lam <= 1e-6):
        assert abs(final[f"{reg} λ={lam:g}"]["val_accuracy"] - final["none λ=0"]["val_accuracy"]) < 0.01
assert final["none λ=0"]["val_accuracy"] > cfg.pick(full=0.97, ci=0.85)
assert final["l1 λ=0.01"]["val_accuracy"] < final["none λ=0"]["val_accuracy"], "strong L1 costs accuracy"
assert final["none λ=0"]["gap"] > final["l2 λ=0.01"]["gap"] > final["l2 λ=1"]["gap"], "a stronger penalty narrows the gap"
print(f"gap at λ=0: {final['none λ=0']['gap']:+.4f}; L2 λ=1e-4: {final['l2 λ=0.0001']['gap']:+.4f}")

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

# %%
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
# profile 3 % of the units after one epoch, 18 % after ten (mean derivative 0.60 → 0.39); in `ci` it stays below
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
def better_mlp(hidden=(512, 256), dropout=0.3, total_steps=1):
    layers = [keras.Input((784,), name="pixels")]
    for i, units in enumerate(hidden, start=1):
        layers += [keras.layers.Dense(units, use_bias=False, name=f"hidden{i}"),  # BN's shift replaces the bias
                   keras.layers.BatchNormalization(name=f"bn{i}"), keras.layers.Activation("relu", name=f"act{i}"),
                   keras.layers.Dropout(dropout, name=f"drop{i}")]
    layers += [keras.layers.Dense(10, activation="softmax", name="softmax")]
    model = keras.Sequential(layers, name="better_mlp")
    schedule = keras.optimizers.schedules.CosineDecay(LR, decay_steps=total_steps)
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
# **Measured** (full profile, 2-core CPU): the seed's best net, re-trained under our protocol, reaches 0.9761 on
# validation and 0.9795 on test (its 0.9826 was measured on the test set after training on all 60,000 images);
# the better MLP reaches 0.9839 and 0.9833 with 538,122 parameters, 3.4× as many. Against the seed's *reported*
# number the margin is thin (0.07 points on test); against the same net re-trained the same way, 0.78 points on
# validation (0.38 on test), which is the comparison that means something. One run of each. Exercise 4 asks which ingredient buys it.

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
});

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary · Exercises
# * In this 10-epoch sweep no weight penalty improved validation accuracy by more than 0.0013 (full profile: 0.9767
#   at λ = 0, and 0.9746–0.9780 for every λ ≤ 1e-4, L2 or L1); λ = 1e-2 narrows the gap only by underfitting (validation 0.914 with
#   L2, 0.543 with L1) and λ = 1 gives chance. Read under- and overfitting off the *re-evaluated* train–validation gap.
# * tanh against ReLU: tanh lags after the first epoch, but reaches 97 % later only at (200, 100). Saturation, the
#   seed's explanation, grows with training (3 % → 18 % of units) but is rare when the lag appears.
# * Dropout, batch normalization and a cosine schedule beat the seed's best dense net, with the parameter cost shown.
#
# **Exercises** (from the seed's sections 1.4–1.6)
# 1. Refine the grid between 1e-6 and 1e-2 for L2. Where is the validation accuracy highest, and is the gain larger
#    than the seed-to-seed spread (train λ = 0 with three `SEED`s)?
# 2. L1 drives weights to exactly zero: count the first layer's weights with $|w| < 10^{-4}$ at λ = 1e-4. Which pixels
#    lost all their weights? Draw them as a 28×28 image.
# 3. Initialize the tanh network with weights 5× larger. Does saturation appear now, and does it slow training?
# 4. Remove one ingredient at a time from `better_mlp` (dropout, batch norm, schedule). Which one matters most?
# 5. A hypothesis for tanh's early lag: a ReLU unit is exactly 0 on many inputs, so each unit learns from the
#    inputs it is active on, while every tanh unit responds to every input. Measure the share of zero ReLU
#    activations after one epoch, then train with `leaky_relu` (never exactly 0). Does the lag to tanh shrink?
