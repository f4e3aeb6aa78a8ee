"""Interventions change one named antecedent, refuse what the scenario lacks, and say why."""

from __future__ import annotations

import numpy as np
import pytest

from apparat.engine import compile_scenario
from apparat.engine.compiled import TRAIT, month_index
from apparat.errors import InterventionError
from apparat.experiments import interventions as iv
from apparat.scenario import Scenario, load_scenario

# ---- parsing ------------------------------------------------------------------------------


def test_parse_reads_each_kind_as_written() -> None:
    """Each kind of command-line string becomes one intervention that prints as it was given."""
    out = iv.parse(
        do=["trotsky.xii_congress=attack"],
        set_=["stalin.intrigue = 0.3"],
        shift=["lenin.death=1926-01"],
        drop=["lenin_enrolment"],
    )
    assert out == [
        iv.Intervention("do", "trotsky.xii_congress", "attack"),
        iv.Intervention("set", "stalin.intrigue", "0.3"),
        iv.Intervention("shift", "lenin.death", "1926-01"),
        iv.Intervention("drop", "lenin_enrolment", None),
    ]
    assert [str(x) for x in out] == [
        "--do trotsky.xii_congress=attack",
        "--set stalin.intrigue=0.3",
        "--shift lenin.death=1926-01",
        "--drop lenin_enrolment",
    ]
    assert iv.parse() == []


def test_describe_gives_one_line() -> None:
    """describe() joins the interventions into one readable line."""
    out = iv.parse(do=["trotsky.xii_congress=attack"], set_=["stalin.intrigue=0.3"])
    assert iv.describe(out) == "trotsky.xii_congress=attack; stalin.intrigue=0.3"
    text = iv.describe(iv.parse(shift=["lenin.death=1926-01"], drop=["lenin_enrolment"]))
    assert "\n" not in text
    assert "lenin.death" in text
    assert "1926-01" in text
    assert "lenin_enrolment" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"do": ["trotsky.xii_congress"]}, "DECISION=OPTION"),
        ({"do": ["=attack"]}, "DECISION=OPTION"),
        ({"do": [""]}, "DECISION=OPTION"),
        ({"set_": ["stalin.intrigue"]}, "NAME=VALUE"),
        ({"set_": ["stalin.intrigue="]}, "NAME=VALUE"),
        ({"set_": ["stalin.intrigue=high"]}, "'high' is not a number"),
        ({"set_": ["oversight=nan"]}, "finite"),
        ({"shift": ["lenin.death"]}, "EVENT=YYYY-MM"),
        ({"shift": ["lenin.death=January 1926"]}, "is not a month"),
        ({"shift": ["lenin.death=1926-13"]}, "is not a month"),
        ({"drop": ["lenin.death=1926-01"]}, "name the event only"),
        ({"drop": [""]}, "EVENT"),
    ],
)
def test_parse_refuses_malformed_strings(kwargs: dict[str, list[str]], message: str) -> None:
    """A string missing its '=', its name or its value, or with a value of the wrong form,
    is refused with the form to write."""
    with pytest.raises(InterventionError, match=message):
        iv.parse(**kwargs)


def test_parse_refuses_a_bare_string_for_a_list() -> None:
    """A single string where a list is expected is refused, not split into characters."""
    with pytest.raises(InterventionError, match="list of strings"):
        iv.parse(do="trotsky.xii_congress=attack")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"do": ["trotsky.xii_congress=attack", "trotsky.xii_congress=truce"]},
        {"set_": ["stalin.intrigue=0.3", "stalin.intrigue=0.4"]},
        {"shift": ["lenin.death=1925-01"], "drop": ["lenin.death"]},
    ],
)
def test_parse_refuses_the_same_target_twice(kwargs: dict[str, list[str]]) -> None:
    """Two changes to the same target in one arm are refused."""
    with pytest.raises(InterventionError, match="twice"):
        iv.parse(**kwargs)


# ---- names and values are checked against the scenario ------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"do": ["trotsky.xiii_party=attack"]}, r"unknown decision .*trotsky\.xii_congress"),
        (
            {"do": ["trotsky.xii_congress=surrender"]},
            "no option 'surrender'; options: attack, truce",
        ),
        ({"set_": ["stalin.charm=0.5"]}, "no trait or axis 'charm'.*intrigue.*economy"),
        ({"set_": ["beria.intrigue=0.5"]}, "'beria' is no actor, office or body.*stalin.*pravda"),
        ({"set_": ["pravda.reach=0.5"]}, "no resource 'reach'.*patronage"),
        ({"set_": ["guile=0.5"]}, "unknown parameter 'guile'.*oversight"),
        ({"set_": ["secretariat.guile=0.5"]}, "'guile' is not a parameter.*oversight"),
        ({"set_": ["stalin.intrigue.x=0.5"]}, "ACTOR.TRAIT"),
        ({"shift": ["lenin_funeral=1924-02"]}, "unknown event 'lenin_funeral'.*lenin_death"),
        ({"drop": ["congress_xx"]}, "unknown event 'congress_xx'.*congress_xiv"),
        ({"drop": ["stalin.death"]}, "no 'death' event of stalin.*lenin.death"),
        ({"drop": ["lenin.exile"]}, "'exile' is no kind of event.*incapacitation"),
        ({"drop": ["beria.death"]}, "'beria' is no actor.*lenin_death"),
    ],
)
def test_unknown_names_are_refused_with_the_valid_choices(
    bolshevik: Scenario, kwargs: dict[str, list[str]], message: str
) -> None:
    """Every unknown decision, option, actor, trait, office, parameter or event is refused
    with the names that would have been valid."""
    with pytest.raises(InterventionError, match=message):
        iv.apply(bolshevik, iv.parse(**kwargs))


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("stalin.intrigue=1.2", r"trait intrigue must lie in \[0, 1\]"),
        ("trotsky.resolve=-0.1", r"trait resolve must lie in \[0, 1\]"),
        ("bukharin.economy=-1.5", r"economy axis must lie in \[-1, 1\]"),
        ("general_secretary.patronage=2", r"resource patronage must lie in \[0, 1\]"),
        ("escalation_interval=20", r"parameter escalation_interval must lie in \[0.5, 12\]"),
        ("politburo.majority=0.9", r"parameter majority must lie in \[0.4, 0.67\]"),
    ],
)
def test_values_out_of_range_are_refused(bolshevik: Scenario, item: str, message: str) -> None:
    """A trait, line, resource or parameter outside its range is refused with the range."""
    with pytest.raises(InterventionError, match=message):
        iv.apply(bolshevik, iv.parse(set_=[item]))


@pytest.mark.parametrize("month", ["1922-11", "1931-01"])
def test_shifts_outside_the_period_are_refused(bolshevik: Scenario, month: str) -> None:
    """An event cannot be moved before the scenario starts or after it ends."""
    with pytest.raises(InterventionError, match="outside the scenario"):
        iv.apply(bolshevik, iv.parse(shift=[f"lenin.death={month}"]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"set_": ["oversight=0.3", "secretariat.oversight=0.4"]},
        {"shift": ["lenin.death=1925-01"], "drop": ["lenin_death"]},
        {"shift": ["lenin_stroke_1923=1923-06", "lenin.incapacitation=1923-07"]},
    ],
)
def test_two_names_for_one_target_are_refused(
    bolshevik: Scenario, kwargs: dict[str, list[str]]
) -> None:
    """Two spellings of the same parameter or event in one arm are refused as duplicates."""
    with pytest.raises(InterventionError, match="change the same"):
        iv.apply(bolshevik, iv.parse(**kwargs))


def test_interventions_built_directly_are_checked_too(bolshevik: Scenario) -> None:
    """apply() checks the form of interventions that did not come through parse()."""
    with pytest.raises(InterventionError, match="not a number"):
        iv.apply(bolshevik, [iv.Intervention("set", "stalin.intrigue", "a lot")])
    with pytest.raises(InterventionError, match="name the event only"):
        iv.apply(bolshevik, [iv.Intervention("drop", "lenin_death", "1924-01")])


# ---- what applying changes -----------------------------------------------------------------


def test_no_interventions_change_nothing(bolshevik: Scenario) -> None:
    """apply([]) returns the scenario unchanged, with nothing forced or overridden."""
    applied = iv.apply(bolshevik, [])
    assert applied.scenario == bolshevik
    assert applied.forced == {}
    assert applied.params == {}
    assert applied.earliest_month is None


def test_a_trait_change_changes_that_trait_and_nothing_else(bolshevik: Scenario) -> None:
    """Setting one actor's trait changes exactly that number of the compiled scenario and
    keeps its citations."""
    applied = iv.apply(bolshevik, iv.parse(set_=["stalin.intrigue=0.3"]))
    before, after = compile_scenario(bolshevik), compile_scenario(applied.scenario)
    i, t = before.index("stalin"), TRAIT["intrigue"]
    assert after.traits[i, t] == 0.3
    assert before.traits[i, t] != 0.3
    changed = np.argwhere(before.traits != after.traits)
    assert changed.tolist() == [[i, t]]
    np.testing.assert_array_equal(before.position, after.position)
    others = [a for a in bolshevik.actors if a.id != "stalin"]
    assert others == [a for a in applied.scenario.actors if a.id != "stalin"]
    old = next(a for a in bolshevik.actors if a.id == "stalin").traits.intrigue
    new = next(a for a in applied.scenario.actors if a.id == "stalin").traits.intrigue
    assert new.cite == old.cite
    assert applied.params == {}
    assert applied.forced == {}
    assert applied.earliest_month is None
    assert applied.scenario.calendar == bolshevik.calendar
    assert applied.scenario.offices == bolshevik.offices


def test_a_line_and_an_office_change_reach_the_compiled_scenario(bolshevik: Scenario) -> None:
    """Setting an actor's line and an office's resource changes those compiled numbers only."""
    applied = iv.apply(
        bolshevik, iv.parse(set_=["bukharin.economy=0.5", "general_secretary.patronage=0.4"])
    )
    before, after = compile_scenario(bolshevik), compile_scenario(applied.scenario)
    changed = np.argwhere(before.position != after.position).tolist()
    assert changed == [[before.index("bukharin"), 0]]
    assert after.position[before.index("bukharin"), 0] == 0.5
    o = before.offices.index("general_secretary")
    assert after.patronage[o] == 0.4
    assert np.argwhere(before.patronage != after.patronage).tolist() == [[o]]
    np.testing.assert_array_equal(before.traits, after.traits)


def test_a_parameter_change_goes_to_params(bolshevik: Scenario) -> None:
    """A parameter set is returned as an override for compile_scenario; the scenario stays."""
    applied = iv.apply(bolshevik, iv.parse(set_=["escalation_interval=6"]))
    assert applied.params == {"escalation_interval": 6.0}
    assert applied.scenario == bolshevik
    assert applied.earliest_month is None
    c = compile_scenario(applied.scenario, applied.params)
    assert c.params["escalation_interval"] == 6.0


def test_a_parameter_named_by_its_body_is_the_parameter(bolshevik: Scenario) -> None:
    """'secretariat.oversight=0.8', as the design writes it, sets the oversight parameter."""
    applied = iv.apply(bolshevik, iv.parse(set_=["secretariat.oversight=0.8"]))
    assert applied.params == {"oversight": 0.8}
    assert compile_scenario(applied.scenario, applied.params).params["oversight"] == 0.8


def test_do_forces_the_decision_from_its_month(bolshevik: Scenario) -> None:
    """A forced decision is returned for ForcedChoice and dates the intervention."""
    applied = iv.apply(bolshevik, iv.parse(do=["politburo.testament=publish"]))
    assert applied.forced == {"politburo.testament": "publish"}
    assert applied.earliest_month == "1924-05"
    assert applied.scenario == bolshevik


def test_shift_moves_the_event(bolshevik: Scenario) -> None:
    """A shifted event sits in its new month of the compiled calendar, and the earlier of
    its old and new months dates the intervention."""
    applied = iv.apply(bolshevik, iv.parse(shift=["lenin.death=1926-01"]))
    c = compile_scenario(applied.scenario)
    start = c.start
    ids = {m: [e.id for e in evs] for m, evs in c.events.items()}
    assert "lenin_death" in ids[month_index(start, "1926-01")]
    assert "lenin_death" not in ids.get(month_index(start, "1924-01"), [])
    assert applied.earliest_month == "1924-01"
    later = iv.apply(bolshevik, iv.parse(shift=["congress_xiv=1925-06"]))
    assert later.earliest_month == "1925-06"
    assert len(applied.scenario.calendar) == len(bolshevik.calendar)


def test_shifting_an_enrolment_moves_its_members(bolshevik: Scenario) -> None:
    """The members of an enrolment wave join when their enrolment event now happens."""
    applied = iv.apply(bolshevik, iv.parse(shift=["lenin_enrolment=1925-06"]))
    joins = {k.id: k.joins for k in applied.scenario.party.cohorts}
    assert joins["lenin_enrolment"] == "1925-06"
    assert joins["lenin_enrolment_1925"] == "1925-01"


def test_drop_removes_the_event(bolshevik: Scenario) -> None:
    """A dropped event is gone from the compiled calendar, and dates the intervention."""
    applied = iv.apply(bolshevik, iv.parse(drop=["congress_xiii"]))
    c = compile_scenario(applied.scenario)
    assert all(e.id != "congress_xiii" for evs in c.events.values() for e in evs)
    assert len(applied.scenario.calendar) == len(bolshevik.calendar) - 1
    assert applied.earliest_month == "1924-05"


def test_dropping_an_enrolment_removes_its_wave(bolshevik: Scenario) -> None:
    """Without its enrolment event a wave never joins: its cohort leaves the party too."""
    applied = iv.apply(bolshevik, iv.parse(drop=["lenin_enrolment"]))
    cohorts = [k.id for k in applied.scenario.party.cohorts]
    assert "lenin_enrolment" not in cohorts
    assert len(cohorts) == len(bolshevik.party.cohorts) - 1
    compile_scenario(applied.scenario)


def test_dropping_an_event_drops_the_factors_that_vary_it(bolshevik: Scenario) -> None:
    """A factor that sizes a dropped wave or scales a dropped shock has nothing left to
    vary: the changed scenario no longer declares it, and keeps the others."""
    targets = {f.target for f in bolshevik.factors}
    assert {"lenin_enrolment.members", "german_october_1923.salience"} <= targets
    applied = iv.apply(bolshevik, iv.parse(drop=["lenin_enrolment", "german_october_1923"]))
    left = {f.target for f in applied.scenario.factors}
    assert left == {
        t for t in targets if t.split(".")[0] not in {"lenin_enrolment", "german_october_1923"}
    }


def test_earliest_month_is_the_earliest_of_all(bolshevik: Scenario) -> None:
    """With several interventions, the earliest month any of them touches is reported."""
    applied = iv.apply(
        bolshevik,
        iv.parse(
            do=["trotsky.answer_1925=join_zinoviev_kamenev"],
            set_=["stalin.intrigue=0.5"],
            shift=["lenin.incapacitation=1925-12", "lenin.death=1926-01"],
        ),
    )
    assert applied.earliest_month == "1923-03"
    assert applied.forced == {"trotsky.answer_1925": "join_zinoviev_kamenev"}


def test_interventions_apply_to_the_toy(toy: Scenario) -> None:
    """Interventions work on any scenario, not only the bundled one."""
    applied = iv.apply(toy, iv.parse(set_=["alpha.ambition=0.1"], do=["alpha.gambit=challenge"]))
    alpha = next(a for a in applied.scenario.actors if a.id == "alpha")
    assert alpha.traits.ambition.value == 0.1
    beta = next(a for a in applied.scenario.actors if a.id == "beta")
    assert beta.traits.ambition.value == 0.8
    with pytest.raises(InterventionError, match=r"--drop lenin\.death: .lenin. is no actor"):
        iv.apply(toy, iv.parse(drop=["lenin.death"]))


def test_a_dropped_session_leaves_the_lists_of_sessions_that_may_sanction(
    bolshevik: Scenario,
) -> None:
    """Dropping the joint plenum of November 1927 takes it off the sessions at which alone
    the party's penalties may be voted; the others stay."""
    applied = iv.apply(bolshevik, iv.parse(drop=["plenum_1927_11"]))
    expelled = next(k for k in applied.scenario.rules.sanctions if k.id == "expelled")
    before = next(k for k in bolshevik.rules.sanctions if k.id == "expelled")
    assert "plenum_1927_11" in before.only_at
    assert "plenum_1927_11" not in expelled.only_at
    assert set(expelled.only_at) == set(before.only_at) - {"plenum_1927_11"}
    compile_scenario(applied.scenario)


def test_dropping_the_only_session_that_may_sanction_is_refused() -> None:
    """China's sentences may be passed only by the Special Court: dropping it would leave
    them no session, which the rules cannot say, so the drop is refused by name."""
    china = load_scenario("china_1976")
    court = next(k for k in china.rules.sanctions if k.only_at)
    with pytest.raises(InterventionError, match=court.only_at[0]):
        iv.apply(china, iv.parse(drop=[court.only_at[0]]))
