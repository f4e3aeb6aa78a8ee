"""Score an ensemble against a historical record, next to two baselines it must beat.

A fact scores the share of runs in which it happens within its window, and the Brier
score of that share. The month of each event scores its CRPS and whether the record's
month lies in the ensemble's 80 % predictive interval (`apparat.experiments.scores`).

Two baselines. The *naive* one is the world frozen at the start: whoever holds the most
offices is dominant, nothing else changes. The *random-timing* one keeps each run's
events but moves them in time: each run's months of each fact's event are rotated by an
offset drawn uniformly over the scenario's span (stream ``validation.random_timing``),
so it shows how much of the model's score is timing rather than knowing that something
happens at all. The order of defeats scores the share of runs in which every leader of
an earlier group is out of the executive no later than any of a later group.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from apparat.engine import Compiled, SimulationResult
from apparat.engine.compiled import month_index, month_label
from apparat.engine.mechanisms.power import compute_power
from apparat.engine.outcomes import History
from apparat.engine.random import Streams
from apparat.engine.state import initial_state
from apparat.errors import RecordError
from apparat.experiments.scores import brier, crps, interval, median_abs_error
from apparat.experiments.statistics import shares
from apparat.scenario.models import parse_month
from apparat.scenario.record import Fact, Record
from apparat.scenario.sources import citation_problem

B = NDArray[np.bool_]
I = NDArray[np.int64]
RANDOM_STREAM = "validation.random_timing"
LEVEL = 0.8  # the predictive interval whose coverage is reported
NAN = float("nan")
SCHEMA = 1  # of the JSON document (`as_dict`): bumped when a key changes meaning or goes


@dataclass(frozen=True)
class Trio:
    """One score for the model and each baseline."""

    model: float
    random: float
    naive: float


@dataclass(frozen=True)
class Timing:
    """When a fact's event first happens in the ensemble, against the record's month.

    Months count from the scenario's start. A run without the event is placed at
    ``never`` = last simulated month + window + 1: the first month at which an event
    would miss the fact's window whatever the record's month in the span.
    """

    record: int
    never: int
    occurred: float  # share of runs in which the event happens at all
    low: float  # the 10th, 50th and 90th percentiles of the event's month
    median: float
    high: float
    crps: Trio
    median_abs_error: float  # among runs in which it happens; nan when none

    @property
    def covered(self) -> bool:
        """The record's month lies within the 80 % predictive interval."""
        return self.low <= self.record <= self.high

    @property
    def verdict(self) -> str:
        """'in' the interval, or the model is 'late' (record before it) or 'early'."""
        if self.covered:
            return "in"
        return "late" if self.record < self.low else "early"


@dataclass(frozen=True)
class FactScore:
    fact: Fact
    model: float
    naive: float
    random: float = NAN
    timing: Timing | None = None  # None: the record's month lies outside the span
    group: str = "all"  # with a split: 'before' or 'from'

    @property
    def brier(self) -> Trio:
        """Brier scores of the three hit rates against the record's outcome 1."""
        return Trio(brier(self.model), brier(self.random), brier(self.naive))


@dataclass(frozen=True)
class Scores:
    """Every score of one set of facts (all of them, or those on one side of a split)."""

    facts: int  # facts whose window lies in the span
    timed: int  # facts whose record month lies in the span
    hit: Trio
    median_run: Trio
    brier: Trio
    crps: Trio
    median_abs_error: float  # mean over timed facts of the per-fact median
    coverage: float  # share of timed facts whose record month the 80 % interval covers


@dataclass(frozen=True)
class ValidationReport:
    runs: int
    facts: list[FactScore]
    order_model: float | None
    order_naive: float | None
    dominant_end: NDArray[np.int64]  # per run: the consolidated leader at the end, -1 none
    per_run: NDArray[np.float64] | None = None  # per run: the share of facts it reproduces
    scores: dict[str, Scores] = field(default_factory=dict)  # 'all' [, 'before', 'from']
    start: str = ""
    months: int = 0
    seed: int = 0
    split: str | None = None
    hits: B | None = None  # (runs, facts): the run reproduces the fact in its window
    random_hits: B | None = None  # (runs, facts): the same with the random timing
    event_month: I | None = None  # (runs, facts): the first month of the event, -1 none

    @property
    def median_run(self) -> float | None:
        """The share of the record the median run reproduces (None when not measured)."""
        return None if self.per_run is None else float(np.median(self.per_run))

    @property
    def model_total(self) -> float:
        return float(np.nanmean([f.model for f in self.facts]))

    @property
    def naive_total(self) -> float:
        return float(np.nanmean([f.naive for f in self.facts]))

    def as_dict(self, names: list[str] | None = None) -> dict[str, Any]:
        """The whole report as plain JSON values (nan as None); ``names`` labels the
        actors of ``consolidated_end`` (their indices otherwise). Keys in docs/model.md."""
        return _report_dict(self, names)


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


def window_hits(c: Compiled, h: History, f: Fact, hit: B) -> B | None:
    """(R,): whether each run's months ``hit`` of the fact fall within its window (None:
    the window lies outside the simulated months)."""
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


def fact_hits(c: Compiled, h: History, f: Fact) -> B | None:
    """(R,): whether each run reproduces the fact within its window (None: the window
    lies outside the simulated months)."""
    return window_hits(c, h, f, occurs(c, h, f))


def score_fact(c: Compiled, h: History, f: Fact) -> float:
    hits = fact_hits(c, h, f)
    return float("nan") if hits is None else float(hits.mean())


def first_month(hit: B) -> I:
    """(R,): each run's first month of the event, -1 for a run without it."""
    return np.where(hit.any(axis=1), hit.argmax(axis=1), -1).astype(np.int64)


def shift_months(hit: B, offset: I) -> B:
    """Rotate each run's months by its own offset (month t moves to t + offset, modulo
    the span): the events keep their number and spacing and land anywhere in the span."""
    t = hit.shape[1]
    cols = (np.arange(t)[None, :] - offset[:, None]) % t
    return np.take_along_axis(hit, cols, axis=1)


def random_offsets(seed: int, idx: I, facts: int, months: int) -> I:
    """(runs, facts): the random-timing baseline's offsets, a pure function of seed and
    global run index, so any split into batches gives the same baseline."""
    u = Streams(seed, idx).uniform(RANDOM_STREAM, 0, facts)
    return np.minimum((u * months).astype(np.int64), months - 1)


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


@dataclass
class _Tally:
    """What each batch adds: per run and fact, the hits and the first months."""

    hits: list[B] = field(default_factory=list)
    random_hits: list[B] = field(default_factory=list)
    first: list[I] = field(default_factory=list)
    random_first: list[I] = field(default_factory=list)

    def add(self, c: Compiled, record: Record, h: History, offsets: I) -> None:
        runs, k = h.power.shape[0], len(record.facts)
        hits, rhits = np.zeros((runs, k), bool), np.zeros((runs, k), bool)
        first, rfirst = np.full((runs, k), -1, np.int64), np.full((runs, k), -1, np.int64)
        for j, f in enumerate(record.facts):
            occ = occurs(c, h, f)
            rolled = shift_months(occ, offsets[:, j])
            got, rgot = window_hits(c, h, f, occ), window_hits(c, h, f, rolled)
            if got is not None and rgot is not None:
                hits[:, j], rhits[:, j] = got, rgot
            first[:, j], rfirst[:, j] = first_month(occ), first_month(rolled)
        self.hits.append(hits)
        self.random_hits.append(rhits)
        self.first.append(first)
        self.random_first.append(rfirst)


def _timing(c: Compiled, f: Fact, first: I, rfirst: I, naive: int) -> Timing | None:
    """The timing scores of one fact (None when its month lies outside the span)."""
    y = month_index(c.start, f.date)
    if not 0 <= y < c.months:
        return None
    never = c.months + f.window  # last month (months - 1) + window + 1
    placed, rplaced = np.where(first < 0, never, first), np.where(rfirst < 0, never, rfirst)
    low, mid, high = interval(placed, LEVEL)
    naive_at = never if naive < 0 else naive
    return Timing(
        record=y,
        never=never,
        occurred=float((first >= 0).mean()),
        low=low,
        median=mid,
        high=high,
        crps=Trio(crps(placed, y), crps(rplaced, y), float(abs(naive_at - y))),
        median_abs_error=median_abs_error(first, y),
    )


def _mean(values: list[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else NAN


def _summary(facts: list[FactScore], cols: list[int], hits: B, rhits: B) -> Scores:
    """The scores of the facts in ``cols`` whose window lies in the span."""
    cols = [k for k in cols if not math.isnan(facts[k].model)]
    chosen = [facts[k] for k in cols]
    timed = [f.timing for f in chosen if f.timing is not None]

    def trio(get: Callable[[FactScore], Trio]) -> Trio:
        got = [get(f) for f in chosen]
        return Trio(*(_mean([getattr(t, a) for t in got]) for a in ("model", "random", "naive")))

    hit = Trio(
        _mean([f.model for f in chosen]),
        _mean([f.random for f in chosen]),
        _mean([f.naive for f in chosen]),
    )
    median_run = Trio(
        float(np.median(hits[:, cols].mean(axis=1))) if cols else NAN,
        float(np.median(rhits[:, cols].mean(axis=1))) if cols else NAN,
        hit.naive,  # one frozen world: its only run is its median
    )
    return Scores(
        facts=len(chosen),
        timed=len(timed),
        hit=hit,
        median_run=median_run,
        brier=trio(lambda f: f.brier),
        crps=trio(lambda f: f.timing.crps if f.timing else Trio(NAN, NAN, NAN)),
        median_abs_error=_mean([t.median_abs_error for t in timed]),
        coverage=_mean([float(t.covered) for t in timed]),
    )


def validate(
    c: Compiled,
    record: Record,
    simulate_batch: Callable[[NDArray[np.int64]], SimulationResult],
    runs: int,
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
    *,
    seed: int = 0,
    split: str | None = None,
) -> ValidationReport:
    """Run ``runs`` runs in batches and score each fact, model and baselines side by side.

    ``seed`` keys the random-timing baseline (pass the ensemble's seed); ``split``
    ('YYYY-MM') also scores the facts dated before that month and those from it apart.
    """
    check_record(c, record)
    if split is not None:
        split = parse_month(split)
    tally = _Tally()
    defeats: list[NDArray[np.int64]] = []
    dominant: list[NDArray[np.int64]] = []
    for start in range(0, runs, batch):
        idx = np.arange(start, min(start + batch, runs), dtype=np.int64)
        res = simulate_batch(idx)
        offsets = random_offsets(seed, idx, len(record.facts), res.history.power.shape[1])
        tally.add(c, record, res.history, offsets)
        defeats.append(res.outcomes.defeat_month)
        dominant.append(res.outcomes.dominant_end)
        if progress:
            progress(idx.size)
    hits, rhits = np.concatenate(tally.hits), np.concatenate(tally.random_hits)
    first, rfirst = np.concatenate(tally.first), np.concatenate(tally.random_first)
    naive = naive_history(c, c.months)
    facts = []
    for k, f in enumerate(record.facts):
        scorable = fact_hits(c, naive, f) is not None
        naive_first = int(first_month(occurs(c, naive, f))[0])
        group = "all" if split is None else ("before" if f.date < split else "from")
        facts.append(
            FactScore(
                f,
                float(hits[:, k].mean()) if scorable else NAN,
                score_fact(c, naive, f),
                float(rhits[:, k].mean()) if scorable else NAN,
                _timing(c, f, first[:, k], rfirst[:, k], naive_first),
                group,
            )
        )
    scorable_cols = [k for k, f in enumerate(facts) if not math.isnan(f.model)]
    per_run = hits[:, scorable_cols].mean(axis=1) if scorable_cols else np.zeros(runs)
    scores = {"all": _summary(facts, list(range(len(facts))), hits, rhits)}
    if split is not None:
        for g in ("before", "from"):
            cols = [k for k, f in enumerate(facts) if f.group == g]
            scores[g] = _summary(facts, cols, hits, rhits)
    order_m = order_n = None
    if record.order_of_defeats:
        groups = record.order_of_defeats.groups
        order_m = order_score(c, np.concatenate(defeats), groups)
        order_n = order_score(c, np.full((1, len(c.actors)), -1, dtype=np.int64), groups)
    return ValidationReport(
        runs,
        facts,
        order_m,
        order_n,
        np.concatenate(dominant),
        per_run,
        scores=scores,
        start=c.start,
        months=c.months,
        seed=seed,
        split=split,
        hits=hits,
        random_hits=rhits,
        event_month=first,
    )


# ---------------------------------------------------------------- JSON


def _num(x: float | None) -> float | None:
    """A JSON number: nan (not measured) becomes None."""
    return None if x is None or math.isnan(x) else round(float(x), 6)


def _trio(t: Trio) -> dict[str, float | None]:
    return {"model": _num(t.model), "random": _num(t.random), "naive": _num(t.naive)}


def _month(r: ValidationReport, index: float, never: int) -> str | None:
    """A month of the predictive interval as 'YYYY-MM'; None beyond the horizon."""
    return None if index >= never else month_label(r.start, int(index))


def _timing_dict(r: ValidationReport, t: Timing | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "record": month_label(r.start, t.record),
        "occurred": _num(t.occurred),
        "low": _month(r, t.low, t.never),
        "median": _month(r, t.median, t.never),
        "high": _month(r, t.high, t.never),
        "covered": t.covered,
        "verdict": t.verdict,
        "crps": _trio(t.crps),
        "median_abs_error": _num(t.median_abs_error),
    }


def _scores_dict(s: Scores) -> dict[str, Any]:
    return {
        "facts": s.facts,
        "timed": s.timed,
        "hit": _trio(s.hit),
        "median_run": _trio(s.median_run),
        "brier": _trio(s.brier),
        "crps": _trio(s.crps),
        "median_abs_error": _num(s.median_abs_error),
        "coverage": _num(s.coverage),
    }


def _report_dict(r: ValidationReport, names: list[str] | None) -> dict[str, Any]:
    labels = dict(enumerate(names)) if names else {}
    labels[-1] = "no one"
    order = None
    if r.order_model is not None:
        order = {"model": _num(r.order_model), "naive": _num(r.order_naive)}
    return {
        "schema": SCHEMA,
        "runs": r.runs,
        "seed": r.seed,
        "start": r.start,
        "months": r.months,
        "split": r.split,
        "interval": LEVEL,
        "facts": [
            {
                "id": f.fact.id,
                "kind": f.fact.kind,
                "date": f.fact.date,
                "window": f.fact.window,
                "group": f.group,
                "hit": _trio(Trio(f.model, f.random, f.naive)),
                "brier": _trio(f.brier),
                "timing": _timing_dict(r, f.timing),
            }
            for f in r.facts
        ],
        "scores": {k: _scores_dict(s) for k, s in r.scores.items()},
        "order_of_defeats": order,
        "consolidated_end": [
            {"actor": s.label, "share": _num(s.share), "low": _num(s.low), "high": _num(s.high)}
            for s in shares(r.dominant_end, labels)
        ],
    }
