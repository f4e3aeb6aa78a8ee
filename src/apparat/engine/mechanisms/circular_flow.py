"""The circular flow of power: appointments fill vacancies, secretaries steer delegates,
the congress elects the CC from the leadership's list, the CC elects the executive.

The flow can fail: appointments are only as loyal as the appointer's skill and the
executive's oversight allow, and a CC not yet packed can still vote him out (Roeder's
reciprocal accountability).

References
----------
S4: the General Secretary's power of patronage and the Lenin enrolment.
S3: Stalin's organisational posts after Sverdlov's death.
S1: the Stalinists' base in the apparatus.

Who fills a vacant office is :mod:`apparat.engine.mechanisms.succession`; its entry
points are re-exported here, where the step loop and the contests call them.
"""

from __future__ import annotations

import math
from functools import lru_cache
from math import comb

import numpy as np
from numpy.typing import NDArray

from apparat.engine.context import Context
from apparat.engine.mechanisms.power import congress_share, secretary_share
from apparat.engine.mechanisms.succession import (
    candidates_score,
    claimants,
    fill_offices,
    note_office,
    prefer,
    replace_holder,
    ruling_side,
    succeed_deputies,
    take_ex_officio,
    within,
)
from apparat.engine.state import VACANT, resource

# the succession entry points are re-exported: the step loop, contests and decisions call them here
__all__ = [
    "allied",
    "appoint",
    "binomial_cdf",
    "binomial_cdfs",
    "candidates_score",
    "claimants",
    "congress",
    "elect_cc",
    "fill_executive",
    "fill_offices",
    "monthly",
    "note_office",
    "oversight",
    "replace_holder",
    "resize_executive",
    "succeed_deputies",
    "take_ex_officio",
    "turnover",
    "vacate_clients",
    "within",
]

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]


@lru_cache(maxsize=64)
def binomial_cdf(n: int, p: float) -> NDArray[np.float64]:
    """CDF table, so a count of vacancies costs one uniform (inverse transform).

    Exact binomial coefficients up to a thousand posts; beyond, they overflow a float
    and the table is computed in logarithms (as for a rate that differs between runs)."""
    if n > 1000:
        return binomial_cdfs(n, np.array([p]))[0]
    pmf = np.array([comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])
    return np.cumsum(pmf)


def binomial_cdfs(n: int, p: F) -> F:
    """(R, n + 1): one CDF table per run, for a rate that differs between runs."""
    k = np.arange(n + 1)
    log_comb = np.array(
        [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in k]
    )
    q = np.clip(p, 1e-12, 1 - 1e-12)[:, None]
    return np.cumsum(np.exp(log_comb + k * np.log(q) + (n - k) * np.log1p(-q)), axis=1)


def allied(ctx: Context, actor: I) -> B:
    """(R, A): who stands with ``actor`` (same bloc, or the actor himself)."""
    st = ctx.st
    rows = np.arange(st.runs)
    a = np.maximum(actor, 0)
    own_bloc = st.bloc[rows, a]
    same = (st.bloc == own_bloc[:, None]) & (own_bloc[:, None] >= 0)
    same[rows, a] = True
    return same & (actor[:, None] >= 0)


def oversight(ctx: Context) -> F:
    """How closely the executive watches the appointer: higher when a majority of its
    members oppose him.

    A minority cannot police appointments: Trotsky's protests against 'appointment from
    above' changed nothing (S1:89 'The “troika” held the blow'). Partners in the ruling
    coalition do not police them either: the troika left the Secretariat to Stalin
    (S2:30 'Su loro insistenza, quest'ultimo fu lasciato alla carica di segretario
    generale'; S1:91, they thought he 'would represent their interests in the
    secretariat'). Those outside his side and outside the rule he shares watch him, in
    so far as they outnumber the rest.
    """
    st, c = ctx.st, ctx.c
    appointer = st.holder[:, c.appoints]
    members = st.executive & st.active
    rules = st.ruling[np.arange(st.runs), np.maximum(appointer, 0)] & (appointer >= 0)
    partners = st.ruling & rules[:, None]
    rows = np.arange(st.runs)[:, None]
    partners |= (st.follows >= 0) & partners[rows, np.maximum(st.follows, 0)]
    watching = members & ~allied(ctx, appointer) & ~partners
    share = watching.sum(axis=1) / np.maximum(members.sum(axis=1), 1)
    watchers = np.maximum(2.0 * share - 1.0, 0.0)
    return np.clip(st.oversight + 0.6 * watchers, 0.0, 1.0)


def turnover(ctx: Context) -> None:
    """Posts fall vacant at the turnover rate; one uniform for the count, one per post."""
    st = ctx.st
    n_posts = st.secretaries.shape[1]
    rate = ctx.p("turnover_per_year")
    u = ctx.rng.uniform("flow.turnover", st.month)[:, 0]
    if isinstance(rate, float):
        k = np.searchsorted(binomial_cdf(n_posts, rate / 12.0), u)
    else:  # a rate per run: each run inverts its own binomial
        k = (binomial_cdfs(n_posts, rate / 12.0) < u[:, None]).sum(axis=1)
    k = np.minimum(k, n_posts)
    if k.max() == 0:
        return
    picks = (ctx.rng.uniform("flow.post", st.month, int(k.max())) * n_posts).astype(np.int64)
    rows, slots = np.nonzero(np.arange(int(k.max()))[None, :] < k[:, None])
    st.secretaries[rows, picks[rows, slots]] = VACANT


def appoint(ctx: Context) -> None:
    """Fill every vacant post: loyal to the appointer with a probability set by his skill,
    the appointing office's patronage (1: every post is his to fill; 0: none) and the
    oversight he is under, otherwise an unaligned functionary."""
    st, c = ctx.st, ctx.c
    rows, posts = np.nonzero(st.secretaries == VACANT)
    if rows.size == 0:
        return
    appointer = st.holder[:, c.appoints]
    rows_all = np.arange(st.runs)
    skill = np.where(appointer >= 0, st.traits[rows_all, np.maximum(appointer, 0), 1], 0.0)
    patronage = resource(c, st, "patronage")[:, c.appoints]
    p_loyal = np.clip(
        skill * patronage * ctx.p("appointment_skill") * (1 - oversight(ctx)), 0.0, 0.95
    )
    able = (appointer >= 0) & st.active[np.arange(st.runs), np.maximum(appointer, 0)]
    u = ctx.rng.uniform("flow.appoint", st.month, posts[:, None], rows=rows)[:, 0]
    loyal = (u < p_loyal[rows]) & able[rows]
    st.secretaries[rows, posts] = np.where(loyal, appointer[rows], -1)


def monthly(ctx: Context) -> None:
    turnover(ctx)
    appoint(ctx)
    ctx.st.mark_secretaries()


def vacate_clients(ctx: Context, rows: I, actor: I) -> None:
    """A removed patron's secretaries are purged: their posts fall vacant (removals)."""
    st = ctx.st
    hit = np.zeros(st.secretaries.shape, dtype=bool)
    hit[rows] = st.secretaries[rows] == actor[:, None]
    st.secretaries[hit] = VACANT
    st.mark_secretaries(rows)


def elect_cc(ctx: Context, seats: int) -> None:
    """The congress elects the CC from the list the ruling coalition prepares.

    Clients of patrons no longer in the CC are dropped; a share of the rest is renewed;
    new seats and renewed ones go to the list-makers' people in proportion to the
    delegates they command, if the congress follows the list, else to everyone's.
    """
    st, c = ctx.st, ctx.c
    n = len(c.actors)
    st.cc_seats = seats
    out_cc = c.sanctions.out_cc[st.sanction]
    delegates = congress_share(c, st, st.month)
    list_makers = st.ruling & st.active
    # the list passes when the delegates who follow the leadership outnumber those who
    # follow anyone else; the delegates nobody steers split as the steered ones do
    counted = np.maximum(delegates.sum(axis=1), 1e-9)
    list_share = (delegates * list_makers).sum(axis=1) / counted
    follows = list_share > 0.5
    # the list puts the rulers and their followers on the CC; a congress that follows it
    # elects those of them who had no seat
    rows = np.arange(st.runs)[:, None]
    theirs = list_makers | ((st.follows >= 0) & list_makers[rows, np.maximum(st.follows, 0)])
    st.in_cc |= follows[:, None] & theirs & st.alive & ~out_cc
    leaders = (st.in_cc & st.alive & ~out_cc).sum(axis=1)
    target = np.maximum(seats - leaders, 0).astype(np.float64)
    clients = st.cc_clients.copy()
    gone = ~st.alive | out_cc
    dropped = (clients[:, :n] * gone).sum(axis=1)
    clients[:, :n] *= ~gone
    renewed = clients * ctx.p("cc_renewal", 2)
    clients -= renewed
    pool = np.maximum(target - clients.sum(axis=1), 0.0)
    # the list is drawn from the apparatus: each list-maker places his own secretaries;
    # a congress that rejects the list elects in proportion to the delegates
    apparatus = secretary_share(c, st) * list_makers
    own = apparatus.sum(axis=1, keepdims=True) > 0
    on_list = np.where(own, apparatus, delegates * list_makers)
    weights = np.where(follows[:, None], on_list, delegates)
    weights = np.append(weights, np.zeros((st.runs, 1)), axis=1)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    weights[total[:, 0] == 0, n] = 1.0
    st.cc_clients = clients + pool[:, None] * weights
    for row in ctx.log.rows():
        top = np.argsort(-st.cc_clients[row, :n])[:3]
        names = ", ".join(f"{ctx.name(int(i))} {st.cc_clients[row, i]:.0f}" for i in top)
        ctx.note(
            row,
            "cc_elected",
            f"The congress elects a CC of {seats}; the list "
            f"{'passes as the leadership drew it' if follows[row] else 'is rewritten on the floor'}"
            f"; seats beholden to: {names}.",
            why={
                "list_makers_delegate_share": round(float(list_share[row]), 3),
                "dropped": round(float(dropped[row]), 1),
            },
            params=("cc_renewal", "delegate_control"),
        )


# the sessions at which the CC sits and so may elect to the executive (rules.co_opt)
CC_SESSIONS = ("plenum", "congress")


def fill_executive(ctx: Context, reason: str, sitting: str | None = None) -> None:
    """Fill empty executive seats with the ruling coalition's candidates (computed only
    for the runs with a seat to fill). ``sitting`` is the kind of session that fills
    them (None: no session, the month's co-option); under ``rules.co_opt: sessions`` only
    a CC session (a plenum or a congress) fills a seat, which otherwise waits for it."""
    if ctx.c.rules.co_opt == "sessions" and sitting not in CC_SESSIONS:
        return
    st = ctx.st
    rows = np.flatnonzero((st.executive & st.alive).sum(axis=1) < st.executive_seats)
    if rows.size == 0:
        return
    score = np.where(st.executive[rows], -np.inf, candidates_score(ctx, rows))
    at = np.arange(rows.size)
    # the bench first: a candidate member of the ruling side is promoted to a full seat
    bench = st.bench[rows] & ruling_side(ctx, rows)
    for _ in range(st.executive_seats):
        need = (st.executive[rows] & st.alive[rows]).sum(axis=1) < st.executive_seats
        pick = np.argmax(prefer(score, bench), axis=1)
        ok = need & np.isfinite(score[at, pick])
        if not ok.any():
            break
        st.executive[rows[ok], pick[ok]] = True
        st.bench[rows[ok], pick[ok]] = False
        score[ok, pick[ok]] = -np.inf
        bench[ok, pick[ok]] = False
        chosen = np.zeros(st.runs, dtype=bool)
        chosen[rows[ok]] = True
        for row in ctx.log.rows(chosen):
            who = int(pick[np.searchsorted(rows, row)])
            ctx.note(
                row,
                "executive_added",
                f"{ctx.name(who)} enters the executive ({reason}).",
                actors=(ctx.c.actors[who],),
            )


def resize_executive(ctx: Context, seats: int) -> None:
    """A session between congresses sets the executive's size: new seats go to the
    ruling coalition's candidates; where it shrinks, the weakest members outside the
    ruling coalition lose theirs first."""
    st = ctx.st
    st.executive_seats = seats
    excess = (st.executive & st.alive).sum(axis=1) - seats
    for row in np.flatnonzero(excess > 0):
        members = np.flatnonzero(st.executive[row] & st.alive[row])
        keep = candidates_score(ctx, np.array([row]))[0, members]
        for who in members[np.argsort(keep)][: int(excess[row])]:
            st.executive[row, who] = False
    fill_executive(ctx, "elected to an enlarged executive", "plenum")


def congress(ctx: Context, cc_seats: int | None, executive_seats: int | None) -> None:
    """Elections at a congress: CC from the list, then the executive from the CC."""
    st = ctx.st
    elect_cc(ctx, cc_seats or st.cc_seats)
    if executive_seats:
        st.executive_seats = executive_seats
    st.executive &= st.alive & ~ctx.c.sanctions.out_executive[st.sanction]
    fill_executive(ctx, "elected by the new CC", "congress")
    for row in ctx.log.rows():
        share = secretary_share(ctx.c, st)[row]
        top = np.argsort(-share)[:2]
        ctx.note(
            row,
            "apparatus",
            "Regional secretaries beholden to: "
            + ", ".join(f"{ctx.name(int(i))} {share[i]:.0%}" for i in top)
            + ".",
            params=("turnover_per_year", "appointment_skill", "oversight"),
        )
