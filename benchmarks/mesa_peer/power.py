"""Power shares and consolidation, computed per actor for one run (docs/model.md §7.1, §8).

Power is weighted control of executive, CC and congress votes, force and prestige; the
secretaries' loyalties are read with ``AgentSet.groupby``.
"""

from __future__ import annotations

from math import exp
from typing import TYPE_CHECKING

from benchmarks.mesa_peer.agents import TRAIT

if TYPE_CHECKING:
    from benchmarks.mesa_peer.agents import Actor
    from benchmarks.mesa_peer.model import PeerModel


def _present(model: PeerModel, strictly_before: bool = False) -> list[float]:
    """Members of each cohort that has joined by this month."""
    c, m = model.c, model.month
    return [
        float(members) if (joins < 0 or (joins < m if strictly_before else joins <= m)) else 0.0
        for members, joins in zip(c.cohort_members, c.cohort_joins, strict=True)
    ]


def apparatus_control(model: PeerModel) -> float:
    """Share of free delegates the secretaries steer: the cohorts' loyalty to the apparatus."""
    w = _present(model)
    loyalty: float = sum(x * y for x, y in zip(w, model.c.cohort_loyalty.tolist(), strict=True))
    loyalty /= sum(w)
    return min(max(model.c.params["delegate_control"] * (0.5 + loyalty), 0.0), 0.97)


def oratory_pull(model: PeerModel) -> float:
    """How much the members who have joined are moved by oratory."""
    w = _present(model)
    pull: float = sum(x * y for x, y in zip(w, model.c.cohort_pull.tolist(), strict=True))
    return pull / sum(w)


def office_sum(model: PeerModel, resource: list[float]) -> list[float]:
    """A resource summed over the offices each actor holds."""
    out = [0.0] * len(model.people)
    for o, h in enumerate(model.holder):
        if h >= 0:
            out[h] += resource[o]
    return out


def secretary_share(model: PeerModel) -> list[float]:
    """Share of secretary posts beholden to each actor."""
    counts = model.secretaries.groupby("patron").count()
    total = len(model.posts)
    return [counts.get(i, 0) / total for i in range(len(model.people))]


def distance_from_opinion(model: PeerModel, a: Actor) -> float:
    """How far his line is from the party's opinion, on the axes weighted by salience."""
    total = max(sum(model.salience), 1e-9)
    out = 0.0
    for ax in range(3):
        out += abs(a.position[ax] - model.opinion[ax]) / 2.0 * (model.salience[ax] / total)
    return out


def rank_and_file(model: PeerModel) -> list[float]:
    """The share of free delegates each contender's prestige and oratory would win, less
    as his line stands far from the party's opinion."""
    pull = oratory_pull(model)
    k = model.c.params["policy_appeal"]
    appeal = [
        a.prestige
        * ((1 - pull) + pull * a.traits[TRAIT["oratory"]])
        * exp(-k * distance_from_opinion(model, a))
        if a.active and a.sanction < 5 and a.contender
        else 0.0
        for a in model.people
    ]
    total = sum(appeal)
    return [x / total if total > 0 else 0.0 for x in appeal]


def congress_share(model: PeerModel) -> list[float]:
    """Delegates each leader can count on at a congress or conference."""
    c = model.c
    base = office_sum(model, c.delegates.tolist())
    free = 1.0 - float(c.delegates.sum())
    ctl = apparatus_control(model)
    sec, raf = secretary_share(model), rank_and_file(model)
    return [b + free * (ctl * s + (1 - ctl) * r) for b, s, r in zip(base, sec, raf, strict=True)]


def cc_share(model: PeerModel) -> list[float]:
    """CC votes: each leader's own seat and his clients' seats."""
    own = [a.in_cc and a.sanction < 4 and a.alive for a in model.people]
    total = model.actors.agg("cc_clients", sum) + model.cc_unaligned + sum(own)
    total = max(total, 1.0)
    return [(a.cc_clients + o) / total for a, o in zip(model.people, own, strict=True)]


def executive_share(model: PeerModel) -> list[float]:
    votes = [1.0 if a.executive and a.active else 0.0 for a in model.people]
    total = max(sum(votes), 1.0)
    return [v / total for v in votes]


def _normalised(values: list[float]) -> list[float]:
    total = max(sum(values), 1e-9)
    return [v / total for v in values]


def compute_power(model: PeerModel) -> list[float]:
    """Power shares summing to one over active actors."""
    c, p = model.c, model.c.params
    force = _normalised(office_sum(model, (c.force + 0.5 * c.surveillance).tolist()))
    prest = _normalised([a.prestige if a.active and a.sanction < 5 else 0.0 for a in model.people])
    parts = zip(
        executive_share(model), cc_share(model), congress_share(model), force, prest, strict=True
    )
    raw = [
        (
            p["weight_executive"] * e
            + p["weight_cc"] * cc
            + p["weight_congress"] * g
            + p["weight_force"] * f
            + p["weight_prestige"] * s
        )
        * a.active
        for a, (e, cc, g, f, s) in zip(model.people, parts, strict=True)
    ]
    return _normalised(raw)


def dominance(model: PeerModel) -> int:
    """The consolidated leader this month (-1 if none): he sits in the executive with no
    rival contender there (under ``rivals: faction`` none outside his faction, the
    strongest of whom leads), and his side holds more than half of its seats and of the CC."""
    people = model.people
    in_exec = [a.executive and a.active and a.sanction < 3 for a in people]
    seated = max(sum(in_exec), 1)
    cc = cc_share(model)
    present = [a.contender and in_exec[a.index] for a in people]
    rule = model.c.rules.dominance.rivals
    if rule not in ("contenders", "faction"):
        raise NotImplementedError(f"the Mesa peer does not port rivals: {rule}")
    if rule == "faction" and any(present):
        best = max(range(len(people)), key=lambda i: people[i].power if present[i] else -1.0)
        named = int(model.c.faction_leader[best])
        leaders = [people[named if named >= 0 and present[named] else best]]
    else:
        leaders = list(people)
    for a in leaders:
        if not present[a.index]:
            continue
        trusted = model.c.trust[a.index] if rule == "faction" else [0.0] * len(people)
        if any(present[b.index] and b is not a and trusted[b.index] <= 0.0 for b in people):
            continue
        mine = model.side(a.index)
        exec_share = sum(x and y for x, y in zip(in_exec, mine, strict=True)) / seated
        cc_votes = sum(v for v, y in zip(cc, mine, strict=True) if y)
        if exec_share > 0.5 and cc_votes > 0.5:
            return a.index
    return -1
