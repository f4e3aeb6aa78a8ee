"""Per-run policies: each row of a batch takes its own option, or its own draw."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import Compiled, simulate
from apparat.engine.decisions import DecisionContext
from apparat.errors import InterventionError
from apparat.policies import PerRunChoice, PerRunDraw
from apparat.scenario import Scenario

XII = "trotsky.xii_congress"  # options: attack (0), truce (1)


class Recorder:
    """Behave, and keep the uniform each decision drew, per row."""

    def __init__(self) -> None:
        self.uniform: dict[str, np.ndarray] = {}

    def choose(self, dc: DecisionContext) -> np.ndarray:
        from apparat.engine.decisions import behavioural_choice

        self.uniform[dc.decision.id] = dc.uniform.copy()
        return behavioural_choice(dc)


def test_each_row_takes_its_own_option(bolshevik: Scenario, bolshevik_compiled: Compiled) -> None:
    """Rows told 'attack' attack, rows told 'truce' make the truce, -1 rows behave."""
    picks = np.array([0, 1, -1, 0, 1, -1])
    res = simulate(
        bolshevik_compiled, 6, 1, "1923-05", PerRunChoice(bolshevik, {XII: picks}), False
    )
    got = res.outcomes.choices[XII]
    assert list(got[[0, 3]]) == [0, 0]
    assert list(got[[1, 4]]) == [1, 1]
    assert set(got[[2, 5]]) <= {0, 1}


def test_the_runs_own_draws_reproduce_behaviour_exactly(
    bolshevik: Scenario, bolshevik_compiled: Compiled
) -> None:
    """PerRunDraw given the very uniforms the runs drew chooses as behaviour does, so the
    whole run is the same: agency as a design factor changes nothing by itself."""
    rec = Recorder()
    base = simulate(bolshevik_compiled, 8, 2, "1925-12", rec, False)
    again = simulate(bolshevik_compiled, 8, 2, "1925-12", PerRunDraw(bolshevik, rec.uniform), False)
    for d, picks in base.outcomes.choices.items():
        assert np.array_equal(picks, again.outcomes.choices[d]), d
    assert np.array_equal(base.history.power, again.history.power)


def test_extreme_draws_pick_the_first_and_last_option(
    bolshevik: Scenario, bolshevik_compiled: Compiled
) -> None:
    """A draw of 0 picks the first option, a draw just below 1 the last one."""
    draws = {XII: np.array([0.0, 0.0, 0.999999999, 0.999999999])}
    res = simulate(bolshevik_compiled, 4, 1, "1923-05", PerRunDraw(bolshevik, draws), False)
    assert list(res.outcomes.choices[XII]) == [0, 0, 1, 1]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda s: PerRunChoice(s, {"trotsky.charge": np.zeros(2, int)}), "unknown decision"),
        (lambda s: PerRunChoice(s, {XII: np.array([0, 2])}), r"must lie in -1..1"),
        (lambda s: PerRunChoice(s, {XII: np.array([0.5, 1.0])}), "integer option index"),
        (lambda s: PerRunDraw(s, {XII: np.array([0.5, 1.0])}), r"uniform in \[0, 1\)"),
    ],
)
def test_bad_per_run_values_are_refused(bolshevik: Scenario, build: object, message: str) -> None:
    """Unknown decisions, option indices out of range and draws outside [0, 1) are refused."""
    with pytest.raises(InterventionError, match=message):
        build(bolshevik)  # type: ignore[operator]


def test_a_batch_of_another_size_is_refused(
    bolshevik: Scenario, bolshevik_compiled: Compiled
) -> None:
    """Per-run values must match the batch row for row."""
    pol = PerRunChoice(bolshevik, {XII: np.array([0, 1, 0])})
    with pytest.raises(InterventionError, match="3 per-run values for a batch of 2 runs"):
        simulate(bolshevik_compiled, 2, 1, "1923-05", pol, False)
