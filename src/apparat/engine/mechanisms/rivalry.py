"""Rivalry: enmity that grows between contenders who stand in each other's way.

Starting enmities are only those the sources date before the start. From then on, two
contenders who are both among the strongest -- rivals for the founder's mantle and the
first place -- come to resent each other month by month, in proportion to how close and
how strong they are as the party sees them (their reputation, engine.beliefs.public);
partners bound by a pact do not, and members of one faction (their trust,
``faction_trust``) resent each other the less. Every enmity also fades a little each month, so old
grudges unmake themselves unless fed (motions, betrayals and decisions feed them).

References
----------
S1:376 'the struggle for power, for the “inheritance” to Lenin ... especially inflamed
on the eve of the imminent death of the recognized leader'; S1:368 'Stalin skillfully
created situations for them to clash with each other'.
"""

from __future__ import annotations

import numpy as np

from apparat.engine import beliefs
from apparat.engine.context import Context


def monthly(ctx: Context) -> None:
    st, c = ctx.st, ctx.c
    st.enmity *= 1.0 - ctx.p("enmity_decay", 3)
    playing = st.active & ~c.sanctions.expelled[st.sanction] & c.contender[None, :]
    if c.founder >= 0:
        # while the founder can still arbitrate there is no mantle to fight over
        playing &= ~st.active[:, c.founder : c.founder + 1]
    if not playing.any():
        return
    # only contenders play for the mantle: the rest of the matrix is left as it is
    k = np.flatnonzero(c.contender)
    seen = np.where(playing, beliefs.public(ctx), 0.0)[:, k]
    top = np.maximum(seen.max(axis=1), 1e-9)[:, None, None]
    rivalry = np.minimum(seen[:, :, None], seen[:, None, :]) / top
    # members of one faction do not resent each other's rise
    trust = np.clip(ctx.p("faction_trust", 3) * c.trust[None][:, k][:, :, k], 0.0, 1.0)
    rivalry = rivalry * (1.0 - trust)
    pact = st.pact_until[:, k][:, :, k]
    bound = (pact >= st.month) | (np.swapaxes(pact, 1, 2) >= st.month)
    rivalry = np.where(bound, 0.0, rivalry)
    rivalry[:, np.arange(k.size), np.arange(k.size)] = 0.0
    block = np.ix_(np.arange(st.runs), k, k)
    st.enmity[block] = np.minimum(st.enmity[block] + ctx.p("rivalry_rate", 3) * rivalry, 1.0)
