"""Scoring a run against the record: what happens in the first simulated month is
measured against the world the scenario hands over, and each run's share of the record
is kept so that the median run can be reported."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import compile_scenario
from apparat.engine.compiled import Compiled
from apparat.engine.outcomes import History
from apparat.experiments.validation import fact_hits, validate
from apparat.scenario import load_scenario
from apparat.scenario.record import Fact, load_record

CITE = ["wiki_gang §lead 'the gang'"]


@pytest.fixture(scope="module")
def china() -> Compiled:
    return compile_scenario(load_scenario("china_1976"))


def handed_over(c: Compiled, runs: int = 2) -> History:
    """A history in which nothing changes: every month is the world at the start."""
    h = History.empty(runs, c.months, len(c.actors), len(c.offices), len(c.axes))
    h.holder[:] = c.holder0[None, None, :]
    h.executive[:] = c.executive0[None, None, :]
    h.sanction[:] = c.sanction0[None, None, :]
    h.prestige[:] = 0.5
    return h


def test_an_office_lost_in_the_first_month_is_scored(china: Compiled) -> None:
    """Zhang Chunqiao holds the Shanghai post at the start; a run in which he has lost it
    by the end of the first month reproduces the fact, one in which he keeps it does not."""
    h = handed_over(china)
    office = china.offices.index("shanghai")
    h.holder[0, :, office] = -1
    fact = Fact(id="lost", kind="office_lost", date="1976-10", window=3,
                actor="zhang_chunqiao", office="shanghai", cite=CITE)  # fmt: skip
    hits = fact_hits(china, h, fact)
    assert hits is not None
    assert hits.tolist() == [True, False]


def test_a_starting_sanction_is_not_an_event(china: Compiled) -> None:
    """Deng starts out of the Politburo: that is the world handed over, not a removal in
    the first month; a starting executive seat is not an entry either."""
    h = handed_over(china)
    removed = Fact(id="out", kind="executive_removed", date="1976-09", window=3,
                   actor="deng_xiaoping", cite=CITE)  # fmt: skip
    added = Fact(id="in", kind="executive_added", date="1976-09", window=3,
                 actor="hua_guofeng", cite=CITE)  # fmt: skip
    assert not fact_hits(china, h, removed).any()  # type: ignore[union-attr]
    assert not fact_hits(china, h, added).any()  # type: ignore[union-attr]


def test_validate_keeps_each_runs_share_of_the_record(china: Compiled) -> None:
    """The median run is measured from the runs' own shares: with the world frozen, no
    run reproduces a fact that needs a change, and each share lies in [0, 1]."""
    from apparat.engine import simulate

    record = load_record(None, "china_1976")
    report = validate(china, record, lambda idx: simulate(china, idx, seed=1, chronicle=False), 20)
    assert report.per_run is not None
    assert report.per_run.shape == (20,)
    assert ((report.per_run >= 0) & (report.per_run <= 1)).all()
    assert report.median_run == pytest.approx(float(np.median(report.per_run)))
    assert abs(report.per_run.mean() - report.model_total) < 0.05
