"""Per-run tallies: sums of values into bins, for every run of a batch at once.

``np.add.at`` is the obvious way to write these and among the slowest things numpy does;
one ``bincount`` over (run, bin) codes gives the same sums in the same order.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def tally(
    bins: NDArray[np.integer], n_bins: int, weights: ArrayLike | None = None
) -> NDArray[np.float64]:
    """(R, n_bins): for each run (row of ``bins``), the sum of ``weights`` falling in each bin.

    ``bins`` is (R, K) with values in [0, n_bins); ``weights`` broadcasts to it (None
    counts). Rows are independent: a run's tally never depends on the rest of the batch.
    """
    runs = bins.shape[0]
    codes = (np.arange(runs)[:, None] * n_bins + bins).ravel()
    w = (
        None
        if weights is None
        else np.broadcast_to(np.asarray(weights, np.float64), bins.shape).ravel()
    )
    out = np.bincount(codes, weights=w, minlength=runs * n_bins)
    return out.reshape(runs, n_bins).astype(np.float64, copy=False)
