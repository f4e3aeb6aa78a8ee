"""The Dask backend: batches on a Dask cluster, local or remote (``apparat[distributed]``).

Given a scheduler's address it connects to that cluster and leaves it running on exit;
otherwise it starts a ``LocalCluster`` of worker processes, one thread each (a batch is
numpy-bound Python; threads would only contend for the GIL), and closes it on exit.
Results equal the serial backend's: every draw is keyed by the global run index, never
by the worker or the order in which batches finish.

A spec carries its scenario as data (about 100 kB), and Dask pickles each task's
arguments when it is submitted, so only a window of batches is in flight at a time:
ten million runs would otherwise put gigabytes of identical specs on the scheduler.
The workers of a remote cluster need the same apparat installed, since they import the
engine.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from types import ModuleType
from typing import Any, TypeVar

from apparat.errors import BackendError
from apparat.experiments.backends import Backend

S = TypeVar("S")
R = TypeVar("R")
INSTALL_HINT = "pip install 'apparat[distributed]'"
CONNECT_TIMEOUT = 10.0  # seconds; distributed's own default (30 s) is long for a typo


def import_distributed() -> ModuleType:
    """``distributed``, imported only when the Dask backend is asked for."""
    try:
        import distributed  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise BackendError(
            "the dask backend needs Dask's distributed scheduler, which is not installed: "
            f"{INSTALL_HINT}"
        ) from None
    return distributed


ENVIRON = "distributed.nanny.pre-spawn-environ"


def _environ_without_malloc(dask: ModuleType) -> dict[str, Any]:
    """The nanny's environment for its workers, less its glibc malloc settings."""
    environ: dict[str, Any] = dict(dask.config.get(ENVIRON, default={}) or {})
    return {k: v for k, v in environ.items() if not k.startswith("MALLOC_")}


class DaskBackend(Backend):
    """A Dask cluster: the one at ``scheduler``, or a local one of ``workers`` processes
    (one per core by default)."""

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        *,
        connect_timeout: float | None = None,
    ) -> None:
        self._distributed = import_distributed()
        timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.scheduler = scheduler
        # Any: distributed's Client and cluster methods are mostly unannotated
        self._cluster: Any = None if scheduler is not None else self._start_local(workers)
        try:
            self._client: Any = self._distributed.Client(
                self._cluster or scheduler, timeout=timeout, set_as_default=False
            )
        except Exception as exc:  # OSError (timeout, refused), ValueError (bad address), ...
            self._close_cluster()
            raise BackendError(
                f"cannot reach the Dask scheduler at {scheduler or 'the local cluster'}: "
                f"{exc or type(exc).__name__}; check the address (tcp://HOST:8786) and "
                "that `dask scheduler` is running there"
            ) from None

    def _start_local(self, workers: int | None) -> Any:
        count = workers or os.cpu_count() or 1
        import dask

        try:
            # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=64 KiB, to hand memory
            # back to the OS. Setting any glibc malloc threshold, whatever its value, also
            # freezes the mmap threshold at 128 KiB: every array above it (the engine makes
            # many a month) is then mapped and unmapped afresh, page faults and all. The
            # workers keep glibc's defaults instead, as a plain process does (measured in
            # BENCHMARKS.md: the same job ran 1.3-1.4x slower with the setting, in any process)
            with dask.config.set({ENVIRON: _environ_without_malloc(dask)}):
                return self._distributed.LocalCluster(
                    n_workers=count,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,  # no dashboard (bokeh); but the scheduler still
                    # serves /health and /metrics, on 8787 unless told otherwise: a second
                    # cluster would warn "Port 8787 is already in use" (and leak a socket)
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.ERROR,  # the scheduler's and workers' INFO chatter
                )
        except Exception as exc:  # e.g. RuntimeError("Cluster failed to start ...")
            raise BackendError(
                f"could not start a local Dask cluster of {count} workers: {exc}"
            ) from None

    def _window(self) -> int:
        """Batches to keep in flight: two per worker thread, so none waits for work."""
        threads: dict[str, int] = self._client.nthreads()
        return max(2 * sum(threads.values()), 4)

    def map_unordered(self, fn: Callable[[S], R], specs: Iterable[S]) -> Iterator[R]:
        todo = iter(specs)
        running: Any = self._distributed.as_completed(loop=self._client.loop)

        def top_up() -> None:
            for spec in islice(todo, max(self._window() - running.count(), 0)):
                running.add(self._client.submit(fn, spec, pure=False))

        top_up()
        try:
            for future in running:
                result: R = future.result()  # a worker's exception is raised here
                top_up()  # before yielding, so workers keep busy while results are stored
                yield result
        finally:
            self._client.cancel(list(running.futures))
            running.clear()

    def close(self) -> None:
        """Disconnect; shut the cluster down only if this backend started it."""
        self._client.close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
