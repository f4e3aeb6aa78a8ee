"""Power share: weighted control of executive, CC and congress votes, force and prestige.

References
----------
S1: the four factions and their power bases (army; Leningrad and Comintern; apparatus
and special services; government, unions and press).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import Compiled
from apparat.engine.state import State, param, party_mix, resource
from apparat.engine.tally import tally

F = NDArray[np.float64]


def office_sum(c: Compiled, st: State, value: F) -> F:
    """(R, A): a resource, (O,) or per run (R, O), summed over the offices each actor holds."""
    n = len(c.actors)
    h = np.where(st.holder < 0, n, st.holder)
    return tally(h, n + 1, value)[:, :n]


def free_delegates(c: Compiled, st: State) -> F:
    """(R, 1) or (1, 1): the delegates no office sends, for secretaries and oratory to win."""
    return 1.0 - resource(c, st, "delegates").sum(axis=1, keepdims=True)


def apparatus_control(c: Compiled, st: State) -> float | F:
    """Share of conference delegates the secretaries steer: cohorts' loyalty to the
    apparatus; (R, 1) when a sweep varies ``delegate_control`` or the cohorts' sizes."""
    loyalty = party_mix(c, st, st.month)[0]
    control = param(c, st, "delegate_control", 2)
    if isinstance(control, float) and isinstance(loyalty, float):
        return float(np.clip(control * (0.5 + loyalty), 0.0, 0.97))
    return np.clip(control * (0.5 + loyalty), 0.0, 0.97)


def distance_from_opinion(st: State) -> F:
    """(R, A): how far each actor's line is from where the party's support lies, on the
    axes weighted by their salience (0 = on it, 1 = at the far end on every axis)."""
    sal = st.salience / np.maximum(st.salience.sum(axis=1, keepdims=True), 1e-9)
    out = np.zeros(st.position.shape[:2])
    for x in range(st.position.shape[2]):  # axis by axis: no (R, A, X) temporaries
        out += np.abs(st.position[:, :, x] - st.opinion[:, x, None]) / 2.0 * sal[:, x, None]
    return out


def rank_and_file(c: Compiled, st: State, month: int) -> F:
    """(R, A): the share of free delegates each leader's prestige and oratory would win,
    less as his line stands far from the party's opinion on the salient axes (the
    appeal of socialism in one country after 1923, of the left after the grain crisis)."""
    pull = party_mix(c, st, month)[1]
    appeal = st.prestige * ((1 - pull) + pull * st.traits[:, :, 3])
    appeal = appeal * np.exp(-param(c, st, "policy_appeal", 2) * distance_from_opinion(st))
    appeal = appeal * (st.active & ~c.sanctions.expelled[st.sanction]) * c.contender[None, :]
    total = appeal.sum(axis=1, keepdims=True)
    return np.divide(appeal, total, out=np.zeros_like(appeal), where=total > 0)


def secretary_share(c: Compiled, st: State) -> F:
    """(R, A): share of secretary posts beholden to each actor (read-only: a kept tally,
    recounted for the runs whose posts changed since it was last read)."""
    rows = np.flatnonzero(st.secretaries_changed)
    if rows.size:
        n = len(c.actors)
        posts = st.secretaries if rows.size == st.runs else st.secretaries[rows]
        patron = np.where(posts < 0, n, posts)
        st.secretary_tally[rows] = tally(patron, n + 1)[:, :n] / posts.shape[1]
        st.secretaries_changed[rows] = False
    return st.secretary_tally


def congress_share(c: Compiled, st: State, month: int) -> F:
    """(R, A): delegates each leader can count on at a congress or conference."""
    base = office_sum(c, st, resource(c, st, "delegates"))
    free = free_delegates(c, st)
    ctl = apparatus_control(c, st)
    return base + free * (ctl * secretary_share(c, st) + (1 - ctl) * rank_and_file(c, st, month))


def commander_share(c: Compiled, st: State) -> F:
    """(R, A): the officer corps each leader can call on; a dead or jailed patron none."""
    return c.commanders0[None, :] * (st.alive & ~c.sanctions.detained[st.sanction])


def force_held(c: Compiled, st: State) -> F:
    """(R, A): the weight (force and surveillance) of the rules' force offices each holds,
    and, where the scenario has an officer corps with loyalties of its own, its share."""
    out = np.zeros(st.power.shape)
    weight = np.broadcast_to(
        np.maximum(resource(c, st, "force") + resource(c, st, "surveillance"), 1e-6),
        st.holder.shape,
    )
    for o in c.force_offices:
        h = st.holder[:, o]
        has = np.flatnonzero(h >= 0)
        out[has, h[has]] += weight[has, o]
    if c.commanders_weight == 0.0:
        return out
    return with_officers(c, st, out / np.maximum(out.sum(axis=1, keepdims=True), 1e-9))


def with_officers(c: Compiled, st: State, offices: F) -> F:
    """(R, A): shares of force held through offices, mixed with the officer corps' own
    loyalties where the scenario has one (``party.commanders``)."""
    w = c.commanders_weight
    if w == 0.0:
        return offices
    return (1.0 - w) * offices + w * commander_share(c, st)


def cc_share(c: Compiled, st: State, aligned: bool = False) -> F:
    """(R, A): CC votes: the actor's own seat and his clients' seats, as a share of the
    whole CC, or with ``aligned`` of the seats that look to some leader."""
    n = st.cc_clients.shape[1] - 1
    own = st.in_cc & ~c.sanctions.out_cc[st.sanction] & st.alive
    clients = st.cc_clients[:, :n] if aligned else st.cc_clients
    total = clients.sum(axis=1, keepdims=True) + own.sum(axis=1, keepdims=True)
    return (st.cc_clients[:, :n] + own) / np.maximum(total, 1.0)


def executive_share(st: State) -> F:
    votes = (st.executive & st.active).astype(np.float64)
    return votes / np.maximum(votes.sum(axis=1, keepdims=True), 1.0)


def compute_power(c: Compiled, st: State, month: int) -> F:
    """(R, A) power shares summing to one over active actors."""

    def p(name: str) -> float | F:
        return param(c, st, name, 2)

    force = office_sum(c, st, resource(c, st, "force") + 0.5 * resource(c, st, "surveillance"))
    force = with_officers(c, st, force / np.maximum(force.sum(axis=1, keepdims=True), 1e-9))
    prest = st.prestige * st.active * ~c.sanctions.expelled[st.sanction]
    prest = prest / np.maximum(prest.sum(axis=1, keepdims=True), 1e-9)
    raw = (
        p("weight_executive") * executive_share(st)
        + p("weight_cc") * cc_share(c, st)
        + p("weight_congress") * congress_share(c, st, month)
        + p("weight_force") * force
        + p("weight_prestige") * prest
    ) * st.active
    return raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-9)
