"""Execution backends: where batches run. One base class, used as a context manager.

Results do not depend on the backend: every draw is keyed by the global run index, so
serial and parallel execution give bit-identical tables for the same seed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import TypeVar

from apparat.errors import SimulationError

S = TypeVar("S")
R = TypeVar("R")


class Backend:
    """Runs a function over specs; yields results as they finish (order not guaranteed)."""

    name = "serial"

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def map_unordered(self, fn: Callable[[S], R], specs: Iterable[S]) -> Iterator[R]:
        for spec in specs:
            yield fn(spec)

    def close(self) -> None:
        """Release workers; the serial backend has none."""


class ProcessBackend(Backend):
    """Local processes: one worker per core by default."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        count = workers or os.cpu_count() or 1
        if count < 1:
            raise SimulationError(f"workers must be at least 1, not {workers}")
        self.workers = count
        self._pool: Executor = ProcessPoolExecutor(max_workers=count)

    def map_unordered(self, fn: Callable[[S], R], specs: Iterable[S]) -> Iterator[R]:
        futures = [self._pool.submit(fn, spec) for spec in specs]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def make_backend(workers: int = 1) -> Backend:
    """Serial for one worker (no process start-up), processes for more."""
    if workers < 1:
        raise SimulationError(f"workers must be at least 1, not {workers}")
    return Backend() if workers == 1 else ProcessBackend(workers)
