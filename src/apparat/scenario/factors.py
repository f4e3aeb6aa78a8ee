"""The factors a scenario declares for sensitivity analysis: what they name, and checks.

A factor's target uses the grammar of ``--set`` (``PARAMETER``, ``BODY.PARAMETER``,
``ACTOR.TRAIT``, ``ACTOR.AXIS``). Checking it here, when the scenario loads, turns a
misspelt target into a file:line problem rather than a failure an hour into an
analysis; the engine checks the sampled values again when it applies them.
"""

from __future__ import annotations

from typing import NamedTuple

from apparat.scenario.models import TRAITS, Scenario
from apparat.scenario.parameters import PARAMETERS, resolve

Problem = tuple[tuple[str | int, ...], str]


class Resolved(NamedTuple):
    """A factor's target, read: what kind of thing it names and the range it may take."""

    kind: str  # "parameter", "trait" or "axis"
    key: str  # canonical name: "oversight", "stalin.organisation"
    low: float
    high: float


def resolve_target(s: Scenario, target: str) -> Resolved | str:
    """The target read against the scenario, or a message saying what is wrong."""
    parts = target.split(".")
    bodies = {b.id for b in s.bodies}
    actors = {a.id for a in s.actors}
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
            f"(actors: {', '.join(sorted(actors))}; bodies: {', '.join(sorted(bodies))})"
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
    actor_id, name = r.key.split(".")
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
