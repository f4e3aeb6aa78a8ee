"""Coalitions: blocs form and break by strength, ideology, enmity and betrayal.

Everyone starts in one group once the founder can no longer arbitrate. A ruling
coalition holds while a rival it fears (excluded and strong, or openly hostile) still
threatens it: the common enemy. Without one, it holds only if it is self-enforcing in
the sense of Acemoglu, Egorov & Sonin (2008) -- no subset that could stand together
would win inside it by turning on the rest -- and its members are not divided beyond
``split_tension``. Otherwise it is in question, and it splits only where someone breaks
it: the leader of a camp who gains, by the one choice rule (engine.valuation), from
standing alone with his camp against the rest (his expected share of rule, judged on
the strengths he believes, with each partner's claim weighted by ambition). The others
take the side they find easier to sit with (mean ideological distance and grudge);
factions stay whole, and the camp with more strength keeps power. The camp that loses
remembers it (betrayal) and turns hostile; hostile contenders band together once their
sanctions outweigh their dislike.

References
----------
S1: refused alliances (Zinoviev 1923 and 1925, Bukharin 1928) and Stalin's
divide-and-rule; S2 and S4: the troika, the New and the United Opposition, the Right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from apparat.engine import beliefs, valuation
from apparat.engine.compiled import TRAIT
from apparat.engine.context import Context, on_rows
from apparat.engine.mechanisms.coalition_sets import (
    any_pair,
    bad_pairs,
    position_of_code,
    quadratic,
    self_enforcing,
    subsets,
    supersets,
)
from apparat.engine.mechanisms.opposition import OPEN
from apparat.engine.mechanisms.power import force_held
from apparat.engine.tally import tally
from apparat.engine.valuation import rule_share, spread, utility, win_chance

F = NDArray[np.float64]
B = NDArray[np.bool_]
Floats = NDArray[np.floating[Any]]


def friction(ctx: Context, cols: NDArray[np.intp] | None = None) -> F:
    """(R, A, C): what it costs actor i and actor ``cols[j]`` to sit in one bloc."""
    st = ctx.st
    cols = np.arange(st.position.shape[1]) if cols is None else cols
    sal = st.salience / st.salience.sum(axis=1, keepdims=True)
    pos = st.position
    square = np.zeros((st.runs, pos.shape[1], cols.size))
    for ax in range(pos.shape[2]):  # axis by axis: no (R, A, C, 3) temporaries
        d = pos[:, :, ax, None] - pos[:, None, cols, ax]
        square += sal[:, ax, None, None] * (d * d)
    dist = np.sqrt(square) / 2.0
    enmity = np.maximum(st.enmity[:, :, cols], np.swapaxes(st.enmity[:, cols, :], 1, 2))
    betrayal = st.betrayal[:, :, cols] + np.swapaxes(st.betrayal[:, cols, :], 1, 2)
    # members of one faction trust one another: it offsets their grudges (but betrayal
    # and enmity can outweigh it)
    grudge = enmity + betrayal - ctx.p("faction_trust", 3) * ctx.c.trust[None, :, cols]
    if ctx.c.rules.force.fear_inside:
        # partners fear whoever of them commands force: as much as a grudge against him
        held = force_held(ctx.c, st)
        share = held / np.maximum(held.sum(axis=1, keepdims=True), 1e-9)
        grudge = grudge + np.maximum(share[:, :, None], share[:, None, cols])
    out = ctx.p("ideology_weight", 3) * dist + ctx.p("enmity_weight", 3) * grudge
    pact = (st.pact_until[:, :, cols] >= st.month) | (
        np.swapaxes(st.pact_until[:, cols, :], 1, 2) >= st.month
    )
    return np.where(pact, 0.0, out)


def ties(ctx: Context, players: NDArray[np.intp], fr: F, rows: NDArray[np.intp] | None) -> B:
    """(R, k, k): pairs bound by a pact or so close that they act as one faction
    (friction under ``faction_tie``, scaled down for flexible leaders)."""
    st = ctx.st
    pact_until = st.pact_until if rows is None else st.pact_until[rows]
    traits = st.traits if rows is None else st.traits[rows]
    pact = pact_until[:, players][:, :, players] >= st.month
    # a pragmatist binds to no faction: the tie loosens with the more flexible one's flexibility
    flex = traits[:, players, TRAIT["flexibility"]]
    loose = 1.0 - np.maximum(flex[:, :, None], flex[:, None, :])
    return pact | np.swapaxes(pact, 1, 2) | (fr < ctx.p("faction_tie", 3, rows) * loose)


def pact_breaks(tied: B) -> B:
    """(R, N): coalitions that split a pair of ``ties``: factions stay whole."""
    return any_pair(tied, "split", tied.shape[1])


FORMED = ("ruling", "bloc", "follows", "betrayal", "rebuffed", "tactic")  # what forming changes


def form(ctx: Context, rows: B | None = None) -> None:
    """Re-form the ruling coalition and the oppositions; chronicle what changed.

    A coalition holds while a common enemy threatens it. Without one, it holds only if
    it is self-enforcing (AES 2008) and not divided beyond ``split_tension``; otherwise
    it splits where a camp's leader gains by breaking away (:func:`breakaway`; factions
    stay whole) and the camp with more strength keeps power. Where the rules declare
    collective leadership, it holds instead until two members cannot bear each other, and then the strongest set
    of rivals who can all bear one another rules. With no coalition yet, everyone starts
    together.
    Only the runs in ``rows`` (all by default) re-form, and only they are computed: one
    run's events never touch another's blocs, and quiet runs cost nothing.
    """
    if rows is None:
        _form(ctx)
    else:
        on_rows(ctx, rows, _form, FORMED)


def _form(ctx: Context) -> None:
    st, c = ctx.st, ctx.c
    eligible = st.active & ~c.sanctions.expelled[st.sanction] & c.contender[None, :]
    if c.founder >= 0:
        # while the founder can still work, he arbitrates: the succession game waits
        eligible &= ~st.active[:, c.founder : c.founder + 1]
    players = contenders(ctx)  # fixed by the scenario, never by the batch
    k = len(players)
    if k == 0 or not eligible.any():
        return
    masks, _ = subsets(k)
    el = eligible[:, players]
    fr_all = friction(ctx, players)  # (R, A, k): everyone against the contenders
    _followers(ctx, fr_all, players)
    gam = strength(ctx)[:, players] * el
    fr = fr_all[:, players, :]
    majority = ctx.p("majority")  # (R,) when swept
    total = gam.sum(axis=1)
    current = st.ruling[:, players] & el
    sitting = current.any(axis=1) & ((gam * current).sum(axis=1) > majority * total)
    sitting &= ~st.rebuffed
    group = np.where(sitting[:, None], current, el)
    threatened = (enemy_strength(ctx) > ctx.p("threat_threshold")) | open_faction(ctx)
    # a sitting coalition facing a common enemy holds: the rest of the test is for the others
    held_fast = sitting & threatened
    if c.rules.collective:
        # mutual deterrence: rivals rule together until two of them cannot bear each other;
        # then the strongest set of rivals who can all bear one another rules
        unbearable = fr > ctx.p("bearable_enmity", 3)
        bearable = ~(unbearable & group[:, :, None] & group[:, None, :]).any(axis=(1, 2))
        # factions stay whole: a member tied to an eligible outsider (a pact to bring him
        # back) forces the question, and the outsider is a candidate like the rest
        tied = ties(ctx, players, fr, None) & group[:, :, None] & (el & ~group)[:, None, :]
        pulled: B = np.asarray(tied.any(axis=1), dtype=bool)
        split = ~(held_fast | (bearable & ~pulled.any(axis=1))) & group.any(axis=1)
        new_group = group.copy()
        if split.any():
            rows = np.flatnonzero(split)
            new_group[split] = strongest_bearable(ctx, masks, fr, group | pulled, gam, rows)
        breaker = np.full(st.runs, -1, dtype=np.intp)
    else:
        new_group, breaker = _split_by_line(ctx, masks, fr, el, gam, group, current, held_fast)
    old_ruling = st.ruling.copy()
    st.ruling = np.zeros_like(st.ruling)
    st.ruling[:, players] = new_group
    st.ruling &= eligible
    st.rebuffed[:] = False
    dropped = old_ruling & ~st.ruling & eligible
    d_rows, who = np.nonzero(dropped)
    st.betrayal[d_rows, who, :] = np.minimum(
        st.betrayal[d_rows, who, :] + 0.3 * st.ruling[d_rows], 1.0
    )
    _oppositions(ctx, players, masks, fr, el)
    _followers(ctx, fr_all, players)
    _chronicle(ctx, old_ruling, players, breaker)


def _split_by_line(
    ctx: Context,
    masks: B,
    fr: F,
    el: B,
    gam: F,
    group: B,
    current: B,
    held_fast: B,
) -> tuple[B, NDArray[np.intp]]:
    """The group holds if self-enforcing (AES 2008) and not divided beyond
    ``split_tension``; otherwise it is in question, and splits where a camp's leader
    gains by breaking away; the stronger camp, give or take noise, rules. Returns the
    new ruling group (R, k) and who broke it (R,; -1 where no one did)."""
    st = ctx.st
    players = contenders(ctx)
    k = masks.shape[1]
    total = gam.sum(axis=1)
    need = np.flatnonzero(~held_fast)
    n_sets = masks.shape[0]
    group_se = np.ones(st.runs, dtype=bool)
    feasible = np.ones(st.runs, dtype=bool)
    ok = np.zeros((st.runs, n_sets), dtype=bool)
    mean = np.zeros((st.runs, n_sets))
    if need.size:
        fr_n, group_n = fr[need], group[need]
        code = (group_n.astype(np.int64) << np.arange(k)).sum(axis=1)
        idx = position_of_code(k)[code]
        all_el = (el[need].astype(np.int64) @ masks.T.astype(np.int64)) == masks.sum(axis=1)
        tied = ties(ctx, players, fr_n, need)
        can_deviate = ~bad_pairs(fr_n > ctx.p("bearable_enmity", 3, need), k) & ~pact_breaks(tied)
        # whether a subset could win on its own is judged on reputations, not on true
        # strength (engine.beliefs): a concealed strength is underrated; who wins a split
        # (below) is decided on the real one
        judged = strength(ctx, beliefs.public(ctx))[need][:, players] * el[need]
        se = self_enforcing(judged, all_el, can_deviate, ctx.p("majority", 2, need), k)
        group_se[need] = np.where(idx >= 0, se[np.arange(need.size), np.maximum(idx, 0)], True)
        ok[need], mean[need], feasible[need] = split_lines(
            masks, fr_n, group_n, tied, ctx.p("bearable_enmity", 3, need)
        )
    # with no bearable alternative, whoever sits stays, even after a lost vote
    stays = ~feasible & current.any(axis=1)
    held = held_fast | stays
    # the group is in question where it is divided beyond split_tension or not
    # self-enforcing; it splits only where a camp's leader gains by breaking away
    tension = np.where(ok, mean, -np.inf).max(axis=1)
    tension = np.where(np.isfinite(tension), tension, 0.0)
    open_ = ~held & ok.any(axis=1) & ~(group_se & (tension < ctx.p("split_tension")))
    side_a, breaker = breakaway(ctx, masks, ok, fr, el, group, np.flatnonzero(open_))
    group = np.where(stays[:, None], current, group)
    split = open_ & side_a.any(axis=1)
    side_b = group & ~side_a
    a_strength = (gam * side_a).sum(axis=1)
    b_strength = (gam * side_b).sum(axis=1)
    noise = ctx.p("vote_noise") * ctx.rng.normal("coalitions.split", st.month, 1)[:, 0]
    winner = np.where((a_strength - b_strength) / np.maximum(total, 1e-9) + noise > 0, 1, 0)
    new_group = np.where(split[:, None], np.where(winner[:, None] == 1, side_a, side_b), group)
    return new_group, np.where(split, breaker, -1)


def strongest_bearable(
    ctx: Context, masks: B, fr: F, group: B, gam: F, rows: NDArray[np.intp]
) -> B:
    """(len(rows), k): for each run in ``rows``, the strongest subset of its group whose
    members can all bear one another, which cuts no faction tie and leaves out no one the
    rest could bear, give or take the luck of a vote (``vote_noise`` on each candidate's
    share of the group's strength)."""
    st = ctx.st
    k = masks.shape[1]
    g = group[rows]
    fr_r = fr[rows]
    bearable = ctx.p("bearable_enmity", 3, rows)
    m64 = masks.astype(np.int64)
    inside = ((~g).astype(np.int64) @ m64.T) == 0
    unbearable = bad_pairs(fr_r > bearable, k, within=g)
    tied = ties(ctx, contenders(ctx), fr_r, rows) & g[:, :, None] & g[:, None, :]
    cuts = bad_pairs(tied, k, within=g, table="split")
    ok = inside & ~unbearable & ~cuts
    # no one is dropped whom all the others can bear: only the largest such sets compete
    ok &= (ok.astype(np.float32) @ supersets(k).T) == 0
    pw = gam[rows] @ masks.T.astype(np.float64)
    total = np.maximum((gam[rows] * g).sum(axis=1, keepdims=True), 1e-9)
    luck = ctx.rng.normal("coalitions.bearable", st.month, np.arange(masks.shape[0]), rows=rows)
    score = np.where(ok, pw / total + ctx.p("vote_noise", 2, rows) * luck, -np.inf)
    best = np.argmax(score, axis=1)
    found = ok.any(axis=1)
    return np.where(found[:, None], masks[best], g)


def contenders(ctx: Context) -> NDArray[np.intp]:
    """The players of the coalition game: every contender but the founder."""
    c = ctx.c
    mask = c.contender.copy()
    if c.founder >= 0:
        mask[c.founder] = False
    return np.flatnonzero(mask)


def split_lines(masks: B, fr: F, group: B, tied: B, bearable: float | F) -> tuple[B, F, B]:
    """The admissible lines through each group (R, N) (factions kept whole; where some
    line leaves a bearable camp on each side, only such lines), the mean friction across
    each (R, N), and whether a line with two bearable camps exists (R,)."""
    k = masks.shape[1]
    bit = np.int64(1) << np.arange(k)
    m_code = masks.astype(np.int64) @ bit
    g_code = group.astype(np.int64) @ bit
    inside = (m_code[None, :] & ~g_code[:, None]) == 0
    proper = inside & ((g_code[:, None] & ~m_code[None, :]) != 0)
    rest = group[:, None, :] & ~masks[None, :, :]
    cross = quadratic(masks.astype(np.float64), fr, rest.astype(np.float64))
    pairs = masks.sum(axis=1)[None, :] * rest.sum(axis=2)
    mean = cross / np.maximum(pairs, 1)
    # a line through the group may not cut a tie between two of its members
    ok = proper & ~bad_pairs(tied, k, within=group, table="split")
    # each camp must be one its members can stand: sworn enemies do not rule together
    unbearable = fr > bearable
    camps_bearable = ~bad_pairs(unbearable, k, within=group)
    camps_bearable &= ~bad_pairs(unbearable, k, within=group, table="neither")
    feasible = (ok & camps_bearable).any(axis=1)
    ok &= np.where(feasible[:, None], camps_bearable, True)
    return ok, mean, feasible


def breakaway(
    ctx: Context, masks: B, ok: B, fr: F, el: B, group: B, rows: NDArray[np.intp]
) -> tuple[B, NDArray[np.intp]]:
    """(R, k) one camp of the line each run in ``rows`` splits along, and (R,) the
    contender who breaks it; none (and -1) where no leader gains by breaking.

    A split is someone's act: the leader of a camp breaks with the rest. Each admissible
    line can be broken from either side; its leader weighs it by the one choice rule
    (engine.valuation): his expected share of rule if his camp stands alone against the
    other, against his share now (as he judges the strengths: S1:264 his rivals
    underrated Stalin), the strength he stakes if his camp loses, and the friction he is
    rid of. An ambitious man breaks for power, a rigid one over the line.
    """
    st = ctx.st
    side = np.zeros((st.runs, masks.shape[1]), dtype=bool)
    if rows.size == 0:
        return side, np.full(st.runs, -1, dtype=np.intp)
    players = contenders(ctx)
    r = rows.size
    # only the lines admissible in some run are weighed (the others would draw nothing)
    cols = np.flatnonzero(ok[rows].any(axis=0))
    all_masks, masks = masks, masks[cols]
    adm = ok[rows][:, cols]
    g = group[rows]
    elr = el[rows]
    # (r, observer, k): the strengths as each player judges them
    seen = np.stack(
        [strength(ctx, beliefs.believed(ctx, i, rows), rows)[:, players] for i in players],
        axis=1,
    )
    seen *= elr[:, None, :]
    rep = beliefs.public(ctx)[rows][:, players]
    a_side = masks[None, :, :] & g[:, None, :]
    b_side = g[:, None, :] & ~masks[None, :, :]
    outside = (elr & ~g)[:, None, :]
    at = np.arange(r)[:, None]
    frr = fr[rows]
    k = masks.shape[1]
    traits = st.traits[rows][:, players]
    ambition = traits[:, None, :, TRAIT["ambition"]]  # (r, 1, k)
    util = np.full((r, masks.shape[0], 2), -np.inf)
    sd = spread(ctx, 2, rows)
    leads = np.zeros((r, masks.shape[0], 2), dtype=np.intp)
    # the rest take sides: a member goes with the camp he finds easier to sit with
    # (mean friction), so a line holds only where each member but the two leaders
    # prefers his own camp to the other
    # each camp's leader: its member of highest reputation
    leader_a = np.argmax(np.where(a_side, rep[:, None, :], -1.0), axis=2)  # (r, N)
    leader_b = np.argmax(np.where(b_side, rep[:, None, :], -1.0), axis=2)
    fr_t = np.swapaxes(frr, 1, 2)
    to_a = a_side.astype(np.float64) @ fr_t  # (r, N, k): each member's friction with camp A
    to_b = b_side.astype(np.float64) @ fr_t
    n_a = a_side.sum(axis=2, keepdims=True)
    n_b = b_side.sum(axis=2, keepdims=True)
    mean_a = to_a / np.maximum(n_a - a_side, 1)  # own camp: without himself
    mean_b = to_b / np.maximum(n_b - b_side, 1)
    idx = np.arange(k)[None, None, :]
    free = (idx != leader_a[:, :, None]) & (idx != leader_b[:, :, None])
    unhappy = free & (
        (a_side & (mean_a > mean_b) & (n_a > 1)) | (b_side & (mean_b > mean_a) & (n_b > 1))
    )
    adm = adm & ~unhappy.any(axis=2)
    for s, (mine, theirs, lead) in enumerate(
        ((a_side, b_side, leader_a), (b_side, a_side, leader_b))
    ):
        leads[:, :, s] = lead
        sv = seen[at, lead]  # (r, N, k): the strengths as he judges them
        own = np.take_along_axis(sv, lead[:, :, None], axis=2)[:, :, 0]
        s_mine = (sv * mine).sum(axis=2)
        s_theirs = (sv * theirs).sum(axis=2)
        # he reckons with the worst: the camp he leaves may join those already outside
        out = (sv * outside).sum(axis=2)
        rival = s_theirs + out
        claim = sv * ambition
        own_claim = np.take_along_axis(claim, lead[:, :, None], axis=2)[:, :, 0]
        c_mine = (claim * mine).sum(axis=2)
        c_theirs = (claim * theirs).sum(axis=2)
        gain = rule_share(own_claim, c_mine, s_mine, rival, sd) - rule_share(
            own_claim, c_mine + c_theirs, s_mine + s_theirs, out, sd
        )
        risk = (1.0 - win_chance(s_mine, rival, sd)) * own
        # the friction he is rid of: his own with the camp he leaves
        f_lead = frr[at, lead]  # (r, N, k)
        relief = (f_lead * theirs).sum(axis=2) / np.maximum(theirs.sum(axis=2), 1)
        u = utility(ctx, traits[at, lead], gain, risk, 1.0, -relief, rows=rows)
        util[:, :, s] = np.where(adm, u, -np.inf)
    temp = np.reshape(ctx.p("decision_temperature", 2, rows), (-1, 1))
    flat = util.reshape(r, -1)
    willing = flat.max(axis=1) > 0.0  # breaking must beat keeping the group (worth nothing)
    u0 = ctx.rng.uniform("coalitions.line", st.month, 1, rows=rows)
    pick = valuation.pick(valuation.softmax(flat, temp), u0[:, 0])
    side[rows] = all_masks[cols[pick // 2]] & willing[:, None]
    breaker = np.full(st.runs, -1, dtype=np.intp)
    breaker[rows] = np.where(willing, players[leads.reshape(r, -1)[np.arange(r), pick]], -1)
    return side, breaker


def strength(ctx: Context, power: F | None = None, rows: NDArray[np.intp] | None = None) -> F:
    """(R, A): a contender's power with that of the second-rank actors who follow him
    (on ``power`` as someone sees it, when given; for the runs in ``rows`` only, when
    given, with ``power`` then shaped for them)."""
    st = ctx.st
    follows = st.follows if rows is None else st.follows[rows]
    if power is None:
        power = st.power if rows is None else st.power[rows]
    n = power.shape[1]
    following = follows >= 0
    # the leader's own power first, then his followers' in order: the sums of np.add.at
    bins = np.concatenate(
        [np.broadcast_to(np.arange(n), follows.shape), np.where(following, follows, n)],
        axis=1,
    )
    weights = np.concatenate(
        [
            power * ctx.c.contender[None, :],
            np.where(following, ctx.p("follower_weight", 2, rows) * power, 0.0),
        ],
        axis=1,
    )
    return tally(bins, n + 1, weights)[:, :n]


def lapse_pacts(ctx: Context) -> B:
    """(R,): runs where a pact made against a common enemy lapsed this month, because he
    can no longer threaten (strength at or under ``threat_threshold``, expelled or dead):
    the troika was 'directed against Trotsky' (S1:246) and outlived his fall by months,
    not by its term (S2:30 'il trio vincitore non è durato a lungo')."""
    st, c = ctx.st, ctx.c
    enemy = st.pact_against  # (R, A, A): each pair's own common enemy
    if not (enemy >= 0).any():
        return np.zeros(st.runs, dtype=bool)
    rows = np.arange(st.runs)[:, None, None]
    gone = ~st.alive | c.sanctions.expelled[st.sanction]
    beaten = gone | (strength(ctx) <= ctx.p("threat_threshold", 2))
    over = (enemy >= 0) & beaten[rows, np.maximum(enemy, 0)]
    if not over.any():
        return np.zeros(st.runs, dtype=bool)
    live = over & (st.pact_until >= st.month)
    st.pact_until = np.where(live, st.month - 1, st.pact_until)
    st.pact_against = np.where(over, -1, enemy)  # a new array: ``enemy`` keeps the old
    lapsed = np.asarray(live.any(axis=(1, 2)))
    for row in ctx.log.rows(lapsed):
        who = np.flatnonzero(live[row].any(axis=1))
        target = int(enemy[row, who[0], np.flatnonzero(live[row, who[0]])[0]])
        ctx.note(
            row,
            "pact_lapsed",
            f"The pact of {', '.join(ctx.name(int(i)) for i in who)} against "
            f"{ctx.name(target)} lapses: he can no longer threaten them.",
            actors=tuple(c.actors[int(i)] for i in who),
            params=("threat_threshold",),
        )
    return lapsed


def enemy_strength(ctx: Context) -> F:
    """(R,): strength of the strongest hostile group outside the ruling coalition."""
    st = ctx.st
    n = st.bloc.shape[1]
    key = np.where(st.bloc >= 0, st.bloc, n + np.arange(n)[None, :])
    strong = strength(ctx)
    return tally(key, 2 * n, np.where(feared(ctx, strong), strong, 0.0)).max(axis=1)


def open_faction(ctx: Context) -> B:
    """(R,): runs where two or more excluded contenders of one bloc campaign from inside
    the Central Committee while factions are banned (``faction_ban`` > 0.5): a faction
    is the danger the ban names, whatever its strength, so the rulers close ranks while
    it sits where it can contest their majority, until it is driven out of the CC (or
    expelled) or gives up. A lone oppositionist is no faction. (Until December 2026:
    until it was expelled. Once expulsion needed the grounds of illegal work, a faction
    that kept to legal means would have held the rulers together for ever.)"""
    st, c = ctx.st, ctx.c
    inside = ~c.sanctions.out_cc[st.sanction]
    out = st.alive & c.contender[None, :] & ~st.ruling & inside & (st.tactic > 0)
    n = st.bloc.shape[1]
    key = np.where((st.bloc >= 0) & out, st.bloc, n)
    banded = (tally(key, n + 1, out.astype(np.float64))[:, :n] >= 2).any(axis=1)
    ban = np.asarray(ctx.p("faction_ban")) > 0.5
    return np.asarray(banded) & ban.reshape(-1)


def hostile(ctx: Context) -> B:
    """(R, A): excluded contenders who threaten the rulers or have already been struck.
    A strong leader left out turns hostile; a weak one stays neutral and is courted."""
    st, c = ctx.st, ctx.c
    rep = c.sanctions
    expelled = rep.expelled[st.sanction]
    # an expelled leader who keeps opposing, or one held in detention, is still pursued
    detained = rep.detained[st.sanction]
    expelled_opposing = expelled & (st.sanction < rep.top) & ((st.tactic > 0) | detained)
    out = st.alive & c.contender[None, :] & ~st.ruling & (~expelled | expelled_opposing)
    recanted = st.quiet_until >= st.month
    rows = np.arange(st.runs)
    leader = np.argmax(np.where(st.ruling, st.power, -1.0), axis=1)
    # dropped by the rulers, and remembers it (no rulers, no grievance against them)
    anyone_rules = np.asarray(st.ruling.any(axis=1))
    grievance = (st.betrayal[rows, :, leader] > 0.1) & anyone_rules[:, None]
    # recanting buys readmission and an end to punishment, not a seat at the top
    spared = recanted & (~st.executive | rep.out_executive[st.sanction])
    # a man held in detention is pursued until his case is closed
    held = detained & (st.sanction < rep.top) & ~st.ruling
    leaders = out & ~spared & (grievance | recanted | (st.tactic > 0) | held)
    if c.rules.targets == "contenders":
        return leaders
    # where the rules let anyone be struck, a follower of a hostile leader is hostile too
    led = (st.follows >= 0) & leaders[rows[:, None], np.maximum(st.follows, 0)]
    second = st.alive & ~c.contender[None, :] & (~expelled | held) & led & ~recanted
    return leaders | second


def feared(ctx: Context, strong: F | None = None) -> B:
    """(R, A): excluded contenders the rulers fear: the hostile, and any strong enough to
    threaten them even while he keeps quiet. Fear unites; only hostility is struck.
    ``strong``: :func:`strength`, where the caller has it already."""
    st, c = ctx.st, ctx.c
    outside = st.alive & c.contender[None, :] & ~st.ruling & ~c.sanctions.expelled[st.sanction]
    # strength as the coalition game measures it (with his followers), so that the test
    # does not weaken as more second-rank actors share the power
    strong = strength(ctx) if strong is None else strong
    return hostile(ctx) | (outside & (strong > ctx.p("threat_threshold", 2)))


def _oppositions(ctx: Context, players: NDArray[np.intp], masks: B, fr: F, el: B) -> None:
    """Excluded contenders band together where sanctions have outweighed their dislike."""
    st = ctx.st
    st.bloc[:] = -1
    ruling_pl = st.ruling[:, players]
    leader = np.argmax(np.where(ruling_pl, st.power[:, players], -1.0), axis=1)
    has = np.asarray(ruling_pl.any(axis=1), dtype=bool)
    lead_id = np.asarray(players)[leader]
    st.bloc[:, players] = np.where(ruling_pl & has[:, None], lead_id[:, None], -1)
    host = hostile(ctx)[:, players]
    # a faction stays whole in opposition too: those tied to a hostile contender still in
    # the game join him (one out of it, expelled, has no bloc to join)
    excluded = el & ~ruling_pl
    if (host & excluded).any() and (excluded & ~host).any():
        tied = ties(ctx, players, fr, None) & excluded[:, :, None] & (host & excluded)[:, None, :]
        host = host | tied.any(axis=2)
    free = el & ~ruling_pl & host
    # a bloc takes two: only runs with two or more free hostile contenders have one to form
    rows = np.flatnonzero(free.sum(axis=1) >= 2)
    if rows.size == 0:
        return
    free, fr = free[rows], fr[rows]
    sanc = st.sanction[rows][:, players].astype(np.float64)
    tolerance = ctx.p("bearable_enmity", 3, rows) + 0.06 * (sanc[:, :, None] + sanc[:, None, :])
    bad = bad_pairs(fr > tolerance, len(players))
    # a tie to a man out of the game (expelled, dead) keeps no one out of a bloc
    inside_game = el[rows][:, :, None] & el[rows][:, None, :]
    unsplit = ~pact_breaks(ties(ctx, players, fr, rows) & inside_game)
    power = st.power[rows][:, players]
    pw = power @ masks.T.astype(np.float64)
    at = np.arange(rows.size)
    blocs = st.bloc[rows][:, players]
    for _ in range(2):
        inside = ((~free).astype(np.int64) @ masks.T.astype(np.int64)) == 0
        cand = inside & ~bad & (masks.sum(axis=1) >= 2)[None, :] & unsplit
        pick = np.argmax(np.where(cand, pw, -1.0), axis=1)
        ok = cand[at, pick]
        members = masks[pick] & ok[:, None]
        lead = np.argmax(np.where(members, power, -1.0), axis=1)
        blocs = np.where(members, players[lead][:, None], blocs)
        free &= ~members
    st.bloc[np.ix_(rows, players)] = blocs
    # who joins an opposition bloc is in open opposition from now on; where the excluded
    # do not campaign unbidden (rules.campaign), only who joins a bloc already in it
    sub = st.tactic[np.ix_(rows, players)]
    joins = blocs >= 0
    if not ctx.c.rules.campaign:
        n = st.bloc.shape[1]
        key = np.where(joins, blocs, n)
        challenged = tally(key, n + 1, (sub > 0) & joins) > 0  # (r, n + 1): by bloc id
        joins &= np.take_along_axis(challenged, key, axis=1)
    joined = (
        joins & ~ruling_pl[rows] & (sub == 0) & (st.quiet_until[np.ix_(rows, players)] < st.month)
    )
    st.tactic[np.ix_(rows, players)] = np.where(joined, OPEN, sub)


def _followers(ctx: Context, fr: F, players: NDArray[np.intp]) -> None:
    """Second-rank actors follow the contender nearest to them in line and sympathy."""
    st, c = ctx.st, ctx.c
    # a leader under arrest still has his men (they share his fate), an expelled one not,
    # unless he is held: a detained clique stays his
    level = st.sanction[:, players]
    lead = st.alive[:, players] & (~c.sanctions.expelled[level] | c.sanctions.detained[level])
    # equals are told apart by chance (one draw per run and leader, the same every
    # month), never by their order in the scenario file
    jitter = 1e-9 * ctx.rng.uniform("coalitions.follow_tiebreak", 0, players.size)
    score = np.where(lead[:, None, :], fr + jitter[:, None, :], np.inf)
    nearest = players[np.argmin(score, axis=2)]
    st.follows = np.where(~c.contender[None, :] & st.alive, nearest, -1)
    st.follows[~np.isfinite(score.min(axis=2))] = -1
    rows = np.arange(st.runs)[:, None]
    followed_bloc = st.bloc[rows, np.maximum(st.follows, 0)]
    st.bloc = np.where(st.follows >= 0, followed_bloc, st.bloc)


def _chronicle(ctx: Context, old: B, players: NDArray[np.intp], breaker: NDArray[np.intp]) -> None:
    st, c = ctx.st, ctx.c
    changed = (old != st.ruling).any(axis=1)
    for row in ctx.log.rows(changed):
        members = [int(i) for i in np.flatnonzero(st.ruling[row])]
        out = [int(i) for i in players if not st.ruling[row, i]]
        names = ", ".join(ctx.name(i) for i in members)
        against = ", ".join(ctx.name(i) for i in out) or "no one"
        share = float(st.power[row, members].sum())
        who = int(breaker[row])
        broke = f" {ctx.name(who)} broke with the rest." if who >= 0 else ""
        why: dict[str, object] = {
            "power": {c.actors[i]: round(float(st.power[row, i]), 3) for i in players}
        }
        if who >= 0:
            why["broke_away"] = c.actors[who]
        ctx.note(
            row,
            "bloc_formed",
            f"Ruling coalition: {names} (power {share:.0%}), against {against}.{broke}",
            actors=tuple(c.actors[i] for i in members),
            why=why,
            params=(
                ("majority", "ideology_weight", "enmity_weight", "split_tension")
                + (("decision_temperature", "choice_risk") if who >= 0 else ())
            ),
        )
        blocs = {int(b) for b in st.bloc[row] if b >= 0 and not st.ruling[row, b]}
        for b in blocs:
            mem = [int(i) for i in np.flatnonzero((st.bloc[row] == b) & c.contender)]
            if len(mem) >= 2:
                ctx.note(
                    row,
                    "opposition_formed",
                    "Opposition bloc: " + ", ".join(ctx.name(i) for i in mem) + ".",
                    actors=tuple(c.actors[i] for i in mem),
                    params=("enmity_weight", "betrayal_memory"),
                )
