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


@pytest.fixture(scope="module")
def bolshevik() -> Compiled:
    return compile_scenario(load_scenario("bolshevik_1923"))


BCITE = ["S2:18 'sconfitta nel dicembre 1925 al XIV Congresso'"]


def test_a_readmission_is_the_month_a_sanction_is_lifted(bolshevik: Compiled) -> None:
    """Zinoviev expelled in month 20 and readmitted (brought back below expulsion) in
    month 30 reproduces a readmission dated there; a run in which he stays expelled, or
    is never expelled, does not; the expulsion itself is not a readmission."""
    c = bolshevik
    h = handed_over(c, runs=3)
    z, expelled = c.index("zinoviev"), c.sanctions.index("expelled")
    h.sanction[0, 20:, z] = expelled
    h.sanction[0, 30:, z] = expelled - 1  # a recantation: one rung lighter
    h.sanction[1, 20:, z] = expelled  # stays expelled
    date = _month(c, 30)
    back = Fact(id="back", kind="readmitted", date=date, window=2, actor="zinoviev",
                level="expelled", cite=BCITE)  # fmt: skip
    assert fact_hits(c, h, back).tolist() == [True, False, False]  # type: ignore[union-attr]
    early = Fact(id="early", kind="readmitted", date=_month(c, 20), window=2,
                 actor="zinoviev", level="expelled", cite=BCITE)  # fmt: skip
    assert not fact_hits(c, h, early).any()  # type: ignore[union-attr]


def test_a_bloc_breaks_the_month_its_members_part(bolshevik: Compiled) -> None:
    """Stalin and Zinoviev in one bloc until month 33, apart from then on: the break is
    scored around month 33 and not elsewhere; two who never stood together never break,
    and standing together from the first month is not a break either."""
    c = bolshevik
    h = handed_over(c, runs=2)
    s, z = c.index("stalin"), c.index("zinoviev")
    h.bloc[:, :, s] = s
    h.bloc[:, :, z] = s  # run 1: together to the end
    h.bloc[0, 33:, z] = z  # run 0: Zinoviev leads his own bloc from month 33
    broke = Fact(id="broke", kind="bloc_broken", date=_month(c, 33), window=1,
                 actors=["stalin", "zinoviev"], cite=BCITE)  # fmt: skip
    assert fact_hits(c, h, broke).tolist() == [True, False]  # type: ignore[union-attr]
    before = Fact(id="before", kind="bloc_broken", date=_month(c, 10), window=3,
                  actors=["stalin", "zinoviev"], cite=BCITE)  # fmt: skip
    assert not fact_hits(c, h, before).any()  # type: ignore[union-attr]
    strangers = Fact(id="strangers", kind="bloc_broken", date=_month(c, 33), window=3,
                     actors=["stalin", "trotsky"], cite=BCITE)  # fmt: skip
    assert not fact_hits(c, h, strangers).any()  # type: ignore[union-attr]


def test_new_kinds_are_checked_against_the_scenario(bolshevik: Compiled) -> None:
    """A readmission needs a level of the scenario's repertoire, a break two actors."""
    from apparat.errors import RecordError
    from apparat.experiments.validation import check_record
    from apparat.scenario.record import Record

    bad = Record(scenario="bolshevik_1923", facts=[
        Fact(id="r", kind="readmitted", date="1928-06", actor="zinoviev", cite=BCITE),
        Fact(id="b", kind="bloc_broken", date="1925-10", actors=["stalin"], cite=BCITE),
    ])  # fmt: skip
    with pytest.raises(RecordError) as err:
        check_record(bolshevik, bad)
    assert "kind readmitted needs 'actor' and 'level'" in str(err.value)
    assert "kind bloc_broken needs two or more 'actors'" in str(err.value)


def _month(c: Compiled, k: int) -> str:
    """The YYYY-MM of simulated month ``k``."""
    return c.label(k)


def test_conditioning_skips_sanctions_the_rules_never_impose(bolshevik: Compiled) -> None:
    """Under rules that sanction contenders only, Pyatakov's expulsion is scored but not
    required of conditioned runs (none could match), Trotsky's is required; under the
    Bolshevik rules, which strike followers too, both are required."""
    from apparat.engine import compile_scenario
    from apparat.experiments.conditioning import structural

    def expelled(who: str) -> Fact:
        return Fact(id=who, kind="sanction", date="1927-12", actor=who, level="expelled",
                    cite=BCITE)  # fmt: skip

    s = bolshevik.scenario
    narrow = compile_scenario(
        s.model_copy(update={"rules": s.rules.model_copy(update={"targets": "contenders"})})
    )
    assert not structural(expelled("pyatakov"), narrow)
    assert structural(expelled("trotsky"), narrow)
    assert bolshevik.rules.targets == "everyone"
    assert structural(expelled("pyatakov"), bolshevik)
