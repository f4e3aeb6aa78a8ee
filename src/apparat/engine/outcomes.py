"""Outcomes: the monthly record of each run and the per-run results derived from it.

Consolidation is what the scenario's rules say it is (``rules.dominance``); for the
Bolshevik party, DESIGN.md's definition: one leader's side controls the executive and
the CC, and every rival contender is out of the executive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from apparat.engine.compiled import Compiled
from apparat.engine.context import Context
from apparat.engine.mechanisms.contests import side
from apparat.engine.mechanisms.power import cc_share
from apparat.engine.state import State

F32 = NDArray[np.float32]
I8 = NDArray[np.int8]
B = NDArray[np.bool_]
I = NDArray[np.int64]


def dominance(ctx: Context) -> I:
    """(R,): the consolidated leader of each run this month, -1 if none.

    The scenario's ``rules.dominance`` says what consolidation means: the strongest
    contender in the executive, with at most ``rivals_in_executive`` rivals still sitting
    there (every other contender, or with ``rivals: opponents`` only those outside his
    side), whose side holds more than the given shares of the executive
    and the CC (of all its seats, or with ``cc_counted: aligned`` of those that look to
    some leader) and every office the rules name.
    """
    st, c = ctx.st, ctx.c
    rule = c.rules.dominance
    in_exec = st.executive & st.active & ~c.sanctions.out_executive[st.sanction]
    present = in_exec & c.contender[None, :]
    if rule.rivals_in_executive == 0 and rule.rivals == "contenders":
        who = np.argmax(present, axis=1)  # the lone contender, when there is one
    else:
        who = np.argmax(np.where(present, st.power, -1.0), axis=1)
    mine = side(ctx, who)
    if rule.leader == "offices" and c.dominance_offices.size:
        who = chair_holder(ctx, present & mine, who)
    # partners of his side are rivals unless the rules say only opponents are; the men
    # of his own faction are not, where the rules say a faction acts as one
    if rule.rivals == "opponents":
        rivals = present & ~mine
    elif rule.rivals == "faction":
        # the faction's named leader leads it where he sits in the executive
        named = c.faction_leader[who]
        seated = (named >= 0) & present[np.arange(st.runs), np.maximum(named, 0)]
        who = np.where(seated, named, who)
        mine = side(ctx, who)
        rivals = present & (c.trust[who] <= 0.0)
    else:
        rivals = present.copy()
    rivals[np.arange(st.runs), who] = False
    exec_share = (in_exec & mine).sum(axis=1) / np.maximum(in_exec.sum(axis=1), 1)
    cc = (cc_share(c, st, aligned=rule.cc_counted == "aligned") * mine).sum(axis=1)
    ok = present.any(axis=1) & (rivals.sum(axis=1) <= rule.rivals_in_executive)
    ok &= (exec_share > rule.executive_share) & (cc > rule.cc_share)
    rows = np.arange(st.runs)[:, None]
    holders = st.holder[:, c.dominance_offices]
    ok &= ((holders >= 0) & mine[rows, np.maximum(holders, 0)]).all(axis=1)
    return np.where(ok, who, -1)


def chair_holder(ctx: Context, among: B, who: I) -> I:
    """(R,): the contender in ``among`` who holds most of the rules' dominance offices,
    himself or through his followers; ties (and none held) go to ``who``'s power order."""
    st, c = ctx.st, ctx.c
    holders = st.holder[:, c.dominance_offices]
    rows = np.arange(st.runs)[:, None]
    follows = st.follows[rows, np.maximum(holders, 0)]
    patron = np.where(follows >= 0, follows, holders)
    n = st.power.shape[1]
    held = np.zeros((st.runs, n + 1))
    np.add.at(held, (np.broadcast_to(rows, patron.shape), np.where(patron >= 0, patron, n)), 1.0)
    score = np.where(among, held[:, :n] + 0.1 * st.power, -1.0)
    best = np.argmax(score, axis=1)
    return np.where(among.any(axis=1), best, who)


@dataclass
class History:
    """Month-by-month record of a batch: arrays shaped (runs, months, ...)."""

    power: F32
    prestige: F32
    executive: B
    ruling: B
    sanction: I8
    bloc: I8
    holder: I8
    line: F32
    dominant: I8

    @classmethod
    def empty(cls, runs: int, months: int, actors: int, offices: int, axes: int = 3) -> History:
        ra = (runs, months, actors)
        return cls(
            power=np.zeros(ra, np.float32),
            prestige=np.zeros(ra, np.float32),
            executive=np.zeros(ra, bool),
            ruling=np.zeros(ra, bool),
            sanction=np.zeros(ra, np.int8),
            bloc=np.full(ra, -1, np.int8),
            holder=np.full((runs, months, offices), -1, np.int8),
            line=np.zeros((runs, months, axes), np.float32),
            dominant=np.full((runs, months), -1, np.int8),
        )

    def record(self, st: State, m: int, dominant: I) -> None:
        self.power[:, m] = st.power
        self.prestige[:, m] = st.prestige
        self.executive[:, m] = st.executive & st.alive
        self.ruling[:, m] = st.ruling
        self.sanction[:, m] = st.sanction
        self.bloc[:, m] = st.bloc
        self.holder[:, m] = st.holder
        self.line[:, m] = st.line
        self.dominant[:, m] = dominant


@dataclass
class Outcomes:
    """Per-run results of a batch."""

    runs: I
    dominant_end: I  # consolidated leader at the end, -1 none
    consolidation_month: I  # first month of the final unbroken consolidation, -1 none
    strongest_end: I  # largest power share at the end
    defeat_month: I  # (R, A): first month out of the executive by sanction, -1 never
    final_sanction: I  # (R, A)
    died: B  # (R, A)
    choices: dict[str, I] = field(default_factory=dict)


def summarise(
    c: Compiled, st: State, h: History, runs: I, months: int, choices: dict[str, I]
) -> Outcomes:
    dom = h.dominant[:, :months].astype(np.int64)
    end = dom[:, -1]
    # the final unbroken stretch of consolidation under the same leader
    same = dom == end[:, None]
    broken = np.where(~same, np.arange(months)[None, :], -1).max(axis=1)
    cons = np.where(end >= 0, broken + 1, -1)
    removed = c.sanctions.out_executive[h.sanction[:, :months]]
    first = np.where(removed.any(axis=1), removed.argmax(axis=1), -1)
    return Outcomes(
        runs=runs,
        dominant_end=end,
        consolidation_month=cons,
        strongest_end=np.argmax(st.power * c.contender[None, :], axis=1),
        defeat_month=first.astype(np.int64),
        final_sanction=st.sanction.copy(),
        died=~st.alive,
        choices=choices,
    )
