"""The gain screen: which parameters a calibration can gain from, on the training facts."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import Compiled
from apparat.experiments.calibration_setup import Split, split_record
from apparat.experiments.screening import screen_gain
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.record import load_record


@pytest.fixture(scope="module")
def early(bolshevik_compiled: Compiled) -> Split:
    """The record split at the end of 1924: few facts, short runs."""
    return split_record(bolshevik_compiled, load_record(scenario="bolshevik_1923"), "1924-12")


def test_a_grid_point_at_the_point_value_scores_the_point_exactly(
    bolshevik_compiled: Compiled, early: Split
) -> None:
    """Every grid point runs the same runs as the point values (common random numbers):
    one grid point at the middle of faction_trust's range, which is its point value,
    scores exactly the point's distance and gains nothing."""
    out = screen_gain(
        bolshevik_compiled, early, 1, candidates=["faction_trust"], levels=1, runs_each=6
    )
    row = out.iloc[0]
    assert row["best"] == pytest.approx(0.5)
    assert row["distance"] == row["at_point"]
    assert row["gain"] == 0.0


def test_a_parameter_that_cannot_act_before_the_cut_off_gains_nothing(
    bolshevik_compiled: Compiled, early: Split
) -> None:
    """Street demonstrations begin in 1927: before 1925 their gain moves no fact, at any
    value, while the threshold at which a rival holds the rulers together does; each
    gain is the point's distance less the best grid point's, the largest first."""
    names = ["demonstrate_gain", "threat_threshold"]
    out = screen_gain(bolshevik_compiled, early, 1, candidates=names, levels=3, runs_each=8)
    by = out.set_index("parameter")
    assert by.loc["demonstrate_gain", "gain"] == 0.0
    assert by.loc["threat_threshold", "gain"] != 0.0
    assert list(out["gain"]) == sorted(out["gain"], reverse=True)
    assert np.allclose(out["gain"], out["at_point"] - out["distance"])
    for row in out.itertuples():
        spec = PARAMETERS[str(row.parameter)]
        assert spec.low <= float(row.best) <= spec.high
