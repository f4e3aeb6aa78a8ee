"""The worker threads that run simulations, and who may queue for them.

A request that runs a simulation is *admitted* first: each client (by address) may have
a few simulations queued or running, and the server a few more in all; beyond that the
request is refused at once with 429 and a ``Retry-After`` estimate, rather than left to
wait behind someone else's queue. Only the work is timed: the time limit starts when a
thread picks the simulation up, not while it waits its turn (the capacity bounds that).

The threads are daemon threads: a simulation no one waits for any more (the server is
stopping) must not hold the process open.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

THREADS = 2
CAPACITY = 8  # simulations queued or running, all clients together
PER_CLIENT = 4  # the same, for one client address


class Busy(Exception):
    """A request over its client's (or the server's) capacity: retry after a while."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Stopping(Exception):
    """The server is stopping: a simulation's request is answered now, not waited for."""


@dataclass(eq=False)
class _Job:
    fn: Callable[[], Any]
    client: str
    loop: asyncio.AbstractEventLoop
    started: asyncio.Future[None]
    done: asyncio.Future[Any]
    abandoned: bool = field(default=False)


def _in_loop(job: _Job, fn: Callable[[], None]) -> None:
    """Run ``fn`` on the job's event loop (futures are resolved there, in order)."""
    with contextlib.suppress(RuntimeError):  # the loop has closed: the server is gone
        job.loop.call_soon_threadsafe(fn)


def _settle(
    job: _Job, fut: asyncio.Future[Any], result: Any = None, exc: Exception | None = None
) -> None:
    """Resolve a job's future from a worker thread, unless no one waits for it."""

    def settle() -> None:
        if fut.done():  # cancelled: the request timed out or went away
            return
        if exc is None:
            fut.set_result(result)
        else:
            fut.set_exception(exc)

    _in_loop(job, settle)


def _stop(job: _Job) -> None:
    """Answer a job's request ``Stopping``, through whichever future it awaits."""

    def stop() -> None:
        exc = Stopping("the server is stopping; try again when it is back")
        fut = job.started if not job.started.done() else job.done
        if not fut.done():
            fut.set_exception(exc)

    _in_loop(job, stop)


class Workers:
    """A few threads that run simulations, with admission per client and a time limit
    on the work itself; ``close`` on shutdown."""

    def __init__(
        self,
        time_limit: float,
        threads: int = THREADS,
        capacity: int = CAPACITY,
        per_client: int = PER_CLIENT,
    ) -> None:
        self.time_limit = time_limit
        self.threads = threads
        self.capacity = capacity
        self.per_client = per_client
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._admitted: Counter[str] = Counter()  # jobs queued or running, per client
        self._seconds = 1.0  # running mean of a job's duration, for Retry-After
        self._started: list[threading.Thread] = []
        self._live: set[_Job] = set()  # admitted, not yet answered
        self._closed = False

    # ---------------------------------------------------------------- admission

    def _admit(self, client: str) -> None:
        with self._lock:
            if self._closed:
                raise Stopping("the server is stopping")
            own, total = self._admitted[client], self._admitted.total()
            if own >= self.per_client:
                raise Busy(
                    f"too many simulations at once: at most {self.per_client} per client "
                    "queued or running; retry when one has finished",
                    self._retry_after(own),
                )
            if total >= self.capacity:
                raise Busy(
                    f"the server is busy: {total} simulations queued or running; retry later",
                    self._retry_after(total),
                )
            self._admitted[client] += 1

    def _release(self, job: _Job, seconds: float | None) -> None:
        with self._lock:
            self._live.discard(job)
            self._admitted[job.client] -= 1
            if self._admitted[job.client] <= 0:
                del self._admitted[job.client]
            if seconds is not None:
                self._seconds = 0.8 * self._seconds + 0.2 * seconds

    def _retry_after(self, ahead: int) -> int:
        """Seconds until about one of ``ahead`` admitted jobs has finished."""
        wait = self._seconds * math.ceil(ahead / self.threads)
        return max(1, min(math.ceil(wait), math.ceil(self.time_limit)))

    # ---------------------------------------------------------------- running

    def _start(self) -> None:
        with self._lock:
            while len(self._started) < self.threads:
                t = threading.Thread(
                    target=self._serve, name=f"apparat-sim-{len(self._started)}", daemon=True
                )
                t.start()
                self._started.append(t)

    def _serve(self) -> None:
        while (job := self._queue.get()) is not None:
            if job.abandoned:  # its request went away while it waited
                self._release(job, None)
                continue
            _settle(job, job.started)
            start = time.perf_counter()
            try:
                result, exc = job.fn(), None
            except Exception as e:
                result, exc = None, e
            # Released before the answer goes out, so the client's next request is admitted.
            self._release(job, time.perf_counter() - start)
            _settle(job, job.done, result, exc)

    async def run(self, client: str, fn: Callable[[], T]) -> T:
        """``fn()`` on a worker thread. Raises ``Busy`` when the client is over capacity,
        ``TimeoutError`` when the work outlasts the time limit (it finishes unheard),
        ``Stopping`` when the server stops first."""
        self._admit(client)
        loop = asyncio.get_running_loop()
        job = _Job(fn, client, loop, loop.create_future(), loop.create_future())
        with self._lock:
            self._live.add(job)
        self._start()
        self._queue.put(job)
        try:
            await job.started  # waiting its turn: not timed, the capacity bounds it
        except asyncio.CancelledError:
            job.abandoned = True
            raise
        result: T = await asyncio.wait_for(job.done, self.time_limit)
        return result

    def close(self) -> None:
        """Refuse new work, answer every admitted request ``Stopping`` at once (a running
        simulation is abandoned), and let idle threads end."""
        with self._lock:
            self._closed = True
            live, self._live = self._live, set()
        for job in live:
            job.abandoned = True
            _stop(job)
        for _ in self._started:
            self._queue.put(None)
