"""Contests and sanctions: motions voted by the body that decides, up an escalation ladder.

censure -> removal from a post -> from the executive -> from the CC -> expulsion ->
internal exile -> deportation. The ruling coalition moves against excluded rivals who
threaten it or who organise against it; each step needs a majority of the deciding body,
costs its author prestige, and leaves the target a grudge.

References
----------
S2: Trotsky's removal as War Commissar (1925), XV Congress expulsions (1927).
S4: the ban on factionalism; 'Stalin persuaded Congress to expel Trotsky'.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import SANCTIONS
from apparat.engine.context import Context, on_rows
from apparat.engine.mechanisms import circular_flow as flow
from apparat.engine.mechanisms.coalitions import hostile, strength
from apparat.engine.mechanisms.power import (
    apparatus_control,
    cc_share,
    executive_share,
    office_sum,
    secretary_share,
)
from apparat.engine.tally import tally

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]

LOYALTY = 0.5  # how far a bloc member's own lean must run against his bloc before he breaks
# The rungs each kind of meeting may decide (the ban on factions lets a CC plenum expel).
RUNGS = {
    "executive": (1, 6, 7),
    "plenum": (1, 2, 3, 4, 5),
    "conference": (1, 2),
    "congress": (1, 2, 3, 4, 5),
}
BODY_OF = {
    "executive": "executive",
    "plenum": "central_committee",
    "conference": "congress",
    "congress": "congress",
}


def sigmoid(x: F) -> F:
    """The logistic function, written so that large arguments cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def body_weights(ctx: Context, role: str) -> F:
    """(R, A + 1): each actor's votes in a body; the last column is unaligned votes."""
    c, st = ctx.c, ctx.st
    if role == "executive":
        w = executive_share(st)
    elif role == "central_committee":
        w = cc_share(st)
    else:
        # delegates steered by a patron's base or secretaries follow him; the free
        # delegates judge the motion itself (see `vote`), which is what enrolment erodes
        free = 1.0 - c.delegates.sum()
        steered = apparatus_control(c, st) * secretary_share(c, st)
        w = office_sum(c, st, c.delegates) + free * steered
    rest = np.clip(1.0 - w.sum(axis=1, keepdims=True), 0.0, 1.0)
    return np.append(w, rest, axis=1)


def side(ctx: Context, actor: I) -> B:
    """(R, A): the actor, his bloc, and those who follow a member of it."""
    st = ctx.st
    same = flow.allied(ctx, actor)
    rows = np.arange(st.runs)[:, None]
    via = (st.follows >= 0) & same[rows, np.maximum(st.follows, 0)]
    return same | via


def vote(
    ctx: Context,
    role: str,
    mover: I,
    target: I,
    slot: int,
    authority: float = 0.0,
    rows: I | None = None,
) -> tuple[F, F]:
    """Share voting yes on a motion by ``mover`` against ``target``, and the noise drawn,
    for the runs in ``rows`` (all by default; ``mover`` and ``target`` cover all runs).

    Every member weighs the motion: who is the greater threat, whom he dislikes more,
    whose standing is higher, and any authority the motion carries beyond its mover's
    (a founder's letter). Blocs hold their members by ``LOYALTY``, not by fiat, so a bloc
    can break on a strong enough motion. Unaligned votes follow standing alone.
    """
    st = ctx.st
    sel = np.arange(st.runs) if rows is None else rows
    w = body_weights(ctx, role)[sel]
    draw = ctx.rng.normal("contests.vote", st.month, np.array([slot]), rows=rows)[:, 0]
    noise = ctx.p("vote_noise", 1, rows) * draw
    pro, con = side(ctx, mover)[sel], side(ctx, target)[sel]
    m, t = np.maximum(mover[sel], 0), np.maximum(target[sel], 0)
    at = np.arange(sel.size)
    standing = st.prestige[sel, m] - st.prestige[sel, t] + authority
    enmity = st.enmity[sel]
    lean = (
        st.power[sel, t][:, None]
        - st.power[sel, m][:, None]
        + enmity[at, :, t]
        - enmity[at, :, m]
        + 0.5 * standing[:, None]
        + noise[:, None]
        + LOYALTY * (pro.astype(np.float64) - con.astype(np.float64))
    )
    stance = sigmoid(lean / 0.1)
    stance[at, m] = 1.0
    stance[at, t] = 0.0
    # a motion from outside the leadership is factionalism while the ban stands
    ruling = st.ruling[sel]
    outsider = ~ruling[at, m] & ruling.any(axis=1)
    split_fear = 0.5 * ctx.p("faction_ban", 1, rows) * outsider
    unaligned = sigmoid((standing - split_fear + noise) / 0.3)
    yes = (w[:, :-1] * stance).sum(axis=1) + w[:, -1] * unaligned
    return yes, noise


def best_office(ctx: Context, target: I) -> I:
    """The target's most valuable office (-1 if none): force first, then votes and voice."""
    c, st = ctx.c, ctx.st
    value = c.force * 1.5 + c.delegates * 3 + c.press + c.patronage + c.surveillance
    held = st.holder == target[:, None]
    score = np.where(held, value[None, :] + 0.01, -1.0)
    return np.where(held.any(axis=1), np.argmax(score, axis=1), -1)


def apply_step(ctx: Context, rows: I, target: I, level: I, author: I) -> None:
    """Carry out a passed motion: the target reaches ``level`` on the ladder."""
    st, c = ctx.st, ctx.c
    t, a = target[rows], author[rows]
    lv = level[rows]
    st.sanction[rows, t] = np.maximum(st.sanction[rows, t], lv)
    st.last_step[rows, t] = st.month
    cost = ctx.p("hostile_act_cost", 1, rows)
    st.prestige[rows, a] = np.maximum(st.prestige[rows, a] - cost, 0.0)
    st.enmity[rows, t, a] = np.minimum(st.enmity[rows, t, a] + 0.1, 1.0)
    st.betrayal[rows, t, a] = np.minimum(st.betrayal[rows, t, a] + 0.25, 1.0)
    loss = np.array([0, 0.05, 0.05, 0.08, 0.08, 0.15, 0.1, 0.1])[lv] * (
        0.5 + 0.5 * ctx.p("faction_ban", 1, rows)
    )
    st.prestige[rows, t] = np.maximum(st.prestige[rows, t] - loss, 0.0)
    office = best_office(ctx, target)[rows]
    lose_office = (lv == 2) & (office >= 0)
    st.holder[rows[lose_office], office[lose_office]] = -1
    deep = lv >= 5
    for r, who in zip(rows[deep], t[deep], strict=True):
        st.holder[r, st.holder[r] == who] = -1
    st.executive[rows[lv >= 3], t[lv >= 3]] = False
    out = lv >= 4
    if out.any():
        n = len(c.actors)
        moved = st.cc_clients[rows[out], t[out]]
        st.cc_clients[rows[out], t[out]] = 0.0
        st.cc_clients[rows[out], n] += moved
        flow.vacate_clients(ctx, rows[out], t[out])


def next_rung(ctx: Context, target: int, rungs: tuple[int, ...]) -> I:
    """(R,): the next rung this meeting may decide for ``target``, 0 if none."""
    st = ctx.st
    level = st.sanction[:, target] + 1
    no_office = ~(st.holder == target).any(axis=1)
    level = np.where((level == 2) & no_office, 3, level)
    level = np.where((level == 3) & ~st.executive[:, target], 4, level)
    allowed = np.isin(level, rungs)
    return np.where(allowed & (level <= 7), level, 0)


def police_loyal(ctx: Context) -> B:
    """(R,): the office with most surveillance is held by the rulers' side."""
    st, c = ctx.st, ctx.c
    o = int(np.argmax(c.surveillance))
    h = st.holder[:, o]
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    ours = side(ctx, leader)
    return (h >= 0) & ours[np.arange(st.runs), np.maximum(h, 0)] & st.ruling.any(axis=1)


def targets(ctx: Context, hostile_now: B) -> B:
    """(R, A): divide and rule. Rivals already out of the executive are pursued; of the
    others, only the strongest hostile group (a bloc, or a lone rival) is struck now,
    while the rest are left alone until its turn comes."""
    st = ctx.st
    n = st.bloc.shape[1]
    key = np.where(st.bloc >= 0, st.bloc, n + np.arange(n)[None, :])
    fresh = hostile_now & (st.sanction < 3)
    power = strength(ctx) + st.power * ~ctx.c.contender[None, :]
    group = tally(key, 2 * n, np.where(fresh, power, 0.0))
    best = np.argmax(group, axis=1)
    chosen = fresh & (key == best[:, None])
    return (hostile_now & (st.sanction >= 3)) | chosen


def meeting(ctx: Context, kind: str) -> None:
    """The ruling coalition moves, one rung each, against rivals who threaten or organise."""
    st = ctx.st
    # only runs with rulers and a hostile rival they are ready to move against have
    # business (nothing a motion against one rival does makes another one ready)
    could = hostile(ctx) & st.alive & _ready(ctx)
    if kind == "executive":  # the executive's own rungs concern the expelled only
        could &= st.sanction >= 5
    business = np.asarray(st.ruling.any(axis=1) & could.any(axis=1))
    on_rows(ctx, business, lambda sub: _motions(sub, kind))
    flow.fill_offices(ctx)
    flow.fill_executive(ctx, "co-opted after a removal")


def _ready(ctx: Context) -> B:
    """(R, A): whether enough time has passed since the last step against each actor.
    A popular leader must first be worn down: the wait grows with his prestige."""
    st = ctx.st
    provoked = st.tactic >= 3
    wait = (
        ctx.p("escalation_interval", 2) * (1.0 + 2.0 * st.prestige) / np.where(provoked, 2.0, 1.0)
    )
    return np.asarray((st.month - st.last_step) >= wait)


def _motions(ctx: Context, kind: str) -> None:
    st, c = ctx.st, ctx.c
    role = BODY_OF[kind]
    rows_all = np.arange(st.runs)
    has_rulers = st.ruling.any(axis=1)
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    hostile_now = targets(ctx, hostile(ctx))
    ready = _ready(ctx)
    for t in np.argsort(-c.traits[:, 0], kind="stable"):  # a fixed order, the same for every run
        if not c.contender[t]:
            continue
        opposing = hostile_now[:, t]
        cond = has_rulers & st.alive[:, t] & opposing & ready[:, t]
        level = next_rung(ctx, int(t), RUNGS[kind])
        if kind == "executive":
            level = np.where(police_loyal(ctx) & (st.sanction[:, t] >= 5), level, 0)
        cond &= level > 0
        if not cond.any():
            continue
        target = np.full(st.runs, t, dtype=np.int64)
        # only the runs with a motion vote: a smaller batch, the same draws
        voting = np.flatnonzero(cond)
        yes, noise = np.zeros(st.runs), np.zeros(st.runs)
        yes[voting], noise[voting] = vote(ctx, role, leader, target, slot=int(t), rows=voting)
        passed = cond & (yes > 0.5)
        failed = cond & ~passed
        apply_step(ctx, rows_all[passed], target, level, leader)
        lost = np.flatnonzero(failed)
        cost = 2 * ctx.p("hostile_act_cost", 1, lost)
        st.prestige[lost, leader[lost]] = np.maximum(st.prestige[lost, leader[lost]] - cost, 0.0)
        st.last_step[failed, t] = st.month
        st.rebuffed |= failed
        for row in ctx.log.rows(cond):
            what = SANCTIONS[int(level[row])].replace("_", " ")
            verdict = "passes" if passed[row] else "fails"
            ctx.note(
                row,
                "sanction" if passed[row] else "motion_failed",
                f"{kind.capitalize()}: motion by {ctx.name(int(leader[row]))}'s coalition that "
                f"{ctx.name(int(t))} be {what} {verdict} ({yes[row]:.0%} in favour).",
                actors=(c.actors[int(t)], c.actors[int(leader[row])]),
                why={
                    "yes": round(float(yes[row]), 3),
                    "noise": round(float(noise[row]), 3),
                    "target_power": round(float(st.power[row, t]), 3),
                    "opposing": bool(opposing[row]),
                },
                params=("threat_threshold", "vote_noise", "faction_ban"),
            )


def motion(
    ctx: Context, rows: B, mover: I, office: int, role: str, slot: int, authority: float = 0.0
) -> B:
    """A motion put by an actor (a decision's effect) to remove an office's holder.

    When the mover is a body's ruling coalition and its leader holds the office, the
    coalition's next strongest member moves instead.
    """
    st, c = ctx.st, ctx.c
    target = st.holder[:, office].copy()  # a copy: the office is blanked below
    others = st.ruling & (np.arange(len(c.actors)) != target[:, None])
    # the next strongest ruler moves instead; with none, there is no one to move
    rival = np.where(others.any(axis=1), np.argmax(np.where(others, st.power, -1), axis=1), -1)
    mover = np.where(mover == target, rival, mover)
    ok = rows & (target >= 0) & (mover >= 0) & (mover != target)
    if not ok.any():
        return ok
    yes, noise = vote(ctx, role, mover, target, slot=1000 + slot, authority=authority)
    passed = ok & (yes > 0.5)
    idx = np.flatnonzero(passed)
    st.holder[idx, office] = -1
    flow.replace_holder(ctx, idx, office, target, side(ctx, target))
    st.sanction[idx, target[idx]] = np.maximum(st.sanction[idx, target[idx]], 2)
    m = mover[idx]
    st.enmity[idx, target[idx], m] = np.minimum(st.enmity[idx, target[idx], m] + 0.2, 1)
    for row in ctx.log.rows(ok):
        who, whom = int(mover[row]), int(target[row])
        ctx.note(
            row,
            "sanction" if passed[row] else "motion_failed",
            f"{ctx.name(who)} moves that {ctx.name(whom)} be removed as "
            f"{c.office_names[office]}: {'carried' if passed[row] else 'defeated'} "
            f"({yes[row]:.0%} in favour).",
            actors=(c.actors[who], c.actors[whom]),
            why={"yes": round(float(yes[row]), 3), "noise": round(float(noise[row]), 3)},
            params=("vote_noise",),
        )
    return passed
