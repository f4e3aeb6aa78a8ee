"""The party's penalties are voted where the Control Commission sits (bolshevik_1923,
rules.yaml): censure at the joint CC-CCC plenums, the conferences and the congresses;
removal from the CC and expulsion at the joint plenums and the congresses; removal from
an office or from the Politburo at any CC plenum."""

from __future__ import annotations

import numpy as np
import pytest
from test_rules import world

from apparat.engine import compile_scenario, simulate
from apparat.engine.compiled import Compiled, month_index
from apparat.engine.mechanisms.contests import can_vote
from apparat.scenario import load_scenario

CC_ONLY = ["plenum_1925_10", "plenum_1926_04", "plenum_1928_07", "plenum_1928_11", "plenum_1929_11"]


@pytest.fixture(scope="module")
def compiled() -> Compiled:
    return compile_scenario(load_scenario("bolshevik_1923"))


def allowed(c: Compiled, event: str) -> set[str]:
    kind = next(e.kind for e in c.scenario.calendar if e.id == event)
    ok = c.sanctions.imposable(kind, event)
    return {name for name, yes in zip(c.sanctions.names, ok, strict=False) if yes}


@pytest.mark.parametrize(
    ("event", "can", "cannot"),
    [
        (
            "plenum_1925_10",
            {"removed_from_office", "removed_from_executive"},
            {"censured", "expelled"},
        ),
        ("plenum_1929_11", {"removed_from_executive"}, {"censured", "removed_from_cc"}),
        ("plenum_1926_07", {"censured", "removed_from_cc", "expelled"}, set()),
        ("plenum_1928_04", {"censured", "expelled"}, set()),
        ("congress_xiv", {"censured", "removed_from_office", "expelled"}, set()),
        ("conference_xiii", {"censured", "removed_from_office"}, {"removed_from_cc", "expelled"}),
    ],
)
def test_which_session_may_impose_which_penalty(
    compiled: Compiled, event: str, can: set[str], cannot: set[str]
) -> None:
    got = allowed(compiled, event)
    assert can <= got, (event, can - got)
    assert not cannot & got, (event, cannot & got)


def test_no_censure_or_expulsion_falls_at_a_plenum_of_the_cc_alone(compiled: Compiled) -> None:
    """In 300 runs, nobody is first censured, removed from the CC or expelled in the
    month of a CC plenum the Control Commission did not attend (no other session sits in
    those months), while such blows do fall at the joint plenums."""
    c = compiled
    h = simulate(c, runs=300, seed=3, chronicle=False).history
    rep = c.sanctions
    months = [month_index(c.start, next(e.date for e in c.scenario.calendar if e.id == ev))
              for ev in CC_ONLY]  # fmt: skip
    joint = month_index(c.start, "1927-11")
    s = h.sanction.astype(np.int64)
    for name in ("censured", "removed_from_cc", "expelled"):
        level = rep.index(name)
        # (R, T-1, A): a step that lands on this penalty in month t + 1 (a CC plenum may
        # still pass over it to an office or a Politburo seat)
        landed = (s[:, 1:] == level) & (s[:, :-1] < level)
        at = set((np.flatnonzero(landed.any(axis=(0, 2))) + 1).tolist())
        assert not at & set(months), (name, sorted(at & set(months)))
        if name != "censured":
            assert joint in at, name  # the November 1927 joint plenum does strike


@pytest.mark.parametrize(
    ("month", "expected"), [("1928-11", False), ("1929-04", True), ("1928-10", False)]
)
def test_a_decision_may_move_a_censure_only_where_the_control_commission_sits(
    month: str, expected: bool
) -> None:
    """Stalin's decision to have the CC censure Bukharin (November 1928 in the scenario)
    cannot be voted at the CC plenum of that month, only at a joint plenum (April 1929);
    in a month with no session at all it cannot be put either. Removal from the
    Politburo, the CC's own business, can be voted at any plenum."""
    s = load_scenario("bolshevik_1923")
    ctx = world(s, month=month_index(s.scenario.start, month))
    rep = ctx.c.sanctions
    assert can_vote(ctx, "central_committee", rep.index("censured")) is expected
    assert can_vote(ctx, "central_committee", rep.index("removed_from_executive"))
