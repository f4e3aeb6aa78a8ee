"""Decision points for one run: the behavioural policy and the options' effects
(docs/model.md §7.10). The chooser is a named actor or, for a body, the ruling
coalition with its members' mean traits and its strongest member as actor; the options'
utilities come from the one choice rule (``choice.py``).
"""

from __future__ import annotations

from math import exp
from typing import TYPE_CHECKING

from benchmarks.mesa_peer import choice as choice_rule
from benchmarks.mesa_peer import contests, flow
from benchmarks.mesa_peer.agents import TRAIT
from benchmarks.mesa_peer.events import shift_prestige

if TYPE_CHECKING:
    from apparat.scenario.models import Decision
    from benchmarks.mesa_peer.model import PeerModel

TACTIC_CODE = {"none": 0, "open": 1, "appeal": 2, "underground": 3, "demonstrate": 4}


def chooser(model: PeerModel, d: Decision) -> tuple[int, list[float], bool]:
    """The acting actor, the traits the choice is made with, and whether he may choose."""
    people, req = model.people, d.requires
    if d.actor in model.c.actors:
        a = people[model.c.index(d.actor)]
        ok = (a.alive or not req.alive) and a.active
        rep = model.c.sanctions
        low, high = rep.level(req.min_sanction, 0), rep.level(req.max_sanction, rep.top)
        ok = ok and low <= a.sanction <= high
        if req.excluded is not None:
            ok = ok and (not a.ruling if req.excluded else a.ruling)
        return a.index, a.traits, ok
    rulers = [a for a in people if a.ruling] or people
    traits = [sum(a.traits[t] for a in rulers) / len(rulers) for t in range(len(TRAIT))]
    return model.leader(), traits, model.any_ruling()


def behavioural(utils: list[float], temperature: float, u: float) -> int:
    """A softmax over the utilities, drawn by inverse transform with one uniform."""
    z = [x / max(temperature, 1e-9) for x in utils]
    top = max(z)
    e = [exp(x - top) for x in z]
    total = sum(e)
    cum, pick = 0.0, 0
    for x in e[:-1]:
        cum += x / total
        pick += u >= cum
    return pick


def take(model: PeerModel, d: Decision, slot: int) -> bool:
    """Decide ``d`` and carry out the chosen option; returns whether the blocs must
    re-form (a pact, a recantation, a carried motion)."""
    actor, traits, ok = chooser(model, d)
    if not ok:
        model.choices[d.id] = -1
        return False
    utils = choice_rule.utilities(model, d, actor, traits)
    u = model.uniform(f"decision.{d.id}")
    choice = behavioural(utils, model.c.params["decision_temperature"], u)
    model.choices[d.id] = choice
    return apply_effects(model, d, choice, actor, slot)


def apply_effects(model: PeerModel, d: Decision, choice: int, actor: int, slot: int) -> bool:
    c, people, month = model.c, model.people, model.month
    eff = d.options[choice].effects
    a = people[actor]
    shift_prestige(model, eff.prestige)
    for key, delta in eff.enmity.items():
        b = people[c.index(key)]
        value = min(max(a.enmity[b.index] + delta, 0.0), 1.0)
        a.enmity[b.index] = b.enmity[actor] = value
    allies = [c.index(x) for x in eff.ally]
    for j in allies:
        until = month + eff.pact_months
        a.pact_until[j] = people[j].pact_until[actor] = until
        for k in allies:
            if k != j:
                people[j].pact_until[k] = until
    if allies:  # a pact made against a common enemy lapses once he is beaten
        enemy = c.index(eff.against) if eff.against is not None else -1
        for j in allies:
            a.pact_against[j] = people[j].pact_against[actor] = enemy
            for k in allies:
                if k != j:
                    people[j].pact_against[k] = enemy
    if eff.tactic is not None:
        a.tactic = TACTIC_CODE[eff.tactic]
    if eff.recant:
        recant(model, actor)
    if eff.oversight:
        model.oversight = min(max(model.oversight + eff.oversight, 0.0), 1.0)
    for axis, delta in eff.position.items():
        x = c.axis[axis]
        a.position[x] = min(max(a.position[x] + delta, -1.0), 1.0)
    # a motion from outside the ruling coalition is a challenge: open opposition
    outside = not a.ruling and any(p.ruling for p in people)
    if eff.motion is not None and outside and a.tactic == 0:
        a.tactic = TACTIC_CODE["open"]
    passed = False
    if eff.motion == "remove_office" and eff.office and eff.body:
        role = c.body_role[eff.body]
        passed = contests.motion(
            model, actor, c.offices.index(eff.office), role, slot, eff.authority
        )
    elif eff.motion in ("censure", "sanction") and eff.body:
        level = contests.motion_level(c, eff)
        target = choice_rule.motion_target(model, eff)
        role = c.body_role[eff.body]
        passed = contests.sanction_motion(model, actor, target, level, role, slot, eff.authority)
    changed = bool(allies) or eff.recant or eff.tactic is not None or eff.motion is not None
    return passed or changed


def recant(model: PeerModel, actor: int) -> None:
    """Readmitted (or, under ``rules.readmission: sessions``, awaiting the CC), humbled,
    quiet, without pacts, and on the governing line."""
    c, people, month = model.c, model.people, model.month
    a = people[actor]
    if c.rules.readmission == "sessions":
        a.readmit = True
    else:
        a.sanction = int(c.sanctions.recant_to[a.sanction])
    a.prestige = max(a.prestige - c.params["recant_cost"], 0.0)
    a.tactic = 0
    a.illegal = False  # the penitent is taken at his word
    a.quiet_until = month + round(c.params["quiet_months"])
    a.pact_until = [-1] * len(people)
    for b in people:
        b.pact_until[actor] = -1
    a.pact_against = [-1] * len(people)
    for b in people:
        b.pact_against[actor] = -1
    a.position = list(model.line)


def recant_struck(model: PeerModel) -> bool:
    """Those a blow fell on this month, whom a recantation would readmit, weigh it
    (engine.recantation.struck); returns whether anyone recanted."""
    c, month = model.c, model.month
    if c.rules.recantation != "struck":
        return False
    rep = c.sanctions
    temperature = max(c.params["decision_temperature"], 1e-9)
    who = []
    for a in model.people:
        if not (a.alive and a.active and not a.ruling and a.quiet_until < month) or a.readmit:
            continue
        if a.last_step != month or int(rep.recant_to[a.sanction]) >= a.sanction:
            continue
        worth = choice_rule.recant_utility(model, a.index)
        p = 1.0 / (1.0 + exp(-min(max(worth / temperature, -50.0), 50.0)))
        if model.uniform("recantation.choice", a.index) < p:
            who.append(a.index)
    for i in who:
        recant(model, i)
    return bool(who)


def readmit(model: PeerModel, kind: str) -> bool:
    """A session of the CC readmits those who have recanted since it last sat
    (engine.recantation.readmit); returns whether anyone was readmitted."""
    c = model.c
    if c.rules.readmission != "sessions" or kind not in flow.CC_SESSIONS:
        return False
    due = [a for a in model.people if a.readmit and a.alive]
    for a in model.people:
        a.readmit = False
    for a in due:
        a.sanction = int(c.sanctions.recant_to[a.sanction])
    return bool(due)


UNPORTED = ("resign", "mood", "salience")


def check_ported(decisions: list[Decision]) -> None:
    """The peer ports the effects the Bolshevik scenario's options use; a scenario that
    needs another would silently run a different model, so it is refused."""
    for d in decisions:
        for opt in d.options:
            missing = [k for k in UNPORTED if getattr(opt.effects, k)]
            if missing:
                raise NotImplementedError(
                    f"the Mesa peer does not port the effect(s) {missing} of option {d.id}.{opt.id}"
                )
