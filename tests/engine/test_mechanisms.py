"""Each mechanism as a small function of the state, tested on states we can reason about."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import Compiled, simulate
from apparat.engine.chronicle import Chronicle
from apparat.engine.context import Context
from apparat.engine.mechanisms import circular_flow, coalitions, prestige
from apparat.engine.mechanisms.policy import weighted_median
from apparat.engine.mechanisms.power import compute_power
from apparat.engine.random import Streams
from apparat.engine.state import VACANT, initial_state


def make_context(c: Compiled, runs: int = 50, seed: int = 3) -> Context:
    st = initial_state(c, runs)
    st.power = compute_power(c, st, 0)
    idx = np.arange(runs, dtype=np.int64)
    return Context(c=c, st=st, rng=Streams(seed, idx), log=Chronicle(idx, np.zeros(runs, bool)))


def test_three_member_bloc_is_self_enforcing_where_pairs_are_not() -> None:
    """AES 2008 known answer: with powers 2, 3, 4 every pair has a member who would rule
    it alone, so no pair is self-enforcing, while the trio is."""
    masks, _ = coalitions.subsets(3)
    power = np.array([[2.0, 3.0, 4.0]])
    se = coalitions.self_enforcing(
        power, np.ones((1, 7), bool), np.ones((1, 7), bool), majority=0.5, k=3
    )[0]
    sizes = masks.sum(axis=1)
    assert not se[sizes == 2].any()
    assert se[sizes == 3].all()
    assert se[sizes == 1].all()


def test_a_player_with_a_majority_inside_a_bloc_makes_it_unstable() -> None:
    """A bloc in which one member holds more than half is not self-enforcing."""
    masks, _ = coalitions.subsets(2)
    se = coalitions.self_enforcing(
        np.array([[5.0, 1.0]]), np.ones((1, 3), bool), np.ones((1, 3), bool), 0.5, 2
    )[0]
    pair = masks.sum(axis=1) == 2
    assert not se[pair].any()


def test_appointments_fill_every_vacancy_and_touch_nothing_else(
    bolshevik_compiled: Compiled,
) -> None:
    """Appointments fill vacancies; posts that did not fall vacant keep their patron."""
    ctx = make_context(bolshevik_compiled)
    before = ctx.st.secretaries.copy()
    ctx.st.secretaries[:, :10] = VACANT
    ctx.st.mark_secretaries()  # direct writes must say so: the tally is kept
    circular_flow.appoint(ctx)
    assert (ctx.st.secretaries != VACANT).all()
    assert (ctx.st.secretaries[:, 10:] == before[:, 10:]).all()


def test_turnover_opens_posts_at_the_yearly_rate(bolshevik_compiled: Compiled) -> None:
    """Over many months the share of posts falling vacant matches the turnover rate."""
    ctx = make_context(bolshevik_compiled, runs=400)
    n_posts = ctx.st.secretaries.shape[1]
    opened = 0
    for month in range(12):
        ctx.st.month = month
        circular_flow.turnover(ctx)
        opened += int((ctx.st.secretaries == VACANT).sum())
        ctx.st.secretaries[ctx.st.secretaries == VACANT] = -1
        ctx.st.mark_secretaries()  # direct writes must say so: the tally is kept
    rate = opened / (400 * n_posts)
    expected = bolshevik_compiled.params["turnover_per_year"]
    assert rate == pytest.approx(expected, rel=0.15)


def test_oversight_makes_appointments_less_loyal(bolshevik_compiled: Compiled) -> None:
    """The more closely the executive watches, the fewer appointees owe the appointer."""
    loyal = []
    for watch in (0.0, 0.9):
        ctx = make_context(bolshevik_compiled, runs=300)
        ctx.st.oversight[:] = watch
        ctx.st.secretaries[:] = VACANT
        ctx.st.mark_secretaries()  # direct writes must say so: the tally is kept
        circular_flow.appoint(ctx)
        appointer = ctx.st.holder[0, bolshevik_compiled.appoints]
        loyal.append(float((ctx.st.secretaries == appointer).mean()))
    assert loyal[0] > loyal[1] + 0.2


def test_cc_election_places_the_list_makers_people(bolshevik_compiled: Compiled) -> None:
    """A congress that follows the list fills new CC seats with the list-makers' clients."""
    c = bolshevik_compiled
    ctx = make_context(c, runs=5)
    stalin = c.index("stalin")
    ctx.st.ruling[:] = c.contender[None, :]  # a leadership the congress will follow
    ctx.st.secretaries[:, :80] = stalin  # the apparatus one of them built
    ctx.st.mark_secretaries()  # direct writes must say so: the tally is kept
    before = ctx.st.cc_clients[:, stalin].copy()
    # the CC holds the clients' seats and the actors' own: enlarge it by twenty
    size = round(float(ctx.st.cc_clients[0].sum())) + int(ctx.st.alive[0].sum())
    circular_flow.elect_cc(ctx, seats=size + 20)
    assert (ctx.st.cc_clients[:, stalin] > before + 5).all()


def test_blame_hits_only_the_discredited_end_of_an_axis(bolshevik_compiled: Compiled) -> None:
    """A policy failure costs prestige to those at the blamed end and spares the others."""
    c = bolshevik_compiled
    ctx = make_context(c, runs=1)
    axis = 0
    ctx.st.position[0, :, axis] = np.linspace(-1, 1, len(c.actors))
    before = ctx.st.prestige.copy()
    prestige.blame(ctx, axis=axis, direction=-1.0)
    lost = before[0] - ctx.st.prestige[0]
    left = ctx.st.position[0, :, axis] < 0
    assert (lost[left] > 0).all()
    assert (lost[~left] == 0).all()


def test_weighted_median_picks_the_pivotal_position() -> None:
    """The governing line is the weighted median: a heavy member pulls it to himself."""
    values = np.array([[[-1.0] * 3, [0.0] * 3, [1.0] * 3]])
    assert weighted_median(values, np.array([[1.0, 1.0, 5.0]]))[0, 0] == 1.0
    assert weighted_median(values, np.array([[1.0, 1.0, 1.0]]))[0, 0] == 0.0


def test_binomial_table_is_a_distribution() -> None:
    """The vacancy-count table is a proper CDF, so one uniform gives one count."""
    cdf = circular_flow.binomial_cdf(100, 0.02)
    assert cdf[-1] == pytest.approx(1.0)
    assert (np.diff(cdf) >= 0).all()


def test_power_shares_sum_to_one_over_active_actors(bolshevik_compiled: Compiled) -> None:
    """Power is a share: it sums to one and an incapacitated actor has none."""
    c = bolshevik_compiled
    ctx = make_context(c, runs=3)
    ctx.st.active[:, c.index("lenin")] = False
    p = compute_power(c, ctx.st, 0)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert (p[:, c.index("lenin")] == 0).all()


def test_run_is_the_same_alone_or_in_a_batch(bolshevik_compiled: Compiled) -> None:
    """Run i has the same history whatever batch it is simulated in."""
    together = simulate(bolshevik_compiled, np.arange(20), seed=5, chronicle=False)
    alone = simulate(bolshevik_compiled, np.array([13]), seed=5, chronicle=False)
    assert np.array_equal(together.history.power[13], alone.history.power[0])
    assert np.array_equal(together.history.sanction[13], alone.history.sanction[0])


def test_runs_stay_their_own_when_decisions_leave_offices_vacant(
    bolshevik_compiled: Compiled,
) -> None:
    """With Dzerzhinsky dead in May 1924, offices fall vacant while decisions are taken;
    each run of a batch still has exactly the history it has alone (found by the Mesa
    peer: offices were once filled in every run whenever any run's decision changed)."""
    from apparat.engine import compile_scenario
    from apparat.experiments import interventions as iv

    edited = iv.apply(bolshevik_compiled.scenario, iv.parse(shift=["dzerzhinsky.death=1924-05"]))
    c = compile_scenario(edited.scenario, edited.params)
    runs = np.arange(30)
    together = simulate(c, runs, seed=1, chronicle=False)
    for r in runs:
        alone = simulate(c, np.array([r]), seed=1, chronicle=False)
        assert np.array_equal(together.history.holder[r], alone.history.holder[0]), r
        assert np.array_equal(together.history.power[r], alone.history.power[0]), r


def test_same_seed_same_result_and_other_seeds_differ(bolshevik_compiled: Compiled) -> None:
    """Same seed, same result; a different seed changes the course of some runs."""
    a = simulate(bolshevik_compiled, 30, seed=11, chronicle=False)
    b = simulate(bolshevik_compiled, 30, seed=11, chronicle=False)
    d = simulate(bolshevik_compiled, 30, seed=12, chronicle=False)
    assert np.array_equal(a.history.power, b.history.power)
    assert not np.array_equal(a.history.power, d.history.power)


def test_a_carried_motion_sanctions_the_holder_and_passes_his_office_on(
    bolshevik_compiled: Compiled,
) -> None:
    """A motion that removes a holder sanctions him, nobody else, and gives his office to
    someone outside his own side."""
    from apparat.engine.chronicle import Chronicle as _Chronicle
    from apparat.engine.mechanisms import contests

    c = bolshevik_compiled
    ctx = make_context(c, runs=200)
    ctx.log = _Chronicle(np.arange(200, dtype=np.int64), np.zeros(200, bool))
    stalin, trotsky = c.index("stalin"), c.index("trotsky")
    ctx.st.ruling[:] = c.contender[None, :] & (np.arange(len(c.actors)) != trotsky)[None, :]
    ctx.st.prestige[:, stalin] = 0.1  # a holder with no standing left
    gs = c.appoints
    before = ctx.st.sanction.copy()
    movers = np.full(200, trotsky, dtype=np.int64)
    passed = contests.motion(ctx, np.ones(200, bool), movers, gs, "congress", 0, authority=1.0)
    assert passed.any()
    assert (ctx.st.sanction[passed, stalin] == 2).all()
    others = np.arange(len(c.actors)) != stalin
    assert (ctx.st.sanction[:, others] == before[:, others]).all()
    assert (ctx.st.holder[passed, gs] != stalin).all()


def test_an_enrolment_wave_opens_posts_and_raises_apparatus_control(
    bolshevik_compiled: Compiled,
) -> None:
    """A vetted wave opens secretary posts for the appointer and makes conferences easier
    to steer once it has joined."""
    from apparat.engine.mechanisms import enrolment
    from apparat.engine.mechanisms.power import apparatus_control

    c = bolshevik_compiled
    wave = [k.id for k in c.scenario.party.cohorts].index("lenin_enrolment")
    joins = int(c.cohort_joins[wave])
    ctx = make_context(c, runs=20)
    ctx.st.month = joins
    share = enrolment.enrol(ctx, wave)
    assert (share > 0).all()
    assert (ctx.st.secretaries == VACANT).any(axis=1).all()
    after = apparatus_control(c, ctx.st)
    ctx.st.month = joins - 1
    assert after > apparatus_control(c, ctx.st)


def test_open_opposition_under_the_ban_costs_prestige(bolshevik_compiled: Compiled) -> None:
    """While the ban on factions stands, campaigning in the open costs more than it wins."""
    from apparat.engine.mechanisms import opposition

    c = bolshevik_compiled
    ctx = make_context(c, runs=10)
    trotsky = c.index("trotsky")
    ctx.st.ruling[:] = c.contender[None, :] & (np.arange(len(c.actors)) != trotsky)[None, :]
    ctx.st.tactic[:, trotsky] = opposition.OPEN
    before = ctx.st.prestige[:, trotsky].copy()
    opposition.monthly(ctx)
    assert (ctx.st.prestige[:, trotsky] < before).all()


def test_a_death_vacates_offices_seats_and_clients(bolshevik_compiled: Compiled) -> None:
    """A scheduled death frees the dead man's offices, executive seat, secretaries and CC
    clients; nothing about who replaces him is scheduled."""
    from apparat.engine.events import incapacitate

    c = bolshevik_compiled
    ctx = make_context(c, runs=3)
    dz = c.index("dzerzhinsky")
    ctx.st.secretaries[:, :5] = dz
    ctx.st.mark_secretaries()  # direct writes must say so: the tally is kept
    incapacitate(ctx, dz, dies=True)
    assert not ctx.st.alive[:, dz].any()
    assert not (ctx.st.holder == dz).any()
    assert not ctx.st.executive[:, dz].any()
    assert not (ctx.st.secretaries == dz).any()
    assert (ctx.st.cc_clients[:, dz] == 0).all()


def test_a_deputy_succeeds_to_a_vacant_office(bolshevik_compiled: Compiled) -> None:
    """When an office falls vacant its deputy takes it, the deputy post opens, and the
    chronicle names the successor."""
    c = bolshevik_compiled
    ctx = make_context(c, runs=2)
    ctx.log = Chronicle(np.arange(2, dtype=np.int64), np.ones(2, bool))
    chair, deputy = c.offices.index("sovnarkom_chair"), c.offices.index("sovnarkom_deputy")
    rykov = c.index("rykov")
    ctx.st.holder[:, chair] = -1
    circular_flow.succeed_deputies(ctx)
    assert (ctx.st.holder[:, chair] == rykov).all()
    assert (ctx.st.holder[:, deputy] == -1).all()
    assert any(e.text.startswith("Alexei Rykov succeeds") for e in ctx.log.entries)


def test_turnover_tables_hold_for_a_party_of_ten_thousand_posts() -> None:
    """The vacancy count's CDF stays a CDF for 10,000 posts (exact coefficients would
    overflow) and agrees with the exact table where both can be computed."""
    from apparat.engine.mechanisms.circular_flow import binomial_cdf, binomial_cdfs

    big = binomial_cdf(10_000, 0.02)
    assert np.all(np.diff(big) >= 0)
    assert big[-1] == pytest.approx(1.0, abs=1e-6)
    assert int(np.searchsorted(big, 0.5)) == 200  # the median count is n * p
    exact = binomial_cdf(500, 0.02)
    assert np.allclose(exact, binomial_cdfs(500, np.array([0.02]))[0], atol=1e-9)
