"""course_utils: the small shared package behind the course notebooks.

Modules (import the one you need; none imports a deep-learning framework at import time):

- ``runtime``: run profiles (``COURSE_PROFILE``), seeding, devices, the environment report, headline results.
- ``data``: verified MNIST as NumPy arrays, and the seeds' toy data sets.
- ``plotting``: image grids, learning curves, real-vs-generated scatter.
- ``metrics``: MMD and other point-cloud measures for the toy generative models.
- ``langevin``: Langevin samplers and the 2-D test densities with a known answer (05, 11).
- ``diffusion``: noise schedules and the NCSN, DDPM and DDIM samplers (11).
- ``mnist_metrics``: FID-MNIST, class coverage and confidence of generated digits.
"""

__version__ = "0.1.0"
