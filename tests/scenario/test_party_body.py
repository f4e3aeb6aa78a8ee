"""The party body of bolshevik_1923 (issue 12): the second rank named by the design is
in the scenario as followers, the economic offices and the Control Commission exist, and
an office the scenario starts vacant is filled by the vacancy rule, not by a script."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import compile_scenario, simulate
from apparat.engine.compiled import month_index
from apparat.scenario import load_scenario
from apparat.scenario.models import Scenario, Trait

BODY = [
    "kalinin",
    "voroshilov",
    "kaganovich",
    "uglanov",
    "frunze",
    "sokolnikov",
    "radek",
    "rakovsky",
    "rudzutak",
    "mikoyan",
    "andreyev",
]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("bolshevik_1923")


def test_the_party_body_is_second_rank_with_every_trait_and_axis(scenario: Scenario) -> None:
    actors = {a.id: a for a in scenario.actors}
    axes = {x.id for x in scenario.rules.axes}
    for who in BODY:
        a = actors[who]
        assert not a.contender, who
        assert set(a.position) == axes, who


def test_a_neutral_trait_says_why(scenario: Scenario) -> None:
    """Where the sources fix nothing the value is the mid value and a note says so."""
    for who in BODY:
        a = next(x for x in scenario.actors if x.id == who)
        for name in type(a.traits).model_fields:
            t = getattr(a.traits, name)
            if t.value == 0.5:
                assert t.note, f"{who}.{name} is 0.5 without a note"


def test_a_trait_note_is_optional_text() -> None:
    assert Trait.model_validate({"value": 0.5, "cite": "S1:1"}).note is None
    t = Trait.model_validate({"value": 0.5, "cite": "S1:1", "note": "no source"})
    assert t.note == "no source"


def test_vacant_offices_are_filled_by_the_rules(scenario: Scenario) -> None:
    """The CCC chair, created by the XII Congress, is vacant until that month and filled
    by the rules from then on; Gosplan, left to planners the scenario does not model,
    has no actor as holder."""
    c = compile_scenario(scenario)
    ccc, gosplan = c.offices.index("ccc_chair"), c.offices.index("gosplan_chair")
    assert (c.holder0[[ccc, gosplan]] < 0).all()
    assert c.holder0[c.offices.index("vsnkh_chair")] == c.index("rykov")
    congress = next(e for e in scenario.calendar if e.id == "congress_xii")
    due = month_index(c.start, congress.date)
    res = simulate(c, 8, seed=3, chronicle=False)
    held = np.asarray(res.history.holder)
    assert (held[:, :due, ccc] < 0).all()  # not before the congress that created it
    assert (held[:, due, ccc] >= 0).all()  # and filled by the rules at it
    assert (held[:, :, gosplan] < 0).all()


def test_the_comintern_goes_to_a_man_of_the_international(scenario: Scenario) -> None:
    """The Comintern calls for the career 'international' (the ECCI's Small Bureau:
    Zinoviev, Bukharin, Radek): in 200 runs it never changes hands to anyone else while
    Bukharin sits with the rulers, free to serve; and it does pass to Bukharin."""
    c = compile_scenario(scenario)
    o, b = c.offices.index("comintern"), c.index("bukharin")
    qualified = {
        c.index(a.id) for a in scenario.actors if "international" in {k.id for k in a.careers}
    }
    assert qualified == {c.index("zinoviev"), b, c.index("radek")}
    h = simulate(c, 200, seed=5, chronicle=False).history
    holder = np.asarray(h.holder[:, :, o])
    new = (holder[:, 1:] != holder[:, :-1]) & (holder[:, 1:] >= 0)
    free = ~c.sanctions.no_office[np.asarray(h.sanction[:, 1:, b])]
    ruling = np.asarray(h.ruling[:, 1:, b]) & free
    rows, months = np.nonzero(new & ruling)
    assert rows.size  # the case arises
    assert all(int(holder[r, m + 1]) in qualified for r, m in zip(rows, months, strict=True))
    assert (holder == b).any()
