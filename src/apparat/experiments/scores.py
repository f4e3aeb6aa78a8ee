"""Proper scores of an ensemble's forecasts against a record in which every fact happened.

A hit rate rewards an ensemble that says "probably" about everything; a proper score
is one whose expected value is best when the forecast is the forecaster's true belief,
so it cannot be gamed by hedging. Two are used:

- **Brier score** of the probability ``p`` that a fact holds within its window, against
  the record's outcome 1: ``(1 - p)**2``; 0 is perfect, 1 is a certain miss
  (Brier 1950, "Verification of forecasts expressed in terms of probability").
- **CRPS** (continuous ranked probability score) of the ensemble's distribution of the
  month an event happens, against the record's month ``y``:
  ``CRPS = E|X - y| - E|X - X'| / 2`` (Gneiting & Raftery 2007, "Strictly proper
  scoring rules, prediction, and estimation", eq. 21), in months; 0 is an ensemble that
  puts every run on the record's month, and a point forecast scores its absolute error.

The 80 % predictive interval is the 10th to 90th percentile of the simulated months,
each percentile the smallest month at which the empirical distribution reaches it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]
I = NDArray[np.int64]


def brier(p: float) -> float:
    """Brier score of probability ``p`` for an event that happened (nan stays nan)."""
    return (1.0 - p) ** 2


def crps(values: I | F, y: float) -> float:
    """CRPS of the empirical distribution of ``values`` at the observation ``y``.

    The spread term uses the sorted values: the sum over ordered pairs of ``|x_i - x_j|``
    is ``2 * sum_i (2i - m + 1) x_(i)`` (0-based ``i``), so the score costs one sort, not
    ``m**2`` differences.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    m = x.size
    if m == 0:
        return float("nan")
    coef = 2.0 * np.arange(m) - m + 1.0
    spread = float(coef @ x) / (m * m)  # = E|X - X'| / 2
    return float(np.abs(x - y).mean()) - spread


def interval(values: I | F, level: float = 0.8) -> tuple[float, float, float]:
    """The lower end, median and upper end of the central ``level`` predictive interval
    (e.g. the 10th, 50th and 90th percentiles for 0.8), each a value the ensemble holds."""
    tail = (1.0 - level) / 2.0
    q = np.quantile(np.asarray(values), [tail, 0.5, 1.0 - tail], method="inverted_cdf")
    return float(q[0]), float(q[1]), float(q[2])


def median_abs_error(months: I, y: int) -> float:
    """Median absolute error in months over the runs in which the event happens (nan when
    it happens in none); ``months`` holds -1 for a run without it."""
    happened = months[months >= 0]
    return float(np.median(np.abs(happened - y))) if happened.size else float("nan")
