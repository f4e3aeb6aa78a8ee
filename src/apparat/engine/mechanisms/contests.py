"""Contests and sanctions: motions voted by the body that decides, up the scenario's
repertoire of sanctions.

The ruling coalition moves against excluded rivals who threaten it or who organise
against it. Which sanctions exist, which kind of session may impose each, what each
needs first, how many rungs one vote may climb, whether force may strike without a vote
and which body may overturn another are the scenario's rules (``rules:``; for the
Bolshevik party: censure -> removal from a post -> from the executive -> from the CC ->
expulsion -> internal exile -> deportation, one rung a session). Each step needs a
majority of the deciding body (or, for force, of the force offices), costs its author
prestige, and leaves the target a grudge.

References
----------
S2: Trotsky's removal as War Commissar (1925), XV Congress expulsions (1927).
S4: the ban on factionalism; 'Stalin persuaded Congress to expel Trotsky'.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine import beliefs
from apparat.engine.compiled import Compiled
from apparat.engine.context import Context, on_rows
from apparat.engine.events import incapacitate
from apparat.engine.mechanisms import circular_flow as flow
from apparat.engine.mechanisms import opposition
from apparat.engine.mechanisms.coalitions import hostile, strength
from apparat.engine.mechanisms.power import (
    apparatus_control,
    cc_share,
    distance_from_opinion,
    executive_share,
    force_held,
    free_delegates,
    office_sum,
    secretary_share,
)
from apparat.engine.repertoire import Repertoire
from apparat.engine.state import TACTICS, resource
from apparat.engine.tally import tally
from apparat.engine.valuation import sigmoid
from apparat.scenario.citations import Citation
from apparat.scenario.models import Decision, Effect, Option

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]

# the body whose members vote at each kind of session (force needs no vote)
BODY_OF = {
    "executive": "executive",
    "plenum": "central_committee",
    "conference": "congress",
    "congress": "congress",
    "force": "force",
}


def body_weights(ctx: Context, role: str) -> F:
    """(R, A + 1): each actor's votes in a body; the last column is unaligned votes."""
    c, st = ctx.c, ctx.st
    if role == "executive":
        w = executive_share(st)
    elif role == "central_committee":
        w = cc_share(c, st)
    else:
        # delegates steered by a patron's base or secretaries follow him; the free
        # delegates judge the motion itself (see `vote`), which is what enrolment erodes
        steered = apparatus_control(c, st) * secretary_share(c, st)
        w = office_sum(c, st, resource(c, st, "delegates")) + free_delegates(c, st) * steered
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
    believed: F | None = None,
) -> tuple[F, F]:
    """Share voting yes on a motion by ``mover`` against ``target``, and the noise drawn,
    for the runs in ``rows`` (all by default; ``mover`` and ``target`` cover all runs).

    Every member weighs the motion: who is the greater threat, whom he dislikes more,
    whose standing is higher, and any authority the motion carries beyond its mover's
    (a founder's letter). Blocs hold their members by ``LOYALTY``, not by fiat, so a bloc
    can break on a strong enough motion. Unaligned votes follow standing alone. When
    ``role`` is ``force`` nobody votes: the side that holds more of the force offices wins.
    With ``believed`` (power shares as someone sees them, (R, A) for the rows), the vote
    is the one he expects: on those shares, without luck.
    """
    st = ctx.st
    if rows is not None and rows.size < st.runs:
        # the same vote on a batch of just these runs: nothing is computed for the others
        return vote(
            ctx.subset(rows), role, mover[rows], target[rows], slot, authority, None, believed
        )
    sel = np.arange(st.runs) if rows is None else rows
    if believed is None:
        draw = ctx.rng.normal("contests.vote", st.month, np.array([slot]), rows=rows)[:, 0]
        noise = ctx.p("vote_noise", 1, rows) * draw
        power = st.power[sel]
    else:
        noise, power = np.zeros(sel.size), believed
    pro, con = side(ctx, mover)[sel], side(ctx, target)[sel]
    if role == "force":
        held = force_held(ctx.c, st)[sel]
        total = np.maximum(held.sum(axis=1), 1e-9)
        balance = ((held * pro).sum(axis=1) - (held * con).sum(axis=1)) / total
        return 0.5 + balance / 2 + noise, noise
    w = body_weights(ctx, role)[sel]
    m, t = np.maximum(mover[sel], 0), np.maximum(target[sel], 0)
    at = np.arange(sel.size)
    standing = st.prestige[sel, m] - st.prestige[sel, t] + authority
    enmity = st.enmity[sel]
    lean = (
        power[at, t][:, None]
        - power[at, m][:, None]
        + enmity[at, :, t]
        - enmity[at, :, m]
        + 0.5 * standing[:, None]
        + noise[:, None]
        + ctx.p("bloc_loyalty", 2, rows) * (pro.astype(np.float64) - con.astype(np.float64))
    )
    stance = sigmoid(lean / 0.1)
    stance[at, m] = 1.0
    stance[at, t] = 0.0
    # a motion from outside the leadership is factionalism while the ban stands
    ruling = st.ruling[sel]
    outsider = ~ruling[at, m] & ruling.any(axis=1)
    split_fear = 0.5 * ctx.p("faction_ban", 1, rows) * outsider
    # the unaligned also weigh whose line stands nearer the party's opinion
    far = distance_from_opinion(st)[sel]
    policy = ctx.p("policy_appeal", 1, rows) * (far[at, t] - far[at, m])
    unaligned = sigmoid((standing + policy - split_fear + noise) / 0.3)
    yes = (w[:, :-1] * stance).sum(axis=1) + w[:, -1] * unaligned
    return yes, noise


def best_office(ctx: Context, target: I) -> I:
    """The target's most valuable office (-1 if none): force first, then votes and voice."""
    c, st = ctx.c, ctx.st

    def r(name: str) -> F:
        return resource(c, st, name)

    value = r("force") * 1.5 + r("delegates") * 3 + r("press") + r("patronage") + r("surveillance")
    held = st.holder == target[:, None]
    score = np.where(held, value + 0.01, -1.0)
    return np.where(held.any(axis=1), np.argmax(score, axis=1), -1)


def apply_step(ctx: Context, rows: I, target: I, level: I, author: I) -> None:
    """Carry out a passed motion: the target reaches ``level`` of the repertoire, with
    the effects of every rung climbed on the way."""
    st, c = ctx.st, ctx.c
    rep = c.sanctions
    t, a = target[rows], author[rows]
    lv = level[rows]
    before = st.sanction[rows, t]
    st.sanction[rows, t] = np.maximum(before, lv)
    st.last_step[rows, t] = st.month
    known = a >= 0
    beliefs.reveal(ctx, rows[known], a[known])  # a carried motion shows its author's strength
    cost = ctx.p("hostile_act_cost", 1, rows)
    st.prestige[rows, a] = np.maximum(st.prestige[rows, a] - cost, 0.0)
    st.enmity[rows, t, a] = np.minimum(st.enmity[rows, t, a] + 0.1, 1.0)
    st.betrayal[rows, t, a] = np.minimum(st.betrayal[rows, t, a] + 0.25, 1.0)
    loss = rep.prestige[lv] * (0.5 + 0.5 * ctx.p("faction_ban", 1, rows))
    st.prestige[rows, t] = np.maximum(st.prestige[rows, t] - loss, 0.0)
    office = best_office(ctx, target)[rows]
    climbed_best = np.cumsum(rep.takes_best)
    lose_office = (climbed_best[lv] > climbed_best[before]) & (office >= 0)
    lose_office |= (lv <= before) & rep.takes_best[lv] & (office >= 0)  # it strikes again
    st.holder[rows[lose_office], office[lose_office]] = -1
    deep = rep.takes_all[lv]
    for r, who in zip(rows[deep], t[deep], strict=True):
        st.holder[r, st.holder[r] == who] = -1
    out_exec = rep.out_executive[lv]
    st.executive[rows[out_exec], t[out_exec]] = False
    out = rep.out_cc[lv]
    if out.any():
        n = len(c.actors)
        moved = st.cc_clients[rows[out], t[out]]
        st.cc_clients[rows[out], t[out]] = 0.0
        st.cc_clients[rows[out], n] += moved
        st.in_cc[rows[out], t[out]] = False  # readmission does not give the seat back
        flow.vacate_clients(ctx, rows[out], t[out])
    held = rep.detained[lv] | rep.dead[lv]
    if held.any():
        st.active[rows[held], t[held]] = False
        st.ruling[rows[held], t[held]] = False
        st.tactic[rows[held], t[held]] = 0
    for who in np.unique(t[rep.dead[lv]]):
        incapacitate(ctx, int(who), dies=True, rows=rows[rep.dead[lv] & (t == who)])


def moot(ctx: Context, target: int, level: I, rows: I) -> B:
    """(len(rows),): rungs that would change nothing for ``target`` and are passed over:
    removal from offices he does not hold, from an executive he does not sit in."""
    st = ctx.st
    no_office = ~(st.holder[rows] == target).any(axis=1)
    rep = ctx.c.sanctions
    return _moot(rep, _moot_tables(rep), level, no_office, ~st.executive[rows, target])


def _moot_tables(rep: Repertoire) -> tuple[B, B, B]:
    """(L + 1,) each, by level: whether the rung is moot regardless of the target (it
    only removes from offices or the executive), and whether it removes from offices,
    from the executive, that he did not already lose one rung below."""
    levels = np.arange(rep.top + 1)
    prev = np.maximum(levels - 1, 0)
    new_office = rep.no_office[levels] & ~rep.no_office[prev]
    new_exec = rep.out_executive[levels] & ~rep.out_executive[prev]
    other = (
        (rep.out_cc[levels] & ~rep.out_cc[prev])
        | (rep.expelled[levels] & ~rep.expelled[prev])
        | (rep.detained[levels] & ~rep.detained[prev])
        | (rep.dead[levels] & ~rep.dead[prev])
    )
    return ~other & (new_office | new_exec), new_office, new_exec


def _moot(rep: Repertoire, tables: tuple[B, B, B], level: I, no_office: B, out_exec: B) -> B:
    """:func:`moot` given the repertoire's tables and whether the target holds no office
    and sits outside the executive in each run (neither changes while a rung is sought)."""
    only, new_office, new_exec = tables
    lv = np.minimum(level, rep.top)
    return (
        (level <= rep.top) & only[lv] & (~new_office[lv] | no_office) & (~new_exec[lv] | out_exec)
    )


def next_rung(
    ctx: Context,
    target: int,
    kind: str,
    event: str | None = None,
    rows: I | None = None,
    charged: B | None = None,
) -> I:
    """(R,), or (len(rows),) for the runs in ``rows``: the level one vote of this kind of
    session may take ``target`` to, 0 if none: up to the session's number of rungs, each
    the next one this kind may impose (lighter ones it may not impose are passed over:
    force arrests without a prior expulsion), whose prerequisite he has reached, (where
    it needs force) while the rulers hold force, and (where it needs the grounds of
    illegal work) while he is charged. ``charged``: :func:`opposition.charged`, where
    the caller has it already."""
    st, rep = ctx.st, ctx.c.sanctions
    rows = np.arange(st.runs) if rows is None else rows
    current = st.sanction[rows, target]
    no_office = ~(st.holder[rows] == target).any(axis=1)
    out_exec = ~st.executive[rows, target]
    # the climb depends on nothing else in a run, and on the rulers' hold on force only
    # where the two columns of the table differ: read it, ask about force only there
    table = _rung_table(rep, kind, event)
    charged = opposition.charged(ctx) if charged is None else charged
    grounds = charged[rows, target]
    at = (current, no_office.astype(np.intp), out_exec.astype(np.intp), grounds.astype(np.intp))
    loyal_level = table[(*at, 1)]
    level = table[(*at, 0)]
    differ = loyal_level != level
    if differ.any():
        loyal = police_loyal(ctx)[rows]
        level = np.where(differ & loyal, loyal_level, level)
    level = np.where(level > current, level, 0)
    # where he can climb no further, the rung that strips an office strikes again while
    # he holds one (Zinoviev lost Leningrad, then the Politburo, then the Comintern), on
    # the terms of that rung
    again = rep.repeat_level
    if again and rep.imposable(kind, event)[again]:
        more = (level == 0) & ~no_office & (current >= again)
        more &= ~rep.needs_illegal[again] | grounds
        if rep.needs_force[again] and more.any():
            more &= police_loyal(ctx)[rows]
        level = np.where(more, again, level)
    return level


_RUNG_TABLES: dict[tuple[int, str, str | None], tuple[Repertoire, I]] = {}


def _rung_table(rep: Repertoire, kind: str, event: str | None) -> I:
    """(L + 1, 2, 2, 2, 2): the level :func:`_climb` reaches from each current level,
    with the target holding an office or not, sitting in the executive or not, charged
    with illegal work or not, and the rulers holding force or not (worked out once per
    repertoire and kind of session)."""
    key = (id(rep), kind, event)
    hit = _RUNG_TABLES.get(key)
    if hit is not None and hit[0] is rep:
        return hit[1]
    grid = np.indices((rep.top + 1, 2, 2, 2, 2)).reshape(5, -1)
    flags = [g == 1 for g in grid[1:]]
    level = _climb(rep, kind, event, grid[0], flags[0], flags[1], flags[3], flags[2])
    table = level.reshape(rep.top + 1, 2, 2, 2, 2)
    if len(_RUNG_TABLES) > 256:
        _RUNG_TABLES.clear()
    _RUNG_TABLES[key] = (rep, table)
    return table


def _climb(
    rep: Repertoire,
    kind: str,
    event: str | None,
    current: I,
    no_office: B,
    out_exec: B,
    loyal: B,
    grounds: B,
) -> I:
    """The level one vote of this kind may reach from ``current``, rung by rung (see
    :func:`next_rung`), for a target who holds no office / sits outside the executive
    where ``no_office`` / ``out_exec``, while the rulers hold force where ``loyal``, and
    who is charged with illegal work where ``grounds``."""
    imposable = rep.imposable(kind, event)
    tables = _moot_tables(rep)
    level = current.copy()
    going = np.ones(current.size, dtype=bool)
    for _ in range(rep.session[kind]):
        nxt = level + 1
        for _skip in range(rep.top):
            # pass over rungs this kind of session cannot impose, and moot ones
            at = np.minimum(nxt, rep.top)
            skip = (nxt <= rep.top) & (
                ~imposable[at] | _moot(rep, tables, nxt, no_office, out_exec)
            )
            if not skip.any():
                break
            nxt = nxt + skip
        at = np.minimum(nxt, rep.top)
        ok = going & (nxt <= rep.top) & imposable[at] & (rep.requires[at] <= level)
        ok &= ~rep.needs_force[at] | loyal
        ok &= ~rep.needs_illegal[at] | grounds  # the ladder stops where the grounds end
        level = np.where(ok, nxt, level)
        going &= ok
        if not going.any():
            break
    return level


def police_loyal(ctx: Context) -> B:
    """(R,): the rulers' side holds more than half of the force offices' weight."""
    st = ctx.st
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    held = force_held(ctx.c, st)
    ours = (held * side(ctx, leader)).sum(axis=1)
    return (ours > 0.5 * held.sum(axis=1)) & st.ruling.any(axis=1)


def targets(ctx: Context, hostile_now: B) -> B:
    """(R, A): divide and rule. Rivals already out of the executive are pursued; of the
    others, only the strongest hostile group (a bloc, or a lone rival) is struck now,
    while the rest are left alone until its turn comes."""
    st = ctx.st
    n = st.bloc.shape[1]
    key = np.where(st.bloc >= 0, st.bloc, n + np.arange(n)[None, :])
    if ctx.c.rules.strike == "all_hostile":
        return hostile_now
    out_exec = ctx.c.sanctions.out_executive[st.sanction]
    fresh = hostile_now & ~out_exec
    power = strength(ctx) + st.power * ~ctx.c.contender[None, :]
    group = tally(key, 2 * n, np.where(fresh, power, 0.0))
    best = np.argmax(group, axis=1)
    chosen = fresh & (key == best[:, None])
    return (hostile_now & out_exec) | chosen


def meeting(ctx: Context, kind: str, event: str | None = None) -> None:
    """The ruling coalition moves against rivals who threaten or organise, as far as one
    session of this kind (the calendar's ``event``, if one) may go."""
    st, rep = ctx.st, ctx.c.sanctions
    imposable = rep.imposable(kind, event)
    if rep.session[kind] == 0 or not imposable.any():
        return
    # only runs with rulers and a hostile rival they are ready to move against, with a
    # sanction this kind of session may still impose, have business (nothing a motion
    # against one rival does makes another one ready)
    within_reach = np.logical_or.accumulate(imposable[::-1])[::-1]
    reachable = np.append(within_reach[1:], False)[st.sanction]
    again = rep.repeat_level
    if again and imposable[again]:
        # an office taken again, from one who has climbed past that rung and holds one
        holds = (st.holder[:, :, None] == np.arange(st.sanction.shape[1])).any(axis=1)
        reachable |= holds & (st.sanction >= again)
    could = hostile(ctx) & st.alive & _ready(ctx) & reachable
    business = np.asarray(st.ruling.any(axis=1) & could.any(axis=1))
    on_rows(ctx, business, lambda sub: _motions(sub, kind, event))
    flow.fill_offices(ctx)
    flow.fill_executive(ctx, "co-opted after a removal", kind)


def _ready(ctx: Context) -> B:
    """(R, A): whether enough time has passed since the last step against each actor.
    A popular leader must first be worn down: the wait grows with his prestige."""
    st = ctx.st
    provoked = opposition.charged(ctx)  # illegal work: the rulers make haste
    shield = ctx.p("prestige_shield", 2)
    wait = (
        ctx.p("escalation_interval", 2)
        * (1.0 + shield * st.prestige)
        / np.where(provoked, 2.0, 1.0)
    )
    return np.asarray((st.month - st.last_step) >= wait)


def _motions(ctx: Context, kind: str, event: str | None) -> None:
    st, c = ctx.st, ctx.c
    role = BODY_OF[kind]
    rows_all = np.arange(st.runs)
    has_rulers = st.ruling.any(axis=1)
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    hostile_now = targets(ctx, hostile(ctx))
    if kind == "force" and c.rules.force.against == "challengers":
        # force is for those who challenge in the open, and for their men
        challenging = st.tactic > 0
        rows = np.arange(st.runs)[:, None]
        led = (st.follows >= 0) & challenging[rows, np.maximum(st.follows, 0)]
        hostile_now = hostile_now & (challenging | (led & ~c.contender[None, :]))
    ready = _ready(ctx)
    charged = opposition.charged(ctx)  # the charges as the session opens
    anyone = c.rules.targets == "everyone"
    for t in np.argsort(-c.traits[:, 0], kind="stable"):  # a fixed order, the same for every run
        if not (anyone or c.contender[t]):
            continue
        opposing = hostile_now[:, t]
        cond = has_rulers & st.alive[:, t] & opposing & ready[:, t]
        cond &= st.sanction[:, t] < c.sanctions.top
        if not cond.any():
            continue
        some = np.flatnonzero(cond)  # the rung only where a motion could be put
        level = np.zeros(st.runs, dtype=np.int64)
        level[some] = next_rung(ctx, int(t), kind, event, some, charged)
        cond &= level > 0
        if not cond.any():
            continue
        target = np.full(st.runs, t, dtype=np.int64)
        # only the runs with a motion vote: a smaller batch, the same draws
        voting = np.flatnonzero(cond)
        yes, noise = np.zeros(st.runs), np.zeros(st.runs)
        yes[voting], noise[voting] = vote(ctx, role, leader, target, slot=int(t), rows=voting)
        passed = cond & (yes > 0.5)
        appeal = _appeal(ctx, kind, leader, target, int(t), passed)
        passed &= ~appeal
        failed = cond & ~passed
        apply_step(ctx, rows_all[passed], target, level, leader)
        lost = np.flatnonzero(failed)
        cost = 2 * ctx.p("hostile_act_cost", 1, lost)
        st.prestige[lost, leader[lost]] = np.maximum(st.prestige[lost, leader[lost]] - cost, 0.0)
        st.last_step[failed, t] = st.month
        st.rebuffed |= failed
        for row in ctx.log.rows(cond):
            what = c.sanctions.names[int(level[row])].replace("_", " ")
            verdict = "passes" if passed[row] else "fails"
            if appeal[row]:
                verdict = "passes, and is overturned on appeal"
            text = (
                f"{kind.capitalize()}: motion by {ctx.name(int(leader[row]))}'s coalition that "
                f"{ctx.name(int(t))} be {what} {verdict} ({yes[row]:.0%} in favour)."
            )
            if kind == "force":
                text = (
                    f"Force: {ctx.name(int(leader[row]))}'s coalition moves to have "
                    f"{ctx.name(int(t))} {what} without a vote: "
                    f"{'done' if passed[row] else 'it lacks the force'} "
                    f"(force balance {float(np.clip(2 * yes[row] - 1, -1, 1)):+.0%})."
                )
            ctx.note(
                row,
                "sanction" if passed[row] else "motion_failed",
                text,
                actors=(c.actors[int(t)], c.actors[int(leader[row])]),
                why={
                    "yes": round(float(yes[row]), 3),
                    "noise": round(float(noise[row]), 3),
                    "target_power": round(float(st.power[row, t]), 3),
                    "opposing": bool(opposing[row]),
                    "session": event,
                    **grounds(ctx, row, int(t)),
                },
                cites=event_cites(ctx, row, int(t), int(level[row]), event),
                params=("vote_noise",) if kind != "force" else (),
            )


def grounds(ctx: Context, row: int, target: int) -> dict[str, object]:
    """Why the target stood to be struck in this run: his tactic and the last choice of
    his own that set him against the rulers, if any."""
    st = ctx.st
    out: dict[str, object] = {"target_tactic": TACTICS[int(st.tactic[row, target])]}
    last = _last_choice(ctx, row, target)
    if last is not None:
        out["target_choice"] = f"{last[0].id}={last[1].id}"
    out["target_excluded"] = bool(~st.ruling[row, target] & st.ruling[row].any())
    return out


def event_cites(
    ctx: Context, row: int, target: int, level: int, event: str | None
) -> list[Citation]:
    """The passages behind one sanction: the rule that lets this body impose it, the
    session's own entry in the calendar, and the target's last choice that set him
    against the rulers (not a fixed list per mechanism)."""
    c = ctx.c
    cites = list(c.rules.sanctions[level - 1].cite) if level >= 1 else []
    if event is not None:
        for evs in c.events.values():
            cites += [x for ev in evs if ev.id == event for x in ev.cite]
    last = _last_choice(ctx, row, target)
    if last is not None:
        cites += list(last[1].cite)
    return cites


def _last_choice(ctx: Context, row: int, actor: int) -> tuple[Decision, Option] | None:
    """The latest decision ``actor`` took in run ``row`` with an effect on his standing
    toward the rulers (a tactic, a motion or a pact), and the option he chose."""
    name = ctx.c.actors[actor]
    found = None
    for d in ctx.c.scenario.decisions:
        if d.actor != name or d.id not in ctx.choices:
            continue
        k = int(ctx.choices[d.id][row])
        if k < 0:
            continue
        eff = d.options[k].effects
        if eff.tactic not in (None, "none") or eff.motion is not None or eff.ally:
            found = (d, d.options[k])
    return found


def _appeal(ctx: Context, kind: str, mover: I, target: I, slot: int, passed: B) -> B:
    """(R,): passed motions that a larger body, where the rules allow an appeal to it,
    overturns (its majority votes the same motion down)."""
    out = np.zeros(ctx.st.runs, dtype=bool)
    for appeal in ctx.c.rules.appeals:
        rows = np.flatnonzero(passed & ~out)
        if appeal.from_ != kind or rows.size == 0:
            continue
        yes, _ = vote(ctx, BODY_OF[appeal.to], mover, target, slot=500 + slot, rows=rows)
        out[rows[yes <= 0.5]] = True
    return out


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
    beliefs.reveal(ctx, idx, mover[idx])
    flow.replace_holder(ctx, idx, office, target, side(ctx, target), mover)
    rep = c.sanctions  # the repertoire's removal from a post (its first office-taking rung)
    removal = min(rep.first(rep.takes_best | rep.no_office), rep.top)
    st.sanction[idx, target[idx]] = np.maximum(st.sanction[idx, target[idx]], removal)
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


def motion_level(c: Compiled, eff: Effect) -> int:
    """The rung a decision's sanction motion asks for: censure, or the sanction named."""
    return 1 if eff.motion == "censure" else c.sanctions.index(eff.sanction or "")


def can_vote(ctx: Context, role: str, level: int) -> bool:
    """Whether the body ``role`` may vote rung ``level`` this month: a rung the rules
    keep for named sessions (``only_at``: the joint plenums of the CC and the Control
    Commission) only where one of them sits now, as for the sessions' own motions."""
    rep, c = ctx.c.sanctions, ctx.c
    if not rep.restricted[level]:
        return True
    now = c.events.get(ctx.st.month, [])
    return any(bool(rep.imposable(e.kind, e.id)[level]) for e in now if BODY_OF.get(e.kind) == role)


def sanction_motion(
    ctx: Context, rows: B, mover: I, target: I, level: int, role: str, slot: int, authority: float
) -> B:
    """A motion put by an actor (a decision's effect) that ``target`` -- anyone, second
    rank included -- be brought to ``level`` of the repertoire; voted by the body, where
    the rules let it vote that rung now (:func:`can_vote`)."""
    st, c = ctx.st, ctx.c
    if not can_vote(ctx, role, level):
        return np.zeros(st.runs, dtype=bool)
    ok = rows & (target >= 0) & (mover >= 0) & (mover != target)
    ok &= st.sanction[np.arange(st.runs), np.maximum(target, 0)] < level
    if not ok.any():
        return ok
    voting = np.flatnonzero(ok)
    yes, noise = np.zeros(st.runs), np.zeros(st.runs)
    yes[voting], noise[voting] = vote(
        ctx, role, mover, target, slot=2000 + slot, authority=authority, rows=voting
    )
    passed = ok & (yes > 0.5)
    apply_step(ctx, np.flatnonzero(passed), target, np.full(st.runs, level), mover)
    for row in ctx.log.rows(ok):
        who, whom = int(mover[row]), int(target[row])
        what = c.sanctions.names[level].replace("_", " ")
        ctx.note(
            row,
            "sanction" if passed[row] else "motion_failed",
            f"{ctx.name(who)} moves that {ctx.name(whom)} be {what}: "
            f"{'carried' if passed[row] else 'defeated'} ({yes[row]:.0%} in favour).",
            actors=(c.actors[who], c.actors[whom]),
            why={"yes": round(float(yes[row]), 3), "noise": round(float(noise[row]), 3)},
            cites=c.rules.sanctions[level - 1].cite,
            params=("vote_noise",),
        )
    flow.fill_offices(ctx)
    # the body that voted sits: the CC (a plenum) or the congress may elect to the executive
    sitting = "plenum" if role == "central_committee" else role
    flow.fill_executive(ctx, "co-opted after a removal", sitting)
    return passed
