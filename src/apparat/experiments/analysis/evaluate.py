"""Evaluate a design: one run per row, thousands of rows per engine call, on any backend.

A design is what a sampler (SALib's Saltelli, Morris or Latin hypercube) asks for,
turned into what the engine takes: per row, a global run index (its luck), the values
of the factors, and optionally the uniform behind each decision (agency). Rows with the
same run index share their luck exactly (common random numbers), which is what lets
variance be split between factors and chance.

Rows are cut into chunks; a chunk is a picklable spec, so the serial, process and Dask
backends all run it, and the result does not depend on which one did.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from apparat.engine import simulate
from apparat.engine.decisions import Policy
from apparat.experiments.analysis.outcomes import values
from apparat.experiments.backends import Backend, make_backend
from apparat.experiments.batch import cached_compiled
from apparat.experiments.posterior import Posterior
from apparat.policies import ForcedChoice, PerRunChoice, PerRunDraw
from apparat.scenario.models import Scenario

F = NDArray[np.float64]
I = NDArray[np.int64]
Agency = Literal["behavioural", "uniform"]
RUN_SPACE = 2**40  # a uniform u becomes run floor(u * RUN_SPACE): practically endless luck
BELOW_ONE = float(np.nextafter(1.0, 0.0))


@dataclass(frozen=True)
class Design:
    """What to simulate: per row a run index, factor values and decision draws."""

    runs: I
    factors: dict[str, F] = field(default_factory=dict)
    draws: dict[str, F] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.runs.size)

    def rows(self, start: int, stop: int) -> Design:
        return Design(
            self.runs[start:stop],
            {k: v[start:stop] for k, v in self.factors.items()},
            {k: v[start:stop] for k, v in self.draws.items()},
        )


def luck(u: NDArray[np.floating]) -> I:
    """Map uniforms in [0, 1) to global run indices: equal u, equal luck."""
    return np.floor(np.clip(u, 0.0, BELOW_ONE) * RUN_SPACE).astype(np.int64)


@dataclass(frozen=True)
class Chunk:
    """One engine call: a slice of the design, with everything a worker needs."""

    scenario_json: str
    seed: int
    start: int
    design: Design
    outcomes: tuple[str, ...]
    agency: Agency = "behavioural"
    forced: tuple[tuple[str, str], ...] = ()
    posterior: Posterior | None = None  # draws what the design does not vary, per run


@dataclass(frozen=True)
class ChunkResult:
    start: int
    values: F  # (rows, outcomes)
    seconds: float


def policy(
    s: Scenario, draws: Mapping[str, F], agency: Agency, forced: Mapping[str, str]
) -> Policy:
    """Forced decisions first; then each decision's per-row draw, behaviourally
    inverted or mapped to an option, every option equally likely."""
    inner: Policy
    if agency == "behavioural":
        inner = PerRunDraw(s, draws)
    else:
        sizes = {d.id: len(d.options) for d in s.decisions}
        picks = {
            k: np.minimum((np.clip(u, 0.0, BELOW_ONE) * sizes[k]).astype(np.int64), sizes[k] - 1)
            for k, u in draws.items()
        }
        inner = PerRunChoice(s, picks)
    return ForcedChoice(s, dict(forced), fallback=inner)


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Simulate one chunk and read its outcomes (runs in worker processes)."""
    start = time.perf_counter()
    c = cached_compiled(chunk.scenario_json, ())
    d = chunk.design
    pol = policy(c.scenario, d.draws, chunk.agency, dict(chunk.forced))
    factors = d.factors
    if chunk.posterior is not None:
        # keyed by the run index, so rows that share their luck share their draw too
        factors = {**chunk.posterior.draw(chunk.seed, d.runs, tuple(d.factors)), **d.factors}
    res = simulate(c, d.runs, chunk.seed, None, pol, False, factors)
    return ChunkResult(chunk.start, values(res, chunk.outcomes), time.perf_counter() - start)


def evaluate(
    scenario: Scenario,
    design: Design,
    outcomes: Sequence[str],
    seed: int,
    *,
    agency: Agency = "behavioural",
    forced: Mapping[str, str] | None = None,
    workers: int = 1,
    backend: Backend | None = None,
    chunk_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    posterior: Posterior | None = None,
) -> F:
    """(rows, outcomes): simulate every row of the design, in chunks, on a backend
    (``backend`` if given, else serial or ``workers`` processes); with a ``posterior``,
    each run draws the global parameters the design does not vary from it."""
    text = scenario.model_dump_json(by_alias=True, exclude_none=True)
    chunks = [
        Chunk(
            text,
            seed,
            start,
            design.rows(start, start + chunk_size),
            tuple(outcomes),
            agency,
            tuple(sorted((forced or {}).items())),
            posterior,
        )
        for start in range(0, len(design), chunk_size)
    ]
    out = np.full((len(design), len(outcomes)), np.nan)
    # a backend handed in stays open for the caller; one made here is closed here
    owned = make_backend(workers) if backend is None else contextlib.nullcontext(backend)
    with owned as b:
        for r in b.map_unordered(run_chunk, chunks):
            out[r.start : r.start + r.values.shape[0]] = r.values
            if progress is not None:
                progress(r.values.shape[0])
    return out
