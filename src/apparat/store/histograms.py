"""Mergeable aggregates of per-month trajectories: power-share histograms and moments.

An ensemble of 10,000 runs does not keep every run's monthly power shares; each batch
stores a sparse histogram (200 equal bins on [0, 1]) per month and actor, and the sum of
the line's values and squares per month and axis. Batches merge by adding counts, and
quantiles come back from the merged histogram with a resolution of one bin (0.005).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from apparat.store.errors import StoreError

BINS = 200


def _check(
    values: NDArray[np.float64], months: Sequence[str], last: Sequence[str], what: str
) -> None:
    if values.ndim != 3 or values.shape[1:] != (len(months), len(last)):
        raise StoreError(
            f"{what} must be shaped (runs, {len(months)} months, {len(last)}), not {values.shape}"
        )


def histogram_rows(power: ArrayLike, months: Sequence[str], actors: Sequence[str]) -> pd.DataFrame:
    """The sparse ``power_hist`` rows (month, actor, bin, count; only count > 0) of power
    shares shaped (runs, months, actors). Bin = min(int(share * 200), 199); shares are
    clipped to [0, 1] and values that are not finite are left out."""
    p = np.asarray(power, dtype=np.float64)
    _check(p, months, actors, "power")
    m_n, a_n = p.shape[1], p.shape[2]
    finite = np.isfinite(p)
    share = np.clip(np.where(finite, p, 0.0), 0.0, 1.0)
    bins = np.minimum((share * BINS).astype(np.intp), BINS - 1)
    cell = (np.arange(m_n, dtype=np.intp)[:, None] * a_n + np.arange(a_n, dtype=np.intp)) * BINS
    counts = np.bincount((bins + cell)[finite], minlength=m_n * a_n * BINS)
    nonzero = np.flatnonzero(counts)
    month, rest = np.divmod(nonzero, a_n * BINS)
    actor, b = np.divmod(rest, BINS)
    return pd.DataFrame(
        {
            "month": np.asarray(months, dtype=object)[month],
            "actor": np.asarray(actors, dtype=object)[actor],
            "bin": b.astype(np.int16),
            "count": counts[nonzero].astype(np.int64),
        }
    )


def moments_rows(line: ArrayLike, months: Sequence[str], axes: Sequence[str]) -> pd.DataFrame:
    """The ``line_moments`` rows (month, axis, n, sum, sumsq) of the governing line shaped
    (runs, months, axes): enough to merge batches into a mean and sd per month and axis."""
    x = np.asarray(line, dtype=np.float64)
    _check(x, months, axes, "line")
    finite = np.isfinite(x)
    v = np.where(finite, x, 0.0)
    return pd.DataFrame(
        {
            "month": np.repeat(np.asarray(months, dtype=object), len(axes)),
            "axis": np.tile(np.asarray(axes, dtype=object), len(months)),
            "n": finite.sum(axis=0).ravel().astype(np.int64),
            "sum": v.sum(axis=0).ravel(),
            "sumsq": (v * v).sum(axis=0).ravel(),
        }
    )


def quantile_name(q: float) -> str:
    """The column of a quantile: 0.05 -> 'q05', 0.5 -> 'q50', 0.975 -> 'q97.5'."""
    pct = round(q * 100, 6)
    return f"q{int(pct):02d}" if pct == int(pct) else f"q{pct:g}"


def histogram_quantiles(counts: NDArray[np.int64], qs: Sequence[float]) -> NDArray[np.float64]:
    """Quantiles of each row of ``counts`` (groups x 200 bins), interpolated linearly
    within the bin where the cumulative count reaches q * total; NaN for an empty row.

    The result lies in the bin of the sample quantile as the inverse of the empirical
    distribution function defines it (numpy's ``method="inverted_cdf"``), so it is within
    one bin (0.005) of that; for ensembles of hundreds of runs or more it is as close to
    numpy's default (linear) quantile.
    """
    c = np.asarray(counts, dtype=np.float64)
    cum = np.cumsum(c, axis=1)
    total = cum[:, -1]
    out = np.full((c.shape[0], len(qs)), np.nan)
    rows = np.arange(c.shape[0])
    for j, q in enumerate(qs):
        if not 0.0 <= q <= 1.0:
            raise StoreError(f"quantiles must lie in [0, 1], not {q}")
        # shaving a rounding error off q * total keeps an exact count (0.3 * 10) exact;
        # a target just above zero makes q = 0 land on the first bin that holds anything
        target = np.maximum(q * total * (1 - 1e-12), 1e-9)
        b = np.minimum((cum < target[:, None]).sum(axis=1), BINS - 1)
        before = np.where(b > 0, cum[rows, b - 1], 0.0)
        in_bin = c[rows, b]
        frac = np.divide(target - before, in_bin, out=np.zeros_like(target), where=in_bin > 0)
        out[:, j] = np.where(total > 0, (b + np.clip(frac, 0.0, 1.0)) / BINS, np.nan)
    return out
