"""Policy space: flexible leaders drift toward where support lies; the governing line is
the power-weighted median of the ruling coalition.

References
----------
S0: Stalin as a pragmatist without a line of his own, the 1928 left turn.
S4: NEP and the Left/Right split; Permanent Revolution vs Socialism in One Country.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context

MOOD_DECAY = 0.97
F = NDArray[np.float64]


def weighted_median(
    values: NDArray[np.float64], weights: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(R, 3): per run and axis, the median of values (R, A, 3) under weights (R, A)."""
    # sort along a contiguous last axis (R, 3, A): the same order, far faster
    vals = np.ascontiguousarray(np.swapaxes(values, 1, 2))
    order = np.argsort(vals, axis=2)
    v = np.take_along_axis(vals, order, axis=2)
    w = np.take_along_axis(np.broadcast_to(weights[:, None, :], vals.shape), order, axis=2)
    cum = np.cumsum(w, axis=2)
    half = cum[:, :, -1:] / 2.0
    idx = np.clip((cum < half).sum(axis=2, keepdims=True), 0, vals.shape[2] - 1)
    return np.take_along_axis(v, idx, axis=2)[:, :, 0]


def monthly(ctx: Context) -> None:
    st = ctx.st
    weights = st.power * st.active
    support = (weights[:, :, None] * st.position).sum(axis=1) / np.maximum(
        weights.sum(axis=1, keepdims=True), 1e-9
    )
    target = np.clip(support + st.mood, -1.0, 1.0)
    st.opinion = target  # where support lies: what the rank and file and the unaligned weigh
    step = ctx.p("policy_speed", 3) * st.traits[:, :, 6, None] * (st.salience[:, None, :] / 3.0)
    st.position += step * (target[:, None, :] - st.position) * st.active[:, :, None]
    rulers = np.where(st.ruling.any(axis=1, keepdims=True), st.ruling, st.active)
    st.line = weighted_median(st.position, st.power * rulers)
    st.mood *= MOOD_DECAY
    st.salience = 1.0 + (st.salience - 1.0) * MOOD_DECAY


def shock(
    ctx: Context,
    salience: dict[int, float | F],
    axis: int | None,
    direction: float | F,
) -> None:
    """An exogenous shock: axes gain salience; a failure pushes the mood off its end
    (a delta or direction may be one number per run)."""
    st = ctx.st
    for ax, delta in salience.items():
        st.salience[:, ax] = np.clip(st.salience[:, ax] + delta, 0.2, 3.0)
    if axis is not None and np.any(direction):
        st.mood[:, axis] -= 0.5 * direction
