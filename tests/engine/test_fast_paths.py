"""The shortcuts the engine takes for speed give what the long way gives: a sub-batch's
state copied on first read, the rung table, offices no one may hold left unscored."""

from __future__ import annotations

import itertools

import numpy as np

from apparat import load_scenario
from apparat.engine import compile_scenario, simulate
from apparat.engine.chronicle import Chronicle
from apparat.engine.context import Context
from apparat.engine.mechanisms import contests, succession
from apparat.engine.random import Streams
from apparat.engine.state import initial_state


def _ctx(runs: int = 6) -> Context:
    c = compile_scenario(load_scenario("bolshevik_1923"))
    st = initial_state(c, runs)
    idx = np.arange(runs)
    return Context(c=c, st=st, rng=Streams(1, idx), log=Chronicle(idx, np.zeros(runs, bool)))


def test_a_taken_state_reads_the_rows_and_writes_back_only_what_was_used() -> None:
    """Arrays of a taken state equal the source's rows; changing one leaves the source
    alone until ``put``, which writes back the arrays read and no others."""
    ctx = _ctx()
    st = ctx.st
    st.prestige[:] = np.arange(st.prestige.size).reshape(st.prestige.shape)
    rows = np.array([1, 4])
    sub = st.take(rows)
    assert sub.per_run() == st.per_run()
    np.testing.assert_array_equal(sub.prestige, st.prestige[rows])
    sub.prestige[:] = -1.0
    assert (st.prestige[rows] >= 0).all()  # a copy, not a view
    st.power[:] = 7.0  # never read by the taken state, so never written back
    st.put(rows, sub, st.per_run())
    np.testing.assert_array_equal(st.prestige[rows], -1.0)
    np.testing.assert_array_equal(st.prestige[0], np.arange(st.prestige.shape[1]))
    np.testing.assert_array_equal(st.power, 7.0)


def test_the_rung_table_gives_the_climb_of_each_run() -> None:
    """next_rung's table lookup equals the climb worked out run by run, with and without
    the rulers' hold on force and the charge of illegal work, for every kind of session
    and every starting level."""
    ctx = _ctx()
    rep = ctx.c.sanctions
    flags = (False, True)
    for kind in rep.session:
        table = contests._rung_table(rep, kind, None)
        for lv, no_office, out_exec, grounds, loyal in itertools.product(
            range(rep.top + 1), flags, flags, flags, flags
        ):
            one = contests._climb(
                rep,
                kind,
                None,
                np.array([lv]),
                np.array([no_office]),
                np.array([out_exec]),
                np.array([loyal]),
                np.array([grounds]),
            )
            at = (lv, int(no_office), int(out_exec), int(grounds), int(loyal))
            assert table[at] == one[0]


def test_an_office_no_one_is_qualified_for_is_unfillable_everywhere() -> None:
    """Gosplan, left to professionals the scenario does not model, is never scored; an
    office that asks for no career always is."""
    ctx = _ctx()
    c = ctx.c
    out = succession.unfillable(ctx)
    assert out[:, c.offices.index("gosplan_chair")].all()
    assert not out[:, c.offices.index("general_secretary")].any()


def test_a_batch_of_scattered_runs_equals_the_same_runs_in_a_whole_batch() -> None:
    """Runs simulated among others, or in a batch of their own, end alike (the fast paths
    work on sub-batches of the runs concerned)."""
    c = compile_scenario(load_scenario("bolshevik_1923"))
    whole = simulate(c, 40, 3, chronicle=False)
    some = simulate(c, np.array([3, 17, 31]), 3, chronicle=False)
    np.testing.assert_array_equal(whole.history.holder[[3, 17, 31]], some.history.holder)
    np.testing.assert_array_equal(
        whole.outcomes.dominant_end[[3, 17, 31]], some.outcomes.dominant_end
    )
