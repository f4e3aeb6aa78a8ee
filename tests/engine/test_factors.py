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
