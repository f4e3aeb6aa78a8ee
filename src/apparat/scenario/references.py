"""Cross-reference checks: every id a scenario mentions must exist, every citation a source
at a location that suits its kind (a line of a file, a page of a book, a web section)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from apparat.scenario.citations import Citation
from apparat.scenario.consistency import check_consistency
from apparat.scenario.factors import check_factors
from apparat.scenario.models import Scenario
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.rule_checks import check_rules
from apparat.scenario.sources import citation_problem

Problem = tuple[tuple[str | int, ...], str]


def _citations(
    obj: Any, loc: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Citation]]:
    if isinstance(obj, Citation):
        yield loc, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            field = type(obj).model_fields[name]
            yield from _citations(getattr(obj, name), (*loc, field.alias or name))
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _citations(item, (*loc, i))
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _citations(item, (*loc, key))


def _need(ids: set[str], value: str | None, kind: str, loc: tuple[str | int, ...]) -> list[Problem]:
    if value is None or value in ids:
        return []
    return [(loc, f"unknown {kind} '{value}' (known: {', '.join(sorted(ids))})")]


def check_references(s: Scenario) -> list[Problem]:
    """Every dangling id or unknown source, with the key path where it occurs."""
    actors = {a.id for a in s.actors}
    bodies = {b.id for b in s.bodies}
    offices = {o.id for o in s.offices}
    cohorts = {c.id for c in s.party.cohorts}
    out: list[Problem] = []
    collections: dict[str, list[Any]] = {
        "actors": s.actors,
        "factions": s.factions,
        "bodies": s.bodies,
        "offices": s.offices,
        "calendar": s.calendar,
        "decisions": s.decisions,
        "cohorts": s.party.cohorts,
    }
    for key, items in collections.items():
        seen: set[str] = set()
        for i, obj in enumerate(items):
            if obj.id in seen:
                out.append(((key, i, "id"), f"duplicate id '{obj.id}'"))
            seen.add(obj.id)
    for role in ("congress", "central_committee", "executive"):
        out += _need(bodies, getattr(s.roles, role), "body", ("roles", role))
    out += _need(actors, s.roles.founder, "actor", ("roles", "founder"))
    for i, a in enumerate(s.actors):
        for j, e in enumerate(a.enmities):
            out += _need(actors, e.with_, "actor", ("actors", i, "enmities", j, "with"))
    member_of: dict[str, str] = {}
    for i, f in enumerate(s.factions):
        for j, m in enumerate(f.members):
            where = ("factions", i, "members", j)
            out += _need(actors, m, "actor", where)
            if m in member_of:
                out.append((where, f"'{m}' is already a member of faction '{member_of[m]}'"))
            member_of.setdefault(m, f.id)
        if f.leader is not None and f.leader not in f.members:
            out.append(
                (("factions", i, "leader"), f"leader '{f.leader}' is not a member of '{f.id}'")
            )
    for i, b in enumerate(s.bodies):
        for j, m in enumerate(b.members):
            out += _need(actors, m, "actor", ("bodies", i, "members", j))
        for j, m in enumerate(b.candidates):
            out += _need(actors, m, "actor", ("bodies", i, "candidates", j))
    for i, o in enumerate(s.offices):
        out += _need(actors, o.holder, "actor", ("offices", i, "holder"))
        out += _need(offices, o.deputy_of, "office", ("offices", i, "deputy_of"))
        out += _need(offices, o.ex_officio, "office", ("offices", i, "ex_officio"))
        for key in ("deputy_of", "ex_officio"):
            if getattr(o, key) == o.id:
                out.append((("offices", i, key), f"office '{o.id}' cannot name itself"))
    if sum(o.appoints for o in s.offices) != 1:
        out.append((("offices",), "exactly one office must have 'appoints: true'"))
    for group in ("secretaries", "central_committee", "commanders"):
        pool = getattr(s.party, group)
        for name in pool.patrons if pool is not None else ():
            out += _need(actors, name, "actor", ("party", group, "patrons", name))
    for i, ev in enumerate(s.calendar):
        out += _need(actors, ev.actor, "actor", ("calendar", i, "actor"))
        out += _need(cohorts, ev.cohort, "cohort", ("calendar", i, "cohort"))
        for name in ev.prestige:
            out += _need(actors, name, "actor", ("calendar", i, "prestige", name))
        if ev.kind in ("incapacitation", "death") and ev.actor is None:
            out.append((("calendar", i), f"a '{ev.kind}' event needs an 'actor'"))
        if ev.kind == "enrolment" and ev.cohort is None:
            out.append((("calendar", i), "an 'enrolment' event needs a 'cohort'"))
    start, end = s.scenario.start, s.scenario.end
    if start >= end:
        out.append((("scenario", "end"), f"the scenario must end after it starts ({start})"))
    dated: list[tuple[str, int, str]] = [("calendar", i, e.date) for i, e in enumerate(s.calendar)]
    dated += [("decisions", i, d.date) for i, d in enumerate(s.decisions)]
    for key, i, date in dated:
        if not start <= date <= end:
            out.append(((key, i, "date"), f"{date} is outside the scenario ({start} to {end})"))
    for i, d in enumerate(s.decisions):
        out += _need(actors | bodies, d.actor, "actor or body", ("decisions", i, "actor"))
        for j, opt in enumerate(d.options):
            eff = opt.effects
            loc: tuple[str | int, ...] = ("decisions", i, "options", j, "effects")
            out += _need(offices, eff.office, "office", (*loc, "office"))
            for k, name in enumerate(eff.resign):
                out += _need(offices, name, "office", (*loc, "resign", k))
            out += _need(bodies, eff.body, "body", (*loc, "body"))
            out += _need(actors, eff.against, "actor", (*loc, "against"))
            if eff.against is not None and not eff.ally:
                out.append(((*loc, "against"), "'against' names a pact's enemy: it needs 'ally'"))
            for name in [*eff.ally, *eff.enmity, *eff.prestige]:
                out += _need(actors, name, "actor", loc)
            if eff.motion is not None and (
                eff.body is None or (eff.motion == "remove_office" and eff.office is None)
            ):
                out.append((loc, "a motion needs a 'body' (and an 'office' to remove from)"))
    for name, param in s.parameters.items():
        spec = PARAMETERS.get(name)
        if spec is not None and not spec.low <= param.value <= spec.high:
            out.append(
                (("parameters", name, "value"),
                 f"{name} = {param.value} is outside its range [{spec.low}, {spec.high}]")
            )  # fmt: skip
        if name not in PARAMETERS:
            out.append(
                (
                    ("parameters", name),
                    f"unknown parameter '{name}' (valid: {', '.join(sorted(PARAMETERS))})",
                )
            )
    out += check_factors(s)
    out += check_rules(s)
    out += check_consistency(s)
    by_id = {src.id: src for src in s.sources}
    for loc, cite in _citations(s, ()):
        problem = citation_problem(cite, by_id)
        if problem is not None:
            out.append((loc, problem))
    return out
