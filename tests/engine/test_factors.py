"""Per-run factors: each row of a batch may carry its own parameters and traits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from apparat import load_scenario
from apparat.engine import compile_scenario, simulate
from apparat.errors import InterventionError
from apparat.experiments import interventions as iv
from apparat.policies import ForcedChoice


@pytest.fixture(scope="module")
def scenario():  # type: ignore[no-untyped-def]
    return load_scenario("bolshevik_1923")


def _same(a, b, row_a: int, row_b: int) -> bool:  # type: ignore[no-untyped-def]
    return all(
        np.array_equal(getattr(a.history, f.name)[row_a], getattr(b.history, f.name)[row_b])
        for f in dataclasses.fields(a.history)
    )


def test_factors_at_the_scenario_values_change_nothing(scenario) -> None:  # type: ignore[no-untyped-def]
    """Sweeping a parameter and a trait at their own values reproduces the plain batch bit for bit."""
    c = compile_scenario(scenario)
    runs = 40
    plain = simulate(c, runs, seed=4, chronicle=False)
    swept = simulate(
        c,
        runs,
        seed=4,
        chronicle=False,
        factors={
            "threat_threshold": np.full(runs, c.params["threat_threshold"]),
            "stalin.organisation": np.full(runs, c.traits[c.index("stalin"), 1]),
        },
    )
    assert all(_same(plain, swept, r, r) for r in range(runs))


def test_a_row_with_its_own_values_equals_a_scenario_edited_to_them(scenario) -> None:  # type: ignore[no-untyped-def]
    """Run 3 with Stalin's organisation at 0.2 and a higher threat threshold inside a
    mixed batch is the run of a scenario edited by ``--set`` to those values."""
    edits = iv.apply(scenario, iv.parse(set_=["stalin.organisation=0.2", "threat_threshold=0.3"]))
    alone = simulate(
        compile_scenario(edits.scenario, edits.params),
        np.array([3]),
        seed=5,
        policy_=ForcedChoice(edits.scenario, {}),
        chronicle=False,
    )
    c = compile_scenario(scenario)
    mixed = simulate(
        c,
        np.array([3, 3, 7]),
        seed=5,
        chronicle=False,
        factors={
            "stalin.organisation": [0.9, 0.2, 0.5],
            "secretariat.threat_threshold": [0.1, 0.3, 0.2],
        },
    )
    assert _same(alone, mixed, 0, 1)
    assert not _same(mixed, mixed, 0, 1)  # the same luck, other values: another history


def test_a_factor_moves_the_outcome_it_should(scenario) -> None:  # type: ignore[no-untyped-def]
    """Stripping Stalin of his organising talent costs him runs he would have won."""
    c = compile_scenario(scenario)
    runs = np.tile(np.arange(150), 2)
    low = np.r_[np.full(150, c.traits[c.index("stalin"), 1]), np.full(150, 0.1)]
    res = simulate(c, runs, seed=6, chronicle=False, factors={"stalin.organisation": low})
    stalin = c.index("stalin")
    wins = res.outcomes.dominant_end == stalin
    assert wins[:150].mean() > wins[150:].mean()


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ({"no_such_param": [0.1]}, "unknown parameter"),
        ({"stalin.charm": [0.1]}, "traits"),
        ({"nobody.organisation": [0.1]}, "actors:"),
        ({"stalin.organisation": [0.1, 0.2]}, "2 values for a batch of 1"),
        ({"stalin.organisation": [1.5]}, r"outside \[0.0, 1.0\]"),
        ({"threat_threshold": [0.1], "secretariat.threat_threshold": [0.1]}, "same thing"),
    ],
)
def test_bad_factors_are_refused_by_name(scenario, factors, message) -> None:  # type: ignore[no-untyped-def]
    """Unknown names, wrong lengths, values out of range and duplicates name the problem."""
    with pytest.raises(InterventionError, match=message):
        simulate(compile_scenario(scenario), 1, seed=1, chronicle=False, factors=factors)


def test_swept_values_set_what_starts_from_them(scenario) -> None:  # type: ignore[no-untyped-def]
    """A swept prestige trait is also the starting prestige; swept oversight the starting
    oversight: each run starts from its own values."""
    from apparat.engine.factors import apply
    from apparat.engine.state import initial_state

    c = compile_scenario(scenario)
    st = initial_state(c, 2)
    apply(c, st, {"stalin.prestige": [0.1, 0.9], "oversight": [0.0, 0.5]})
    assert st.prestige[:, c.index("stalin")].tolist() == [0.1, 0.9]
    assert st.oversight.tolist() == [0.0, 0.5]
    assert st.prestige[:, c.index("trotsky")].tolist() == [c.traits[c.index("trotsky"), 0]] * 2


# ---- offices, cohorts and shocks: factors beyond parameters and traits

NEW_KINDS = {
    "general_secretary.patronage": [1.0, 0.0, 0.4],
    "war_commissariat.force": [0.8, 0.0, 1.0],
    "leningrad_organisation.delegates": [0.13, 0.0, 0.25],
    "lenin_enrolment.members": [100.0, 0.0, 400.0],
    "german_october_1923.blame_direction": [1.0, 0.0, -0.5],
    "german_october_1923.salience": [1.0, 0.0, 3.0],
}


@pytest.mark.parametrize("target", sorted(NEW_KINDS))
def test_a_run_of_a_new_kind_of_factor_does_not_depend_on_its_batch(scenario, target) -> None:  # type: ignore[no-untyped-def]
    """Run 3 with its own office resource, cohort size or shock strength has the same
    history alone as beside other runs with other values."""
    c = compile_scenario(scenario)
    values = NEW_KINDS[target]
    mixed = simulate(c, np.array([3, 3, 5]), seed=8, chronicle=False, factors={target: values})
    for row in (0, 1):
        alone = simulate(c, np.array([3]), seed=8, chronicle=False, factors={target: [values[row]]})
        assert _same(alone, mixed, 0, row)


@pytest.mark.parametrize("target", sorted(NEW_KINDS))
def test_a_new_kind_of_factor_at_its_scenario_value_changes_nothing(scenario, target) -> None:  # type: ignore[no-untyped-def]
    """At the scenario's own value (the first of each list) a factor leaves every run as it was."""
    from apparat.scenario.factors import baseline_value

    c = compile_scenario(scenario)
    assert baseline_value(scenario, target) == NEW_KINDS[target][0]
    runs = 12
    plain = simulate(c, runs, seed=9, chronicle=False)
    swept = simulate(
        c, runs, seed=9, chronicle=False, factors={target: np.full(runs, NEW_KINDS[target][0])}
    )
    assert all(_same(plain, swept, r, r) for r in range(runs))


@pytest.mark.parametrize("target", ["general_secretary.patronage", "german_october_1923.salience"])
def test_a_new_kind_of_factor_changes_the_run(scenario, target) -> None:  # type: ignore[no-untyped-def]
    """With the same luck, a run whose factor is at the other end of its range has another
    history: the factor reaches the mechanisms."""
    c = compile_scenario(scenario)
    res = simulate(c, np.array([2, 2]), seed=3, chronicle=False, factors={target: [1.0, 0.0]})
    assert not _same(res, res, 0, 1)


def test_an_appointer_without_patronage_makes_no_loyal_appointments(scenario) -> None:  # type: ignore[no-untyped-def]
    """With the General Secretary's patronage at 0 every post he fills goes to an
    unaligned functionary; at 1 some go to his own men."""
    from apparat.engine.chronicle import Chronicle
    from apparat.engine.context import Context
    from apparat.engine.factors import apply
    from apparat.engine.mechanisms import circular_flow
    from apparat.engine.random import Streams
    from apparat.engine.state import VACANT, initial_state

    c = compile_scenario(scenario)
    runs = 40
    st = initial_state(c, runs)
    apply(c, st, {"general_secretary.patronage": np.r_[np.zeros(20), np.ones(20)]})
    idx = np.arange(runs)
    ctx = Context(c, st, Streams(1, idx), Chronicle(idx, np.zeros(runs, dtype=bool)))
    st.secretaries[:] = VACANT
    circular_flow.appoint(ctx)
    appointer = st.holder[:, c.appoints]
    loyal = (st.secretaries == appointer[:, None]).mean(axis=1)
    assert (loyal[:20] == 0).all()
    assert loyal[20:].mean() > 0.2


def test_a_cohort_of_size_zero_adds_no_members(scenario) -> None:  # type: ignore[no-untyped-def]
    """A Lenin enrolment of no members opens no posts when it joins and leaves the
    party's loyalty to the apparatus where it was; the real one raises it."""
    from apparat.engine.chronicle import Chronicle
    from apparat.engine.context import Context
    from apparat.engine.factors import apply
    from apparat.engine.mechanisms import enrolment
    from apparat.engine.random import Streams
    from apparat.engine.state import VACANT, initial_state, party_mix

    c = compile_scenario(scenario)
    wave = [k.id for k in scenario.party.cohorts].index("lenin_enrolment")
    joins = int(c.cohort_joins[wave])
    st = initial_state(c, 2)
    apply(c, st, {"lenin_enrolment.members": [0.0, 100.0]})
    idx = np.arange(2)
    ctx = Context(c, st, Streams(1, idx), Chronicle(idx, np.zeros(2, dtype=bool)))
    st.month = joins
    share = enrolment.enrol(ctx, wave)
    assert share[0] == 0
    assert share[1] > 0
    assert not (st.secretaries[0] == VACANT).any()
    assert (st.secretaries[1] == VACANT).any()
    before, after = party_mix(c, st, joins - 1)[0], party_mix(c, st, joins)[0]
    assert isinstance(before, np.ndarray)
    assert isinstance(after, np.ndarray)
    assert after[0, 0] == pytest.approx(before[0, 0])
    assert after[1, 0] > before[1, 0]
    assert after[1, 0] == pytest.approx(c.party_mix[joins, 0])


def test_a_shock_without_blame_leaves_the_mood(scenario) -> None:  # type: ignore[no-untyped-def]
    """The German October with no blame moves no one's prestige and not the party's mood;
    at full strength it pushes the mood toward socialism in one country."""
    from apparat.engine.chronicle import Chronicle
    from apparat.engine.context import Context
    from apparat.engine.events import shock
    from apparat.engine.factors import apply
    from apparat.engine.random import Streams
    from apparat.engine.state import initial_state

    c = compile_scenario(scenario)
    ev = next(e for e in scenario.calendar if e.id == "german_october_1923")
    st = initial_state(c, 2)
    apply(c, st, {"german_october_1923.blame_direction": [0.0, 1.0]})
    st.position[:, c.index("trotsky"), c.axis["international"]] = 0.8
    idx = np.arange(2)
    ctx = Context(c, st, Streams(1, idx), Chronicle(idx, np.zeros(2, dtype=bool)))
    prestige = st.prestige.copy()
    shock(ctx, ev)
    x = c.axis["international"]
    assert st.mood[0, x] == 0.0
    assert st.mood[1, x] < 0.0
    assert np.array_equal(st.prestige[0], prestige[0])
    assert st.prestige[1, c.index("trotsky")] < prestige[1, c.index("trotsky")]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "politburo_chair.patronage",
            r"no office of bolshevik_1923 \(offices: .*general_secretary",
        ),
        ("nepmen.members", "cohorts: old_bolsheviks"),
        ("congress_xiii.blame_direction", "shocks: german_october_1923"),
        ("nowhere.salience", "no shock"),
        ("general_secretary.patronage", r"outside \[0.0, 1.0\]"),
        ("lenin_enrolment.members", "outside"),
    ],
)
def test_unknown_offices_cohorts_and_shocks_are_refused_with_the_valid_names(
    scenario, target, message
) -> None:  # type: ignore[no-untyped-def]
    """A misspelt office, cohort or shock lists the valid ones; a value out of range says so."""
    bad = {"general_secretary.patronage": [1.5], "lenin_enrolment.members": [-1.0]}
    with pytest.raises(InterventionError, match=message):
        simulate(
            compile_scenario(scenario), 1, seed=1, chronicle=False,
            factors={target: bad.get(target, [0.5])},
        )  # fmt: skip
