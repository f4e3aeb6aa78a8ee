"""Sobol' and Morris sensitivity: known answers, reproducibility, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from analysis_data import FACTORS, UNREAD

from apparat.errors import SimulationError
from apparat.scenario import Scenario
from apparat.store import ResultsStore

pytest.importorskip("SALib")

from apparat.experiments.analysis import Sensitivity


@pytest.fixture(scope="module")
def sobol(with_unread: Scenario) -> Sensitivity:
    return Sensitivity(
        with_unread, "sobol", 32, ["no_one_dominant", "consolidation_month"], seed=3,
        factors=FACTORS, store=None, num_resamples=50, parameters="point",
    ).run()  # fmt: skip


def estimate(
    s: Sensitivity, factor: str, statistic: str, outcome: str = "no_one_dominant"
) -> float:
    df = s.indices_
    row = df[(df["outcome"] == outcome) & (df["factor"] == factor) & (df["statistic"] == statistic)]
    return float(row["estimate"].iloc[0])


def test_a_factor_with_no_path_has_indices_of_exactly_zero(sobol: Sensitivity) -> None:
    """A factor nothing reads gets first-order and total index 0: the rows that differ
    only in it share their luck (common random numbers), so they end alike."""
    for outcome in sobol.outcomes_:
        assert estimate(sobol, UNREAD, "ST", outcome) == 0.0
        assert estimate(sobol, UNREAD, "S1", outcome) == 0.0


def test_the_apparatus_and_chance_matter(sobol: Sensitivity) -> None:
    """Stalin's standing and chance both have a clearly positive total index for
    P(no one dominant); chance is one more input of the design."""
    assert estimate(sobol, "stalin.prestige", "ST") > 0.05
    assert estimate(sobol, "chance", "ST") > 0.05
    assert sobol.runs_ == 32 * (len(FACTORS) + 3)
    assert set(sobol.indices_["factor_group"]) == {"structure", "character", "chance"}


def test_same_seed_same_indices_on_any_number_of_workers(
    with_unread: Scenario, sobol: Sensitivity
) -> None:
    """The same seed gives the same indices, whether one process or two simulate."""
    again = Sensitivity(
        with_unread, "sobol", 32, ["no_one_dominant", "consolidation_month"], seed=3,
        factors=FACTORS, store=None, num_resamples=50, parameters="point", workers=2,
        chunk_size=40,
    ).run()  # fmt: skip
    pd.testing.assert_frame_equal(sobol.indices_, again.indices_)


def test_morris_screens_out_the_unread_factor(with_unread: Scenario) -> None:
    """Morris elementary effects of a factor nothing reads are all zero (one luck per
    trajectory), while a factor with a path moves the outcome."""
    m = Sensitivity(
        with_unread, "morris", 6, ["stalin_dominant"], factors=FACTORS, store=None,
        parameters="point", num_resamples=20,
    ).run()  # fmt: skip
    assert estimate(m, UNREAD, "mu_star", "stalin_dominant") == 0.0
    assert m.runs_ == 6 * (len(FACTORS) + 1)
    assert m.top(k=1)["factor"].iloc[0] != UNREAD


def test_results_are_stored_and_read_back(with_unread: Scenario, tmp_path: Path) -> None:
    """A stored analysis has one row in ``analyses`` and its indices, tidy."""
    store = tmp_path / "a.duckdb"
    s = Sensitivity(
        with_unread, "sobol", 4, ["stalin_dominant"], factors=FACTORS[:2], store=store,
        num_resamples=20,
    ).run()  # fmt: skip
    with ResultsStore(store, read_only=True) as st:
        listed = st.analyses.list()
        got = st.analyses.get(str(s.analysis_id_)[:6])
        table = st.analyses.table(str(s.analysis_id_), "analysis_indices")
    assert list(listed["kind"]) == ["sensitivity"]
    assert got["params"]["factors"] == FACTORS[:2]
    assert got["outcomes"]["stalin_dominant"]["mean"] == pytest.approx(s.means_["stalin_dominant"])
    assert len(table) == len(s.indices_)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcomes": ["stalin_wins"]}, r"unknown outcome 'stalin_wins'.*stalin_dominant"),
        ({"factors": ["stalin.charm"]}, r"stalin.charm: not a declared factor.*delegate_control"),
        ({"method": "fast"}, r"method must be 'sobol' or 'morris'"),
        ({"conf_level": 1.5}, r"conf_level must lie in \(0, 1\)"),
    ],
)
def test_bad_requests_are_refused_with_the_valid_choices(
    bolshevik: Scenario, kwargs: dict[str, object], message: str
) -> None:
    """An unknown outcome or factor, a bad method or level, is refused before any run."""
    with pytest.raises(SimulationError, match=message):
        Sensitivity(bolshevik, store=None, **kwargs).run()  # type: ignore[arg-type]
