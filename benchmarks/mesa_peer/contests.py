"""Contests and sanctions for one run: motions up the escalation ladder (docs/model.md §7.7).

The ruling coalition's leader moves against hostile rivals, one rung a meeting; each
motion is voted by the body that decides it, member by member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# the model's constants are apparat's: the peer ports the mechanisms, not the numbers
from apparat.engine.mechanisms.contests import BODY_OF
from benchmarks.mesa_peer import beliefs, flow
from benchmarks.mesa_peer.agents import UNDERGROUND
from benchmarks.mesa_peer.coalitions import group_key, hostile, strength
from benchmarks.mesa_peer.power import (
    apparatus_control,
    cc_share,
    distance_from_opinion,
    executive_share,
    office_sum,
    secretary_share,
)
from benchmarks.mesa_peer.valuation import sigmoid

# The peer is a port of the Bolshevik scenario's model as a Mesa user would write it:
# that scenario's rules (its rules.yaml) written into the code, as such a port would.
LOYALTY = 0.5  # the scenario's bloc_loyalty
# the rungs each kind of meeting may decide, from the scenario's sanctions' imposed_by
RUNGS = {
    "executive": (1, 6, 7),
    "plenum": (1, 2, 3, 4, 5),
    "conference": (1, 2),
    "congress": (1, 2, 3, 4, 5),
}
# censure (1), removal from the CC (4) and expulsion (5) only where the Control
# Commission sits with the CC: its joint plenums (and the conferences, the congresses);
# a plenum of the CC alone removes from an office or the Politburo only
CONTROL_PLENUMS = frozenset(
    {
        "plenum_1923_10", "plenum_1925_01", "plenum_1926_07", "plenum_1926_10",
        "plenum_1927_08", "plenum_1927_10", "plenum_1927_11", "plenum_1928_04",
        "plenum_1929_04", "plenum_1930_12",
    }
)  # fmt: skip
CC_ALONE = (2, 3)


def rungs(kind: str, event: str | None) -> tuple[int, ...]:
    """The rungs a session of this kind (the calendar's ``event``) may decide."""
    if kind == "plenum" and event not in CONTROL_PLENUMS:
        return CC_ALONE
    return RUNGS[kind]


def motion_level(c: Compiled, eff: Effect) -> int:
    """The rung a decision's sanction motion asks for: censure, or the sanction named."""
    return 1 if eff.motion == "censure" else c.sanctions.index(eff.sanction or "")


def can_vote(model: PeerModel, role: str, level: int) -> bool:
    """Whether the body may vote rung ``level`` this month (a decision's motion): a
    penalty kept for the Control Commission's sessions only where one sits now."""
    if level not in (1, 4, 5):
        return True
    now = model.c.events.get(model.month, [])
    return any(BODY_OF.get(e.kind) == role and level in rungs(e.kind, e.id) for e in now)


if TYPE_CHECKING:
    from apparat.engine.compiled import Compiled
    from apparat.scenario.models import Effect
    from benchmarks.mesa_peer.model import PeerModel

PRESTIGE_LOSS = (0.0, 0.05, 0.05, 0.08, 0.08, 0.15, 0.1, 0.1)  # per rung reached


def body_weights(model: PeerModel, role: str) -> tuple[list[float], float]:
    """Each actor's votes in a body, and the unaligned votes that judge the motion."""
    c = model.c
    if role == "executive":
        w = executive_share(model)
    elif role == "central_committee":
        w = cc_share(model)
    else:  # only steered delegates follow a patron; the free ones judge the motion
        free = 1.0 - float(c.delegates.sum())
        ctl = apparatus_control(model)
        base = office_sum(model, c.delegates.tolist())
        w = [b + free * (ctl * s) for b, s in zip(base, secretary_share(model), strict=True)]
    return w, min(max(1.0 - sum(w), 0.0), 1.0)


def vote(
    model: PeerModel,
    role: str,
    mover: int,
    target: int,
    slot: int,
    authority: float = 0.0,
    believed: list[float] | None = None,
) -> float:
    """Share voting yes on a motion by ``mover`` against ``target``: each member weighs
    threat, dislike, standing and loyalty to his side; unaligned votes follow standing.
    With ``believed`` (power shares as someone sees them) it is the vote he expects: on
    those shares, without luck."""
    people = model.people
    w, rest = body_weights(model, role)
    if believed is None:
        noise = model.c.params["vote_noise"] * model.normal("contests.vote", slot)
        power = [a.power for a in people]
    else:
        noise, power = 0.0, believed
    pro, con = model.side(mover), model.side(target)
    m, t = people[max(mover, 0)], people[max(target, 0)]
    standing = m.prestige - t.prestige + authority
    threat = power[t.index] - power[m.index]
    yes = 0.0
    for a, weight, p, q in zip(people, w, pro, con, strict=True):
        if a is t:  # a motion against its own mover: he votes against it
            stance = 0.0
        elif a is m:
            stance = 1.0
        else:
            lean = threat + a.enmity[t.index] - a.enmity[m.index] + 0.5 * standing
            stance = sigmoid((lean + noise + LOYALTY * (p - q)) / 0.1)
        yes += weight * stance
    outsider = not m.ruling and model.any_ruling()
    split_fear = 0.5 * model.c.params["faction_ban"] * outsider
    policy = model.c.params["policy_appeal"] * (
        distance_from_opinion(model, t) - distance_from_opinion(model, m)
    )
    return yes + rest * sigmoid((standing + policy - split_fear + noise) / 0.3)


def best_office(model: PeerModel, target: int) -> int:
    """The target's most valuable office (-1 if none): force first, then votes and voice."""
    c = model.c
    value = (c.force * 1.5 + c.delegates * 3 + c.press + c.patronage + c.surveillance).tolist()
    held = [o for o, h in enumerate(model.holder) if h == target]
    return max(held, key=value.__getitem__, default=-1)


def apply_step(model: PeerModel, target: int, level: int, author: int) -> None:
    """A carried motion: the target reaches ``level`` on the ladder, with its costs."""
    p = model.c.params
    t, a = model.people[target], model.people[author]
    t.sanction = max(t.sanction, level)
    t.last_step = model.month
    beliefs.reveal(model, author)  # a carried motion shows its author's strength
    a.prestige = max(a.prestige - p["hostile_act_cost"], 0.0)
    t.enmity[author] = min(t.enmity[author] + 0.1, 1.0)
    t.betrayal[author] = min(t.betrayal[author] + 0.25, 1.0)
    loss = PRESTIGE_LOSS[level] * (0.5 + 0.5 * p["faction_ban"])
    t.prestige = max(t.prestige - loss, 0.0)
    office = best_office(model, target)
    if level == 2 and office >= 0:  # the first office, or the next one (it strikes again)
        model.holder[office] = -1
    if level >= 5:
        model.holder = [-1 if h == target else h for h in model.holder]
    if level >= 3:
        t.executive = False
    if level >= 4:
        model.cc_unaligned += t.cc_clients
        t.cc_clients = 0.0
        t.in_cc = False
        flow.vacate_clients(model, target)


def charged(model: PeerModel) -> list[bool]:
    """Who stands charged with illegal faction work: since his last recantation, or now
    through a member of his bloc underground or in the streets."""
    people = model.people
    blocs = {a.bloc for a in people if a.bloc >= 0 and a.tactic >= UNDERGROUND}
    return [a.illegal or a.tactic >= UNDERGROUND or a.bloc in blocs for a in people]


def next_rung(model: PeerModel, target: int, allowed: tuple[int, ...]) -> int:
    """The next rung this meeting may decide, passing over posts he does not hold and
    rungs it may not decide; expulsion only on the charge of illegal work; where he can
    climb no further, removal from office again while he holds one; 0 if none."""
    t = model.people[target]
    holds = target in model.holder
    level = t.sanction + 1
    while level <= 7:
        moot = (level == 2 and not holds) or (level == 3 and not t.executive)
        if level in allowed and not moot:
            if level == 5 and not charged(model)[target]:
                break  # the ladder stops where the grounds end
            return level
        level += 1
    if holds and t.sanction >= 2 and 2 in allowed:
        return 2  # office after office
    return 0


def police_loyal(model: PeerModel) -> bool:
    """The office with most surveillance is held by the rulers' side."""
    surveillance = model.c.surveillance.tolist()
    h = model.holder[max(range(len(surveillance)), key=surveillance.__getitem__)]
    return h >= 0 and model.side(model.leader())[h] and model.any_ruling()


def targets(model: PeerModel, hostile_now: list[bool]) -> list[bool]:
    """Divide and rule: rivals already out of the executive are pursued; of the others only
    the strongest hostile group is struck now."""
    people = model.people
    st = strength(model)
    fresh = [h and a.sanction < 3 for h, a in zip(hostile_now, people, strict=True)]
    sums = [0.0] * (2 * len(people))
    for a, f, s in zip(people, fresh, st, strict=True):
        if f:
            sums[group_key(model, a.index)] += s + (0.0 if a.contender else a.power)
    best = max(range(len(sums)), key=sums.__getitem__)
    return [
        (h and a.sanction >= 3) or (f and group_key(model, a.index) == best)
        for a, h, f in zip(people, hostile_now, fresh, strict=True)
    ]


def meeting(model: PeerModel, kind: str, event: str | None = None) -> None:
    """The ruling coalition moves, one rung each, against rivals who threaten or organise;
    vacancies are filled after the meeting."""
    people = model.people
    business = model.any_ruling() and any(
        h and a.alive for h, a in zip(hostile(model), people, strict=True)
    )
    if kind == "executive":
        business = business and any(a.sanction >= 5 for a in people)
    if business:
        motions(model, kind, event)
    flow.fill_offices(model)
    flow.fill_executive(model, kind)


def motions(model: PeerModel, kind: str, event: str | None = None) -> None:
    """Each hostile target, in a fixed order, who is due and whom this body may
    sanction: the leader moves the next rung; a failed motion costs him and rebuffs."""
    p, people = model.c.params, model.people
    leader = model.leader()
    hostile_now = targets(model, hostile(model))
    order = sorted(range(len(people)), key=lambda i: -people[i].traits[0])  # fixed, by trait
    for t in order:
        target = people[t]
        if not hostile_now[t] or not target.alive:  # the rules let anyone be struck
            continue
        provoked = charged(model)[t]  # illegal work: the rulers make haste
        wait = p["escalation_interval"] * (1.0 + 2.0 * target.prestige) / (2.0 if provoked else 1.0)
        if model.month - target.last_step < wait:
            continue
        level = next_rung(model, t, rungs(kind, event))
        if kind == "executive" and not (police_loyal(model) and target.sanction >= 5):
            level = 0
        if level == 0:
            continue
        if vote(model, BODY_OF[kind], leader, t, slot=t) > 0.5:
            apply_step(model, t, level, leader)
        else:
            people[leader].prestige = max(people[leader].prestige - 2 * p["hostile_act_cost"], 0.0)
            target.last_step = model.month
            model.rebuffed = True


def motion(
    model: PeerModel, mover: int, office: int, role: str, slot: int, authority: float
) -> bool:
    """A decision's motion to remove an office's holder; if carried, his allies or the
    majority take the office, not he or his followers. Returns whether it carried."""
    people = model.people
    target = model.holder[office]
    if mover == target:  # a body's leader cannot move against himself: the next one does
        others = [i for i in range(len(people)) if people[i].ruling and i != target]
        mover = max(others, key=lambda i: people[i].power) if others else -1
    if target < 0 or mover < 0 or mover == target:
        return False
    if vote(model, role, mover, target, slot=1000 + slot, authority=authority) <= 0.5:
        return False
    model.holder[office] = -1
    beliefs.reveal(model, mover)
    flow.replace_holder(model, office, model.side(target), removed=target, mover=mover)
    t = people[target]
    t.sanction = max(t.sanction, 2)
    t.enmity[mover] = min(t.enmity[mover] + 0.2, 1.0)
    return True


def sanction_motion(
    model: PeerModel, mover: int, target: int, level: int, role: str, slot: int, authority: float
) -> bool:
    """A decision's motion that ``target`` be brought to rung ``level``, voted by the
    body; vacancies are filled after the vote. Returns whether it carried."""
    if not can_vote(model, role, level):
        return False
    if target < 0 or mover < 0 or mover == target or model.people[target].sanction >= level:
        return False
    passed = vote(model, role, mover, target, slot=2000 + slot, authority=authority) > 0.5
    if passed:
        apply_step(model, target, level, mover)
    flow.fill_offices(model)
    flow.fill_executive(model, "plenum" if role == "central_committee" else role)
    return passed
