"""A GAN in pure NumPy: hand-written forward and backward passes, checked by finite differences.

This is the code notebook 08 shows (with ``inspect.getsource``) next to the
derivation, and the code ``tests/test_numpy_gan.py`` tests. It follows seed 000,
question 7: the same names (``U, b, W, c`` for each network), the same shapes
and the same equations, vectorized over the batch.

Discriminator (2 → 25 ReLU → 1 sigmoid, 101 parameters)::

    G = X Uᵀ + b      H = relu(G)      z = H W + c      y = σ(z)

Generator (5 → 15 ReLU → 2 linear, 122 parameters)::

    G = Z Uᵀ + b      H = relu(G)      X = H Wᵀ + c

Loss (binary cross-entropy on the logit ``z``, written with ``logaddexp`` so
that it never overflows)::

    L = 1/N Σ [ t·log(1 + e^(−z)) + (1 − t)·log(1 + e^(z)) ]

Backward pass (the bar is ∂L/∂·)::

    z̄ = (y − t)/N    W̄ = Hᵀ z̄    c̄ = Σ z̄    H̄ = z̄ Wᵀ    Ḡ = H̄ ⊙ 1[G > 0]
    Ū = Ḡᵀ X          b̄ = Σ Ḡ      X̄ = Ḡ U       (the input gradient feeds the generator)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]

D_HIDDEN = 25
G_HIDDEN = 15
LATENT_DIM = 5
DATA_DIM = 2


# --------------------------------------------------------------------------- building blocks


def he_uniform(fan_in: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """He-uniform initial weights, as Keras' ``he_uniform``: U(−√(6/fan_in), √(6/fan_in))."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape)


def glorot_uniform(fan_in: int, fan_out: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Glorot-uniform initial weights, Keras' default for ``Dense``: U(±√(6/(fan_in + fan_out)))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def init_discriminator(rng: np.random.Generator, hidden: int = D_HIDDEN, dim: int = DATA_DIM) -> Params:
    """Discriminator parameters with the seed's shapes: U (hidden, dim), b (hidden,), W (hidden,), c ().

    Initialised like the Keras model of notebook 07 (``he_uniform`` hidden
    layer, Glorot output layer, zero biases), not like the seed's ``randn``,
    whose unit-variance weights saturate the sigmoid at the first step.
    """
    return {
        "U": he_uniform(dim, (hidden, dim), rng),
        "b": np.zeros(hidden),
        "W": glorot_uniform(hidden, 1, (hidden,), rng),
        "c": np.zeros(()),
    }


def init_generator(
    rng: np.random.Generator, latent_dim: int = LATENT_DIM, hidden: int = G_HIDDEN, dim: int = DATA_DIM
) -> Params:
    """Generator parameters with the seed's shapes: U (hidden, latent), b (hidden,), W (dim, hidden), c (dim,)."""
    return {
        "U": he_uniform(latent_dim, (hidden, latent_dim), rng),
        "b": np.zeros(hidden),
        "W": glorot_uniform(hidden, dim, (dim, hidden), rng),
        "c": np.zeros(dim),
    }


def count_params(params: Params) -> int:
    """Total number of scalars in a parameter dict."""
    return int(sum(p.size for p in params.values()))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + e^(−z)), computed as exp(−log(1 + e^(−z))) so it never overflows."""
    return np.exp(-np.logaddexp(0.0, -z))


def bce_with_logits(z: np.ndarray, t: np.ndarray) -> float:
    """Mean binary cross-entropy of targets ``t`` given logits ``z`` (the seed's ``loss_stable``).

    ``log(1 + e^(−z))`` is ``logaddexp(0, −z)``: finite for every ``z``, where
    ``−log(sigmoid(z))`` becomes ``inf`` once ``sigmoid(z)`` rounds to 0.
    """
    z = np.asarray(z, dtype=np.float64)
    t = np.broadcast_to(np.asarray(t, dtype=np.float64), z.shape)
    return float(np.mean(t * np.logaddexp(0.0, -z) + (1.0 - t) * np.logaddexp(0.0, z)))


# --------------------------------------------------------------------------- discriminator


def forward_d(params: Params, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Discriminator forward pass on a batch ``X`` (N, 2); returns the logits ``z`` (N,) and a cache."""
    G = X @ params["U"].T + params["b"]
    H = np.maximum(G, 0.0)
    z = H @ params["W"] + params["c"]
    return z, {"X": X, "G": G, "H": H, "z": z}


def backward_d(params: Params, cache: dict[str, np.ndarray], t: np.ndarray) -> tuple[Params, np.ndarray]:
    """Gradients of ``bce_with_logits(z, t)`` for the discriminator's parameters and for its input.

    Returns ``(grads, X_bar)``: ``grads`` has the keys of ``params``; ``X_bar``
    (N, 2) is ∂L/∂X, which the generator's backward pass continues from.
    """
    X, G, H, z = cache["X"], cache["G"], cache["H"], cache["z"]
    N = len(z)
    z_bar = (sigmoid(z) - t) / N          # ∂L/∂z: the σ'(z) of the sigmoid cancels against the log
    W_bar = H.T @ z_bar                   # (25,)
    c_bar = z_bar.sum()                   # ()
    H_bar = np.outer(z_bar, params["W"])  # (N, 25)
    G_bar = H_bar * (G > 0)               # ReLU passes the gradient where it was active
    U_bar = G_bar.T @ X                   # (25, 2)
    b_bar = G_bar.sum(axis=0)             # (25,)
    X_bar = G_bar @ params["U"]           # (N, 2): ∂L/∂X, the input gradient
    return {"U": U_bar, "b": b_bar, "W": W_bar, "c": np.asarray(c_bar)}, X_bar


def d_loss_and_grads(params: Params, X: np.ndarray, t: np.ndarray) -> tuple[float, Params]:
    """The discriminator's loss on ``(X, t)`` and its gradients."""
    z, cache = forward_d(params, X)
    grads, _ = backward_d(params, cache, t)
    return bce_with_logits(z, t), grads


# --------------------------------------------------------------------------- generator


def forward_g(params: Params, Z: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Generator forward pass from latent points ``Z`` (N, 5) to points ``X`` (N, 2), with a cache."""
    G = Z @ params["U"].T + params["b"]
    H = np.maximum(G, 0.0)
    X = H @ params["W"].T + params["c"]
    return X, {"Z": Z, "G": G, "H": H}


def backward_g(params: Params, cache: dict[str, np.ndarray], X_bar: np.ndarray) -> Params:
    """Generator gradients, given ∂L/∂X for its outputs (from :func:`backward_d`)."""
    Z, G, H = cache["Z"], cache["G"], cache["H"]
    W_bar = X_bar.T @ H                   # (2, 15)
    c_bar = X_bar.sum(axis=0)             # (2,)
    H_bar = X_bar @ params["W"]           # (N, 15)
    G_bar = H_bar * (G > 0)
    U_bar = G_bar.T @ Z                   # (15, 5)
    b_bar = G_bar.sum(axis=0)             # (15,)
    return {"U": U_bar, "b": b_bar, "W": W_bar, "c": c_bar}


def g_loss_and_grads(g_params: Params, d_params: Params, Z: np.ndarray) -> tuple[float, Params]:
    """The non-saturating generator loss −mean log D(G(Z)) and its gradients, taken *through* D.

    The generator wants D to say "real" (t = 1) for its points. D's parameters
    are not updated here; only D's input gradient ``X_bar`` is used.
    """
    X, g_cache = forward_g(g_params, Z)
    z, d_cache = forward_d(d_params, X)
    t = np.ones(len(Z))
    _, X_bar = backward_d(d_params, d_cache, t)
    return bce_with_logits(z, t), backward_g(g_params, g_cache, X_bar)


# --------------------------------------------------------------------------- gradient check


def numerical_grads(loss_fn: Callable[[Params], float], params: Params, eps: float = 1e-6) -> Params:
    """Central finite differences (L(θ + ε) − L(θ − ε)) / 2ε for every scalar of every parameter.

    ``loss_fn(params)`` must be deterministic (fixed batch, fixed latents).
    The parameters are restored exactly after each probe.
    """
    grads: Params = {}
    for name, p in params.items():
        g = np.zeros_like(p, dtype=np.float64)
        flat, gflat = p.reshape(-1), g.reshape(-1)  # views: editing flat edits p
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = loss_fn(params)
            flat[i] = old - eps
            minus = loss_fn(params)
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * eps)
        grads[name] = g
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """‖a − b‖ / max(‖a‖ + ‖b‖, 1e-300): 0 for equal arrays, 1 for opposite ones."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


def elementwise_relative_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-5) -> np.ndarray:
    """``|a − b| / max(|a| + |b|, floor)`` entry by entry.

    Every central difference carries a rounding error of about 1e-10 in float64
    (1e-16 times the loss, divided by 2ε). The floor keeps that error from
    counting as a large relative one on entries that are (nearly) zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)


def grad_check(
    loss_and_grads: Callable[[Params], tuple[float, Params]], params: Params, eps: float = 1e-6
) -> dict[str, float]:
    """Compare analytic gradients with central finite differences; relative error per parameter array.

    ``loss_and_grads(params) -> (loss, grads)`` is the function under test.
    Everything should be float64: in float32 the differences drown in rounding.
    """
    _, analytic = loss_and_grads(params)
    numeric = numerical_grads(lambda p: loss_and_grads(p)[0], params, eps)
    return {name: relative_error(analytic[name], numeric[name]) for name in params}


# --------------------------------------------------------------------------- the seed's drafts, kept to be checked


def drelu_seed(z: np.ndarray) -> np.ndarray:
    """The seed's ``drelu``, verbatim: the ReLU derivative, but it *overwrites its argument*."""
    z[z <= 0] = 0
    z[z > 0] = 1
    return z


def backward_d_seed_draft(params: Params, cache: dict[str, np.ndarray], t: np.ndarray) -> tuple[Params, np.ndarray]:
    """The seed's commented-out first attempt at z̄ (question 7, ``grad_decent_dis``)::

        #y_bar = (1./N) * (y.T - t)
        #z_bar = y_bar * (y.T*(1-y.T))

    ``(y − t)/N`` is ∂L/∂y of the *squared* error ½(y − t)², not of the
    cross-entropy, so multiplying by σ'(z) = y(1 − y) gives a wrong z̄. The rest
    is the correct backward pass. :func:`grad_check` rejects it.
    """
    X, G, H, z = cache["X"], cache["G"], cache["H"], cache["z"]
    N = len(z)
    y = sigmoid(z)
    y_bar = (y - t) / N
    z_bar = y_bar * (y * (1 - y))
    H_bar = np.outer(z_bar, params["W"])
    G_bar = H_bar * (G > 0)
    grads = {"U": G_bar.T @ X, "b": G_bar.sum(axis=0), "W": H.T @ z_bar, "c": np.asarray(z_bar.sum())}
    return grads, G_bar @ params["U"]


# --------------------------------------------------------------------------- training


class Adam:
    """Adam (Kingma & Ba, 2015) with Keras' defaults, so 07 and 08 use the same optimiser.

    ``lr=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7``; the step is
    ``p −= lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)``, as in ``keras.optimizers.Adam``.
    """

    def __init__(self, params: Params, lr: float = 1e-3, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7) -> None:
        self.lr, self.beta_1, self.beta_2, self.epsilon = lr, beta_1, beta_2, epsilon
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params: Params, grads: Params) -> None:
        """Update ``params`` in place."""
        self.t += 1
        scale = self.lr * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        for k in params:
            self.m[k] = self.beta_1 * self.m[k] + (1 - self.beta_1) * grads[k]
            self.v[k] = self.beta_2 * self.v[k] + (1 - self.beta_2) * grads[k] ** 2
            params[k] -= scale * self.m[k] / (np.sqrt(self.v[k]) + self.epsilon)


class SGD:
    """Plain gradient descent, ``p −= lr · grad``: the seed's update, with :class:`Adam`'s interface."""

    def __init__(self, params: Params, lr: float = 1e-3) -> None:
        self.lr = lr

    def step(self, params: Params, grads: Params) -> None:
        """Update ``params`` in place."""
        for k in params:
            params[k] -= self.lr * grads[k]


def train_step(
    d_params: Params,
    g_params: Params,
    d_opt: Adam,
    g_opt: Adam,
    real: np.ndarray,
    rng: np.random.Generator,
    latent_dim: int = LATENT_DIM,
) -> dict[str, float]:
    """One step of the seed's schedule: D on real, D on fake, then G on a full batch through D.

    ``real`` is half a batch; the generator update uses twice as many latent
    points, as in the seed. Returns the three losses and D's accuracy on the
    real and fake half-batches (each measured just before D's update on it, as
    Keras' ``train_on_batch`` reports them).
    """
    half = len(real)
    fake, _ = forward_g(g_params, rng.standard_normal((half, latent_dim)))
    ones, zeros = np.ones(half), np.zeros(half)
    z_real, cache = forward_d(d_params, real)
    d_opt.step(d_params, backward_d(d_params, cache, ones)[0])
    z_fake, cache = forward_d(d_params, fake)
    d_opt.step(d_params, backward_d(d_params, cache, zeros)[0])
    d_loss_real, d_loss_fake = bce_with_logits(z_real, ones), bce_with_logits(z_fake, zeros)
    g_loss, grads = g_loss_and_grads(g_params, d_params, rng.standard_normal((2 * half, latent_dim)))
    g_opt.step(g_params, grads)
    return {"d_loss_real": d_loss_real, "d_loss_fake": d_loss_fake, "g_loss": g_loss,
            "d_acc_real": float(np.mean(z_real > 0)), "d_acc_fake": float(np.mean(z_fake < 0))}


def copy_params(params: Params) -> Params:
    """A deep copy of a parameter dict."""
    return {k: v.copy() for k, v in params.items()}


def as_dtype(params: Params, dtype: Any) -> Params:
    """The parameters cast to ``dtype`` (float64 for gradient checks)."""
    return {k: np.asarray(v, dtype=dtype).copy() for k, v in params.items()}
