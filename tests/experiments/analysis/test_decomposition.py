"""Structure / agency / chance: the split follows the design's known answers."""

from __future__ import annotations

import numpy as np
import pytest
from analysis_data import FACTORS

from apparat.errors import InterventionError, SimulationError
from apparat.scenario import Scenario

pytest.importorskip("SALib")

from apparat.experiments.analysis import Decomposition


def part(d: Decomposition, name: str, kind: str) -> float:
    t = d.table()
    return float(t.loc[t["part"] == name, kind].iloc[0])


def test_with_every_decision_forced_agency_explains_exactly_nothing(bolshevik: Scenario) -> None:
    """Forcing every decision to its historical option leaves the agency inputs no path
    to the outcome: agency's first-order and total shares are 0, structure's are not.
    The outcome must still vary once every decision follows history; Stalin's dominance
    hardly does (about 98% of such runs), the month of consolidation does."""
    history = {d.id: d.historical for d in bolshevik.decisions}
    d = Decomposition(
        bolshevik, 16, ["consolidation_month"], seed=2, do=history, factors=FACTORS[:2],
        store=None, num_resamples=50,
    ).run()  # fmt: skip
    assert part(d, "agency", "first") == 0.0
    assert part(d, "agency", "total") == 0.0
    assert part(d, "structure", "total") > 0.0
    assert d.runs_ == 16 * 5


def test_the_three_parts_are_reported_with_intervals_and_an_answer(bolshevik: Scenario) -> None:
    """Each of structure, agency and chance has a first-order and a total share with an
    interval around it, and the answer names all three with their figures."""
    d = Decomposition(
        bolshevik, 16, ["stalin_dominant"], seed=2, factors=FACTORS[:2], store=None,
        num_resamples=50, agency="uniform",
    ).run()  # fmt: skip
    t = d.table()
    assert list(t["part"]) == ["structure", "agency", "chance"]
    assert np.all(t["first_low"] <= t["first"])
    assert np.all(t["first"] <= t["first_high"])
    assert np.all(t["total_low"] <= t["total"])
    assert np.all(t["total"] <= t["total_high"])
    for words in ("structure", "the choices at the decision points", "chance", "%", "every option"):
        assert words in d.answer_


def test_characters_can_be_split_from_structure(bolshevik: Scenario) -> None:
    """With split_structure the leaders' characters are a fourth part."""
    d = Decomposition(
        bolshevik, 4, ["no_one_dominant"], factors=FACTORS[:2], split_structure=True,
        store=None, num_resamples=20,
    ).run()  # fmt: skip
    assert list(d.table()["part"]) == ["structure", "character", "agency", "chance"]
    assert d.runs_ == 4 * 6


def test_same_seed_same_split(bolshevik: Scenario) -> None:
    """The decomposition is reproducible: same seed, same shares and intervals."""
    runs = [
        Decomposition(
            bolshevik, 4, ["stalin_dominant"], seed=5, factors=FACTORS[:1], store=None,
            num_resamples=20,
        ).run().indices_
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0].equals(runs[1])


def test_bad_requests_are_refused(bolshevik: Scenario) -> None:
    """An unknown forced option or agency mode is refused before any run."""
    with pytest.raises(InterventionError, match="has no option 'charge'"):
        Decomposition(bolshevik, 4, do={"trotsky.xii_congress": "charge"}, store=None).run()
    with pytest.raises(SimulationError, match="agency must be 'behavioural' or 'uniform'"):
        Decomposition(bolshevik, 4, agency="free", store=None).run()  # type: ignore[arg-type]
