"""Who comes to hold a vacant office: deputies, ex officio holders, then the ruling side.

A vacancy goes to the ruling coalition's best organiser with the fewest offices, within
what the scenario says about the office (docs/model.md §7.3):

- an office that calls for a career (the army, the political police) goes to a
  qualified candidate of the ruling side where one exists (``requires``); where none
  does, to the usual candidate, or to no modelled actor (``unqualified: none``);
- an office created at a dated session stays vacant until then (``from``);
- an office held ex officio waits while its own office is vacant, then goes with it;
- who takes an office gives up those incompatible with it, and his CC or executive
  seat where the office is incompatible with them, so successions chain; a candidate
  who would have to give up another office or an executive seat is passed over where
  someone else can serve;
- where the ruling coalition has several leaders, a power base (``base``) goes to one
  of their followers rather than to a leader: the partners do not let one of their own
  take another base; and a base that commands force (the army) goes to none of the men
  of the partner the others believe the strongest, but to a compromise, a follower of
  another partner (Bazhanov: the troika's partners each had their own men for the army,
  and Frunze was the compromise);
- after a removal, the majority that removed the holder fills the post: where the mover
  is known, the removed man and his own followers are barred, not the allies who voted
  him out.

References
----------
S1:100: the troika's supporters placed in the CC; S4:121: patronage.
piglix_frunze, voronov_bazhanov: the troika gave the army to Frunze, a compromise of
the partners; wiki_ccc: CCC members could not sit in the CC.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine import valuation
from apparat.engine.context import Context
from apparat.engine.mechanisms.power import cc_share
from apparat.engine.state import resource
from apparat.engine.tally import tally

F = NDArray[np.float64]
I = NDArray[np.int64]
B = NDArray[np.bool_]


def ruling_side(ctx: Context, rows: I) -> B:
    """(len(rows), A): the ruling coalition's members and their followers."""
    st = ctx.st
    follows, ruling = st.follows[rows], st.ruling[rows]
    at = np.arange(rows.size)[:, None]
    patron = np.where(follows >= 0, follows, np.arange(follows.shape[1])[None, :])
    out: B = ruling | ((follows >= 0) & ruling[at, patron])
    return out


def candidates_score(ctx: Context, rows: I | None = None) -> F:
    """Who a ruling coalition puts forward: its own members and followers, by power
    (for the runs in ``rows``, all by default)."""
    st = ctx.st
    if rows is not None and rows.size < st.runs:
        return candidates_score(ctx.subset(rows))  # nothing computed for the other runs
    sel = np.arange(st.runs) if rows is None else rows
    follows = st.follows[sel]
    at = np.arange(sel.size)[:, None]
    patron = np.where(follows >= 0, follows, np.arange(follows.shape[1])[None, :])
    ours = ruling_side(ctx, sel)
    cc = cc_share(ctx.c, st)[sel][at, patron]  # the CC elects: its patrons' people come first
    ok = st.active[sel] & ~ctx.c.sanctions.no_office[st.sanction[sel]]
    # equals are told apart by chance, never by their order in the scenario file
    jitter = 1e-6 * ctx.rng.uniform("flow.tiebreak", st.month, st.power.shape[1], rows=rows)
    score = st.power[sel] + 0.3 * st.prestige[sel] + 1.0 * ours + 2.0 * cc + jitter
    return np.where(ok, score, -np.inf)


def prefer(score: F, mask: B) -> F:
    """The score restricted to ``mask`` in the runs where that leaves a candidate."""
    kept = np.where(mask, score, -np.inf)
    some = np.isfinite(kept).any(axis=1, keepdims=True)
    return np.where(some, kept, score)


def claimants(ctx: Context, rows: I) -> B:
    """(len(rows), A): who may fill a vacancy under ``rules.vacancies: claims``: the
    people of the ruling coalition's leader who presses the strongest claim (his
    power times his ambition: the unambitious defer) and his followers."""
    st = ctx.st
    follows, ruling = st.follows[rows], st.ruling[rows]
    head = np.where(follows >= 0, follows, np.arange(follows.shape[1])[None, :])
    claim = np.where(ruling, st.power[rows] * st.traits[rows, :, 4], -1.0)
    top = np.argmax(claim, axis=1).reshape(-1, 1)
    mine: B = np.equal(head, top)
    return np.where(np.any(ruling, axis=1, keepdims=True), mine, True)


def within(ctx: Context, score: F, rows: I) -> F:
    """The score restricted to the claimants (``rules.vacancies: claims``) where that
    leaves a candidate, else as is."""
    if ctx.c.rules.vacancies == "best":
        return score
    return prefer(score, claimants(ctx, rows))


def fit(ctx: Context, score: F, rows: I, office: int) -> F:
    """The score for one office, within what the scenario says of it: no one who would
    have to give up an incompatible office or an executive seat, where another can
    serve; then a qualified candidate of the ruling side (else anyone, or no one where
    the office is left to professionals the scenario does not model); a follower, not a
    leader, for a power base while the ruling coalition has several leaders; then the
    claimants. Each step narrows the field only where it leaves a candidate."""
    st, c = ctx.st, ctx.c
    p = c.posts
    clash = p.incompatible[office]
    if clash.any():
        holder = st.holder[rows][:, clash]
        busy = np.zeros(score.shape, dtype=bool)
        r, k = np.nonzero(holder >= 0)
        busy[r, holder[r, k]] = True
        score = prefer(score, ~busy)
    if p.leaves_executive[office]:
        score = prefer(score, ~st.executive[rows])
    if p.requires[office]:
        qualified = p.qualified[office][None, :] & ruling_side(ctx, rows)
        kept = np.where(qualified, score, -np.inf)
        some = np.isfinite(kept).any(axis=1, keepdims=True)
        score = np.where(some, kept, -np.inf if p.strict[office] else score)
    if p.base[office]:
        leaders = st.ruling[rows] & c.contender[None, :]
        partners = (leaders.sum(axis=1) >= 2)[:, None]
        follower = ruling_side(ctx, rows) & ~c.contender[None, :]
        score = np.where(partners, prefer(score, follower), score)
        force = resource(c, st, "force")  # (R, O), or (1, O) unless a sweep varies it
        armed = (force[rows] if force.shape[0] > 1 else force[[0]])[:, office] > 0.0
        if armed.any():
            # the force goes to none of the men of the partner the others believe the
            # strongest: a compromise, a follower of another partner
            feared = feared_partner(ctx, rows, leaders)
            not_his = follower & (st.follows[rows] != feared[:, None])
            score = np.where(partners & armed[:, None], prefer(score, not_his), score)
    return within(ctx, score, rows)


def feared_partner(ctx: Context, rows: I, leaders: B) -> I:
    """(len(rows),): the leader of the ruling coalition whom his partners, on the
    strengths they believe, hold the strongest (the sum of the other partners'
    estimates of him): the one they deny the force (voronov_bazhanov)."""
    st = ctx.st
    seen = st.power[rows][:, None, :] * np.exp(st.misjudge[rows])  # (r, observer, target)
    seen /= np.maximum(seen.sum(axis=2, keepdims=True), 1e-12)
    lf = leaders.astype(np.float64)
    own = np.einsum("rjj->rj", seen)  # each partner's view of himself, left out
    by_others = np.einsum("ri,rij->rj", lf, seen) - lf * own
    out: I = np.argmax(np.where(leaders, by_others, -1.0), axis=1).astype(np.int64)
    return out


def choose_holder(ctx: Context, score: F, rows: I, office: int) -> I:
    """Who the appointer names: a draw by the one choice rule over the candidates'
    scores (a softmax at ``decision_temperature``, one uniform a run from the stream
    ``flow.office``, slot: the office), so that men of like standing each have their
    chance; a candidate scored out (``-inf``) is never drawn."""
    temp = np.reshape(ctx.p("decision_temperature", 2, rows), (-1, 1))
    u = ctx.rng.uniform("flow.office", ctx.st.month, np.array([office]), rows=rows)
    return valuation.pick(valuation.softmax(score, temp), u[:, 0])


def note_office(
    ctx: Context, row: int, who: int, office: int, verb: str, removed: int = -1
) -> None:
    """Chronicle who came to hold an office, citing the office's sources."""
    c = ctx.c
    instead = f" in place of {ctx.name(removed)}" if removed >= 0 else ""
    ctx.note(
        row,
        "office_gained",
        f"{ctx.name(who)} {verb} the office of {c.office_names[office]}{instead}.",
        actors=(c.actors[who],),
        cites=c.scenario.offices[office].cite,
    )


def take(ctx: Context, rows: I, office: int, who: I, gave_up: I | None = None) -> None:
    """``who`` (one per row) takes ``office`` and gives up what cannot go with it: the
    offices incompatible with it (they fall vacant, to be filled in turn; ``gave_up``,
    (R, O), records who left each, so that he is not named to it again in the same
    pass) and his CC or executive seat where the office is incompatible with those."""
    st, p = ctx.st, ctx.c.posts
    st.holder[rows, office] = who
    clash = p.incompatible[office]
    if clash.any():
        lost = (st.holder[rows] == who[:, None]) & clash[None, :]
        r, o = np.nonzero(lost)
        st.holder[rows[r], o] = -1
        if gave_up is not None:
            gave_up[rows[r], o] = who[r]
        for i, k in zip(r, o, strict=True):
            if ctx.log.tracked[rows[i]]:
                ctx.note(
                    int(rows[i]),
                    "office_left",
                    f"{ctx.name(int(who[i]))} gives up the office of {ctx.c.office_names[k]}, "
                    f"which cannot be held with that of {ctx.c.office_names[office]}.",
                    actors=(ctx.c.actors[int(who[i])],),
                    cites=ctx.c.scenario.offices[office].cite,
                )
    if p.leaves_executive[office]:
        st.executive[rows, who] = False
    if p.leaves_cc[office]:
        st.in_cc[rows, who] = False


def succeed_deputies(ctx: Context) -> None:
    """A vacant office passes first to its deputy, if he can still serve; his own office
    then falls vacant in turn."""
    st, c = ctx.st, ctx.c
    rows_all = np.arange(st.runs)
    open_now = c.posts.opens <= st.month
    for o in np.flatnonzero((c.deputy >= 0) & open_now):
        d = int(c.deputy[o])
        heir = st.holder[:, d].copy()  # a copy: the deputy post is blanked below
        able = (st.holder[:, o] < 0) & (heir >= 0)
        able &= st.active[rows_all, np.maximum(heir, 0)] & (
            ~c.sanctions.no_office[st.sanction[rows_all, np.maximum(heir, 0)]]
        )
        rows = np.flatnonzero(able)
        st.holder[rows, d] = -1
        take(ctx, rows, int(o), heir[rows])
        for row in ctx.log.rows(able):
            note_office(ctx, row, int(heir[row]), int(o), "succeeds to")


def take_ex_officio(ctx: Context) -> None:
    """A vacant office held ex officio goes to the holder of the office it goes with, if
    he can serve (he keeps his own)."""
    st, c = ctx.st, ctx.c
    rows_all = np.arange(st.runs)
    open_now = c.posts.opens <= st.month
    for o in np.flatnonzero((c.ex_officio >= 0) & open_now):
        heir = st.holder[:, int(c.ex_officio[o])]
        who = np.maximum(heir, 0)
        able = (st.holder[:, o] < 0) & (heir >= 0) & st.active[rows_all, who]
        able &= ~c.sanctions.no_office[st.sanction[rows_all, who]]
        rows = np.flatnonzero(able)
        take(ctx, rows, int(o), heir[rows].copy())
        for row in ctx.log.rows(able):
            note_office(ctx, row, int(heir[row]), int(o), "takes ex officio")


def vacancies(ctx: Context) -> B:
    """(R, O): offices to fill now: vacant, refilled, and already created."""
    c = ctx.c
    open_now: B = c.refilled & (c.posts.opens <= ctx.st.month)
    return (ctx.st.holder < 0) & open_now[None, :]


def awaiting(ctx: Context, vacant: B) -> B:
    """(R, O): offices held ex officio whose own office is vacant too: they wait for
    its new holder (:func:`take_ex_officio`) rather than going to someone else."""
    parent = ctx.c.ex_officio
    has = parent >= 0
    out = np.zeros_like(vacant)
    out[:, has] = vacant[:, parent[has]]
    return out


def unfillable(ctx: Context) -> B:
    """(R, O): offices left to professionals (``unqualified: none``) that no one of the
    ruling side is qualified for: :func:`fit` leaves them no candidate, and nothing in a
    pass of :func:`fill_offices` changes who is of the ruling side, so they are not
    scored at all (an office no one may ever hold would otherwise be scored in every run
    at every session)."""
    st, p = ctx.st, ctx.c.posts
    out = np.zeros(st.holder.shape, dtype=bool)
    strict = np.flatnonzero(p.requires & p.strict)
    if strict.size:
        ours = ruling_side(ctx, np.arange(st.runs))
        out[:, strict] = ~(ours[:, None, :] & p.qualified[strict][None, :, :]).any(axis=2)
    return out


def fill_offices(ctx: Context) -> None:
    """Vacant offices go to the ruling coalition's best organiser with the fewest
    offices, within what each office asks (:func:`fit`); an office given up on the way
    (an incompatible one) is filled in the next round."""
    st, c = ctx.st, ctx.c
    if not vacancies(ctx).any():
        return
    succeed_deputies(ctx)
    take_ex_officio(ctx)
    gave_up = np.full(st.holder.shape, -1, dtype=np.int64)  # who left each office just now
    hopeless = unfillable(ctx)
    for _ in range(len(c.offices)):  # each round can free at most the offices it filled
        vacant = vacancies(ctx)
        vacant &= ~awaiting(ctx, vacant) & ~hopeless
        vac = np.flatnonzero(vacant.any(axis=1))  # only runs with a vacancy are scored
        if vac.size == 0:
            return
        holder = st.holder[vac]
        held = tally(np.maximum(holder, 0), len(c.actors), holder >= 0)
        base = candidates_score(ctx, vac) + 0.5 * st.traits[vac, :, 1]
        filled = False
        for o in np.flatnonzero(vacant[vac].any(axis=0)):
            local = np.flatnonzero(vacant[vac, o] & (st.holder[vac, o] < 0))
            rows = vac[local]
            score = base[local] - 0.6 * held[local]
            left = gave_up[rows, o]
            score[np.flatnonzero(left >= 0), left[left >= 0]] = -np.inf
            score = fit(ctx, score, rows, int(o))
            pick = choose_holder(ctx, score, rows, int(o))
            good = np.isfinite(score[np.arange(rows.size), pick])
            if not good.any():
                continue
            filled = True
            take(ctx, rows[good], int(o), pick[good], gave_up)
            held[local[good], pick[good]] += 1.0
            for row in ctx.log.rows(np.isin(np.arange(st.runs), rows[good])):
                note_office(ctx, row, int(st.holder[row, o]), int(o), "takes")
        if not filled:
            return
        take_ex_officio(ctx)  # what goes with an office just filled follows it


def replace_holder(
    ctx: Context, rows: I, office: int, removed: I, barred: B, mover: I | None = None
) -> None:
    """After a carried motion (or a resignation) the majority that removed the holder
    fills his office from its own ranks, within the office's profile (:func:`fit`).

    Where the mover is known (``mover``, one per run), only the removed man and his own
    followers are barred (``barred`` narrowed to them): allies of his who moved or voted
    him out may take it, and the mover's side is preferred. Without a mover the whole
    of ``barred`` (the removed man's side) is kept out, since the majority cannot then be
    told from his allies. An office given up on the way is filled by
    :func:`fill_offices`.
    """
    st = ctx.st
    if rows.size == 0:
        return
    bar = barred[rows]
    n = st.follows.shape[1]
    if mover is not None:
        who = removed[rows][:, None]
        own = (np.arange(n)[None, :] == who) | ((st.follows[rows] == who) & (who >= 0))
        bar = bar & own
    score = candidates_score(ctx, rows) + 0.5 * st.traits[rows, :, 1]
    score = np.where(bar, -np.inf, score)
    if mover is not None:
        m = mover[rows]
        own_bloc = st.bloc[rows, np.maximum(m, 0)]
        side = (st.bloc[rows] == own_bloc[:, None]) & (own_bloc[:, None] >= 0)
        side |= np.arange(n)[None, :] == m[:, None]
        side |= (st.follows[rows] >= 0) & np.take_along_axis(
            side, np.maximum(st.follows[rows], 0), axis=1
        )
        score = prefer(score, side & (m[:, None] >= 0))
    score = fit(ctx, score, rows, office)
    pick = choose_holder(ctx, score, rows, office)
    good = np.isfinite(score[np.arange(rows.size), pick])
    take(ctx, rows[good], office, pick[good])
    for row, w in zip(rows[good], pick[good], strict=True):
        if ctx.log.tracked[row]:
            note_office(ctx, int(row), int(w), office, "takes", removed=int(removed[row]))
