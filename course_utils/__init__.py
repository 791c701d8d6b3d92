"""course_utils: the small shared package behind the course notebooks.

Modules (import the one you need; none imports a deep-learning framework at import time):

- ``runtime``: run profiles (``COURSE_PROFILE``), seeding, devices, the environment report, headline results.
- ``data``: verified MNIST as NumPy arrays, and the seeds' toy data sets.
- ``plotting``: image grids, learning curves, real-vs-generated scatter.
- ``metrics``: MMD and other point-cloud measures, seed spreads, precision/recall and the bootstrap.
- ``langevin``: Langevin samplers and the 2-D test densities with a known answer (05, 11).
- ``diffusion``: noise schedules and the NCSN, DDPM and DDIM samplers (11).
- ``mnist_metrics``: FID-MNIST, class coverage and confidence of generated digits.
- ``sample_store``: the generative notebooks' final samples, saved for 12 and checked to be current when read.
"""

__version__ = "0.1.0"
