"""Scheduled events, shocks, the drift of policy and rivalry (docs/model.md §7.4, §7.5,
§7.9; engine.mechanisms.rivalry).

Strokes and deaths, shocks, enrolment waves and meetings happen on their dates; the
governing line is the power-weighted median of the rulers' positions; contenders who
stand in each other's way come to resent each other, and every grudge fades.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from benchmarks.mesa_peer import beliefs
from benchmarks.mesa_peer.agents import UNALIGNED
from benchmarks.mesa_peer.flow import enrol

if TYPE_CHECKING:
    from apparat.scenario.models import Event
    from benchmarks.mesa_peer.model import PeerModel

AXIS = {"economy": 0, "international": 1, "regime": 2}
MEETINGS = ("plenum", "conference", "congress")
MOOD_DECAY = 0.97
EXPELLED = 5  # the first rung of the ladder outside the party


def incapacitate(model: PeerModel, actor: int, dies: bool) -> None:
    """A stroke stops an actor working; death also empties his seats and offices."""
    a = model.people[actor]
    a.active = False
    a.ruling = False
    if dies:
        a.alive = False
        a.executive = False
        model.holder = [-1 if h == actor else h for h in model.holder]
        model.secretaries.select(lambda s: s.patron == actor).set("patron", UNALIGNED)
        model.cc_unaligned += a.cc_clients
        a.cc_clients = 0.0
        a.prestige = 0.0


def shift_prestige(model: PeerModel, deltas: dict[str, float]) -> None:
    """Direct prestige changes named by an event or an option."""
    for key, delta in deltas.items():
        a = model.people[model.c.index(key)]
        a.prestige = min(max(a.prestige + delta, 0.0), 1.0)


def shock(model: PeerModel, ev: Event) -> None:
    """Axes gain salience; a failure pushes the mood off the discredited end and blames
    whoever stands there, rulers more."""
    for name, delta in ev.salience.items():
        ax = AXIS[name]
        model.salience[ax] = min(max(model.salience[ax] + delta, 0.2), 3.0)
    if ev.blame_axis is None or not ev.blame_direction:
        return
    ax, direction = AXIS[ev.blame_axis], ev.blame_direction
    model.mood[ax] -= 0.5 * direction
    for a in model.people:
        exposure = min(max(a.position[ax] * direction, 0.0), 1.0)
        weight = 1.0 if a.ruling else 0.5
        a.prestige = min(max(a.prestige - 0.12 * exposure * weight, 0.0), 1.0)


def apply(model: PeerModel, todays: list[Event]) -> list[Event]:
    """Apply the month's events; return the meetings that sit this month."""
    c = model.c
    meetings = []
    cohorts = [k.id for k in c.scenario.party.cohorts]
    for ev in todays:
        if ev.kind in ("incapacitation", "death") and ev.actor:
            incapacitate(model, c.index(ev.actor), dies=ev.kind == "death")
        elif ev.kind == "shock":
            shock(model, ev)
        elif ev.kind == "enrolment" and ev.cohort:
            enrol(model, cohorts.index(ev.cohort))
        elif ev.kind in MEETINGS:
            meetings.append(ev)
        if ev.prestige:
            shift_prestige(model, ev.prestige)
    return meetings


def weighted_median(values: list[float], weights: list[float]) -> float:
    """The value at which half the weight lies on either side."""
    pairs = sorted(zip(values, weights, strict=True), key=lambda vw: vw[0])
    half = sum(weights) / 2.0
    cum, below = 0.0, 0
    for _, w in pairs:
        cum += w
        below += cum < half
    return pairs[min(below, len(pairs) - 1)][0]


def drift_policy(model: PeerModel) -> None:
    """Leaders drift toward support; the governing line is the rulers' weighted median."""
    people = model.people
    weights = [a.power * a.active for a in people]
    total = max(sum(weights), 1e-9)
    support = [
        sum(w * a.position[ax] for w, a in zip(weights, people, strict=True)) / total
        for ax in range(3)
    ]
    target = [min(max(support[ax] + model.mood[ax], -1.0), 1.0) for ax in range(3)]
    model.opinion = target
    model.actors.shuffle_do("drift", target, model.c.params["policy_speed"], model.salience)
    rulers = [a.ruling for a in people] if model.any_ruling() else [a.active for a in people]
    w = [a.power * r for a, r in zip(people, rulers, strict=True)]
    model.line = [weighted_median([a.position[ax] for a in people], w) for ax in range(3)]
    model.mood = [x * MOOD_DECAY for x in model.mood]
    model.salience = [1.0 + (s - 1.0) * MOOD_DECAY for s in model.salience]


def rivalry(model: PeerModel) -> None:
    """Every enmity fades a little; once the founder can no longer arbitrate, two
    contenders still in the game resent each other in proportion to how close and how
    strong the party sees them (their reputations), unless a pact binds them."""
    p, people, month = model.c.params, model.people, model.month
    keep = 1.0 - p["enmity_decay"]
    for a in people:
        a.enmity = [e * keep for e in a.enmity]
    founder = model.c.founder
    if founder >= 0 and people[founder].active:
        return  # while the founder can still arbitrate there is no mantle to fight over
    playing = [a.active and a.sanction < EXPELLED and a.contender for a in people]
    if not any(playing):
        return
    seen = [x if on else 0.0 for x, on in zip(beliefs.public(model), playing, strict=True)]
    top = max(max(seen), 1e-9)
    rate = p["rivalry_rate"]
    for a in people:
        i = a.index
        if not playing[i]:
            continue
        for b in people:
            j = b.index
            if j == i or not playing[j] or a.pact_until[j] >= month or b.pact_until[i] >= month:
                continue
            # members of one faction do not resent each other's rise
            trust = min(max(p["faction_trust"] * model.c.trust[i, j], 0.0), 1.0)
            rivalry = min(seen[i], seen[j]) / top * (1.0 - trust)
            a.enmity[j] = min(a.enmity[j] + rate * rivalry, 1.0)
