"""Score an ensemble against a historical record, next to a naive baseline it must beat.

A fact scores the share of runs in which it happens within its window. The naive
baseline is the world frozen at the start: whoever holds the most offices is dominant,
nothing else changes. The order of defeats scores the share of runs in which every
leader of an earlier group is out of the executive no later than any of a later group.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.engine import Compiled, SimulationResult
from apparat.engine.compiled import month_index
from apparat.engine.mechanisms.power import compute_power
from apparat.engine.outcomes import History
from apparat.engine.state import initial_state
from apparat.errors import RecordError
from apparat.scenario.record import Fact, Record
from apparat.scenario.sources import citation_problem

B = NDArray[np.bool_]


@dataclass(frozen=True)
class FactScore:
    fact: Fact
    model: float
    naive: float


@dataclass(frozen=True)
class ValidationReport:
    runs: int
    facts: list[FactScore]
    order_model: float | None
    order_naive: float | None
    dominant_end: NDArray[np.int64]  # per run: the consolidated leader at the end, -1 none
    per_run: NDArray[np.float64] | None = None  # per run: the share of facts it reproduces

    @property
    def median_run(self) -> float | None:
        """The share of the record the median run reproduces (None when not measured)."""
        return None if self.per_run is None else float(np.median(self.per_run))

    @property
    def model_total(self) -> float:
        return float(np.mean([f.model for f in self.facts]))

    @property
    def naive_total(self) -> float:
        return float(np.mean([f.naive for f in self.facts]))


def check_record(c: Compiled, record: Record) -> None:
    """Refuse a record that names actors or offices the scenario does not have, or cites
    a source the scenario does not list (or at a location that does not suit its kind)."""
    problems = []
    sources = {s.id: s for s in c.scenario.sources}
    for f in record.facts:
        for a in [f.actor, *f.actors]:
            if a is not None and a not in c.actors:
                problems.append(f"fact '{f.id}': unknown actor '{a}'")
        if f.office is not None and f.office not in c.offices:
            problems.append(f"fact '{f.id}': unknown office '{f.office}'")
        if f.kind in ("office_lost", "office_gained") and (f.actor is None or f.office is None):
            problems.append(f"fact '{f.id}': kind {f.kind} needs 'actor' and 'office'")
        if f.kind in ("sanction", "readmitted") and (f.actor is None or f.level is None):
            problems.append(f"fact '{f.id}': kind {f.kind} needs 'actor' and 'level'")
        if f.level is not None and f.level not in c.sanctions.names[1:]:
            problems.append(
                f"fact '{f.id}': unknown level '{f.level}' (the scenario's sanctions: "
                f"{', '.join(c.sanctions.names[1:])})"
            )
        if f.kind in ("bloc_formed", "bloc_broken") and len(f.actors) < 2:
            problems.append(f"fact '{f.id}': kind {f.kind} needs two or more 'actors'")
        for cite in f.cite:
            if (problem := citation_problem(cite, sources)) is not None:
                problems.append(f"fact '{f.id}': {problem}")
    for cite in record.order_of_defeats.cite if record.order_of_defeats else []:
        if (problem := citation_problem(cite, sources)) is not None:
            problems.append(f"order_of_defeats: {problem}")
    if problems:
        raise RecordError("record does not fit the scenario:\n  - " + "\n  - ".join(problems))


def occurs(c: Compiled, h: History, f: Fact) -> B:
    """(R, T): the months in which the fact's observable happens in each run."""
    runs = h.power.shape[0]
    if f.kind in ("bloc_formed", "bloc_broken"):
        ids = [c.index(a) for a in f.actors]
        b = h.bloc[:, :, ids].astype(np.int64)
        together = (b >= 0).all(axis=2) & (b == b[:, :, :1]).all(axis=2)
        if f.kind == "bloc_formed":
            return together
        # the blocs form anew each month, so nobody stands together before the first
        was = np.concatenate([np.zeros((runs, 1), dtype=bool), together[:, :-1]], axis=1)
        return was & ~together
    if f.kind == "dominant":
        return h.dominant == c.index(f.actor or "")
    i = c.index(f.actor or "")
    if f.kind in ("office_lost", "office_gained"):
        o = c.offices.index(f.office or "")
        held = h.holder[:, :, o] == i
        # before the first month: the office as the scenario hands it over
        before = np.full((runs, 1), c.holder0[o] == i)
        prev = np.concatenate([before, held[:, :-1]], axis=1)
        alive = h.prestige[:, :, i] > 0
        return (prev & ~held & alive) if f.kind == "office_lost" else (held & ~prev)
    if f.kind == "executive_added":
        seated = h.executive[:, :, i]
        before = np.full((runs, 1), bool(c.executive0[i]))
        return seated & ~np.concatenate([before, seated[:, :-1]], axis=1)
    rep = c.sanctions
    out_exec = rep.first(rep.out_executive)
    ranked = f.kind in ("sanction", "readmitted")
    level = rep.index(f.level) if ranked and f.level is not None else out_exec
    reached = h.sanction[:, :, i] >= level
    before = np.full((runs, 1), bool(c.sanction0[i] >= level))  # a starting sanction
    prev = np.concatenate([before, reached[:, :-1]], axis=1)
    # readmitted: the month a sanction at or above the level is lifted below it again
    return (prev & ~reached) if f.kind == "readmitted" else (reached & ~prev)


def fact_hits(c: Compiled, h: History, f: Fact) -> NDArray[np.bool_] | None:
    """(R,): whether each run reproduces the fact within its window (None: the window
    lies outside the simulated months)."""
    hit = occurs(c, h, f)
    months = hit.shape[1]
    mid = month_index(c.start, f.date)
    lo, hi = max(mid - f.window, 0), min(mid + f.window, months - 1)
    if hi < 0 or lo > months - 1:
        return None
    if mid + f.window < 0 or (lo == 0 and f.kind == "office_gained"):
        # a fact dated before the start is a precondition: is it true of month 0?
        holds = h.holder[:, 0, c.offices.index(f.office or "")] == c.index(f.actor or "")
        if f.kind == "office_gained":
            return np.asarray(hit[:, lo : hi + 1].any(axis=1) | holds)
    return np.asarray(hit[:, lo : hi + 1].any(axis=1))


def score_fact(c: Compiled, h: History, f: Fact) -> float:
    hits = fact_hits(c, h, f)
    return float("nan") if hits is None else float(hits.mean())


def order_score(c: Compiled, defeat: NDArray[np.int64], groups: list[list[str]]) -> float:
    """Share of runs whose defeats respect the groups' order (never defeated = last)."""
    d = np.where(defeat < 0, 10_000, defeat)
    ok = np.ones(d.shape[0], dtype=bool)
    for early, late in itertools.pairwise(groups):
        e = d[:, [c.index(a) for a in early]]
        lt = d[:, [c.index(a) for a in late]]
        ok &= (e.max(axis=1) <= lt.min(axis=1)) & (e.min(axis=1) < 10_000)
    return float(ok.mean())


def naive_history(c: Compiled, months: int) -> History:
    """The world frozen at the start; the scenario's naive rule (``rules.naive_baseline``)
    names who is dominant: the holder of the most offices, the strongest contender at
    the start, or the one with the highest standing."""
    n, o = len(c.actors), len(c.offices)
    h = History.empty(1, months, n, o, len(c.axes))
    h.holder[:] = c.holder0[None, None, :]
    h.executive[:] = c.executive0[None, None, :]
    h.prestige[:] = c.traits[None, None, :, 0]
    rule = c.rules.naive_baseline
    if rule == "most_offices":
        score = np.bincount(c.holder0[c.holder0 >= 0], minlength=n).astype(np.float64)
    elif rule == "most_prestige":
        score = np.where(c.contender, c.traits[:, 0], -1.0)
    else:  # most_power: the power shares of the starting world
        score = np.where(c.contender, compute_power(c, initial_state(c, 1), 0)[0], -1.0)
    h.dominant[:] = int(np.argmax(score))
    return h


def validate(
    c: Compiled,
    record: Record,
    simulate_batch: Callable[[NDArray[np.int64]], SimulationResult],
    runs: int,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ValidationReport:
    """Run ``runs`` runs in batches and score each fact, model and naive side by side."""
    check_record(c, record)
    hits = np.zeros(len(record.facts))
    defeats: list[NDArray[np.int64]] = []
    dominant: list[NDArray[np.int64]] = []
    per_run: list[NDArray[np.float64]] = []
    for start in range(0, runs, batch):
        idx = np.arange(start, min(start + batch, runs), dtype=np.int64)
        res = simulate_batch(idx)
        got = np.zeros(idx.size)
        scorable = 0
        for k, f in enumerate(record.facts):
            h = fact_hits(c, res.history, f)
            if h is None:
                hits[k] = np.nan
                continue
            hits[k] += h.mean() * idx.size
            got += h
            scorable += 1
        per_run.append(got / max(scorable, 1))
        defeats.append(res.outcomes.defeat_month)
        dominant.append(res.outcomes.dominant_end)
        if progress:
            progress(idx.size)
    naive = naive_history(c, c.months)
    facts = [
        FactScore(f, float(hits[k] / runs), score_fact(c, naive, f))
        for k, f in enumerate(record.facts)
    ]
    order_m = order_n = None
    if record.order_of_defeats:
        groups = record.order_of_defeats.groups
        order_m = order_score(c, np.concatenate(defeats), groups)
        order_n = order_score(c, np.full((1, len(c.actors)), -1, dtype=np.int64), groups)
    return ValidationReport(
        runs, facts, order_m, order_n, np.concatenate(dominant), np.concatenate(per_run)
    )
