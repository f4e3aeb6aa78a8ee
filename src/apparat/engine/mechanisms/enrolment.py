"""Enrolment: membership waves vetted by the apparatus. New cohorts are loyal to it and
less moved by oratory (which raises apparatus control of conferences, see power.py),
and new organisations mean new secretary posts for the appointer to fill.

References
----------
S4: the Lenin enrolment; membership 340,000 in 1922 to 600,000 by 1925.
S2: membership growth (over a million, a disputed figure).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context
from apparat.engine.state import VACANT

F = NDArray[np.float64]


def enrol(ctx: Context, cohort: int) -> F:
    """A wave joins: a share of posts, in proportion to the wave's size, opens anew
    (per run where a sweep gives the cohorts their own sizes; a wave of none opens none).
    Returns the share of posts opened in each run."""
    c, st = ctx.c, ctx.st
    present = (c.cohort_joins < 0) | (c.cohort_joins < st.month)
    sizes = c.cohort_members[None, :] if st.cohorts is None else st.cohorts
    before = (sizes * present).sum(axis=1)
    share = np.minimum(0.3, 0.5 * sizes[:, cohort] / np.maximum(before, 1e-9))
    n_posts = st.secretaries.shape[1]
    k = np.broadcast_to(np.round(share * n_posts).astype(np.int64), (st.runs,))
    most = int(k.max())
    if most:
        # slot j of a run is the same draw however many the other runs need
        u = ctx.rng.uniform("enrolment.posts", st.month, most)
        posts = (u * n_posts).astype(np.int64)
        rows, slots = np.nonzero(np.arange(most)[None, :] < k[:, None])
        st.secretaries[rows, posts[rows, slots]] = VACANT
        st.mark_secretaries()
    return np.broadcast_to(share, (st.runs,)).astype(np.float64)
