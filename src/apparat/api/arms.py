"""The two arms of a what-if, simulated side by side on two processes.

A paired 1,000-run experiment is the web page's slowest answer, and its two arms are
independent: run on two cores they take half the time. The pool is a ``forkserver``
pool (the server has threads, and forking a threaded process is unsafe), started and
warmed when the application starts, so the first request does not pay for it. Small
requests stay in the calling thread, where sending arrays between processes would cost
more than it saves; a pool that breaks falls back to the same.

The workers ignore SIGINT: Ctrl+C in a terminal reaches the whole process group, and the
server, not each worker, decides what stops and when. ``close`` ends them (a simulation
in progress is not waited for), so none outlives the server.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from apparat.economy.bridge import december_lines
from apparat.engine import Compiled, compile_scenario, simulate
from apparat.experiments.backends import one_blas_thread
from apparat.experiments.batch import cached_compiled
from apparat.experiments.posterior import Posterior
from apparat.policies import ForcedChoice
from apparat.scenario import load_scenario

PARALLEL_FROM = 200  # runs per arm from which the second process pays off


@dataclass(frozen=True)
class ArmSpec:
    """One arm: a bundled scenario by name, or an edited one as JSON, and its choices."""

    name: str
    scenario_json: str | None
    params: tuple[tuple[str, float], ...]
    forced: tuple[tuple[str, str], ...]
    runs: int
    seed: int
    first_year: int | None = None  # the consequences' first year: read off the lines
    # each run's global parameters are drawn from it (None: point values), as in every
    # ensemble of the command line; the parameters the arm sets itself win
    posterior: Posterior | None = None


@dataclass(frozen=True)
class Arm:
    """What the page shows of an arm: who ends dominant, and power month by month;
    for the consequences, each run's line of each December from the year before
    ``first_year`` (None when not asked for)."""

    dominant_end: NDArray[np.int64]
    power: NDArray[np.float32]  # (runs, months, actors)
    lines: NDArray[np.float64] | None = None  # (runs, Decembers, 3)


@lru_cache(maxsize=4)
def _bundled(name: str) -> Compiled:
    return compile_scenario(load_scenario(name))


def simulate_arm(spec: ArmSpec) -> Arm:
    """Simulate one arm (in whichever process runs it)."""
    c = (
        _bundled(spec.name)
        if spec.scenario_json is None
        else cached_compiled(spec.scenario_json, spec.params)
    )
    drawn = None
    if spec.posterior is not None:
        runs = np.arange(spec.runs, dtype=np.int64)
        drawn = spec.posterior.draw(spec.seed, runs, tuple(name for name, _ in spec.params))
    res = simulate(
        c, spec.runs, spec.seed, None, ForcedChoice(c.scenario, dict(spec.forced)), False, drawn
    )
    lines = None
    if spec.first_year is not None:
        labels = [c.label(m) for m in range(res.months)]
        lines = december_lines(labels, res.history.line, spec.first_year)
    return Arm(res.outcomes.dominant_end, res.history.power, lines)


def _warm(name: str) -> bool:
    _bundled(name)
    return True


def _init_worker() -> None:
    """Worker initializer: leave SIGINT to the server; one BLAS thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_blas_thread()


class PoolClosed(RuntimeError):
    """The pool was closed (the server is stopping) while an arm was on it."""


class ArmPool:
    """Two worker processes for the two arms; ``close`` on shutdown."""

    def __init__(self, warm: str | None = None, processes: bool = True) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False
        if processes:
            ctx = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(2, mp_context=ctx, initializer=_init_worker)
            if warm is not None:
                for _ in range(2):
                    self._pool.submit(_warm, warm)

    @classmethod
    def inline(cls) -> ArmPool:
        """No processes: both arms in the calling thread (for callers without a pool)."""
        return cls(processes=False)

    def run(self, factual: ArmSpec, what_if: ArmSpec) -> tuple[Arm, Arm]:
        pool = self._pool
        if self._closed:
            raise PoolClosed("the server is stopping")
        if pool is None or factual.runs < PARALLEL_FROM:
            return simulate_arm(factual), simulate_arm(what_if)
        try:
            a = pool.submit(simulate_arm, factual)
            b = pool.submit(simulate_arm, what_if)
            return a.result(), b.result()
        except (BrokenProcessPool, CancelledError, RuntimeError) as exc:
            # Closed under us: the answer is not wanted. Broken otherwise: carry on inline.
            if self._closed:
                raise PoolClosed("the server is stopping") from exc
            if not isinstance(exc, BrokenProcessPool):
                raise
            self._pool = None
            return simulate_arm(factual), simulate_arm(what_if)

    def close(self) -> None:
        """End the worker processes now, busy or not, and wait until they are gone."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            p.terminate()
        for p in processes:
            p.join(timeout=5)
        pool.shutdown(wait=True)
