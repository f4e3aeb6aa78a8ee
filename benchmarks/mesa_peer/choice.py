"""The one choice rule for one run (engine.choice): every option is valued from what it
does, the chooser's traits and his beliefs about the others' strength. In power share,

    ambition x gain - (1 - resolve) x (choice_risk x risk + choice_action x act)
                    - (1 - flexibility) x choice_concession x concession

``gain`` is the change in his expected power as he sees it, ``risk`` the power he
stakes, ``act`` 1 for every option but the decision's default, ``concession`` what he
gives up of himself. No option carries a weight of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from apparat.scenario.models import Effect
from benchmarks.mesa_peer import beliefs
from benchmarks.mesa_peer.agents import APPEAL, DEMONSTRATE, OPEN, TRAIT, UNDERGROUND
from benchmarks.mesa_peer.contests import can_vote, motion_level, vote
from benchmarks.mesa_peer.power import apparatus_control
from benchmarks.mesa_peer.valuation import claims, rule_share, sigmoid, spread, utility

if TYPE_CHECKING:
    from apparat.scenario.models import Decision
    from benchmarks.mesa_peer.model import PeerModel

TACTIC = {"none": 0, "open": OPEN, "appeal": APPEAL, "underground": UNDERGROUND}
TACTIC["demonstrate"] = DEMONSTRATE
GAIN = {OPEN: "open_gain", APPEAL: "appeal_gain", DEMONSTRATE: "demonstrate_gain"}
Parts = tuple[float, float, float, float]


def utilities(model: PeerModel, d: Decision, actor: int, traits: list[float]) -> list[float]:
    """Each option's expected utility for its chooser."""
    return [utility(model, traits, *part) for part in components(model, d, actor)]


def components(model: PeerModel, d: Decision, actor: int) -> list[Parts]:
    """Per option: (gain, risk, act, concession), as the chooser sees them."""
    seen = beliefs.believed(model, actor)
    default = d.default if d.default is not None else _passive(d)
    out = []
    for opt in d.options:
        gain, risk, concession = _effects(model, opt.effects, actor, seen)
        out.append((gain, risk, 0.0 if opt.id == default else 1.0, concession))
    return out


def recant_utility(model: PeerModel, actor: int) -> float:
    """What recanting is worth to ``actor`` over holding out, by the same rule."""
    seen = beliefs.believed(model, actor)
    gain, risk, concession = _effects(model, Effect(recant=True), actor, seen)
    return utility(model, model.people[actor].traits, gain, risk, 1.0, concession)


def renounced(model: PeerModel, actor: int) -> float:
    """How far his line stands from the governing line, salience-weighted."""
    total = max(sum(model.salience), 1e-9)
    me = model.people[actor]
    return sum(
        abs(me.position[x] - model.line[x]) * model.salience[x] / total
        for x in range(len(model.line))
    )


def _passive(d: Decision) -> str | None:
    """The option that does nothing, where the decision has one."""
    empty = [o.id for o in d.options if o.effects == Effect()]
    return empty[0] if len(empty) == 1 else None


def _effects(
    model: PeerModel, eff: Effect, a: int, seen: list[float]
) -> tuple[float, float, float]:
    c, p, people = model.c, model.c.params, model.people
    me = people[a]
    gain = risk = concession = 0.0
    mine = model.side(a)
    worth = prestige_worth(model)
    # prestige: his own counts for him, his enemies' and rivals' against him
    for name, delta in eff.prestige.items():
        j = c.index(name)
        rivalry = me.enmity[j] + seen[j] * (not mine[j])
        gain += worth * delta * (1.0 if a == j else -rivalry)
    # enmity: a new grudge costs nothing by itself; making up with an enemy is a concession
    for name, delta in eff.enmity.items():
        if delta < 0:
            concession += -delta * max(me.enmity[c.index(name)], 0.0)
    if eff.ally:
        g, cost = _pact(model, eff, a, seen, mine)
        gain += g
        concession += cost
    if eff.motion is not None and eff.body and _can_put(model, eff):
        g, r = _motion(model, eff, a, seen)
        gain += g
        risk += r
    # the tactic he will follow: the option's, else the one he follows now
    after = me.tactic if eff.tactic is None else TACTIC[eff.tactic]
    g, r = _tactic(model, after, a, seen)
    gain += g
    risk += r
    if eff.tactic is not None and eff.tactic != "none":
        # standing for his platform renounces nothing; every other course acquiesces
        concession -= renounced(model, a)
    if eff.recant:
        rep = c.sanctions
        # what he escapes: the rungs the rulers could still take him down
        left = (rep.top - int(rep.recant_to[me.sanction])) / max(rep.top, 1)
        rulers = _rulers(model, seen) * (not me.ruling)
        risk -= seen[a] * rulers * left
        # the way back: readmitted, his standing less the humiliation counts again
        back = int(rep.recant_to[me.sanction])
        after = max(me.prestige - p["recant_cost"], 0.0)
        now_counted = not rep.expelled[me.sanction]
        gain += worth * ((not rep.expelled[back]) * after - now_counted * me.prestige)
        concession += renounced(model, a)
    if eff.oversight:
        h = model.holder[c.appoints]
        rival = h >= 0 and not mine[max(h, 0)]
        gain += eff.oversight * seen[max(h, 0)] * rival
    total = max(sum(model.salience), 1e-9)
    for axis, delta in eff.position.items():
        x = c.axis[axis]
        old = me.position[x]
        new = min(max(old + delta, -1.0), 1.0)
        nearer = (abs(old - model.opinion[x]) - abs(new - model.opinion[x])) / 2.0
        gain += p["policy_appeal"] * (model.salience[x] / total) * nearer * seen[a]
        concession += abs(delta)
    return gain, risk, concession


def _rulers(model: PeerModel, seen: list[float]) -> float:
    """The ruling coalition's believed strength."""
    return sum(s for s, b in zip(seen, model.people, strict=True) if b.ruling)


def prestige_worth(model: PeerModel) -> float:
    """The power share a unit of prestige is worth now."""
    standing = sum(a.prestige for a in model.people if a.active)
    return float(model.c.params["weight_prestige"] / max(standing, 1e-9))


def _strongest_other(model: PeerModel, seen: list[float], camp: list[bool]) -> float:
    """Believed strength of the strongest contender's side outside ``camp``."""
    best = 0.0
    for b in model.people:
        if not b.contender or camp[b.index] or not b.active:
            continue
        theirs = model.side(b.index)
        strength = sum(s for s, t, x in zip(seen, theirs, camp, strict=True) if t and not x)
        best = max(best, strength)
    return best


def _pact(
    model: PeerModel, eff: Effect, a: int, seen: list[float], mine: list[bool]
) -> tuple[float, float]:
    """A pact's gain (his expected share of rule with and without it) and its cost in
    concessions (grudges swallowed, distance of line bridged)."""
    c, people = model.c, model.people
    me = people[a]
    camp = list(mine)
    cost = 0.0
    enemy = c.index(eff.against) if eff.against is not None else -1
    for name in eff.ally:
        j = c.index(name)
        b = people[j]
        camp = [x or y for x, y in zip(camp, _brings(model, j, enemy), strict=True)]
        dist = sum(abs(x - y) for x, y in zip(me.position, b.position, strict=True)) / 3 / 2.0
        trust = c.params["faction_trust"] * c.trust[a, j]  # a faction's own
        cost += max(max(me.enmity[j], b.enmity[a]) - trust, 0.0) + dist
    claim = claims(model, seen)
    own = claim[a]
    before = sum(s for s, x in zip(seen, mine, strict=True) if x)
    after = sum(s for s, x in zip(seen, camp, strict=True) if x)
    c_before = sum(s for s, x in zip(claim, mine, strict=True) if x)
    c_after = sum(s for s, x in zip(claim, camp, strict=True) if x)
    sd = spread(model)
    now = rule_share(own, c_before, before, _strongest_other(model, seen, mine), sd)
    then = rule_share(own, c_after, after, _strongest_other(model, seen, camp), sd)
    return then - now, cost / max(len(eff.ally), 1)


def _brings(model: PeerModel, j: int, enemy: int) -> list[bool]:
    """Who comes over with an ally in a pact against ``enemy``: his side less the
    enemy's, and from the enemy's side only the ally, his faction and their followers."""
    allied = model.side(j)
    if enemy < 0:
        return allied
    theirs = model.side(enemy)
    trust = model.c.trust
    faction = [trust[j, i] > 0 or i == j for i in range(len(model.people))]
    out = []
    for i, p in enumerate(model.people):
        own = faction[i] or (p.follows >= 0 and faction[p.follows])
        out.append(allied[i] and (not theirs[i] or (own and p.active)))
    return out


def motion_target(model: PeerModel, eff: Effect) -> int:
    """Whom a motion strikes: the actor named, or the office's holder (-1 if none)."""
    if eff.target is not None:
        return model.c.index(eff.target)
    return model.holder[model.c.offices.index(eff.office or "")]


def _can_put(model: PeerModel, eff: Effect) -> bool:
    """Whether the body may vote the motion's rung now (contests.can_vote)."""
    if eff.motion not in ("censure", "sanction"):
        return True
    level = motion_level(model.c, eff)
    return can_vote(model, model.c.body_role[eff.body or ""], level)


def _motion(model: PeerModel, eff: Effect, a: int, seen: list[float]) -> tuple[float, float]:
    """A motion's gain (the chance it carries, as he sees the vote, times what the blow
    is worth to him, less the cost of a hostile act) and its risk (his own strength,
    staked if it fails). Against a rival the blow is worth the rival's strength; against
    a partner, the change in his expected share of rule with the partner gone; against
    himself, minus his own strength (no hostile act, nothing staked)."""
    t = motion_target(model, eff)
    if t < 0:
        return 0.0, 0.0
    p = carry_chance(model, eff, a, t, seen)
    if t == a:
        return -p * seen[a], 0.0
    mine = model.side(a)
    value = _without(model, seen, mine, t, a) if mine[t] else seen[t]
    gain = p * value - prestige_worth(model) * model.c.params["hostile_act_cost"]
    return gain, (1.0 - p) * seen[a]


def _without(model: PeerModel, seen: list[float], mine: list[bool], t: int, a: int) -> float:
    """The change in his expected share of rule if partner ``t`` and t's own followers
    leave his camp and stand against it."""
    claim = claims(model, seen)
    own = claim[a]
    theirs = [b.index == t or b.follows == t for b in model.people]
    camp = [m and not x for m, x in zip(mine, theirs, strict=True)]
    before = sum(s for s, x in zip(seen, mine, strict=True) if x)
    after = sum(s for s, x in zip(seen, camp, strict=True) if x)
    c_before = sum(s for s, x in zip(claim, mine, strict=True) if x)
    c_after = sum(s for s, x in zip(claim, camp, strict=True) if x)
    other = _strongest_other(model, seen, mine)
    other_after = max(other, sum(s for s, x in zip(seen, theirs, strict=True) if x))
    now = rule_share(own, c_before, before, other, spread(model))
    then = rule_share(own, c_after, after, other_after, spread(model))
    return then - now


def carry_chance(model: PeerModel, eff: Effect, a: int, t: int, seen: list[float]) -> float:
    """The chance a motion carries as its mover expects the vote to go on the strengths
    he believes, give or take the body's usual spread of votes."""
    role = model.c.body_role[eff.body or ""]
    yes = vote(model, role, a, t, slot=0, authority=eff.authority, believed=seen)
    spread = max(model.c.params["vote_noise"], 0.02)
    return sigmoid(1.7 * (yes - 0.5) / spread)


def _tactic(model: PeerModel, code: int, a: int, seen: list[float]) -> tuple[float, float]:
    """An opposition tactic's gain (a year's support won by his oratory among members
    the apparatus does not hold) and risk (his strength, which the rulers' sanctions take
    while the ban on factions stands; underground work more so); none for no tactic."""
    p, me = model.c.params, model.people[a]
    if code == 0:
        return 0.0, 0.0
    rate = p[GAIN.get(code, "underground_gain")]
    free = 1.0 - apparatus_control(model)
    ban = p["faction_ban"]
    worth = prestige_worth(model)
    gain = (
        worth * 12.0 * (rate * me.traits[TRAIT["oratory"]] * free - p["factionalism_penalty"] * ban)
    )
    rulers = _rulers(model, seen) * (not me.ruling)
    exposed = 1.0 + (p["underground_risk"] if code >= UNDERGROUND else 0.0)
    return gain, seen[a] * rulers * ban * exposed
