"""Ensemble statistics: shares of runs with their confidence intervals."""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for k successes in n trials: sound near 0 and 1, where the
    normal approximation gives nonsense (negative shares, zero width)."""
    if n <= 0:
        raise ValueError("a share needs at least one run")
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # the bounds always hold the share itself, rounding included (k = 0 gives low = 0)
    return min(max(0.0, centre - half), p), max(min(1.0, centre + half), p)


@dataclass(frozen=True)
class Share:
    label: str
    runs: int
    share: float
    low: float
    high: float


def shares(codes: NDArray[np.int64], labels: dict[int, str]) -> list[Share]:
    """The share of runs with each code (e.g. the dominant leader, -1 for no one), with
    95 % Wilson intervals, largest first."""
    n = int(codes.size)
    values, counts = np.unique(codes, return_counts=True)
    out = [
        Share(labels.get(int(v), str(v)), int(k), k / n, *wilson(int(k), n))
        for v, k in zip(values, counts, strict=True)
    ]
    return sorted(out, key=lambda s: -s.share)


def paired_difference(
    treated: NDArray[np.bool_], base: NDArray[np.bool_]
) -> tuple[float, float, float]:
    """Mean of the per-run differences of two indicators on the same runs, with a 95 %
    interval. Common random numbers make the pairs share their luck, so the interval is
    far narrower than the two arms' intervals would suggest."""
    d = treated.astype(np.float64) - base.astype(np.float64)
    n = d.size
    if n == 0:
        raise ValueError("a paired difference needs at least one run")
    mean = float(d.mean())
    half = Z95 * float(d.std(ddof=1)) / sqrt(n) if n > 1 else float("nan")
    return mean, mean - half, mean + half


def bootstrap_median(
    values: NDArray[np.float64], draws: NDArray[np.float64]
) -> tuple[float, float, float]:
    """Median with a percentile bootstrap interval; ``draws`` (B, n) are uniforms from a
    named stream, so the interval is as reproducible as the runs."""
    if values.size == 0:
        return float("nan"), float("nan"), float("nan")
    idx = (draws * values.size).astype(np.int64)
    medians = np.median(values[idx], axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return float(np.median(values)), float(low), float(high)
