"""Rehabilitation: a ruling coalition lifts a sanction from one of its own.

Where the scenario's rules allow it (``rules.rehabilitation``), a session of a kind that
may impose a sanction may also lift it, if the sanction can be reversed that way
(``reversal: rehabilitation``) and the man under it stands with the rulers: he sits in
the ruling coalition or follows one of its members. The body votes; his side votes for
him, the rest by his standing against their grudge, so a rehabilitation can fail.

References
----------
The rules block of each scenario cites the rehabilitations its regime knew (China
1977-1980: Deng Xiaoping and the veteran cadres).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context
from apparat.engine.mechanisms.coalitions import hostile
from apparat.engine.mechanisms.contests import BODY_OF, body_weights, side
from apparat.engine.valuation import sigmoid

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]


def candidates(ctx: Context, kind: str) -> B:
    """(R, A): the sanctioned the rulers would bring back at this kind of session."""
    st, c = ctx.st, ctx.c
    rep = c.sanctions
    level = st.sanction
    rows = np.arange(st.runs)[:, None]
    patron_rules = (st.follows >= 0) & st.ruling[rows, np.maximum(st.follows, 0)]
    friendly = st.ruling | patron_rules
    able = st.alive & rep.rehabilitable[level]
    liftable = rep.imposed_by[kind]
    if kind in ("plenum", "congress"):
        # the larger bodies may lift what the executive or force imposed
        liftable = liftable | rep.imposed_by["executive"] | rep.imposed_by["force"]
    return able & liftable[level] & friendly & ~hostile(ctx)


def support(ctx: Context, role: str, who: I, rows: I, slot: int) -> tuple[F, F]:
    """Share of the body voting to lift ``who``'s sanction in the runs ``rows``."""
    st = ctx.st
    draw = ctx.rng.normal("rehabilitation.vote", st.month, np.array([slot]), rows=rows)[:, 0]
    noise = ctx.p("vote_noise", 1, rows) * draw
    w = body_weights(ctx, role)[rows]
    at = np.arange(rows.size)
    friends = side(ctx, who)[rows]
    standing = st.prestige[rows, who[rows]]
    grudge = st.enmity[rows][at, :, who[rows]]
    stance = np.where(
        friends, 1.0, sigmoid((0.5 * standing[:, None] - grudge + noise[:, None]) / 0.1)
    )
    unaligned = sigmoid((standing - 0.3 + noise) / 0.3)
    return (w[:, :-1] * stance).sum(axis=1) + w[:, -1] * unaligned, noise


def session(ctx: Context, kind: str) -> None:
    """Put the rehabilitations this session may grant to the vote."""
    st, c = ctx.st, ctx.c
    if not c.rules.rehabilitation or kind == "force":
        return
    cand = candidates(ctx, kind)
    for t in np.flatnonzero(cand.any(axis=0)):
        rows = np.flatnonzero(cand[:, t])
        who = np.full(st.runs, t, dtype=np.int64)
        yes, _ = support(ctx, BODY_OF[kind], who, rows, slot=int(t))
        done = rows[yes > 0.5]
        before = st.sanction[done, t].copy()
        after = c.sanctions.rehabilitate_to[before]
        st.sanction[done, t] = after
        # released from detention: free to act again
        rep = c.sanctions
        freed = rep.detained[before] & ~rep.detained[after]
        st.active[done[freed], t] = True
        st.last_step[done, t] = st.month
        lifted = np.zeros(st.runs, dtype=bool)
        lifted[done] = True
        for row in ctx.log.rows(lifted):
            k = int(np.searchsorted(rows, row))
            name = c.sanctions.names[int(before[np.searchsorted(done, row)])]
            ctx.note(
                row,
                "rehabilitated",
                f"{kind.capitalize()}: {ctx.name(int(t))} is rehabilitated "
                f"(no longer {name.replace('_', ' ')}; {yes[k]:.0%} in favour).",
                actors=(c.actors[int(t)],),
                why={"yes": round(float(yes[k]), 3)},
                cites=c.rules.cite,
                params=("vote_noise",),
            )
