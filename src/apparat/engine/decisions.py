"""Decision points: the only place agency enters. A policy picks an option per run; the
engine computes the options' utilities and carries out the chosen option's effects.

The uniform a behavioural choice uses is drawn from the decision's own stream, so a
counterfactual that forces one option leaves every other draw of that run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from apparat.engine import choice as choice_rule
from apparat.engine import recantation
from apparat.engine.context import Context
from apparat.engine.mechanisms import circular_flow, contests, prestige
from apparat.engine.mechanisms.opposition import OPEN, TACTIC_CODE
from apparat.engine.valuation import pick, softmax
from apparat.scenario.models import Decision

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class DecisionContext:
    """What a policy sees when a decision falls due in a batch of runs."""

    decision: Decision
    runs: I  # global run index per row
    eligible: B  # (R,)
    utilities: F  # (R, n_options)
    uniform: F  # (R,): the decision's own random draw
    temperature: float | F  # (R,) when a sweep varies it
    month: int
    world: Context | None = None  # the state and chronicle so far, for policies that look

    @property
    def options(self) -> list[str]:
        return [o.id for o in self.decision.options]

    def probabilities(self) -> F:
        t = self.temperature
        return softmax(self.utilities, t if isinstance(t, float) else t[:, None])


class Policy(Protocol):
    """Anything that picks an option index per row (-1 leaves a row undecided)."""

    def choose(self, dc: DecisionContext) -> I: ...


def behavioural_choice(dc: DecisionContext) -> I:
    """The default behaviour: a softmax over the options' utilities, by inverse transform."""
    chosen = pick(dc.probabilities(), dc.uniform)
    return np.where(dc.eligible, chosen, -1).astype(np.int64)


class Behavioural:
    """Engine default; the policies layer offers the same and more."""

    def choose(self, dc: DecisionContext) -> I:
        return behavioural_choice(dc)


def chooser_of(ctx: Context, d: Decision) -> tuple[I, F]:
    """(R,) acting actor and (R, 7) traits: an actor, or a body's ruling coalition."""
    st, c = ctx.st, ctx.c
    if d.actor in c.actors:
        i = c.index(d.actor)
        return np.full(st.runs, i, dtype=np.int64), st.traits[:, i].copy()
    w = st.ruling.astype(np.float64)
    w[w.sum(axis=1) == 0] = 1.0
    traits = np.matmul(w[:, None, :], st.traits)[:, 0] / w.sum(axis=1, keepdims=True)
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    return leader.astype(np.int64), traits


def eligible_rows(ctx: Context, d: Decision, actor: I) -> B:
    st = ctx.st
    rows = np.arange(st.runs)
    req = d.requires
    if d.actor not in ctx.c.actors:
        return np.asarray(st.ruling.any(axis=1))
    ok = np.asarray((st.alive[rows, actor] | (not req.alive)) & st.active[rows, actor])
    rep = ctx.c.sanctions
    level = st.sanction[rows, actor]
    ok &= (level <= rep.level(req.max_sanction, rep.top)) & (
        level >= rep.level(req.min_sanction, 0)
    )
    if req.excluded is not None:
        ok &= ~st.ruling[rows, actor] if req.excluded else st.ruling[rows, actor]
    return ok & _history_allows(ctx, d, actor)


def _history_allows(ctx: Context, d: Decision, actor: I) -> B:
    """(R,): earlier choices went the required ways, and the chooser holds a required office."""
    st, c = ctx.st, ctx.c
    ok = np.ones(st.runs, dtype=bool)
    for name, option in d.requires.chosen.items():
        past = ctx.choices.get(name)
        options = [o.id for o in next(x for x in c.scenario.decisions if x.id == name).options]
        ok &= past == options.index(option) if past is not None else False
    if d.requires.holds:
        offices = [c.offices.index(o) for o in d.requires.holds]
        ok &= (st.holder[:, offices] == actor[:, None]).any(axis=1)
    return ok


def take(ctx: Context, d: Decision, policy: Policy, slot: int) -> tuple[I, B]:
    """Decide ``d`` in every eligible run and apply the effects; returns the choices and
    the runs in which something happened that should make the blocs re-form."""
    st = ctx.st
    actor, traits = chooser_of(ctx, d)
    eligible = eligible_rows(ctx, d, actor)
    dc = DecisionContext(
        decision=d,
        runs=ctx.rng.runs.astype(np.int64),
        eligible=eligible,
        utilities=choice_rule.utilities(ctx, d, actor, traits),
        uniform=ctx.rng.uniform(f"decision.{d.id}", st.month)[:, 0],
        temperature=ctx.p("decision_temperature"),
        month=st.month,
        world=ctx,
    )
    choice = np.asarray(policy.choose(dc), dtype=np.int64)
    choice = np.where(eligible, choice, -1)
    reform = np.zeros(st.runs, dtype=bool)
    for k, opt in enumerate(d.options):
        rows = choice == k
        if rows.any():
            reform |= apply_effects(ctx, d, opt.id, rows, actor, slot)
    probs = dc.probabilities()
    for row in ctx.log.rows(choice >= 0):
        opt = d.options[int(choice[row])]
        hist = " (as history chose)" if opt.id == d.historical else " (history chose otherwise)"
        ctx.note(
            row,
            "decision",
            f"{d.question} — {opt.label}{hist}.",
            actors=(ctx.c.actors[int(actor[row])],),
            why={
                "decision": d.id,
                "option": opt.id,
                "probabilities": {
                    o.id: round(float(p), 3) for o, p in zip(d.options, probs[row], strict=True)
                },
                "draw": round(float(dc.uniform[row]), 3),
            },
            cites=[*d.cite, *opt.cite],
            params=("decision_temperature", "choice_risk", "choice_action", "choice_concession"),
        )
    return choice, reform


def apply_effects(ctx: Context, d: Decision, option: str, rows: B, actor: I, slot: int) -> B:
    """Carry out one option's effects in the rows that chose it; returns the rows whose
    blocs should re-form (a pact, a recantation, a carried motion)."""
    st, c = ctx.st, ctx.c
    eff = next(o for o in d.options if o.id == option).effects
    idx = np.flatnonzero(rows)
    a = actor[idx]
    prestige.shift(ctx, eff.prestige, idx)
    for name, delta in eff.enmity.items():
        j = c.index(name)
        val = np.clip(st.enmity[idx, a, j] + delta, 0.0, 1.0)
        st.enmity[idx, a, j] = val
        st.enmity[idx, j, a] = val
    members = [c.index(x) for x in eff.ally]
    for j in members:
        until = st.month + eff.pact_months
        st.pact_until[idx, a, j] = until
        st.pact_until[idx, j, a] = until
        for k in members:
            if k != j:
                st.pact_until[idx, j, k] = until
    if members:
        # the enemy belongs to each pair the pact binds: a later pact of one partner
        # against someone else leaves this one to lapse with its own enemy
        enemy = c.index(eff.against) if eff.against is not None else -1
        for j in members:
            st.pact_against[idx, a, j] = enemy
            st.pact_against[idx, j, a] = enemy
            for k in members:
                if k != j:
                    st.pact_against[idx, j, k] = enemy
    if eff.tactic is not None:
        st.tactic[idx, a] = TACTIC_CODE[eff.tactic]
    if eff.recant:
        recantation.recant(ctx, idx, a)
    for name in eff.resign:
        resign(ctx, idx, a, c.offices.index(name))
    if eff.oversight:
        st.oversight[idx] = np.clip(st.oversight[idx] + eff.oversight, 0.0, 1.0)
    for axis, delta in eff.position.items():
        x = c.axis[axis]
        st.position[idx, a, x] = np.clip(st.position[idx, a, x] + delta, -1.0, 1.0)
    for axis, delta in eff.salience.items():
        x = c.axis[axis]
        st.salience[idx, x] = np.clip(st.salience[idx, x] + delta, 0.2, 3.0)
    for axis, delta in eff.mood.items():
        x = c.axis[axis]
        st.mood[idx, x] = np.clip(st.mood[idx, x] + delta, -1.0, 1.0)
    passed = np.zeros(st.runs, dtype=bool)
    if eff.motion is not None:
        # a motion from outside the ruling coalition is a challenge: its mover is in
        # open opposition from now on (unless the option names another tactic)
        outside = ~st.ruling[idx, a] & st.ruling[idx].any(axis=1) & (st.tactic[idx, a] == 0)
        st.tactic[idx[outside], a[outside]] = OPEN
    if eff.motion == "remove_office" and eff.office and eff.body:
        role = c.body_role[eff.body]
        movers = np.where(rows, actor, -1)
        office = c.offices.index(eff.office)
        passed = contests.motion(ctx, rows, movers, office, role, slot, eff.authority)
    elif eff.motion in ("censure", "sanction") and eff.body:
        level = contests.motion_level(c, eff)
        if eff.target is not None:
            target = np.full(st.runs, c.index(eff.target), dtype=np.int64)
        else:  # the holder of the office named
            target = st.holder[:, c.offices.index(eff.office or "")].copy()
        movers = np.where(rows, actor, -1)
        role = c.body_role[eff.body]
        passed = contests.sanction_motion(
            ctx, rows, movers, target, level, role, slot, eff.authority
        )
    # a pact, a recantation, a resignation or a new tactic changes who stands where: the
    # blocs re-form
    changed = bool(members) or eff.recant or bool(eff.resign)
    changed = changed or eff.tactic is not None or eff.motion is not None
    return passed | (rows & changed)


def resign(ctx: Context, idx: I, actor: I, office: int) -> None:
    """The chooser gives up an office he holds: the ruling coalition's candidate takes it
    at once (before any ex officio or deputy claim), and not the man who left it."""
    st = ctx.st
    mine = st.holder[idx, office] == actor
    rows, who = idx[mine], actor[mine]
    if rows.size == 0:
        return
    st.holder[rows, office] = -1
    barred = np.zeros(st.executive.shape, dtype=bool)
    barred[rows, who] = True
    removed = np.full(st.runs, -1, dtype=np.int64)
    removed[rows] = who
    circular_flow.replace_holder(ctx, rows, office, removed, barred)
