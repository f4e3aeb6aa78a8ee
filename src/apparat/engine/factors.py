"""Factors: values that differ from run to run within one batch (a sweep's design).

A sensitivity analysis or a scenario-discovery sample needs thousands of parameter
combinations; simulating each as its own batch would pay the step loop's overhead
thousands of times. Instead each row of a batch carries its own values of the swept
factors, and the mechanisms read them through ``Context.p`` and ``State.traits``.

Targets use the grammar of ``--set``: ``PARAMETER`` or ``BODY.PARAMETER`` (a registered
parameter, within its declared range), ``ACTOR.TRAIT`` (0..1), ``ACTOR.AXIS`` (the
actor's initial line, -1..1) and ``OFFICE.RESOURCE`` (0..1); besides these a cohort's
size, ``COHORT.members`` (thousands), and a shock's strength, ``EVENT.blame_direction``
(-1..1) and ``EVENT.salience`` (a multiple, 0..5, of the salience the event adds). The
names are read by :func:`apparat.scenario.factors.resolve_target`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from apparat.engine.compiled import TRAIT, Compiled
from apparat.engine.state import State, derive_start
from apparat.errors import InterventionError
from apparat.scenario.factors import resolve_target


@dataclass(frozen=True)
class Target:
    """Where a factor's values go: a parameter, an actor's trait or initial line, an
    office's resource, a cohort's size or a shock's strength."""

    kind: str  # "parameter", "trait", "axis", "resource", "cohort" or "shock"
    name: str  # parameter, trait, axis or resource name; "EVENT.FIELD" for a shock
    index: int = -1  # the actor, office or cohort
    low: float = 0.0
    high: float = 1.0


def resolve(c: Compiled, target: str) -> Target:
    """Read a target string, refusing unknown names with the valid choices."""
    r = resolve_target(c.scenario, target)
    if isinstance(r, str):
        raise InterventionError(f"factor {target!r}: {r}")
    if r.kind == "parameter":
        return Target("parameter", r.key, low=r.low, high=r.high)
    first, name = r.key.split(".")
    if r.kind in ("trait", "axis"):
        return Target(r.kind, name, c.index(first), r.low, r.high)
    if r.kind == "resource":
        return Target("resource", name, c.offices.index(first), r.low, r.high)
    if r.kind == "cohort":
        cohorts = [k.id for k in c.scenario.party.cohorts]
        return Target("cohort", name, cohorts.index(first), r.low, r.high)
    return Target("shock", r.key, low=r.low, high=r.high)


def apply(c: Compiled, st: State, factors: Mapping[str, ArrayLike]) -> None:
    """Give each run its own values of ``factors`` (one value per row of the batch)."""
    seen: dict[tuple[str, str, int], str] = {}
    for target, raw in factors.items():
        t = resolve(c, target)
        key = (t.kind, t.name, t.index)
        if key in seen:
            raise InterventionError(f"factors {seen[key]!r} and {target!r} name the same thing")
        seen[key] = target
        values = _values(target, raw, st.runs, t)
        if t.kind == "trait":
            st.traits[:, t.index, TRAIT[t.name]] = values
        elif t.kind == "axis":
            st.position[:, t.index, c.axis[t.name]] = values
        elif t.kind == "resource":
            per_run = st.resources.get(t.name)
            if per_run is None:
                per_run = st.resources[t.name] = np.tile(getattr(c, t.name), (st.runs, 1))
            per_run[:, t.index] = values
        elif t.kind == "cohort":
            if st.cohorts is None:
                st.cohorts = np.tile(c.cohort_members, (st.runs, 1))
            st.cohorts[:, t.index] = values
        elif t.kind == "shock":
            st.shocks[t.name] = values
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
