"""A live server for the tests that need real HTTP (the browser, Schemathesis)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from apparat.api import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(wait: float = 30.0) -> Iterator[str]:
    """uvicorn serving the application (worker processes and all) in a background thread
    on a free local port, answering before the tests start; stopped on exit."""
    config = uvicorn.Config(
        create_app(),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{config.port}"
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(f"{base}/api/scenarios", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"the server did not answer within {wait:.0f} s")
        time.sleep(0.05)
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
