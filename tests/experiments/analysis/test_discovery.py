"""Scenario discovery with PRIM (and CART): boxes where an outcome happens."""

from __future__ import annotations

import pytest
from analysis_data import FACTORS

from apparat.errors import SimulationError
from apparat.experiments.analysis.deps import ema_quiet
from apparat.scenario import Scenario

pytest.importorskip("SALib")
with ema_quiet():  # EMA warns at import about parts of its own we do not use
    pytest.importorskip("ema_workbench")

from apparat.experiments.analysis import Discovery


@pytest.fixture(scope="module")
def found(with_unread: Scenario) -> Discovery:
    return Discovery(
        with_unread, "no_one_dominant", 240, seed=4, factors=FACTORS, cart=True, store=None,
        significance=None,
    ).run()  # fmt: skip


def test_prim_finds_a_box_denser_than_the_base_rate(found: Discovery) -> None:
    """PRIM's chosen box holds the outcome more often than the whole sample does, and
    its coverage, density and mass are shares."""
    prim = found.boxes_[found.boxes_["method"] == "prim"]
    assert not prim.empty
    first = prim.iloc[0]
    assert 0 < first["coverage"] <= 1
    assert 0 < first["mass"] <= 1
    assert first["density"] > found.base_rate_
    assert set(prim["factor"]) <= set(FACTORS)
    assert (prim["low"] <= prim["high"]).all()


def test_the_trajectory_and_cart_boxes_are_kept(found: Discovery) -> None:
    """The whole peeling trajectory is available, and CART adds boxes of its own."""
    traj = found.trajectory(0)
    assert {"coverage", "density", "mass", "res_dim"} <= set(traj.columns)
    assert len(traj) > 1
    assert found.chosen_[0] in traj.index
    assert "cart" in set(found.boxes_["method"])


def test_an_outcome_that_never_happens_gives_no_box(with_unread: Scenario) -> None:
    """Where the outcome happens in no run, there is nothing to peel toward: no box."""
    d = Discovery(with_unread, "trotsky_dominant", 20, factors=FACTORS[:1], store=None).run()
    assert d.base_rate_ == 0.0
    assert d.boxes_.empty


def test_a_number_is_not_an_outcome_to_discover(bolshevik: Scenario) -> None:
    """Discovery needs something that happens or not; a number is refused, naming the
    outcomes that qualify."""
    with pytest.raises(SimulationError, match=r"consolidation_month.*is a number.*stalin_dominant"):
        Discovery(bolshevik, "consolidation_month", 20, store=None).run()
