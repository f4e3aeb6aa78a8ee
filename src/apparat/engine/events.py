"""Exogenous, scheduled events: strokes and deaths, congresses, conferences and plenums,
shocks and enrolment waves. They happen on their dates in every run; what they lead to
is for the mechanisms to decide.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context
from apparat.engine.mechanisms import enrolment, policy, prestige
from apparat.scenario.models import Event

MEETINGS = ("plenum", "conference", "congress")


def incapacitate(
    ctx: Context, actor: int, dies: bool, rows: NDArray[np.intp] | None = None
) -> None:
    """A stroke, a death or an execution: in every run, or in the runs in ``rows``."""
    st = ctx.st
    sel: NDArray[np.intp] | slice = slice(None) if rows is None else rows
    st.active[sel, actor] = False
    st.ruling[sel, actor] = False
    if dies:
        n = len(ctx.c.actors)
        st.alive[sel, actor] = False
        st.executive[sel, actor] = False
        holder, posts = st.holder[sel], st.secretaries[sel]
        holder[holder == actor] = -1
        posts[posts == actor] = -1
        st.holder[sel], st.secretaries[sel] = holder, posts
        st.mark_secretaries(sel)
        st.cc_clients[sel, n] += st.cc_clients[sel, actor]
        st.cc_clients[sel, actor] = 0.0
        st.prestige[sel, actor] = 0.0


def shock(ctx: Context, ev: Event) -> None:
    """A shock's salience and blame, or a sweep's per-run strength of them
    (``EVENT.salience`` multiplies what the event adds; ``EVENT.blame_direction``
    replaces its direction)."""
    c, st = ctx.c, ctx.st
    axis = c.axis[ev.blame_axis] if ev.blame_axis else None
    scale = st.shocks.get(f"{ev.id}.salience", 1.0)
    direction = st.shocks.get(f"{ev.id}.blame_direction", ev.blame_direction)
    policy.shock(ctx, {c.axis[k]: v * scale for k, v in ev.salience.items()}, axis, direction)
    if axis is not None and np.any(direction):
        prestige.blame(ctx, axis, direction)


def apply(ctx: Context, events: list[Event]) -> list[Event]:
    """Apply the month's events; return the meetings (plenum, conference, congress) held."""
    c = ctx.c
    meetings = []
    for ev in events:
        if ev.kind in ("incapacitation", "death") and ev.actor:
            incapacitate(ctx, c.index(ev.actor), dies=ev.kind == "death")
        elif ev.kind == "shock":
            shock(ctx, ev)
        elif ev.kind == "enrolment" and ev.cohort:
            enrolment.enrol(ctx, [k.id for k in c.scenario.party.cohorts].index(ev.cohort))
        elif ev.kind in MEETINGS:
            meetings.append(ev)
        if ev.prestige:
            prestige.shift(ctx, ev.prestige)
        for row in ctx.log.rows():
            ctx.note(row, ev.kind, ev.name, actors=(ev.actor,) if ev.actor else (), cites=ev.cite)
    return meetings
