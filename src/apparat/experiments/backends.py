"""Execution backends: where batches run. One base class, used as a context manager.

Results do not depend on the backend: every draw is keyed by the global run index, so
serial, process and Dask execution give bit-identical tables for the same seed. That is
why the backend is not part of an experiment's provenance.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import Literal, TypeVar, cast, get_args

from apparat.errors import BackendError, SimulationError

S = TypeVar("S")
R = TypeVar("R")
BackendName = Literal["serial", "process", "dask"]
BACKENDS: tuple[str, ...] = get_args(BackendName)


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


_BLAS_LIMITS: object = None  # kept referenced: the limit holds while it lives


def one_blas_thread() -> None:
    """Worker initializer: one BLAS thread per process. The engine's matrix products are
    small; with a BLAS pool per worker, two workers on two cores ran slower than one
    process (measured), their pools fighting the workers for the cores."""
    global _BLAS_LIMITS
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    _BLAS_LIMITS = threadpool_limits(limits=1)


class ProcessBackend(Backend):
    """Local processes: one worker per core by default."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        count = workers or os.cpu_count() or 1
        if count < 1:
            raise SimulationError(f"workers must be at least 1, not {workers}")
        self.workers = count
        self._pool: Executor = ProcessPoolExecutor(max_workers=count, initializer=one_blas_thread)

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


def check_backend(
    workers: int | None = None, backend: str | None = None, scheduler: str | None = None
) -> BackendName:
    """The backend the options ask for, refusing contradictions before any work is done.

    Without a name: Dask when a scheduler is given, else serial for one worker (no
    process start-up) and processes for more, as ``workers`` alone always meant.
    """
    if backend is not None and backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if workers is not None and workers < 1:
        raise SimulationError(f"workers must be at least 1, not {workers}")
    name = cast(BackendName, backend) if backend else _default(workers, scheduler)
    if name == "serial" and workers is not None and workers > 1:
        raise BackendError(
            f"workers={workers} asks for parallel runs, but the serial backend runs in "
            "this process: choose the process or dask backend"
        )
    if scheduler is not None and name != "dask":
        raise BackendError(f"a scheduler address ({scheduler}) needs the dask backend")
    if scheduler is not None and workers is not None:
        raise BackendError(
            f"the Dask cluster at {scheduler} has its own workers: drop workers={workers}"
        )
    if name == "dask":
        from apparat.experiments.dask_backend import import_distributed

        import_distributed()  # a missing extra is reported now, not after conditioning
    return name


def _default(workers: int | None, scheduler: str | None) -> BackendName:
    if scheduler is not None:
        return "dask"
    return "serial" if (workers or 1) == 1 else "process"


def make_backend(
    workers: int | None = 1, backend: str | None = None, scheduler: str | None = None
) -> Backend:
    """The backend :func:`check_backend` picks, started (use it as a context manager)."""
    name = check_backend(workers, backend, scheduler)
    if name == "serial":
        return Backend()
    if name == "process":
        return ProcessBackend(workers)
    from apparat.experiments.dask_backend import DaskBackend

    return DaskBackend(workers, scheduler)
