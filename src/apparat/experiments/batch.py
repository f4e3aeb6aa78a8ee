"""One batch of one arm: a picklable spec in, the result tables out.

A batch is the unit of work a backend runs and the store writes in one transaction.
Its spec carries the scenario as plain data, so a worker process needs nothing but the
spec; the compiled scenario is cached per process.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from apparat.economy import EconomyData
from apparat.engine import Compiled, SimulationResult, compile_scenario, simulate
from apparat.experiments.consequences import consequence_rows, line_rows
from apparat.experiments.posterior import Posterior
from apparat.policies import ForcedChoice
from apparat.scenario.models import Scenario
from apparat.store import histogram_rows, moments_rows


@dataclass(frozen=True)
class BatchSpec:
    arm: str
    batch: int
    scenario_json: str  # the (possibly modified) scenario as JSON: picklable and hashable
    params: tuple[tuple[str, float], ...]
    forced: tuple[tuple[str, str], ...]
    seed: int
    runs: tuple[int, ...]  # global run indices
    chronicle_runs: tuple[int, ...] = ()
    kept: tuple[bool, ...] = field(default=())  # per run: matched the record when conditioning
    at: tuple[str, ...] = ()  # months at which to record who is dominant, beyond each December
    posterior: Posterior | None = None  # each run draws its parameters from it
    fixed: tuple[str, ...] = ()  # parameters the arm sets itself: not drawn
    economy: EconomyData | None = None  # the consequences data; None: no consequences
    line: str | None = None  # an imposed line's programme: the consequences model only


@dataclass(frozen=True)
class BatchOutput:
    arm: str
    batch: int
    tables: dict[str, pd.DataFrame]
    seconds: float


def scenario_json(s: Scenario) -> str:
    return s.model_dump_json(by_alias=True, exclude_none=True)


def content_hash(text: str) -> str:
    """The scenario's content hash, recorded with every experiment."""
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=16)
def cached_compiled(scenario_text: str, params: tuple[tuple[str, float], ...]) -> Compiled:
    """A scenario sent as JSON, compiled once per process (workers get many batches)."""
    s = Scenario.model_validate(json.loads(scenario_text))
    return compile_scenario(s, dict(params))


def simulate_spec(spec: BatchSpec) -> SimulationResult:
    c = cached_compiled(spec.scenario_json, spec.params)
    policy = ForcedChoice(c.scenario, dict(spec.forced))
    runs = np.asarray(spec.runs, dtype=np.int64)
    factors = spec.posterior.draw(spec.seed, runs, spec.fixed) if spec.posterior else None
    return simulate(c, runs, spec.seed, None, policy, list(spec.chronicle_runs), factors)


def run_batch(spec: BatchSpec) -> BatchOutput:
    """Simulate the spec's runs and turn the result into the store's tables."""
    start = time.perf_counter()
    if spec.line is not None and spec.economy is not None:
        # an imposed line: no politics, only the consequences of the programme's line
        rows = line_rows(spec.economy, spec.line, spec.seed, spec.runs)
        rows.insert(0, "arm", spec.arm)
        return BatchOutput(
            spec.arm, spec.batch, {"consequences": rows}, time.perf_counter() - start
        )
    res = simulate_spec(spec)
    tables = result_tables(res, spec)
    return BatchOutput(spec.arm, spec.batch, tables, time.perf_counter() - start)


def _labels(c: Compiled, months: NDArray[np.int64]) -> list[str | None]:
    return [c.label(int(m)) if m >= 0 else None for m in months]


def result_tables(res: SimulationResult, spec: BatchSpec) -> dict[str, pd.DataFrame]:
    """Per-run outcomes, per-actor fates, choices, power histograms, line moments, the
    chronicles of the sampled runs and the consequences 1928-1941 (where the spec
    carries economy data), all keyed by arm and global run index."""
    c, o, h = res.compiled, res.outcomes, res.history
    runs = o.runs
    actor_ids = np.array(c.actors, dtype=object)
    kept = np.asarray(spec.kept if spec.kept else [True] * runs.size, dtype=bool)
    outcomes = pd.DataFrame(
        {
            "run": runs,
            "dominant_end": [c.actors[i] if i >= 0 else None for i in o.dominant_end],
            "consolidation_month": _labels(c, o.consolidation_month),
            "strongest_end": actor_ids[o.strongest_end],
            "kept": kept,
        }
    )
    n_act = len(c.actors)
    last = res.months - 1
    actor_rows = pd.DataFrame(
        {
            "run": np.repeat(runs, n_act),
            "actor": np.tile(actor_ids, runs.size),
            "defeat_month": _labels(c, o.defeat_month.ravel()),
            "final_sanction": np.array(c.sanctions.names, dtype=object)[o.final_sanction.ravel()],
            "died": o.died.ravel(),
            "power_end": h.power[:, last].ravel().astype(np.float64),
        }
    )
    choices = _choices(res)
    months = [c.label(m) for m in range(res.months)]
    tables = {
        "outcomes": outcomes,
        "actor_outcomes": actor_rows,
        "choices": choices,
        "power_hist": histogram_rows(h.power, months, list(c.actors)),
        "line_moments": moments_rows(h.line, months, list(c.axes)),
        "dominance": _dominance(res, spec.at),
        "chronicle": _chronicle(res),
        "consequences": consequence_rows(res, spec.economy),
    }
    for df in tables.values():
        df.insert(0, "arm", spec.arm)
    return tables


def _dominance(res: SimulationResult, at: tuple[str, ...]) -> pd.DataFrame:
    """Who is consolidated in each run at each December and at each month asked for."""
    c, h = res.compiled, res.history
    labels = [c.label(m) for m in range(res.months)]
    wanted = sorted({lab for lab in labels if lab.endswith("-12")} | (set(at) & set(labels)))
    frames = []
    for label in wanted:
        dom = h.dominant[:, labels.index(label)]
        frames.append(
            pd.DataFrame(
                {
                    "run": res.outcomes.runs,
                    "month": label,
                    "dominant": [c.actors[int(d)] if d >= 0 else None for d in dom],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _choices(res: SimulationResult) -> pd.DataFrame:
    c, o = res.compiled, res.outcomes
    frames = []
    for d in c.scenario.decisions:
        picks = o.choices.get(d.id)
        if picks is None:
            continue
        options = np.array([opt.id for opt in d.options] + [None], dtype=object)
        frames.append(pd.DataFrame({"run": o.runs, "decision": d.id, "option": options[picks]}))
    if not frames:
        return pd.DataFrame({"run": [], "decision": [], "option": []})
    return pd.concat(frames, ignore_index=True)


def _chronicle(res: SimulationResult) -> pd.DataFrame:
    rows: list[dict[str, Any]] = [
        {
            "run": e.run,
            "month": e.month,
            "date": e.date,
            "kind": e.kind,
            "text": e.text,
            "actors": json.dumps(list(e.actors)),
            "cites": json.dumps(list(e.cites)),
            "why": json.dumps(e.why, default=str),
        }
        for e in res.chronicle
    ]
    columns = ["run", "month", "date", "kind", "text", "actors", "cites", "why"]
    return pd.DataFrame(rows, columns=columns)
