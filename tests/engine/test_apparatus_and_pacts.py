"""The mechanisms issue 12's second session added: pacts against a common enemy lapse
once he is beaten; only a hostile majority of the executive oversees the appointer; a
leadership does not value a motion against itself as a gain."""

from __future__ import annotations

import numpy as np

from apparat.engine import Compiled, beliefs
from apparat.engine.chronicle import Chronicle
from apparat.engine.context import Context
from apparat.engine.decisions import apply_effects
from apparat.engine.mechanisms import circular_flow, coalitions
from apparat.engine.random import Streams
from apparat.engine.state import initial_state


def make_context(c: Compiled, runs: int = 8) -> Context:
    idx = np.arange(runs, dtype=np.int64)
    st = initial_state(c, runs)
    ctx = Context(c=c, st=st, rng=Streams(3, idx), log=Chronicle(idx, np.ones(runs, bool)))
    beliefs.start(ctx)
    return ctx


def troika_pact(ctx: Context, until: int) -> tuple[int, int, int, int]:
    c, st = ctx.c, ctx.st
    s, z, k, t = (c.index(a) for a in ("stalin", "zinoviev", "kamenev", "trotsky"))
    for i in (s, z, k):
        for j in (s, z, k):
            if i != j:
                st.pact_until[:, i, j] = until
                st.pact_against[:, i, j] = t
    return s, z, k, t


def test_a_pact_against_a_beaten_enemy_lapses_and_one_against_a_threat_holds(
    bolshevik_compiled: Compiled,
) -> None:
    ctx = make_context(bolshevik_compiled)
    st = ctx.st
    st.month = 10
    s, z, k, t = troika_pact(ctx, until=30)
    st.power[:] = 0.02
    beaten = np.arange(st.runs) < 4
    st.power[:, t] = np.where(beaten, 0.01, 0.6)  # strong in the other runs
    lapsed = coalitions.lapse_pacts(ctx)
    assert np.array_equal(lapsed, beaten)
    assert (st.pact_until[beaten, s, z] < st.month).all()
    assert (st.pact_until[~beaten, s, z] == 30).all()
    troika = np.ix_(np.arange(st.runs), [s, z, k], [s, z, k])
    off_diagonal = ~np.eye(3, dtype=bool)
    assert (st.pact_against[troika][beaten][:, off_diagonal] == -1).all()
    assert (st.pact_against[troika][~beaten][:, off_diagonal] == t).all()
    notes = [e for e in ctx.log.entries if e.kind == "pact_lapsed"]
    assert len(notes) == 4
    assert "Trotsky" in notes[0].text


def test_an_expelled_enemy_ends_the_pact_however_strong(bolshevik_compiled: Compiled) -> None:
    ctx = make_context(bolshevik_compiled)
    st, c = ctx.st, ctx.c
    s, z, _, t = troika_pact(ctx, until=30)
    st.power[:, t] = 0.6
    st.sanction[:, t] = c.sanctions.index("expelled")
    assert coalitions.lapse_pacts(ctx).all()
    assert (st.pact_until[:, s, z] < 30).all()


def test_a_pact_with_no_named_enemy_runs_its_term(bolshevik_compiled: Compiled) -> None:
    ctx = make_context(bolshevik_compiled)
    st = ctx.st
    s, z, _, t = troika_pact(ctx, until=30)
    st.pact_against[:] = -1
    st.power[:, t] = 0.0
    assert not coalitions.lapse_pacts(ctx).any()
    assert (st.pact_until[:, s, z] == 30).all()


def test_a_later_pact_against_another_enemy_leaves_the_first_to_lapse_with_its_own(
    bolshevik_compiled: Compiled,
) -> None:
    """Zinoviev's pact with Trotsky against Stalin (1923) must not keep his troika pact
    with Stalin alive once Trotsky is beaten: each pair keeps its own enemy."""
    c = bolshevik_compiled
    ctx = make_context(c)
    st = ctx.st
    s, z, k, t = (c.index(a) for a in ("stalin", "zinoviev", "kamenev", "trotsky"))
    every = np.ones(st.runs, dtype=bool)
    troika = next(d for d in c.scenario.decisions if d.id == "stalin.allies_1923")
    offer = next(d for d in c.scenario.decisions if d.id == "trotsky.zinoviev_offer_1923")
    st.month = 3
    apply_effects(ctx, troika, "troika", every, np.full(st.runs, s), 0)
    st.month = 9
    apply_effects(ctx, offer, "accept", every, np.full(st.runs, t), 0)
    assert (st.pact_against[:, s, z] == t).all()
    assert (st.pact_against[:, z, t] == s).all()
    st.month = 25
    st.power[:] = 0.05
    st.power[:, s] = 0.6  # Stalin strong: the pact against him holds
    st.power[:, t] = 0.0  # Trotsky beaten: the troika's pact lapses, Zinoviev's with him too
    assert coalitions.lapse_pacts(ctx).all()
    assert (st.pact_until[:, s, z] < st.month).all()
    assert (st.pact_until[:, s, k] < st.month).all()
    assert (st.pact_until[:, z, t] >= st.month).all()
    assert (st.pact_against[:, z, t] == s).all()


def test_only_a_hostile_majority_of_the_executive_oversees_the_appointer(
    bolshevik_compiled: Compiled,
) -> None:
    ctx = make_context(bolshevik_compiled, runs=3)
    st, c = ctx.st, ctx.c
    s = c.index("stalin")
    st.holder[:, c.appoints] = s
    st.oversight[:] = 0.2
    st.executive[:] = False
    st.ruling[:] = False
    st.bloc[:] = -1
    st.follows[:] = -1
    members = [c.index(a) for a in ("stalin", "trotsky", "zinoviev", "kamenev", "bukharin")]
    st.executive[:, members] = True
    # run 0: Stalin rules with Zinoviev, Kamenev and Bukharin; Trotsky alone watches
    st.ruling[0, [s, members[2], members[3], members[4]]] = True
    # run 1: Stalin is outside; four of five members are not his
    st.ruling[1, members[1:]] = True
    # run 2: two of five oppose him, none rules: a minority
    st.bloc[2, members[3:]] = 7
    st.bloc[2, [s, members[1], members[2]]] = 3
    ov = circular_flow.oversight(ctx)
    assert ov[0] == 0.2  # a minority and his partners in rule do not police him
    assert ov[2] == 0.2
    assert ov[1] > 0.2 + 0.3  # a hostile majority does


def test_a_leadership_does_not_move_against_itself_for_gain(
    bolshevik_compiled: Compiled,
) -> None:
    """The Testament's 'publish' option, valued by a leadership led by Stalin, is worth
    less to it than shelving the letter; valued by a leader whose rival Stalin is, more."""
    from apparat.engine import choice

    c = bolshevik_compiled
    d = next(x for x in c.scenario.decisions if x.id == "politburo.testament")
    ctx = make_context(c, runs=2)
    st = ctx.st
    st.power[:] = 0.02
    s, t = c.index("stalin"), c.index("trotsky")
    st.power[:, s] = 0.4
    st.power[:, t] = 0.3
    st.bloc[:] = -1
    st.bloc[:, s] = 1
    st.bloc[:, t] = 2
    options = [o.id for o in d.options]
    gains = {}
    for who in (s, t):
        parts = choice.components(ctx, d, np.full(2, who, dtype=np.int64))
        gains[who] = {o: float(parts[i][0][0]) for i, o in enumerate(options)}
    # the motion's stake, not only the prestige the letter costs him: he expects to lose
    # a good part of his strength (0.4)
    assert gains[s]["publish"] < gains[s]["shelve"] - 0.1
    assert gains[t]["publish"] > gains[t]["shelve"]
