# The course's entry points. Two of them are all a student needs:
#   make lab    set everything up and open JupyterLab at notebooks/
#   make test   set everything up and run the whole test suite (what CI runs)
# Both are idempotent: a second run only re-checks what is already there.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# TensorFlow flavour: `gpu` where an NVIDIA driver answers, else `cpu` (override: make TF_FLAVOUR=gpu lab).
TF_FLAVOUR ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP  := $(VENV)/.installed-$(TF_FLAVOUR)
PROFILE ?= ci

# oneDNN CPU kernels on (03's seed CNN trains 2.2x faster, #13). Level 2 hides TensorFlow's C++ info and warning
# lines; its oneDNN banner bypasses that, and the course kernels keep it out of notebooks (scripts/install_kernels.py).
export TF_ENABLE_ONEDNN_OPTS := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup lab test unit notebooks data kernels bench bench-gpu samples expected sync html slides clean help \
        assignments autograde autograde-all lab-assignments

help:
	@echo "make lab     set up (venv, packages, kernels, MNIST) and open JupyterLab"
	@echo "make test    set up and run unit tests + every notebook (COURSE_PROFILE=ci)"
	@echo "make bench   run every notebook in PROFILE=$(PROFILE) and write results/benchmark.md"
	@echo "make bench-gpu  the MNIST notebooks in the full profile (for a GPU machine)"
	@echo "make samples the five generative notebooks in PROFILE=$(PROFILE): the samples that 12 compares"
	@echo "make expected  record the checked cells' outputs (NOTEBOOKS=notebooks/NN_x.ipynb for some)"
	@echo "make slides  execute notebooks (PROFILE=ci) and render build/slides/ (reveal.js) and build/html/, offline"
	@echo "make html    only the HTML pages in build/html/"
	@echo "make sync    re-pair notebooks/*.py and *.ipynb with jupytext (outputs stripped)"
	@echo "make assignments  the student release of the graded notebooks in build/release/ (nbgrader; COURSE_DIR=$(COURSE_DIR))"
	@echo "make lab-assignments  build the release and open JupyterLab on it (work the graded tasks yourself)"
	@echo "make autograde ASSIGNMENT=NN_name  grade the submissions collected in COURSE_DIR/submitted/"
	@echo "make autograde-all  autograde every graded notebook (worked solutions, untouched, one task solved)"

setup: $(STAMP) kernels data

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "error: Python 3.11 or newer is needed (found $$($(PYTHON) --version)). Run: make PYTHON=python3.11 ..."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off -e ".[$(TF_FLAVOUR)]"
	@rm -f $(VENV)/.installed-*
	@touch $@

kernels: $(STAMP)
	@$(BIN)/python scripts/install_kernels.py

data: $(STAMP)
	@$(BIN)/python -m course_utils.data

JUPYTER_LAB ?= $(BIN)/jupyter lab
MNIST_CHECK ?= $(BIN)/python -m course_utils.data
# Jupyter refuses to run as root (containers, cloud VMs) unless told it is on purpose.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# JupyterLab opens even when MNIST cannot be had (offline, no copy): 07-09 need no MNIST.
lab: $(STAMP) kernels
	@$(MNIST_CHECK) || { \
	  echo ""; \
	  echo "MNIST is not available (see above), so notebooks 00-06, 10 and 11 will stop at their data cell;"; \
	  echo "07, 08 and 09 need no MNIST. Put the four .gz files in data/mnist/ (or set COURSE_DATA_DIR to"; \
	  echo "their folder) and re-run the notebook: they are checked against their sha256 on first use."; \
	  echo "Opening JupyterLab anyway."; echo ""; }
	$(JUPYTER_LAB) --notebook-dir=notebooks $(ROOT_FLAG)

test: setup
	COURSE_PROFILE=ci $(BIN)/python -m pytest --durations=40

unit: setup
	COURSE_PROFILE=ci $(BIN)/python -m pytest tests

notebooks: setup
	COURSE_PROFILE=ci $(BIN)/python -m pytest notebooks

bench: setup
	$(BIN)/python scripts/bench.py --profile $(PROFILE)

# The five generative notebooks (04 RBM, 05 EBM, 06 VAE, 10 GAN, 11 diffusion) in PROFILE: they save the samples
# that 12_families_compared scores (data/samples/), and record their rows in results/benchmark.md.
SAMPLE_NOTEBOOKS := notebooks/04_rbm.ipynb notebooks/05_langevin_ebm.ipynb notebooks/06_vae.ipynb \
                    notebooks/10_gan_mnist.ipynb notebooks/11_score_diffusion.ipynb
samples: setup
	$(BIN)/python scripts/bench.py --profile $(PROFILE) $(SAMPLE_NOTEBOOKS)

# Graded tasks (nbgrader). The course folder holds nbgrader's gradebook, source/, release/, submitted/ and
# autograded/: for a real term, point it outside build/ (`make clean` deletes build/), e.g. COURSE_DIR=~/dgm-2027.
COURSE_DIR ?= build/nbgrader
assignments: setup
	$(BIN)/python scripts/build_assignments.py --course-dir $(COURSE_DIR)

lab-assignments: assignments
	$(JUPYTER_LAB) --notebook-dir=build/release $(ROOT_FLAG)

# Grade the submissions in $(COURSE_DIR)/submitted/<student>/$(ASSIGNMENT)/ (ci profile: the graded tests do not
# depend on it; the notebooks' data caches, results and checkpoints go to throw-away folders).
autograde: setup
	@test -n "$(ASSIGNMENT)" || { echo "usage: make autograde ASSIGNMENT=08_gan_numpy_backprop [COURSE_DIR=$(COURSE_DIR)]"; exit 1; }
	cd $(COURSE_DIR) && PATH="$(abspath $(BIN)):$$PATH" COURSE_PROFILE=ci COURSE_SAMPLES_DIR="$$(mktemp -d)" \
	  COURSE_CHECKPOINT_DIR="$$(mktemp -d)" COURSE_RESULTS_DIR="$$(mktemp -d)" \
	  $(abspath $(BIN))/python -m nbgrader autograde $(ASSIGNMENT)

autograde-all: setup
	COURSE_PROFILE=ci COURSE_AUTOGRADE=all $(BIN)/python -m pytest tests/test_assignments.py

# The GPU job: the MNIST notebooks (kernel course-gpu) in the full profile.
bench-gpu: setup
	$(BIN)/python scripts/bench.py --profile full --kernel course-gpu

# Record the outputs of the `nbval-check-output` cells (ci profile) into tests/notebook_outputs/.
expected: setup
	$(BIN)/python scripts/bench.py --profile ci $(NOTEBOOKS)
	$(BIN)/python scripts/expected_outputs.py $(notdir $(NOTEBOOKS))

slides: setup
	$(BIN)/python scripts/build_slides.py --to both --profile $(PROFILE)

html: setup
	$(BIN)/python scripts/build_slides.py --to html --profile $(PROFILE)

sync: $(STAMP)
	$(BIN)/python scripts/sync_notebooks.py

clean:
	rm -rf build .pytest_cache
