"""Synthetic series with known relationships, for the statistics tests and the benchmark."""

from __future__ import annotations

import numpy as np


def ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """A stationary AR(1) series of unit innovation variance (burn-in discarded)."""
    e = rng.normal(size=n + 50)
    x = np.empty_like(e)
    x[0] = e[0]
    for t in range(1, len(e)):
        x[t] = phi * x[t - 1] + e[t]
    return x[50:]


def planted(rng: np.random.Generator, n: int, lag: int, beta: float,
            phi_x: float = 0.6, phi_noise: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` with ``y[t] = beta * x[t - lag] + AR(1) noise``; both of length ``n``."""
    x = ar1(rng, n + lag, phi_x)
    y = beta * x[:n] + ar1(rng, n, phi_noise)
    return x[lag:], y


def trending(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two unrelated series that both grow: drift plus a random walk each."""
    t = np.arange(n)
    x = 0.5 * t + rng.normal(size=n).cumsum()
    y = 2.0 * t + 3 * rng.normal(size=n).cumsum()
    return x, y
