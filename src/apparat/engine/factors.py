"""Factors: values that differ from run to run within one batch (a sweep's design).

A sensitivity analysis or a scenario-discovery sample needs thousands of parameter
combinations; simulating each as its own batch would pay the step loop's overhead
thousands of times. Instead each row of a batch carries its own values of the swept
factors, and the mechanisms read them through ``Context.p`` and ``State.traits``.

Targets use the grammar of ``--set``: ``PARAMETER`` or ``BODY.PARAMETER`` (a registered
parameter, within its declared range), ``ACTOR.TRAIT`` (0..1) and ``ACTOR.AXIS`` (the
actor's initial line, -1..1). Office resources are shared by every run of a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from apparat.engine.compiled import TRAIT, Compiled
from apparat.engine.state import State, derive_start
from apparat.errors import InterventionError
from apparat.scenario.parameters import PARAMETERS


@dataclass(frozen=True)
class Target:
    """Where a factor's values go: a parameter, or an actor's trait or initial line."""

    kind: str  # "parameter", "trait" or "axis"
    name: str  # parameter, trait or axis name
    actor: int = -1
    low: float = 0.0
    high: float = 1.0


def resolve(c: Compiled, target: str) -> Target:
    """Read a target string, refusing unknown names with the valid choices."""
    parts = target.split(".")
    bodies = [b.id for b in c.scenario.bodies]
    if len(parts) == 2 and parts[0] in bodies:
        parts = parts[1:]
    if len(parts) == 1:
        spec = PARAMETERS.get(parts[0])
        if spec is None:
            raise InterventionError(
                f"factor {target!r}: unknown parameter; parameters: {', '.join(sorted(PARAMETERS))}"
                " (or ACTOR.TRAIT, ACTOR.AXIS, BODY.PARAMETER)"
            )
        return Target("parameter", parts[0], low=spec.low, high=spec.high)
    if len(parts) != 2 or parts[0] not in c.actors:
        raise InterventionError(
            f"factor {target!r}: write PARAMETER, BODY.PARAMETER, ACTOR.TRAIT or ACTOR.AXIS; "
            f"actors: {', '.join(c.actors)}; bodies: {', '.join(bodies)}"
        )
    actor, name = c.index(parts[0]), parts[1]
    if name in TRAIT:
        return Target("trait", name, actor)
    if name in c.axis:
        return Target("axis", name, actor, -1.0, 1.0)
    raise InterventionError(
        f"factor {target!r}: actors have traits {', '.join(TRAIT)} and axes {', '.join(c.axis)}"
    )


def apply(c: Compiled, st: State, factors: Mapping[str, ArrayLike]) -> None:
    """Give each run its own values of ``factors`` (one value per row of the batch)."""
    seen: dict[tuple[str, str, int], str] = {}
    for target, raw in factors.items():
        t = resolve(c, target)
        key = (t.kind, t.name, t.actor)
        if key in seen:
            raise InterventionError(f"factors {seen[key]!r} and {target!r} name the same thing")
        seen[key] = target
        values = _values(target, raw, st.runs, t)
        if t.kind == "trait":
            st.traits[:, t.actor, TRAIT[t.name]] = values
        elif t.kind == "axis":
            st.position[:, t.actor, c.axis[t.name]] = values
        else:
            st.varied[t.name] = values
    derive_start(c, st)  # what starts from the swept values starts from them


def _values(target: str, raw: ArrayLike, runs: int, t: Target) -> NDArray[np.float64]:
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InterventionError(f"factor {target!r}: values must be numbers ({exc})") from None
    if values.shape != (runs,):
        raise InterventionError(
            f"factor {target!r}: {values.size} values for a batch of {runs} runs; give one per run"
        )
    bad = ~np.isfinite(values) | (values < t.low) | (values > t.high)
    if bad.any():
        first = float(values[np.flatnonzero(bad)[0]])
        raise InterventionError(
            f"factor {target!r}: {int(bad.sum())} value(s) outside [{t.low}, {t.high}], e.g. {first}"
        )
    return values
