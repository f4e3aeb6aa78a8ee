"""Who may queue for a simulation: each client up to its share (then 429 with Retry-After),
and the time limit counts the work, not the wait."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apparat.api import app as app_module
from apparat.api import create_app
from apparat.api.app import stop_simulations
from apparat.api.models import ExperimentRequest, ExperimentResponse

BASE = "http://127.0.0.1"
BODY = {"runs": 1}


def client_at(app: Any, address: str) -> httpx.AsyncClient:
    """An HTTP client that reaches the application from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE, timeout=30)


@pytest.fixture
def make_app() -> Iterator[Callable[..., FastAPI]]:
    """``create_app`` whose worker threads are stopped after the test (no lifespan here)."""
    apps: list[FastAPI] = []

    def make(**kw: Any) -> FastAPI:
        apps.append(create_app(**kw))
        return apps[-1]

    yield make
    for app in apps:
        stop_simulations(app)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Experiments that hold their worker thread until the gate opens."""
    opened = threading.Event()

    def held(req: ExperimentRequest, pool: Any = None) -> ExperimentResponse:
        assert opened.wait(20), "the test never opened the gate"
        return stub(req)

    monkeypatch.setattr(app_module, "run_experiment", held)
    return opened


def stub(req: ExperimentRequest) -> ExperimentResponse:
    return ExperimentResponse.model_validate(
        {
            "scenario": req.scenario,
            "runs": req.runs,
            "seed": req.seed,
            "do": {},
            "set": {},
            "parameters": "point",
            "arms": [],
            "dominance": [],
            "power": {"months": [], "actors": []},
            "seconds": 0.0,
        }
    )


async def until_done(tasks: list[asyncio.Task[httpx.Response]], n: int) -> None:
    """Wait until ``n`` of the requests have been answered."""
    deadline = time.monotonic() + 20
    while sum(t.done() for t in tasks) < n:
        assert time.monotonic() < deadline, "requests were not answered"
        await asyncio.sleep(0.02)


def test_one_client_over_its_share_is_answered_429_at_once(
    make_app: Callable[..., FastAPI], gate: threading.Event
) -> None:
    """Fifteen simultaneous experiments from one client: its share (here 3) is admitted,
    the other twelve are answered 429 with a Retry-After header at once, not queued; a
    second client is still admitted; once the first ones finish the client is admitted
    again."""
    app = make_app(threads=1, capacity=8, per_client=3)

    async def scenario() -> None:
        async with client_at(app, "10.0.0.1") as one, client_at(app, "10.0.0.2") as two:
            tasks = [asyncio.create_task(one.post("/api/experiment", json=BODY)) for _ in range(15)]
            await until_done(tasks, 12)
            refused = [t for t in tasks if t.done()]
            assert [t.result().status_code for t in refused] == [429] * 12
            for r in (t.result() for t in refused):
                assert int(r.headers["retry-after"]) >= 1
                assert "at most 3 per client" in r.json()["detail"]
            other = asyncio.create_task(two.post("/api/experiment", json=BODY))
            await asyncio.sleep(0.2)
            assert not other.done()  # admitted: queued behind the first client's work
            gate.set()
            admitted = await asyncio.gather(*[t for t in tasks if t not in refused], other)
            assert [r.status_code for r in admitted] == [200] * 4
            again = await one.post("/api/experiment", json=BODY)
            assert again.status_code == 200

    asyncio.run(scenario())


def test_the_server_as_a_whole_has_a_capacity(
    make_app: Callable[..., FastAPI], gate: threading.Event
) -> None:
    """Clients each within their share still meet the server's capacity: beyond it, 429
    that says the server is busy."""
    app = make_app(threads=1, capacity=3, per_client=2)

    async def scenario() -> None:
        clients = [client_at(app, f"10.0.0.{i}") for i in range(1, 5)]
        tasks = [asyncio.create_task(c.post("/api/experiment", json=BODY)) for c in clients]
        await until_done(tasks, 1)
        (busy,) = [t.result() for t in tasks if t.done()]
        assert busy.status_code == 429
        assert "busy" in busy.json()["detail"]
        assert "retry-after" in busy.headers
        gate.set()
        assert sorted(r.status_code for r in await asyncio.gather(*tasks)) == [200] * 3 + [429]
        for c in clients:
            await c.aclose()

    asyncio.run(scenario())


def test_time_waiting_for_a_thread_does_not_count_against_the_limit(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three experiments of 0.8 s each on one thread under a 1.5 s limit all succeed,
    though the last is answered after 2.4 s: the limit times the work, not the queue."""

    def slow(req: ExperimentRequest, pool: Any = None) -> ExperimentResponse:
        time.sleep(0.8)
        return stub(req)

    monkeypatch.setattr(app_module, "run_experiment", slow)
    app = make_app(time_limit=1.5, threads=1, per_client=3)

    async def scenario() -> list[int]:
        async with client_at(app, "10.0.0.1") as c:
            answers = await asyncio.gather(
                *[c.post("/api/experiment", json=BODY) for _ in range(3)]
            )
        return [r.status_code for r in answers]

    start = time.monotonic()
    assert asyncio.run(scenario()) == [200, 200, 200]
    assert time.monotonic() - start > 2.3  # they did queue behind each other


def test_work_over_the_limit_is_still_503_and_frees_its_place(
    make_app: Callable[..., FastAPI], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An experiment whose own work outlasts the limit is answered 503; its client's
    place is given back once the thread is done with it."""

    def slow(req: ExperimentRequest, pool: Any = None) -> ExperimentResponse:
        time.sleep(0.6)
        return stub(req)

    monkeypatch.setattr(app_module, "run_experiment", slow)
    app = make_app(time_limit=0.2, threads=1, per_client=1)

    async def scenario() -> None:
        async with client_at(app, "10.0.0.1") as c:
            late = await c.post("/api/experiment", json=BODY)
            assert late.status_code == 503
            assert "limit of 0.2 s" in late.json()["detail"]
            assert (await c.post("/api/experiment", json=BODY)).status_code == 429
            await asyncio.sleep(0.8)
            assert (await c.post("/api/experiment", json=BODY)).status_code == 503

    asyncio.run(scenario())
