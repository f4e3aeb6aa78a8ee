"""The circular flow of power for one run (docs/model.md §7.2, §7.3).

Secretary posts fall vacant and the appointer fills them; the congress elects the CC
from the rulers' list; vacant offices and executive seats go to the rulers' people.
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from itertools import accumulate
from math import comb, exp, inf, isfinite
from typing import TYPE_CHECKING

from benchmarks.mesa_peer.agents import TRAIT
from benchmarks.mesa_peer.beliefs import believed
from benchmarks.mesa_peer.power import cc_share, congress_share, secretary_share

if TYPE_CHECKING:
    from benchmarks.mesa_peer.model import PeerModel


@lru_cache(maxsize=16)
def binomial_cdf(n: int, p: float) -> list[float]:
    """The count of vacancies by inverse transform, so it costs one uniform."""
    return list(accumulate(comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)))


def oversight(model: PeerModel) -> float:
    """How closely the executive watches the appointer: more when a majority of its
    members oppose him. His partners in the ruling coalition (and their followers) do
    not watch him, and a minority of watchers cannot police appointments."""
    people = model.people
    appointer = model.holder[model.c.appoints]
    allied = model.allied(appointer)
    members = [a.executive and a.active for a in people]
    rules = appointer >= 0 and people[appointer].ruling
    ruling = [rules and a.ruling for a in people]
    partners = [
        r or (a.follows >= 0 and ruling[a.follows]) for a, r in zip(people, ruling, strict=True)
    ]
    watching = [m and not w and not p for m, w, p in zip(members, allied, partners, strict=True)]
    share = sum(watching) / max(sum(members), 1)
    watchers = max(2.0 * share - 1.0, 0.0)
    return min(max(model.oversight + 0.6 * watchers, 0.0), 1.0)


def monthly(model: PeerModel) -> None:
    """Posts fall vacant at the turnover rate and are filled the same month."""
    posts = len(model.posts)
    cdf = binomial_cdf(posts, model.c.params["turnover_per_year"] / 12.0)
    k = min(bisect.bisect_left(cdf, model.uniform("flow.turnover")), posts)
    for slot in range(k):
        model.posts[int(model.uniform("flow.post", slot) * posts)].fall_vacant()
    vacant = model.secretaries.select(lambda s: s.vacant)
    if not vacant:
        return
    appointer = model.holder[model.c.appoints]
    skill = model.people[appointer].traits[TRAIT["organisation"]] if appointer >= 0 else 0.0
    p = model.c.params["appointment_skill"]
    p_loyal = min(max(skill * p * (1 - oversight(model)), 0.0), 0.95)
    able = appointer >= 0 and model.people[appointer].active
    vacant.shuffle_do("appoint", appointer, p_loyal, able)


def enrol(model: PeerModel, cohort: int) -> None:
    """A membership wave opens posts in proportion to its size, for the appointer to fill."""
    c, m = model.c, model.month
    before = sum(
        float(x) for x, j in zip(c.cohort_members, c.cohort_joins, strict=True) if j < 0 or j < m
    )
    share = min(0.3, 0.5 * float(c.cohort_members[cohort]) / max(before, 1e-9))
    posts = len(model.posts)
    for slot in range(round(share * posts)):
        model.posts[int(model.uniform("enrolment.posts", slot) * posts)].fall_vacant()


def vacate_clients(model: PeerModel, actor: int) -> None:
    """A patron removed from the CC loses his secretaries: their posts fall vacant."""
    model.secretaries.select(lambda s: s.patron == actor).do("fall_vacant")


def elect_cc(model: PeerModel, seats: int) -> None:
    """The congress elects the CC from the list the ruling coalition prepares."""
    people = model.people
    model.cc_seats = seats
    delegates = congress_share(model)
    makers = [a.ruling and a.active for a in people]
    # the list passes when the steered delegates who follow the leadership outnumber
    # those who follow anyone else
    counted = max(sum(delegates), 1e-9)
    follows_list = sum(d for d, mk in zip(delegates, makers, strict=True) if mk) / counted > 0.5
    for a in people:  # the list puts the rulers and their followers on the CC
        theirs = makers[a.index] or (a.follows >= 0 and makers[a.follows])
        if follows_list and theirs and a.alive and a.sanction < 4:
            a.in_cc = True
    leaders = sum(a.in_cc and a.alive and a.sanction < 4 for a in people)
    target = float(max(seats - leaders, 0))
    r = model.c.params["cc_renewal"]
    clients = [0.0 if (not a.alive or a.sanction >= 4) else a.cc_clients for a in people]
    clients = [x - x * r for x in clients]
    unaligned = model.cc_unaligned - model.cc_unaligned * r
    pool = max(target - (sum(clients) + unaligned), 0.0)
    apparatus = [s if mk else 0.0 for s, mk in zip(secretary_share(model), makers, strict=True)]
    if not follows_list:
        weights = delegates
    elif sum(apparatus) > 0:
        weights = apparatus  # the list-makers place their own secretaries
    else:
        weights = [d if mk else 0.0 for d, mk in zip(delegates, makers, strict=True)]
    total = sum(weights)
    for a, x, w in zip(people, clients, weights, strict=True):
        a.cc_clients = x + pool * (w / total if total > 0 else 0.0)
    model.cc_unaligned = unaligned + (0.0 if total > 0 else pool)


def candidates_score(model: PeerModel) -> list[float]:
    """Who the ruling coalition puts forward: its members and followers, by power, with a
    negligible random jitter so that equals are never told apart by file order."""
    people = model.people
    cc = cc_share(model)
    out = []
    for a in people:
        if not (a.active and a.sanction < 2):
            out.append(-inf)
            continue
        patron = a.follows if a.follows >= 0 else a.index
        ours = a.ruling or (a.follows >= 0 and people[patron].ruling)
        jitter = 1e-6 * model.uniform("flow.tiebreak", a.index)
        out.append(a.power + 0.3 * a.prestige + 1.0 * ours + 2.0 * cc[patron] + jitter)
    return out


def choose_holder(model: PeerModel, score: list[float], office: int) -> int:
    """Who the appointer names: a softmax draw at ``decision_temperature`` over the
    scores, one uniform from ``flow.office`` (slot: the office); -1 when no one is
    eligible. The last candidate of positive weight takes what rounding leaves."""
    temp = max(model.c.params["decision_temperature"], 1e-9)
    finite = [s for s in score if isfinite(s)]
    if not finite:
        return -1
    top = max(finite) / temp
    weights = [exp(s / temp - top) if isfinite(s) else 0.0 for s in score]
    total = max(sum(weights), 1e-300)
    last = max(a for a, w in enumerate(weights) if w > 0.0)
    draw = model.uniform("flow.office", office)
    acc = 0.0
    for a, w in enumerate(weights[:-1]):
        acc += w / total
        if draw < acc:
            return min(a, last)
    return last


def _best(score: list[float]) -> int:
    """Index of the first maximum, -1 when no one is eligible."""
    best = max(range(len(score)), key=score.__getitem__)
    return best if isfinite(score[best]) else -1


CC_SESSIONS = ("plenum", "congress")


def fill_executive(model: PeerModel, sitting: str | None = None) -> None:
    """Empty executive seats go one by one to the rulers' best candidates, the bench
    (candidate members of the ruling side) first; under ``co_opt: sessions`` only when
    the CC sits."""
    people = model.people
    if model.c.rules.co_opt == "sessions" and sitting not in CC_SESSIONS:
        return
    if sum(a.executive and a.alive for a in people) >= model.executive_seats:
        return
    score = [
        -inf if a.executive else s for a, s in zip(people, candidates_score(model), strict=True)
    ]
    ours = ruling_side(model)
    for _ in range(model.executive_seats):
        if sum(a.executive and a.alive for a in people) >= model.executive_seats:
            break
        bench = [a.bench and o for a, o in zip(people, ours, strict=True)]
        pick = _best(prefer(score, bench))
        if pick < 0:
            break
        people[pick].executive = True
        people[pick].bench = False
        score[pick] = -inf


def ruling_side(model: PeerModel) -> list[bool]:
    """The ruling coalition's members and their followers."""
    people = model.people
    return [a.ruling or (a.follows >= 0 and people[a.follows].ruling) for a in people]


def prefer(score: list[float], mask: list[bool]) -> list[float]:
    """The score restricted to ``mask`` where that leaves a candidate, else as is."""
    kept = [s if m else -inf for s, m in zip(score, mask, strict=True)]
    return kept if any(isfinite(x) for x in kept) else score


def fit(model: PeerModel, score: list[float], office: int) -> list[float]:
    """The score for one office within what the scenario says of it (docs/model.md §7.3):
    no one who must give up an incompatible office or an executive seat, where another
    can serve; a qualified candidate of the ruling side; a follower, not a leader, for a
    power base while several leaders rule."""
    people, p = model.people, model.c.posts
    busy = [False] * len(people)
    for o, h in enumerate(model.holder):
        if h >= 0 and p.incompatible[office, o]:
            busy[h] = True
    if any(p.incompatible[office]):
        score = prefer(score, [not b for b in busy])
    if p.leaves_executive[office]:
        score = prefer(score, [not a.executive for a in people])
    if p.requires[office]:
        ours = ruling_side(model)
        kept = [
            s if (q and o) else -inf
            for s, q, o in zip(score, p.qualified[office].tolist(), ours, strict=True)
        ]
        if any(isfinite(x) for x in kept):
            score = kept
        elif p.strict[office]:
            score = [-inf] * len(people)
    if p.base[office] and sum(a.ruling and a.contender for a in people) >= 2:
        ours = ruling_side(model)
        follower = [o and not a.contender for o, a in zip(ours, people, strict=True)]
        score = prefer(score, follower)
        if model.c.force[office] > 0.0:
            # the force goes to none of the men of the partner the others fear most
            feared = feared_partner(model)
            score = prefer(
                score, [f and a.follows != feared for f, a in zip(follower, people, strict=True)]
            )
    return score


def feared_partner(model: PeerModel) -> int:
    """The ruling leader whom his partners, on the strengths they believe, hold the
    strongest (the sum of the other partners' estimates of him)."""
    leaders = [a.index for a in model.people if a.ruling and a.contender]
    views = {i: believed(model, i) for i in leaders}
    best, top = -1, -1.0
    for j in leaders:
        v = sum(views[i][j] for i in leaders if i != j)
        if v > top:
            best, top = j, v
    return best


def take(model: PeerModel, office: int, who: int, gave_up: list[int] | None = None) -> None:
    """``who`` takes the office and gives up what cannot go with it (``gave_up`` records
    who left each office, so that he is not named to it again in the same pass)."""
    p = model.c.posts
    model.holder[office] = who
    for o, h in enumerate(model.holder):
        if h == who and p.incompatible[office, o]:
            model.holder[o] = -1
            if gave_up is not None:
                gave_up[o] = who
    if p.leaves_executive[office]:
        model.people[who].executive = False
    if p.leaves_cc[office]:
        model.people[who].in_cc = False


def _heir(model: PeerModel, office: int, linked: int) -> int:
    """Who takes a vacant, open office from the office linked to it (its deputy's post or
    the office it goes with, -1 for none): that office's holder if he can still serve."""
    if linked < 0 or model.holder[office] >= 0 or model.c.posts.opens[office] > model.month:
        return -1
    heir = model.holder[linked]
    if heir >= 0 and model.people[heir].active and model.people[heir].sanction < 2:
        return heir
    return -1


def succeed_deputies(model: PeerModel) -> None:
    """A vacant office passes to its deputy if he can still serve; his post falls vacant."""
    for o, d in enumerate(model.c.deputy.tolist()):
        heir = _heir(model, o, d)
        if heir >= 0:
            model.holder[d] = -1
            take(model, o, heir)


def take_ex_officio(model: PeerModel) -> None:
    """A vacant office held ex officio goes to the holder of the office it goes with."""
    for o, par in enumerate(model.c.ex_officio.tolist()):
        heir = _heir(model, o, par)
        if heir >= 0:
            take(model, o, heir)


def vacancies(model: PeerModel) -> list[bool]:
    """Offices to fill now: vacant, refilled and already created."""
    c = model.c
    return [
        h < 0 and bool(r) and int(op) <= model.month
        for h, r, op in zip(model.holder, c.refilled, c.posts.opens, strict=True)
    ]


def fill_offices(model: PeerModel) -> None:
    """Vacant offices go to the rulers' best organiser with the fewest offices, within
    what each office asks; an office given up on the way is filled in the next round."""
    if not any(vacancies(model)):
        return
    succeed_deputies(model)
    take_ex_officio(model)
    organisation = TRAIT["organisation"]
    gave_up = [-1] * len(model.holder)  # who left each office in this pass
    parent = model.c.ex_officio.tolist()
    for _ in range(len(model.holder)):
        vacant = vacancies(model)
        # an office held ex officio waits while its own office is vacant too
        vacant = [v and not (p >= 0 and vacant[p]) for v, p in zip(vacant, parent, strict=True)]
        if not any(vacant):
            return
        held = [0] * len(model.people)
        for h in model.holder:
            if h >= 0:
                held[h] += 1
        base = [
            s + 0.5 * a.traits[organisation]
            for a, s in zip(model.people, candidates_score(model), strict=True)
        ]
        filled = False
        for o in range(len(model.holder)):
            if not vacant[o] or model.holder[o] >= 0:
                continue
            score = [b - 0.6 * h for b, h in zip(base, held, strict=True)]
            if gave_up[o] >= 0:
                score[gave_up[o]] = -inf
            pick = choose_holder(model, fit(model, score, o), o)
            if pick >= 0:
                take(model, o, pick, gave_up)
                held[pick] += 1
                filled = True
        if not filled:
            return
        take_ex_officio(model)


def replace_holder(
    model: PeerModel, office: int, barred: list[bool], removed: int = -1, mover: int = -1
) -> None:
    """After a carried motion the majority fills the office from its own ranks: where the
    mover is known only the removed man and his followers are barred, not the allies who
    voted him out; without one, his whole side (``barred``)."""
    organisation = TRAIT["organisation"]
    people = model.people
    own = [
        mover < 0 or a.index == removed or (removed >= 0 and a.follows == removed) for a in people
    ]
    score = [
        -inf if (bar and mine) else s + 0.5 * a.traits[organisation]
        for a, s, bar, mine in zip(people, candidates_score(model), barred, own, strict=True)
    ]
    if mover >= 0:
        score = prefer(score, model.side(mover))
    pick = choose_holder(model, fit(model, score, office), office)
    if pick >= 0:
        take(model, office, pick)


def congress(model: PeerModel, cc_seats: int | None, executive_seats: int | None) -> None:
    """Elections at a congress: the CC from the list, then the executive from the CC."""
    elect_cc(model, cc_seats or model.cc_seats)
    if executive_seats:
        model.executive_seats = executive_seats
    for a in model.people:
        a.executive = a.executive and a.alive and a.sanction < 3
    fill_executive(model, "congress")
