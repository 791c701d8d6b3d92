# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Course (CPU)
#     language: python
#     name: course
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · Getting started
# **Question.** Is your machine ready for the course, and what does the data we will model look like?
#
# **You will:** check the environment, learn the two *run profiles* and the two *kernels*,
# load the real MNIST digits (verified byte for byte) and look at them.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes. Ask who has run `make lab` already. The one line that `runtime.report()` prints is what
# students should paste into any question; show where it is before moving on.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ## How the course runs
# * `make lab` sets everything up (a virtual environment in `.venv`, the packages, two Jupyter kernels,
#   MNIST) and opens JupyterLab here. `make test` does the same set-up and then re-executes every notebook.
# * **Profiles.** Each notebook runs the same code in two sizes. `full` (the default) is the real
#   experiment with its headline numbers. `ci` (set `COURSE_PROFILE=ci`) uses a small stratified subset and
#   few steps, so the test suite finishes in minutes on a laptop CPU. Only sizes differ, never the code.
# * **Kernels.** *Course (CPU)* hides any GPU and suits the small models. *Course (GPU)* is declared by the
#   notebooks that train on MNIST; it uses a GPU if there is one and says so at the top if there is not.
# * **Asserts.** Each notebook checks its own claims (an accuracy reached, a gradient check passed).
#   If a claim breaks, the cell fails, and so does the test suite.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes. The point to land: `ci` and `full` run the *same code*, only sizes differ, so a green test
# suite means the real experiment's code path works. Ask: why is that better than a separate "quick" notebook?

# %% [markdown] slideshow={"slide_type": "skip"}
# Set-up: the shared helpers, the run profile and seeding. `runtime.report()` prints one line with
# the versions, the device, the profile and the kernel; paste it into any question you ask about the course.

# %% slideshow={"slide_type": "skip"}
import numpy as np

from course_utils import data, plotting, runtime

cfg = runtime.profile()
runtime.seed_everything(0)
runtime.report();

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 0. Parameters
# Every notebook opens with one cell of named constants. Sizes that depend on the profile are written
# once, as `cfg.pick(full=..., ci=...)`; the MNIST split sizes come from the profile itself.

# %%
NOTEBOOK = "00_getting_started"
SEED = 0
GRID_ROWS = 4            # digits to draw: GRID_ROWS x 10
print(f"profile {cfg.name}: train_size={cfg.train_size}, val_size={cfg.val_size}, test_size={cfg.test_size}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1. Loading MNIST
# MNIST is 70,000 handwritten digits of 28×28 grey pixels: 60,000 for training and 10,000 for testing.
# `data.load_mnist` finds the four official files (in `$COURSE_DATA_DIR`, then in `data/mnist/`, else it
# downloads them), **checks each file's sha256** against the official value, and parses the IDX format
# with NumPy. A corrupt or truncated file is never used: you get an error that says what to do.
#
# We hold a **validation** set out of the 60,000 training images. We tune on it (architectures,
# penalties, epochs). The **test** set is touched only for the final number, so that number is honest.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes. Validation vs test is the idea students most often get wrong. Ask what goes wrong if we pick
# the number of epochs by looking at test accuracy (the reported number becomes optimistic).

# %%
mnist = data.load_mnist(cfg, scale="01", seed=SEED)
mnist

# %% [markdown] slideshow={"slide_type": "subslide"}
# The shapes and the pixel range are exactly what the rest of the course relies on, so we check them.

# %%
assert mnist.x_train.shape[1:] == (28, 28) and mnist.x_train.dtype == np.float32
assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0
assert len(mnist.x_val) == cfg.val_size
assert set(np.unique(mnist.y_train)) == set(range(10)), "every digit must appear in the training set"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The full test set is the official one, and its class counts are published; `load_mnist` reproduces them.

# %% tags=["nbval-check-output"]
full_test = data.load_mnist(scale="uint8", val_size=0)
test_counts = np.bincount(full_test.y_test, minlength=10)
print("test images per digit:", test_counts.tolist())
assert test_counts.tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Looking at the digits
# Always look at your data before you model it. Here are the first training digits with their labels.

# %% [markdown] slideshow={"slide_type": "notes"}
# Speaker notes. Ask the room which digits they would misread (4 vs 9, 1 vs 7, the crossed 7s). Those are the
# cases a classifier finds hard and a generative model must get right to look convincing.

# %%
n_show = GRID_ROWS * 10
fig = plotting.image_grid(mnist.x_train[:n_show], labels=mnist.y_train[:n_show], ncols=10, vmin=0, vmax=1)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The validation split is *stratified*: each digit keeps its share of the data, so a small `ci` subset is
# still balanced. We measure that rather than trust it: with $\hat p_\text{train}(d)$ the share of digit $d$
# in the training set, the largest gap
# $$\Delta = \max_{d \in \{0,\dots,9\}} \left|\hat p_\text{train}(d) - \hat p_\text{val}(d)\right|.$$

# %%
train_share = np.bincount(mnist.y_train, minlength=10) / len(mnist.y_train)
val_share = np.bincount(mnist.y_val, minlength=10) / len(mnist.y_val)
gap = np.abs(train_share - val_share).max()
print(f"largest difference in digit share between train and validation: {gap:.4f}")
assert gap < 0.005

# %% [markdown] slideshow={"slide_type": "subslide"}
# What an "average digit" looks like: the mean image of each class. A classifier must tell these
# blurry templates apart, and a generative model must produce digits whose averages look like these.

# %%
class_means = np.stack([mnist.x_train[mnist.y_train == d].mean(axis=0) for d in range(10)])
fig = plotting.image_grid(class_means, labels=[f"mean {d}" for d in range(10)], ncols=10)

# %% [markdown] slideshow={"slide_type": "slide"} tags=["remove-cell"]
# ## 3. Headline figures
# Each notebook writes a few headline numbers to a small JSON file; `make bench` collects them,
# with each notebook's run time and peak memory, into `results/benchmark.md`.

# %% tags=["remove-cell"]
runtime.save_headline(NOTEBOOK, {"train_images": len(mnist.x_train), "max_share_gap": round(float(gap), 5)});

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary · Exercises
# * **Is the environment ready?** It is if this notebook ran to the end: every check above is an `assert`.
#   The course runs the same code in two profiles; asserts turn every claim into a test.
# * **What does MNIST look like?** 28 × 28 grey digits, loaded from sha256-verified files: 50,000 images to
#   train on, 10,000 to validate with, 10,000 to test on in `full`. The split keeps each digit's share: the
#   largest train-validation difference measured is 0.006 % in `full` (0.06 % in `ci`), against an assert
#   at 0.5 %. Validation is for tuning, test for the final number.
#
# **Exercises**
# 1. Run this notebook in the `ci` profile: add a first cell `%env COURSE_PROFILE=ci` and Run All (a kernel
#    restart would forget `%env`), or start JupyterLab with `COURSE_PROFILE=ci make lab`.
#    Which numbers change, and which stay the same? Why?
# 2. Corrupt a copy of one MNIST file (`head -c 1000 file.gz > bad.gz`), point `COURSE_DATA_DIR` at a folder
#    holding it under the real name, and load again. What does the error tell you to do?
# 3. Which digit is the most common in the training set, and which the rarest? The digits' shares run from about
#    9.0 % to 11.2 %: does an imbalance of that size matter for a classifier's accuracy?
