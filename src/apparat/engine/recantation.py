"""Recantation: the struck renounce their views to return to the party.

A recantation lifts the sanctions its rules let it undo (``reversal: recant``: the
expelled are readmitted), costs the recanting man standing, ends his opposition and his
pacts, brings his line to the governing line (he renounces his views), and buys him
``quiet_months`` in which he is left alone. Where the rules say so
(``rules.readmission: sessions``) the recantation is a declaration and the lifting waits
for the next session of the CC, which readmits him: Zinoviev and Kamenev capitulated at
the XV Congress (December 1927) and were readmitted in 1928 (S2:78 'scrissero
dichiarazioni di pentimento e furono reintegrati': two acts), Radek and Preobrazhensky
recanted in July 1929 and were readmitted in 1930.

Where the rules say so (``rules.recantation: struck``), anyone whom a recantation would
readmit weighs it each time a blow falls on him (a step of sanction against him, carried
or attempted, at any session) by the one choice rule (engine.choice): the way back and
an end to the rungs still ahead of him against the humiliation and the views he
renounces. So the men of 1927 recant as the blows fall: Zinoviev and Kamenev at once
(S1:380 'immediately after the XV Congress, capitulating'); a man rigid and far from
the line (Trotsky) seldom.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine import choice
from apparat.engine.context import Context
from apparat.engine.mechanisms import circular_flow, coalitions
from apparat.engine.mechanisms.power import compute_power

I = NDArray[np.int64]
B = NDArray[np.bool_]


def recant(ctx: Context, idx: I, a: I) -> None:
    """Carry out a recantation by actors ``a`` in runs ``idx``."""
    st, c = ctx.st, ctx.c
    if c.rules.readmission == "sessions":
        st.readmit[idx, a] = True  # the CC lifts the sanctions when it next sits
    else:
        st.sanction[idx, a] = c.sanctions.recant_to[st.sanction[idx, a]]
    st.prestige[idx, a] = np.maximum(st.prestige[idx, a] - ctx.p("recant_cost", 1, idx), 0.0)
    st.tactic[idx, a] = 0
    st.illegal[idx, a] = False  # the penitent is taken at his word
    st.quiet_until[idx, a] = st.month + np.round(ctx.p("quiet_months", 1, idx)).astype(np.int64)
    st.pact_until[idx, a, :] = -1
    st.pact_until[idx, :, a] = -1
    st.pact_against[idx, a, :] = -1
    st.pact_against[idx, :, a] = -1
    st.position[idx, a] = st.line[idx]


def eligible(ctx: Context) -> B:
    """(R, A): who may recant now: alive, outside the rulers, under a sanction a
    recantation lifts, and not already quiet after an earlier recantation."""
    st, c = ctx.st, ctx.c
    rep = c.sanctions
    undone = rep.recant_to[st.sanction] < st.sanction
    return st.alive & st.active & ~st.ruling & undone & (st.quiet_until < st.month) & ~st.readmit


def readmit(ctx: Context, kind: str) -> None:
    """At a session of the CC (``rules.readmission: sessions``), those who have recanted
    since it last sat are readmitted: the sanctions their recantation undoes are lifted."""
    st, c = ctx.st, ctx.c
    sitting = kind in circular_flow.CC_SESSIONS  # the CC sits: it may readmit
    if c.rules.readmission != "sessions" or not sitting or not st.readmit.any():
        return
    due = st.readmit & st.alive
    st.readmit[:] = False
    if not due.any():
        return
    rows, who = np.nonzero(due)
    before = st.sanction[rows, who].copy()
    st.sanction[rows, who] = c.sanctions.recant_to[before]
    flagged = np.zeros(st.runs, dtype=bool)
    flagged[rows] = True
    for row in ctx.log.rows(flagged):
        for k in np.flatnonzero(rows == row):
            lifted = c.sanctions.names[int(before[k])].replace("_", " ")
            ctx.note(
                row,
                "readmitted",
                f"The {kind} readmits {ctx.name(int(who[k]))}, who has recanted "
                f"(no longer {lifted}).",
                actors=(c.actors[int(who[k])],),
                cites=c.rules.cite,
            )
    st.power[flagged] = compute_power(c, st, st.month)[flagged]
    coalitions.form(ctx, flagged)


def struck(ctx: Context) -> None:
    """Those a blow fell on this month, and whom a recantation would readmit, weigh it."""
    st, c = ctx.st, ctx.c
    if c.rules.recantation != "struck":
        return
    blow = st.last_step == st.month  # most months strike no one: nothing more to do
    if not blow.any():
        return
    can = eligible(ctx) & blow
    if not can.any():
        return
    temperature = np.maximum(np.ravel(ctx.p("decision_temperature")), 1e-9)
    u = ctx.rng.uniform("recantation.choice", st.month, len(c.actors))
    done = np.zeros(can.shape, dtype=bool)
    for t in np.flatnonzero(can.any(axis=0)):
        who = np.full(st.runs, t, dtype=np.int64)
        worth = choice.recant_utility(ctx, who)
        p = 1.0 / (1.0 + np.exp(-np.clip(worth / temperature, -50.0, 50.0)))
        done[:, t] = can[:, t] & (u[:, t] < p)
    if not done.any():
        return
    for t in np.flatnonzero(done.any(axis=0)):
        idx = np.flatnonzero(done[:, t])
        before = st.sanction[idx, t].copy()
        recant(ctx, idx, np.full(idx.size, t, dtype=np.int64))
        flagged = np.zeros(st.runs, dtype=bool)
        flagged[idx] = True
        for row in ctx.log.rows(flagged):
            k = int(np.searchsorted(idx, row))
            lifted = c.sanctions.names[int(before[k])].replace("_", " ")
            back = (
                f"asks to be taken back (still {lifted}: the CC readmits when it next sits)"
                if c.rules.readmission == "sessions"
                else f"is taken back (no longer {lifted})"
            )
            ctx.note(
                row,
                "recanted",
                f"{ctx.name(int(t))} renounces his views and {back}.",
                actors=(c.actors[int(t)],),
                why={"draw": round(float(u[row, t]), 3)},
                cites=c.rules.cite,
                params=("recant_cost", "choice_concession", "decision_temperature"),
            )
    changed: B = np.asarray(done.any(axis=1), dtype=bool)
    # only where someone recanted: every other run's month goes on untouched
    st.power[changed] = compute_power(c, st, st.month)[changed]
    coalitions.form(ctx, changed)
