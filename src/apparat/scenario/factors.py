"""The factors a scenario declares for sensitivity analysis: what they name, and checks.

A factor's target uses the grammar of ``--set`` (``PARAMETER``, ``BODY.PARAMETER``,
``ACTOR.TRAIT``, ``ACTOR.AXIS``, ``OFFICE.RESOURCE``), or names a cohort's size
(``COHORT.members``, thousands) or a shock's strength (``EVENT.blame_direction``, the
value itself; ``EVENT.salience``, a multiple of the salience the event adds). Checking it here, when the scenario loads, turns a
misspelt target into a file:line problem rather than a failure an hour into an
analysis; the engine checks the sampled values again when it applies them.
"""

from __future__ import annotations

from typing import NamedTuple

from apparat.scenario.models import TRAITS, Scenario
from apparat.scenario.parameters import PARAMETERS, resolve

Problem = tuple[tuple[str | int, ...], str]


RESOURCES = ("patronage", "delegates", "force", "press", "surveillance")
SHOCK_FIELDS = ("blame_direction", "salience")
MAX_MEMBERS = 1e6  # thousands: the cap a cohort's declared size has
MAX_SALIENCE_SCALE = 5.0  # a shock may add at most five times the salience it declares


class Resolved(NamedTuple):
    """A factor's target, read: what kind of thing it names and the range it may take."""

    kind: str  # "parameter", "trait", "axis", "resource", "cohort" or "shock"
    key: str  # canonical name: "oversight", "stalin.organisation", "ogpu.force"
    low: float
    high: float


def _other(s: Scenario, first: str, name: str) -> Resolved | str | None:
    """An office's resource, a cohort's size or a shock's strength; None if ``name`` is
    none of those fields."""
    if name in RESOURCES:
        offices = [o.id for o in s.offices]
        if first not in offices:
            return f"{first!r} is no office of {s.scenario.id} (offices: {', '.join(offices)})"
        return Resolved("resource", f"{first}.{name}", 0.0, 1.0)
    if name == "members":
        cohorts = [k.id for k in s.party.cohorts]
        if first not in cohorts:
            return f"{first!r} is no cohort of {s.scenario.id} (cohorts: {', '.join(cohorts)})"
        return Resolved("cohort", f"{first}.members", 0.0, MAX_MEMBERS)
    if name in SHOCK_FIELDS:
        shocks = [e.id for e in s.calendar if e.kind == "shock"]
        if first not in shocks:
            return (
                f"{first!r} is no shock of {s.scenario.id} (shocks: {', '.join(shocks) or 'none'})"
            )
        if name == "blame_direction":
            return Resolved("shock", f"{first}.blame_direction", -1.0, 1.0)
        return Resolved("shock", f"{first}.salience", 0.0, MAX_SALIENCE_SCALE)
    return None


def resolve_target(s: Scenario, target: str) -> Resolved | str:
    """The target read against the scenario, or a message saying what is wrong."""
    parts = target.split(".")
    bodies = {b.id for b in s.bodies}
    actors = {a.id for a in s.actors}
    if len(parts) == 2 and parts[0] not in actors:
        other = _other(s, parts[0], parts[1])  # an office, cohort or shock (no field of a body)
        if other is not None:
            return other
    if len(parts) == 2 and parts[0] in bodies:
        parts = parts[1:]
    if len(parts) == 1:
        spec = PARAMETERS.get(parts[0])
        if spec is None:
            return (
                f"unknown parameter {parts[0]!r} (parameters: {', '.join(sorted(PARAMETERS))}; "
                "or write ACTOR.TRAIT, ACTOR.AXIS, BODY.PARAMETER)"
            )
        return Resolved("parameter", parts[0], spec.low, spec.high)
    actor, name = parts
    if actor not in actors:
        return (
            f"{actor!r} is no actor or body of {s.scenario.id} "
            f"(actors: {', '.join(sorted(actors))}; bodies: {', '.join(sorted(bodies))}; "
            f"or write OFFICE.{{{','.join(RESOURCES)}}}, COHORT.members, "
            f"EVENT.{{{','.join(SHOCK_FIELDS)}}})"
        )
    if name in TRAITS:
        return Resolved("trait", f"{actor}.{name}", 0.0, 1.0)
    axes = [a.id for a in s.rules.axes]
    if name in axes:
        return Resolved("axis", f"{actor}.{name}", -1.0, 1.0)
    return f"actor {actor!r} has no trait or axis {name!r} (traits: {', '.join(TRAITS)}; axes: {', '.join(axes)})"


def baseline_value(s: Scenario, target: str) -> float:
    """The value the scenario itself gives the target (a parameter's default if unset)."""
    r = resolve_target(s, target)
    if isinstance(r, str):
        raise KeyError(r)
    if r.kind == "parameter":
        return resolve(dict(s.parameters))[r.key]
    first, name = r.key.split(".")
    if r.kind == "resource":
        return float(getattr(next(o for o in s.offices if o.id == first), name))
    if r.kind == "cohort":
        return float(next(k for k in s.party.cohorts if k.id == first).members)
    if r.kind == "shock":
        event = next(e for e in s.calendar if e.id == first)
        return float(event.blame_direction) if name == "blame_direction" else 1.0
    actor_id = first
    actor = next(a for a in s.actors if a.id == actor_id)
    group = actor.traits if r.kind == "trait" else actor.position
    return float(getattr(group, name).value)


def check_factors(s: Scenario) -> list[Problem]:
    """Every factor whose target is unknown, whose range leaves the target's bounds, or
    that names the same thing as an earlier factor."""
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for i, f in enumerate(s.factors):
        r = resolve_target(s, f.target)
        if isinstance(r, str):
            out.append((("factors", i, "target"), r))
            continue
        if f.low < r.low or f.high > r.high:
            out.append(
                (("factors", i, "low"),
                 f"range [{f.low:g}, {f.high:g}] of {f.target} leaves its bounds [{r.low:g}, {r.high:g}]")
            )  # fmt: skip
        if r.key in seen:
            out.append(
                (("factors", i, "target"), f"{f.target} names the same thing as {seen[r.key]}")
            )
        seen.setdefault(r.key, f.target)
    return out
