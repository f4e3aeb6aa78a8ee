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

from apparat.engine.context import Context
from apparat.engine.state import VACANT


def enrol(ctx: Context, cohort: int) -> float:
    """A wave joins: a share of posts, in proportion to the wave's size, opens anew."""
    c, st = ctx.c, ctx.st
    present = (c.cohort_joins < 0) | (c.cohort_joins < st.month)
    before = float((c.cohort_members * present).sum())
    share = min(0.3, 0.5 * c.cohort_members[cohort] / max(before, 1e-9))
    n_posts = st.secretaries.shape[1]
    k = round(share * n_posts)
    if k:
        u = ctx.rng.uniform("enrolment.posts", st.month, k)
        posts = (u * n_posts).astype(np.int64)
        rows = np.repeat(np.arange(st.runs), k)
        st.secretaries[rows, posts.ravel()] = VACANT
        st.mark_secretaries()
    return share
