"""The bundled Bolshevik scenario and its record are grounded in the source documents.

Every citation of a local file must point at an existing line of the document it names,
and its quote (if any) must be on the cited lines; every fact the scenario states must cite something;
and the scenario must not script the historical result (DESIGN.md, "Honesty rule").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from apparat import load_scenario
from apparat.engine import compile_scenario
from apparat.engine.state import NO_BLOC, initial_state
from apparat.scenario import Scenario
from apparat.scenario.citations import Citation
from apparat.scenario.record import Record, load_record
from apparat.scenario.sources import Source, citation_problem, quote_problems

# The documents live beside the repository (shared/sources), not inside the package.
SOURCES_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "sources"

# Kinds of scheduled, exogenous events (DESIGN.md, mechanism 8). Blocs, votes, removals,
# sanctions and victories are outcomes of the mechanisms and may not be scheduled.
EXOGENOUS_KINDS = {
    "incapacitation",
    "death",
    "congress",
    "conference",
    "plenum",
    "shock",
    "enrolment",
}
BLOC_WORDS = ("bloc", "troika", "opposition", "faction", "alliance", "pact", "coalition")

Loc = tuple[str | int, ...]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("bolshevik_1923")


@pytest.fixture(scope="module")
def record() -> Record:
    return load_record()


@pytest.fixture(scope="module")
def sources_dir() -> Path:
    """The folder of the source documents, or a skip where the checkout lacks it."""
    if not SOURCES_DIR.is_dir():
        pytest.skip(
            f"source documents not found at {SOURCES_DIR.resolve()} "
            "(expected in shared/sources beside the repository)"
        )
    return SOURCES_DIR


def dotted(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def models(obj: object, loc: Loc = ()) -> Iterator[tuple[Loc, BaseModel]]:
    """Every pydantic model inside ``obj`` (itself included), with its key path."""
    if isinstance(obj, BaseModel):
        yield loc, obj
        for name, field in type(obj).model_fields.items():
            yield from models(getattr(obj, name), (*loc, field.alias or name))
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from models(item, (*loc, i))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from models(item, (*loc, key))


def citations(obj: object) -> list[tuple[Loc, Citation]]:
    return [(loc, m) for loc, m in models(obj) if isinstance(m, Citation)]


def citation_problems(obj: object, sources: Sequence[Source]) -> list[str]:
    """Each citation of a local file that names no existing line, or whose quote is not
    on the cited lines (books and web pages cannot be checked here)."""
    cites = [(dotted(loc), cite) for loc, cite in citations(obj)]
    return quote_problems(cites, sources, SOURCES_DIR)


# ---- citations resolve ------------------------------------------------------------------


def test_every_source_names_an_existing_file(scenario: Scenario, sources_dir: Path) -> None:
    """Each local-file source of the bundled scenario names a document in shared/sources."""
    missing = [
        f"{s.id}: {s.file}"
        for s in scenario.sources
        if s.kind == "file" and not (sources_dir / str(s.file)).is_file()
    ]
    assert not missing, f"sources without a readable file in {sources_dir}: {missing}"


@pytest.mark.parametrize("document", ["scenario", "record"])
def test_every_citation_points_at_a_line_holding_its_quote(
    document: str, scenario: Scenario, record: Record, sources_dir: Path
) -> None:
    """Every citation of a local file names an existing line of it, and its quote is on it."""
    obj = scenario if document == "scenario" else record
    assert citations(obj), f"the {document} holds no citations at all"
    problems = citation_problems(obj, scenario.sources)
    assert not problems, f"{len(problems)} bad citation(s) in the {document}:\n" + "\n".join(
        problems
    )


def test_every_record_citation_suits_its_source(scenario: Scenario, record: Record) -> None:
    """Every citation of the record names a source of the scenario, with a location that
    suits its kind (the loader checks the scenario's own citations the same way)."""
    by_id = {s.id: s for s in scenario.sources}
    problems = [
        f"{dotted(loc)}: {problem}"
        for loc, cite in citations(record)
        if (problem := citation_problem(cite, by_id)) is not None
    ]
    assert not problems, problems


# ---- everything that states a fact cites one -------------------------------------------


def cited_items(s: Scenario) -> Iterator[tuple[str, list[Citation]]]:
    """(what, citations) for every item of the scenario that states something."""
    for a in s.actors:
        yield f"actor {a.id}", a.cite
        for name in type(a.traits).model_fields:
            yield f"actor {a.id} trait {name}", getattr(a.traits, name).cite
        for name, value in a.position.items():
            yield f"actor {a.id} position {name}", value.cite
        for e in a.enmities:
            yield f"actor {a.id} enmity with {e.with_}", e.cite
    for b in s.bodies:
        yield f"body {b.id}", b.cite
    for o in s.offices:
        yield f"office {o.id}", o.cite
    yield "party secretaries", s.party.secretaries.cite
    yield "party central_committee", s.party.central_committee.cite
    for c in s.party.cohorts:
        yield f"cohort {c.id}", c.cite
    for ev in s.calendar:
        yield f"event {ev.id}", ev.cite
    for d in s.decisions:
        yield f"decision {d.id}", d.cite
        for opt in d.options:
            yield f"option {d.id}={opt.id}", opt.cite
    for name, p in s.parameters.items():
        yield f"parameter {name}", p.cite
    yield "rules", s.rules.cite
    for axis in s.rules.axes:
        yield f"rules axis {axis.id}", axis.cite
    for sanction in s.rules.sanctions:
        yield f"rules sanction {sanction.id}", sanction.cite
    for appeal in s.rules.appeals:
        yield f"rules appeal {appeal.from_}->{appeal.to}", appeal.cite
    for dispute in s.disputes:
        for claim in dispute.claims:
            yield f"dispute {dispute.id} claim {claim.id}", claim.cite


def test_every_scenario_item_cites_a_source(scenario: Scenario) -> None:
    """Every actor, trait, position, enmity, body, office, event, decision, option,
    cohort, parameter and disputed claim of the bundled scenario has a citation."""
    items = list(cited_items(scenario))
    assert any(what.startswith("option ") for what, _ in items), "no options were checked"
    uncited = [what for what, cites in items if not cites]
    assert not uncited, f"uncited: {uncited}"


def test_every_record_fact_cites_a_source(record: Record) -> None:
    """Every fact of the historical record, and the order of defeats, has a citation."""
    uncited = [f.id for f in record.facts if not f.cite]
    if record.order_of_defeats is not None and not record.order_of_defeats.cite:
        uncited.append("order_of_defeats")
    assert not uncited, f"uncited record entries: {uncited}"


def test_record_belongs_to_the_scenario(scenario: Scenario, record: Record) -> None:
    """The bundled record is the record of the bundled scenario."""
    assert record.scenario == scenario.scenario.id


def test_every_dispute_uses_one_of_its_claims(scenario: Scenario) -> None:
    """Where sources disagree, the claim the scenario uses is one of the recorded claims."""
    assert scenario.disputes, "the bundled scenario records no disputes"
    wrong = [
        f"{d.id}: uses {d.used!r}, claims {[c.id for c in d.claims]}"
        for d in scenario.disputes
        if d.used not in {c.id for c in d.claims}
    ]
    assert not wrong, wrong


# ---- the period and the honesty rule ---------------------------------------------------


def test_scenario_runs_from_december_1922_to_december_1930(scenario: Scenario) -> None:
    """The bundled scenario starts in 1922-12 and ends in 1930-12."""
    assert (scenario.scenario.start, scenario.scenario.end) == ("1922-12", "1930-12")


def test_events_and_decisions_fall_inside_the_period(scenario: Scenario) -> None:
    """Every scheduled event and every decision is dated inside the simulated period."""
    start, end = scenario.scenario.start, scenario.scenario.end
    dated = [(f"event {e.id}", e.date) for e in scenario.calendar]
    dated += [(f"decision {d.id}", d.date) for d in scenario.decisions]
    outside = [f"{what} ({date})" for what, date in dated if not start <= date <= end]
    assert not outside, f"dated outside {start}..{end}: {outside}"


def test_calendar_holds_only_exogenous_events(scenario: Scenario) -> None:
    """The calendar schedules only exogenous kinds of event, never an outcome."""
    endogenous = [f"{e.id} ({e.kind})" for e in scenario.calendar if e.kind not in EXOGENOUS_KINDS]
    assert not endogenous, f"calendar events that are outcomes, not exogenous: {endogenous}"


def test_enmities_hold_only_strengths(scenario: Scenario) -> None:
    """An actor's enmities are non-negative strengths toward others, never a pact in disguise."""
    wrong = [
        f"{a.id} -> {e.with_}: {e.model_dump(by_alias=True)}"
        for a in scenario.actors
        for e in a.enmities
        if set(e.model_dump(by_alias=True)) != {"with", "strength", "cite"}
        or not 0.0 <= e.strength <= 1.0
        or e.with_ == a.id
    ]
    assert not wrong, wrong


def test_no_body_or_office_is_a_bloc(scenario: Scenario) -> None:
    """No body or office of the bundled scenario stands for a bloc, faction or alliance."""
    named = [(b.id, b.name) for b in scenario.bodies] + [(o.id, o.name) for o in scenario.offices]
    blocs = [
        ident for ident, name in named if any(w in f"{ident} {name}".lower() for w in BLOC_WORDS)
    ]
    assert not blocs, f"bodies or offices that name a bloc: {blocs}"


def test_the_run_starts_with_no_pacts_blocs_or_sanctions(scenario: Scenario) -> None:
    """The initial state built from the bundled scenario holds no pact, bloc, ruling
    coalition or sanction: no decision or option is applied at load."""
    state = initial_state(compile_scenario(scenario), runs=2)
    assert np.all(state.pact_until < 0), "a pact exists before any decision"
    assert np.all(state.bloc == NO_BLOC), "a bloc exists before any decision"
    assert not state.ruling.any(), "a ruling coalition exists before any decision"
    assert not state.sanction.any(), "a sanction exists before any contest"
    assert np.all(state.enmity >= 0.0), "a negative enmity (an affinity) exists at the start"
