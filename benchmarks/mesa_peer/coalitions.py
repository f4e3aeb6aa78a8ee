"""Coalitions for one run: blocs hold, split or re-form (docs/model.md §7.6).

Subsets of the players are bitmasks over their positions in ``players``, ordered by
size and then by code, the order in which the engine lists them (ties in the random
taste for a split line are broken by that order, and the taste of line n is slot n).
"""

from __future__ import annotations

from functools import lru_cache
from math import exp, inf, sqrt
from typing import TYPE_CHECKING

from benchmarks.mesa_peer import beliefs
from benchmarks.mesa_peer.agents import TRAIT
from benchmarks.mesa_peer.valuation import rule_share, spread, utility, win_chance

if TYPE_CHECKING:
    from benchmarks.mesa_peer.model import PeerModel

BEARABLE = 0.5  # the most friction two members of one camp will put up with
FOLLOWER_WEIGHT = 0.5  # a client's strength counts, but he is not bound like a leader's base
Matrix = list[list[float]]


@lru_cache(maxsize=8)
def codes(k: int) -> list[int]:
    """Bit codes of the non-empty subsets of k players, by size, then code."""
    return sorted(range(1, 2**k), key=lambda x: (x.bit_count(), x))


def members(x: int, k: int) -> list[int]:
    return [i for i in range(k) if x >> i & 1]


def friction(model: PeerModel, players: list[int]) -> Matrix:
    """What it costs each actor and each player to sit in one bloc (zero under a pact)."""
    p, month = model.c.params, model.month
    total = sum(model.salience)
    sal = [s / total for s in model.salience]
    people = model.people
    out = []
    for a in people:
        row = []
        for j in players:
            b = people[j]
            if a.pact_until[j] >= month or b.pact_until[a.index] >= month:
                row.append(0.0)
                continue
            d2 = sum(sal[x] * (a.position[x] - b.position[x]) ** 2 for x in range(3))
            enmity = max(a.enmity[j], b.enmity[a.index])
            betrayal = a.betrayal[j] + b.betrayal[a.index]
            # members of one faction trust one another: it offsets their grudges
            trust = p["faction_trust"] * model.c.trust[a.index, j]
            row.append(
                p["ideology_weight"] * (sqrt(d2) / 2.0)
                + p["enmity_weight"] * (enmity + betrayal - trust)
            )
        out.append(row)
    return out


def ties(model: PeerModel, players: list[int], fr: Matrix) -> list[tuple[int, int]]:
    """Pairs (i < j) bound by a pact or so close they act as one faction; a pragmatist
    binds to no one (the bar falls with the more flexible one's flexibility)."""
    people, month, tie = model.people, model.month, model.c.params["faction_tie"]
    out = []
    for i, pi in enumerate(players):
        for j in range(i + 1, len(players)):
            a, b = people[pi], people[players[j]]
            pact = a.pact_until[b.index] >= month or b.pact_until[a.index] >= month
            loose = 1.0 - max(a.flexibility, b.flexibility)
            if pact or fr[i][j] < tie * loose or fr[j][i] < tie * loose:
                out.append((i, j))
    return out


def splits(x: int, pairs: list[tuple[int, int]]) -> bool:
    """Whether subset ``x`` holds exactly one member of some pair."""
    return any((x >> i & 1) != (x >> j & 1) for i, j in pairs)


def holds_pair(x: int, pairs: list[tuple[int, int]]) -> bool:
    """Whether subset ``x`` holds both members of some pair (i == j: that member)."""
    return any(x >> i & 1 and x >> j & 1 for i, j in pairs)


def flagged(fr: Matrix, limit: Matrix | float) -> list[tuple[int, int]]:
    """Pairs (i <= j) whose friction, either way, exceeds the limit."""
    k = len(fr)
    lim = (lambda i, j: limit) if isinstance(limit, float) else (lambda i, j: limit[i][j])
    return [
        (i, j)
        for i in range(k)
        for j in range(i, k)
        if fr[i][j] > lim(i, j) or fr[j][i] > lim(j, i)
    ]


def strength(model: PeerModel, power: list[float] | None = None) -> list[float]:
    """A contender's power with that of the second-rank actors who follow him (on
    ``power`` as someone sees it, when given)."""
    people = model.people
    if power is None:
        power = [a.power for a in people]
    out = [x if a.contender else 0.0 for a, x in zip(people, power, strict=True)]
    for a, x in zip(people, power, strict=True):
        if a.follows >= 0:
            out[a.follows] += FOLLOWER_WEIGHT * x
    return out


def hostile(model: PeerModel) -> list[bool]:
    """Excluded contenders with a grievance against the rulers' leader, or who campaign;
    a recanter is spared unless he still sits in the executive. The scenario's rules let
    anyone be struck: a follower of a hostile leader is hostile too."""
    month, leader = model.month, model.leader()
    anyone_rules = any(a.ruling for a in model.people)
    leaders = []
    for a in model.people:
        expelled_opposing = 5 <= a.sanction < 7 and a.tactic > 0
        outside = a.alive and a.contender and not a.ruling and (a.sanction < 5 or expelled_opposing)
        recanted = a.quiet_until >= month
        spared = recanted and (not a.executive or a.sanction >= 3)
        grievance = anyone_rules and a.betrayal[leader] > 0.1
        leaders.append(outside and not spared and (grievance or recanted or a.tactic > 0))
    return [
        h
        or (
            a.alive
            and not a.contender
            and a.sanction < 5
            and a.follows >= 0
            and leaders[a.follows]
            and a.quiet_until < month
        )
        for a, h in zip(model.people, leaders, strict=True)
    ]


def feared(model: PeerModel) -> list[bool]:
    """The hostile, and any excluded contender strong enough (with his followers) to
    threaten the rulers."""
    threat = model.c.params["threat_threshold"]
    return [
        h or (a.alive and a.contender and not a.ruling and a.sanction < 5 and s > threat)
        for a, h, s in zip(model.people, hostile(model), strength(model), strict=True)
    ]


def lapse_pacts(model: PeerModel) -> bool:
    """Pacts made against a common enemy lapse once he can no longer threaten (strength
    at or under ``threat_threshold``, expelled or dead); returns whether one lapsed."""
    people, month = model.people, model.month
    if all(e < 0 for a in people for e in a.pact_against):
        return False
    threat = model.c.params["threat_threshold"]
    beaten = [
        not a.alive or a.sanction >= 5 or s <= threat
        for a, s in zip(people, strength(model), strict=True)
    ]
    lapsed = False
    for a in people:  # each pair's pact lapses with its own enemy
        for j, enemy in enumerate(a.pact_against):
            if enemy >= 0 and beaten[enemy]:
                if a.pact_until[j] >= month:
                    a.pact_until[j] = month - 1
                    lapsed = True
                a.pact_against[j] = -1
    return lapsed


def group_key(model: PeerModel, i: int) -> int:
    """A bloc's leader, or a lone actor's own key past the actor indices."""
    bloc = model.people[i].bloc
    return bloc if bloc >= 0 else len(model.people) + i


def open_faction(model: PeerModel) -> bool:
    """Two or more excluded contenders of one bloc campaigning from inside the CC while
    factions are banned: a faction, the danger the ban names, whatever its strength."""
    if model.c.params["faction_ban"] <= 0.5:
        return False
    count: dict[int, int] = {}
    for a in model.people:
        campaigning = a.alive and a.contender and not a.ruling and a.tactic > 0
        if campaigning and a.sanction < 4 and a.bloc >= 0:
            count[a.bloc] = count.get(a.bloc, 0) + 1
    return any(v >= 2 for v in count.values())


def enemy_strength(model: PeerModel) -> float:
    """Strength of the strongest feared group outside the ruling coalition."""
    sums: dict[int, float] = {}
    for i, (f, s) in enumerate(zip(feared(model), strength(model), strict=True)):
        if f:
            sums[group_key(model, i)] = sums.get(group_key(model, i), 0.0) + s
    return max(sums.values(), default=0.0)


def self_enforcing(
    group: int, gam: list[float], eligible: int, can_deviate: list[bool], majority: float
) -> bool:
    """Whether ``group`` is self-enforcing (AES 2008): no proper subset, itself
    self-enforcing and able to stand together (``can_deviate``, by code), would win
    inside it. Known answer: with strengths 3, 4, 5 no pair is, so the triple is."""
    k = len(gam)
    pw: dict[int, float] = {}
    se: dict[int, bool] = {}
    for x in codes(k):  # by size: every subset before its supersets
        if x & group != x:
            continue
        pw[x] = sum(gam[i] for i in members(x, k))
        threat = False
        y = (x - 1) & x
        while y and not threat:
            threat = se[y] and can_deviate[y] and pw[y] > majority * pw[x]
            y = (y - 1) & x
        se[x] = (x & eligible == x) and not threat
    return se[group]


class Line:
    """A way to cut the group in two: the camp on one side and the mean friction across."""

    __slots__ = ("bearable", "camp", "mean", "slot")

    def __init__(self, slot: int, camp: int, mean: float, bearable: bool) -> None:
        self.slot, self.camp, self.mean, self.bearable = slot, camp, mean, bearable


def split_lines(group: int, fr: Matrix, tied: list[tuple[int, int]]) -> tuple[list[Line], bool]:
    """The admissible lines through the group (no tie cut; where some line leaves both
    camps bearable, only such lines), and whether such a line exists."""
    k = len(fr)
    inside = [(i, j) for i, j in tied if group >> i & 1 and group >> j & 1]
    unbearable = [(i, j) for i, j in flagged(fr, BEARABLE) if group >> i & 1 and group >> j & 1]
    lines = []
    for slot, x in enumerate(codes(k)):
        rest = group & ~x
        if x & group != x or not rest or splits(x, inside):
            continue
        mx, mr = members(x, k), members(rest, k)
        mean = sum(fr[i][j] for i in mx for j in mr) / max(len(mx) * len(mr), 1)
        bearable = not holds_pair(x, unbearable) and not holds_pair(rest, unbearable)
        lines.append(Line(slot, x, mean, bearable))
    feasible = any(line.bearable for line in lines)
    return ([line for line in lines if line.bearable] if feasible else lines), feasible


def breakaway(
    model: PeerModel, lines: list[Line], group: int, fr: Matrix, el: int, players: list[int]
) -> int:
    """The camp on one side of the line the group splits along, or 0 where no camp's
    leader gains by breaking away (engine: coalitions.breakaway). Each line can be
    broken from either side; the rest take the side they find easier to sit with."""
    people, k = model.people, len(players)
    rep_all = beliefs.public(model)
    rep = [rep_all[q] for q in players]
    seen = []
    for q in players:
        st = strength(model, beliefs.believed(model, q))
        seen.append([st[p] if el >> j & 1 else 0.0 for j, p in enumerate(players)])
    ambition = [people[q].traits[TRAIT["ambition"]] for q in players]
    outside = el & ~group
    sd = spread(model)

    def leader(x: int) -> int:
        best, best_rep = 0, -1.0
        for i in range(k):
            if x >> i & 1 and rep[i] > best_rep:
                best, best_rep = i, rep[i]
        return best

    options: list[tuple[float, int]] = []
    for line in lines:
        a_side, b_side = line.camp, group & ~line.camp
        la, lb = leader(a_side), leader(b_side)
        ma, mb = members(a_side, k), members(b_side, k)
        credible = True
        for i in range(k):
            if i in (la, lb) or not (a_side | b_side) >> i & 1:
                continue
            to_a = sum(fr[i][j] for j in ma) / max(len(ma) - (a_side >> i & 1), 1)
            to_b = sum(fr[i][j] for j in mb) / max(len(mb) - (b_side >> i & 1), 1)
            mine_n, mine_f, other_f = (
                (len(ma), to_a, to_b) if a_side >> i & 1 else (len(mb), to_b, to_a)
            )
            if mine_n > 1 and mine_f > other_f:
                credible = False
        if not credible:
            continue
        for mine, theirs, lead in ((a_side, b_side, la), (b_side, a_side, lb)):
            sv = seen[lead]
            own = sv[lead]
            s_mine = sum(sv[j] for j in range(k) if mine >> j & 1)
            s_theirs = sum(sv[j] for j in range(k) if theirs >> j & 1)
            out = sum(sv[j] for j in range(k) if outside >> j & 1)
            rival = s_theirs + out
            claim = [sv[j] * ambition[j] for j in range(k)]
            c_mine = sum(claim[j] for j in range(k) if mine >> j & 1)
            c_theirs = sum(claim[j] for j in range(k) if theirs >> j & 1)
            gain = rule_share(claim[lead], c_mine, s_mine, rival, sd) - rule_share(
                claim[lead], c_mine + c_theirs, s_mine + s_theirs, out, sd
            )
            risk = (1.0 - win_chance(s_mine, rival, sd)) * own
            n_theirs = theirs.bit_count()
            relief = sum(fr[lead][j] for j in range(k) if theirs >> j & 1) / max(n_theirs, 1)
            traits = people[players[lead]].traits
            options.append((utility(model, traits, gain, risk, 1.0, -relief), line.camp))
    if not options:
        return 0
    best = max(u for u, _ in options)
    if best <= 0.0:
        return 0
    temp = max(model.c.params["decision_temperature"], 1e-9)
    weights = [exp(u / temp - best / temp) for u, _ in options]
    total = max(sum(weights), 1e-300)
    draw = model.uniform("coalitions.line", 0)
    acc = 0.0
    for (_, camp), w in zip(options[:-1], weights[:-1], strict=True):
        acc += w / total
        if draw < acc:
            return camp
    return options[-1][1]


def players_of(model: PeerModel) -> list[int]:
    """The players of the coalition game: every contender but the founder."""
    return [a.index for a in model.people if a.contender and a.index != model.c.founder]


def follow(model: PeerModel, fr_all: Matrix, players: list[int]) -> None:
    """Second-rank actors follow the contender nearest to them in line and sympathy."""
    people = model.people
    lead = [people[p].active and people[p].sanction < 5 for p in players]
    # equals are told apart by chance (one draw per leader, the same all run long)
    jitter = [
        1e-9 * model.uniform_once("coalitions.follow_tiebreak", i) for i in range(len(players))
    ]
    for a, row in zip(people, fr_all, strict=True):
        score = [f + j if ok else inf for f, j, ok in zip(row, jitter, lead, strict=True)]
        best = min(range(len(score)), key=score.__getitem__)
        if score[best] == inf or a.contender or not a.alive:
            a.follows = -1
        else:
            a.follows = players[best]
            a.bloc = people[a.follows].bloc


def oppositions(model: PeerModel, players: list[int], fr: Matrix, el: int) -> None:
    """The rulers form one bloc; up to two opposition blocs form among the hostile, each
    the strongest group whose sanctions have outweighed its members' dislike."""
    people, k = model.people, len(players)
    for a in people:
        a.bloc = -1
    power = [people[p].power for p in players]
    ruling = [people[p].ruling for p in players]
    if any(ruling):
        lead = max(range(k), key=lambda i: power[i] if ruling[i] else -1.0)
        for i, p in enumerate(players):
            if ruling[i]:
                people[p].bloc = players[lead]
    sanc = [people[p].sanction for p in players]
    tolerance = [[0.5 + 0.06 * (sanc[i] + sanc[j]) for j in range(k)] for i in range(k)]
    bad = flagged(fr, tolerance)
    tied = ties(model, players, fr)
    hostile_now = hostile(model)
    excluded = [bool(el >> i & 1) and not ruling[i] for i in range(k)]
    host = [bool(hostile_now[p]) for p in players]
    # a faction stays whole in opposition too: those tied to a hostile contender still in
    # the game join him
    joins = list(host)
    for i, j in tied:
        joins[i] = joins[i] or (excluded[i] and host[j] and excluded[j])
        joins[j] = joins[j] or (excluded[j] and host[i] and excluded[i])
    free = sum(1 << i for i in range(k) if excluded[i] and joins[i])
    # a tie to a man out of the game (expelled, dead) keeps no one out of a bloc
    tied_in = [(i, j) for i, j in tied if el >> i & 1 and el >> j & 1]
    for _ in range(2):
        best, best_pw = 0, -1.0
        for x in codes(k):
            if x & free != x or x.bit_count() < 2 or holds_pair(x, bad) or splits(x, tied_in):
                continue
            pw = sum(power[i] for i in members(x, k))
            if pw > best_pw:
                best, best_pw = x, pw
        if not best:
            break
        mem = members(best, k)
        lead = max(mem, key=power.__getitem__)
        for i in mem:
            people[players[i]].bloc = players[lead]
        free &= ~best
    # who joins an opposition bloc is in open opposition from now on
    for i, p in enumerate(players):
        a = people[p]
        if a.bloc >= 0 and not ruling[i] and a.tactic == 0 and a.quiet_until < model.month:
            a.tactic = 1


def form(model: PeerModel) -> None:
    """Re-form the ruling coalition and the oppositions.

    A sitting coalition facing a common enemy holds. Otherwise the group (the sitting
    coalition, or all players) holds only if it is self-enforcing and not divided beyond
    ``split_tension``; else it splits along its line of greatest friction and the
    stronger camp, give or take noise, rules. With no bearable line, whoever sits stays.
    """
    c, p, people = model.c, model.c.params, model.people
    founder_active = c.founder >= 0 and people[c.founder].active
    eligible = [a.active and a.sanction < 5 and a.contender and not founder_active for a in people]
    players = players_of(model)
    k = len(players)
    if k == 0 or not any(eligible):
        return
    el = sum(1 << i for i, q in enumerate(players) if eligible[q])
    fr_all = friction(model, players)
    follow(model, fr_all, players)
    st = strength(model)
    gam = [st[q] if el >> i & 1 else 0.0 for i, q in enumerate(players)]
    fr = [fr_all[q] for q in players]
    majority, total = p["majority"], sum(gam)
    current = sum(1 << i for i, q in enumerate(players) if people[q].ruling and el >> i & 1)
    sitting = (
        current != 0
        and sum(gam[i] for i in members(current, k)) > majority * total
        and not model.rebuffed
    )
    group = current if sitting else el
    held_fast = sitting and (enemy_strength(model) > p["threat_threshold"] or open_faction(model))
    group_se, feasible = True, True
    lines: list[Line] = []
    if not held_fast:
        tied = ties(model, players, fr)
        unbearable = flagged(fr, BEARABLE)
        can_deviate = [False] + [
            not holds_pair(x, unbearable) and not splits(x, tied) for x in range(1, 2**k)
        ]
        if group:
            # whether a subset could win on its own is judged on reputations (beliefs)
            seen = strength(model, beliefs.public(model))
            judged = [seen[q] if el >> i & 1 else 0.0 for i, q in enumerate(players)]
            group_se = self_enforcing(group, judged, el, can_deviate, majority)
        lines, feasible = split_lines(group, fr, tied)
    stays = not feasible and current != 0
    held = held_fast or stays
    side_a = 0
    tension = max((line.mean for line in lines), default=0.0)
    # in question where divided beyond split_tension or not self-enforcing; it splits
    # only where a camp's leader gains by breaking away
    if not held and lines and not (group_se and tension < p["split_tension"]):
        side_a = breakaway(model, lines, group, fr, el, players)
    if stays:
        group = current
    new_group = group
    if side_a:
        side_b = group & ~side_a
        a_strength = sum(gam[i] for i in members(side_a, k))
        b_strength = sum(gam[i] for i in members(side_b, k))
        noise = p["vote_noise"] * model.normal("coalitions.split")
        a_wins = (a_strength - b_strength) / max(total, 1e-9) + noise > 0
        new_group = side_a if a_wins else side_b
    old_ruling = [a.ruling for a in people]
    for a in people:
        a.ruling = False
    for i, q in enumerate(players):
        people[q].ruling = bool(new_group >> i & 1) and eligible[q]
    model.rebuffed = False
    for a, was in zip(people, old_ruling, strict=True):
        if was and not a.ruling and eligible[a.index]:
            a.betrayal = [
                min(b + 0.3 * other.ruling, 1.0)
                for b, other in zip(a.betrayal, people, strict=True)
            ]
    oppositions(model, players, fr, el)
    follow(model, fr_all, players)
