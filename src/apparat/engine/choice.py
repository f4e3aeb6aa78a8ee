"""The one choice rule: every option of every decision, for every actor, is valued by
the same expected-utility formula over what the option does (its effects), the
chooser's cited traits, his beliefs about the others' strength and the situation.

No option carries a weight of its own. An option's utility, in units of power share, is

    ambition x gain
  - (1 - resolve)     x (choice_risk x risk + choice_action x act)
  - (1 - flexibility) x choice_concession x concession

where ``gain`` is the change in the chooser's expected power the effects bring as he
sees it (a motion that may carry against a rival, a pact that makes his side likelier to
prevail, prestige won or denied to enemies, a line or a mood moved toward the party's
opinion, offices given up); ``risk`` the power he stands to lose (the rival side's strength if a motion fails,
the rulers' if an open opposition draws their sanctions); ``act`` is 1 for taking the
initiative at all (every option but the decision's ``default``: what happens if he does
nothing); and ``concession`` what he gives up of himself (a recantation, making up with
an enemy, a shift of line, allying with a distant partner; an opposition tactic counts
the distance of his line from the governing line in his favour, for every other course
acquiesces in it, S1:17). Traits thus weigh in every
choice: Trotsky's hesitation (S1:336 "passive and indecisive"; S4:203 "His reluctance
to act") is a cost on every act of his, not a weight on one option. The global weights
are calibrated (docs/calibration.md); ``decision_temperature`` turns utilities into
probabilities (a softmax).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine import beliefs
from apparat.engine.compiled import TRAIT
from apparat.engine.context import Context
from apparat.engine.mechanisms import contests
from apparat.engine.mechanisms.opposition import TACTIC_CODE, UNDERGROUND, monthly_gain
from apparat.engine.mechanisms.power import apparatus_control
from apparat.engine.state import resource
from apparat.engine.valuation import claims, rule_share, sigmoid, spread, utility
from apparat.scenario.factors import RESOURCES
from apparat.scenario.models import Decision, Effect

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]


def utilities(ctx: Context, d: Decision, actor: I, traits: F) -> F:
    """(R, n_options): each option's expected utility for its chooser."""
    out = np.zeros((ctx.st.runs, len(d.options)))
    for k, part in enumerate(components(ctx, d, actor)):
        out[:, k] = utility(ctx, traits, *part)
    return out


def recant_utility(ctx: Context, actor: I) -> F:
    """(R,): what recanting is worth to ``actor`` over holding out (the passive option,
    worth nothing), by the same rule as every decision's options."""
    st = ctx.st
    traits = st.traits[np.arange(st.runs), actor]
    gain, risk, concession = _effects(ctx, Effect(recant=True), actor, beliefs.believed(ctx, actor))
    return utility(ctx, traits, gain, risk, 1.0, concession)


def components(ctx: Context, d: Decision, actor: I) -> list[tuple[F, F, F, F]]:
    """Per option: (gain, risk, act, concession), each (R,), as the chooser sees them."""
    seen = beliefs.believed(ctx, actor)
    default = d.default if d.default is not None else _passive(d)
    out = []
    for opt in d.options:
        gain, risk, concession = _effects(ctx, opt.effects, actor, seen)
        act = np.full(ctx.st.runs, 0.0 if opt.id == default else 1.0)
        out.append((gain, risk, act, concession))
    return out


def _passive(d: Decision) -> str | None:
    """The option that does nothing, where the decision has one."""
    empty = [o.id for o in d.options if o.effects == Effect()]
    return empty[0] if len(empty) == 1 else None


def _effects(ctx: Context, eff: Effect, a: I, seen: F) -> tuple[F, F, F]:
    st, c = ctx.st, ctx.c
    rows = np.arange(st.runs)
    gain, risk, concession = np.zeros(st.runs), np.zeros(st.runs), np.zeros(st.runs)
    mine = contests.side(ctx, a)
    worth = _prestige_worth(ctx)
    # prestige: his own counts for him, his enemies' and rivals' against him
    for name, delta in eff.prestige.items():
        j = c.index(name)
        rivalry = st.enmity[rows, a, j] + seen[:, j] * ~mine[:, j]
        gain += worth * delta * np.where(a == j, 1.0, -rivalry)
    # enmity: a new grudge costs nothing by itself; making up with an enemy is a concession
    for name, delta in eff.enmity.items():
        if delta < 0:
            concession += -delta * np.maximum(st.enmity[rows, a, c.index(name)], 0.0)
    if eff.ally:
        g, cost = _pact(ctx, eff, a, seen, mine)
        gain += g
        concession += cost
    if eff.motion is not None and eff.body and _can_put(ctx, eff):
        g, r = _motion(ctx, eff, a, seen)
        gain += g
        risk += r
    # the tactic he will follow: the option's, else the one he follows now (a course that
    # says nothing of it leaves his campaign going, and so its gain and its risk)
    now = st.tactic[rows, a]
    after = now if eff.tactic is None else np.full(st.runs, TACTIC_CODE[eff.tactic])
    g, r = _tactic(ctx, after, a, seen)
    gain += g
    risk += r
    if eff.tactic is not None and eff.tactic != "none":
        # standing for his platform renounces nothing; every other course acquiesces in
        # a line as far from his own as a recantation would renounce (softmax is blind
        # to a shift shared by all options, so the credit here is that debit there)
        concession -= renounced(ctx, a)
    if eff.recant:
        level = st.sanction[rows, a]
        back = c.sanctions.recant_to[level]
        # what he escapes: the rungs the rulers could still take him down
        left = (c.sanctions.top - back) / max(c.sanctions.top, 1)
        rulers = (seen * st.ruling).sum(axis=1) * ~st.ruling[rows, a]
        risk -= seen[rows, a] * rulers * left
        # the way back: readmitted, his standing (less the humiliation) counts in the
        # party again (S1:380 'a condition for their return'); not expelled, he only pays
        expelled = c.sanctions.expelled
        standing = st.prestige[rows, a]
        after = np.maximum(standing - ctx.p("recant_cost"), 0.0)
        gain += worth * (~expelled[back] * after - ~expelled[level] * standing)
        # what he renounces: his views, as far as they stand from the governing line
        concession += renounced(ctx, a)
    for name in eff.resign:
        gain -= _office_worth(ctx, a, c.offices.index(name), seen)
    if eff.oversight:
        holder = st.holder[:, c.appoints]
        rival = (holder >= 0) & ~mine[rows, np.maximum(holder, 0)]
        gain += eff.oversight * seen[rows, np.maximum(holder, 0)] * rival
    sal = st.salience / np.maximum(st.salience.sum(axis=1, keepdims=True), 1e-9)
    for axis, delta in eff.position.items():
        # a shift of line wins the free support it brings nearer the party's opinion
        x = c.axis[axis]
        old = st.position[rows, a, x]
        new = np.clip(old + delta, -1.0, 1.0)
        nearer = (np.abs(old - st.opinion[:, x]) - np.abs(new - st.opinion[:, x])) / 2.0
        gain += ctx.p("policy_appeal") * sal[:, x] * nearer * seen[rows, a]
        concession += abs(delta)
    for axis, delta in eff.mood.items():
        x = c.axis[axis]
        before = np.abs(st.position[rows, a, x] - st.mood[:, x])
        after = np.abs(st.position[rows, a, x] - np.clip(st.mood[:, x] + delta, -1, 1))
        gain += worth * (before - after)
    for axis, delta in eff.salience.items():
        x = c.axis[axis]
        # raising an axis where he stands nearer the mood than the governing line does
        edge = np.abs(st.line[:, x] - st.mood[:, x]) - np.abs(
            st.position[rows, a, x] - st.mood[:, x]
        )
        gain += worth * delta * edge
    return gain, risk, concession


def renounced(ctx: Context, a: I) -> F:
    """(R,): how far a man's line stands from the governing line, on the axes weighted by
    their salience: what recanting makes him renounce (0 on the line, 2 at the far end
    of every axis). The left turn of 1928 brought the line to the Left's economics, and
    its men recanted (S1:380); a man far from the line gives up more."""
    st = ctx.st
    rows = np.arange(st.runs)
    sal = st.salience / np.maximum(st.salience.sum(axis=1, keepdims=True), 1e-9)
    return (np.abs(st.position[rows, a] - st.line) * sal).sum(axis=1)


def _prestige_worth(ctx: Context) -> F:
    """(R,): the power share a unit of prestige is worth now (its weight in power over
    the standing of everyone active)."""
    st = ctx.st
    standing = (st.prestige * st.active).sum(axis=1)
    return np.asarray(ctx.p("weight_prestige"), dtype=np.float64) / np.maximum(standing, 1e-9)


def _strongest_other(ctx: Context, seen: F, camp: B) -> F:
    """(R,): believed strength of the strongest contender's side outside ``camp``."""
    st, c = ctx.st, ctx.c
    best = np.zeros(st.runs)
    for j in np.flatnonzero(c.contender):
        jj = np.full(st.runs, j, dtype=np.int64)
        theirs = contests.side(ctx, jj) & ~camp
        out = camp[:, j] | ~st.active[:, j]
        best = np.maximum(best, np.where(out, 0.0, (seen * theirs).sum(axis=1)))
    return best


def _pact(ctx: Context, eff: Effect, a: I, seen: F, mine: B) -> tuple[F, F]:
    """A pact's gain (his expected share of rule with and without it) and its cost in
    concessions (grudges swallowed, distance of line bridged)."""
    st, c = ctx.st, ctx.c
    rows = np.arange(st.runs)
    camp = mine.copy()
    cost = np.zeros(st.runs)
    enemy = c.index(eff.against) if eff.against is not None else -1
    for name in eff.ally:
        j = c.index(name)
        camp |= _brings(ctx, j, enemy)
        dist = np.abs(st.position[rows, a] - st.position[:, j]).mean(axis=1) / 2.0
        grudge = np.maximum(st.enmity[rows, a, j], st.enmity[rows, j, a])
        trust = np.ravel(ctx.p("faction_trust")) * c.trust[a, j]  # a faction's own
        cost += np.maximum(grudge - trust, 0.0) + dist
    claim = claims(ctx, seen)
    own = claim[rows, a]
    before = (seen * mine).sum(axis=1)
    after = (seen * camp).sum(axis=1)
    sd = spread(ctx)
    now = rule_share(own, (claim * mine).sum(axis=1), before, _strongest_other(ctx, seen, mine), sd)
    then = rule_share(own, (claim * camp).sum(axis=1), after, _strongest_other(ctx, seen, camp), sd)
    return then - now, cost / max(len(eff.ally), 1)


def _brings(ctx: Context, j: int, enemy: int) -> B:
    """(R, A): who comes over with an ally in a pact against ``enemy``: his side, less
    the enemy's, and from the enemy's side only the ally himself, his own faction and
    the men who follow them. A pact with a man who sits beside the enemy wins that man,
    not the enemy's camp."""
    st, c = ctx.st, ctx.c
    allied = contests.side(ctx, np.full(st.runs, j, dtype=np.int64))
    if enemy < 0:
        return allied
    theirs = contests.side(ctx, np.full(st.runs, enemy, dtype=np.int64))
    faction = (c.trust[j] > 0) | (np.arange(c.trust.shape[0]) == j)
    led = (st.follows >= 0) & faction[np.maximum(st.follows, 0)]
    own = (faction[None, :] | led) & allied & st.active
    return (allied & ~theirs) | own


def _motion(ctx: Context, eff: Effect, a: I, seen: F) -> tuple[F, F]:
    """A motion's gain (the chance it carries, as he sees the vote, times the rival's
    strength it takes away, less the cost of a hostile act) and its risk (his own
    strength, staked if it fails)."""
    st = ctx.st
    rows = np.arange(st.runs)
    t = motion_target(ctx, eff)
    tt = np.maximum(t, 0)
    p = carry_chance(ctx, eff, a, seen)
    mine = contests.side(ctx, a)
    # against a rival he gains the rival's strength; against a partner, what the camp's
    # chance to rule is worth with the partner gone (a leadership that needs its strong
    # man keeps him); against himself (a body's decision that strikes its own leader),
    # he stands to lose his own strength
    partner = mine[rows, tt] & (t != a)
    value = np.where(partner, _without(ctx, seen, mine, tt, a), seen[rows, tt])
    value = np.where(t == a, -seen[rows, a], value)
    gain = p * value - _prestige_worth(ctx) * ctx.p("hostile_act_cost") * (t != a)
    risk = (1.0 - p) * seen[rows, a] * (t != a)
    valid = t >= 0
    return np.where(valid, gain, 0.0), np.where(valid, risk, 0.0)


def _without(ctx: Context, seen: F, mine: B, t: I, a: I) -> F:
    """(R,): the change in his expected share of rule if partner ``t`` and t's own
    followers leave his camp and stand against it."""
    st = ctx.st
    rows = np.arange(st.runs)
    claim = claims(ctx, seen)
    own = claim[rows, a]
    theirs = (st.follows == t[:, None]) | (np.arange(st.follows.shape[1]) == t[:, None])
    camp = mine & ~theirs
    before = (seen * mine).sum(axis=1)
    after = (seen * camp).sum(axis=1)
    other = _strongest_other(ctx, seen, mine)
    other_after = np.maximum(other, (seen * theirs).sum(axis=1))
    now = rule_share(own, (claim * mine).sum(axis=1), before, other, spread(ctx))
    then = rule_share(own, (claim * camp).sum(axis=1), after, other_after, spread(ctx))
    return then - now


def _can_put(ctx: Context, eff: Effect) -> bool:
    """Whether the body may vote the motion's rung now: a penalty the rules keep for the
    sessions where the Control Commission sits cannot be put elsewhere, and is worth
    nothing (contests.can_vote)."""
    if eff.motion not in ("censure", "sanction"):
        return True
    level = contests.motion_level(ctx.c, eff)
    return contests.can_vote(ctx, ctx.c.body_role[eff.body or ""], level)


def motion_target(ctx: Context, eff: Effect) -> I:
    """(R,): whom a motion strikes: the actor named, or the office's holder (-1 none)."""
    c, st = ctx.c, ctx.st
    if eff.target is not None:
        return np.full(st.runs, c.index(eff.target), dtype=np.int64)
    return st.holder[:, c.offices.index(eff.office or "")].astype(np.int64)


def carry_chance(ctx: Context, eff: Effect, a: I, seen: F) -> F:
    """(R,): the chance a motion carries as its mover expects the vote to go on the
    strengths he believes, give or take the body's usual spread of votes."""
    t = np.maximum(motion_target(ctx, eff), 0)
    role = ctx.c.body_role[eff.body or ""]
    yes, _ = contests.vote(ctx, role, a, t, slot=0, authority=eff.authority, believed=seen)
    spread = np.maximum(ctx.p("vote_noise"), 0.02)  # per run: a sweep may vary it
    return sigmoid(1.7 * (yes - 0.5) / spread)


def _tactic(ctx: Context, code: I, a: I, seen: F) -> tuple[F, F]:
    """The opposition tactic ``code`` (one per run; 0: none)'s gain (a year's support it
    wins, by his oratory, among members the apparatus does not hold) and risk (his
    strength, which the rulers' sanctions take while the ban on factions stands;
    underground work more so). No tactic, no gain and no risk."""
    st = ctx.st
    rows = np.arange(st.runs)
    on = code > 0
    if not on.any():  # most options of most choosers: nothing to reckon
        return np.zeros(st.runs), np.zeros(st.runs)
    rate = np.zeros(st.runs)
    for k in np.unique(code[on]):
        rate = np.where(code == k, monthly_gain(ctx, int(k)), rate)
    free = 1.0 - np.ravel(apparatus_control(ctx.c, st))  # (R,) or (1,)
    oratory = st.traits[rows, a, TRAIT["oratory"]]
    ban = ctx.p("faction_ban")
    worth = _prestige_worth(ctx)
    gain = on * worth * 12.0 * (rate * oratory * free - ctx.p("factionalism_penalty") * ban)
    rulers = (seen * st.ruling).sum(axis=1) * ~st.ruling[rows, a]
    exposed = 1.0 + ctx.p("underground_risk") * (code >= UNDERGROUND)
    return gain, on * seen[rows, a] * rulers * ban * exposed


def _office_worth(ctx: Context, a: I, office: int, seen: F) -> F:
    """(R,): the share of his believed power an office he holds brings him."""
    st, c = ctx.st, ctx.c
    rows = np.arange(st.runs)
    res = sum((resource(c, st, r) for r in RESOURCES), np.zeros((1, len(c.offices))))
    held = (st.holder == a[:, None]) * res
    share = np.where(st.holder[:, office] == a, res[:, office], 0.0) / np.maximum(
        held.sum(axis=1), 1e-9
    )
    return seen[rows, a] * share
