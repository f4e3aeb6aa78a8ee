"""`apparat serve` as a process: it stops cleanly on SIGTERM and Ctrl+C, and answers only
to a Host header that names it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import apparat
from apparat.cli import app as cli_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

try:
    import psutil
except ImportError:  # the process tests skip; the Host tests need no psutil
    psutil = None

STOPPED_WITHIN = 10.0  # seconds for the process and all its children to be gone
SERVE = [sys.executable, "-c", "from apparat.cli import app; app()", "serve"]
SRC = str(Path(apparat.__file__).resolve().parents[1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """`apparat serve` in a subprocess of its own process group, its output in files."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Files, not pipes: a leftover child holding a pipe would hang the test, not fail it.
        self.out = (tmp / "stdout").open("w+b")
        self.err = (tmp / "stderr").open("w+b")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [*SERVE, "--port", str(self.port)],
            stdout=self.out,
            stderr=self.err,
            env=env,
            start_new_session=True,  # its own group, as a terminal's foreground job
        )
        self.ps = psutil.Process(self.proc.pid)
        self.seen: list[Any] = []

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"apparat serve exited early: {self.stderr()}")
            try:
                if httpx.get(f"{self.base}/api/scenarios", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("apparat serve did not answer within 60 s")

    def stderr(self) -> str:
        self.err.flush()
        return Path(self.err.name).read_text(errors="replace")

    def family(self) -> list[Any]:
        """The server and every process it has started, remembered for ``close``."""
        self.seen = [self.ps, *self._children()]
        return self.seen

    def close(self) -> None:
        """Kill whatever is left (a failed test's leftovers) and close the files."""
        for p in [self.ps, *self._children(), *self.seen]:
            with contextlib.suppress(psutil.Error):
                p.kill()
        self.proc.wait(timeout=10)
        self.out.close()
        self.err.close()

    def _children(self) -> list[Any]:
        try:
            return list(self.ps.children(recursive=True))
        except psutil.Error:
            return []


def alive(processes: list[Any]) -> list[int]:
    out = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.Error:
            pass
    return out


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if psutil is None:
        pytest.skip("psutil is not installed (pip install 'apparat[test]')")
    s = Served(tmp_path)
    try:
        s.wait_ready()
        yield s
    finally:
        s.close()


@pytest.mark.parametrize(
    ("sig", "code", "group"),
    [
        pytest.param(signal.SIGTERM, 143, False, id="SIGTERM-to-the-server"),
        pytest.param(signal.SIGINT, 130, True, id="Ctrl+C-to-the-process-group"),
    ],
)
def test_stopping_leaves_no_process_and_no_traceback(
    served: Served, sig: signal.Signals, code: int, group: bool
) -> None:
    """SIGTERM, or Ctrl+C (SIGINT to the whole process group), while a what-if runs on the
    worker processes: the request is answered, the server and every process it started are
    gone within seconds, and nothing but the startup line is printed."""
    answers: list[int] = []

    def ask() -> None:
        body = {"runs": 1000, "do": {"trotsky.xii_congress": "attack"}}
        try:
            answers.append(
                httpx.post(f"{served.base}/api/experiment", json=body, timeout=60).status_code
            )
        except httpx.TransportError:
            answers.append(0)

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    time.sleep(1.0)  # the experiment is on the two worker processes now
    family = served.family()
    assert len(family) >= 4, "the forkserver and two workers should be running"
    if group:
        os.killpg(served.proc.pid, sig)
    else:
        served.proc.send_signal(sig)
    deadline = time.monotonic() + STOPPED_WITHIN
    while alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(family) == [], f"still running {STOPPED_WITHIN} s after {sig.name}"
    assert served.proc.wait(timeout=1) == code
    asking.join(timeout=5)
    assert answers in ([503], [200]), answers  # answered: stopping, or finished in time
    err = served.stderr()
    assert "Traceback" not in err, err
    assert "KeyboardInterrupt" not in err, err
    assert "leaked" not in err, err


def _served_app(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> Any:
    """The application `apparat serve ARGS` would serve, without serving it."""
    import uvicorn

    apps: list[Any] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: apps.append(self.config.app))
    result = CliRunner().invoke(cli_app, ["serve", *args])
    assert result.exit_code == 0, result.output
    (app,) = apps
    return app


def test_serve_answers_only_to_its_own_address_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    """`apparat serve --port 8123` answers to localhost, 127.0.0.1 and [::1] on port 8123,
    and refuses another name, or another port, with a 400 that says why."""
    client = TestClient(_served_app(monkeypatch, ["--port", "8123"]))
    for host in ("localhost:8123", "127.0.0.1:8123", "[::1]:8123", "LOCALHOST:8123"):
        assert client.get("/api/scenarios", headers={"host": host}).status_code == 200
    for host in ("evil.example:8123", "localhost:8124", "localhost", "127.0.0.1.evil.example"):
        r = client.get("/api/scenarios", headers={"host": host})
        assert r.status_code == 400, host
        assert "Host header" in r.json()["detail"]
        assert "DNS" in r.json()["detail"]


def test_serve_on_every_address_takes_the_names_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --public on 0.0.0.0, the names given with --allow-host are accepted and others
    refused; without any, every Host is accepted (the server cannot know its names)."""
    named = _served_app(
        monkeypatch, ["--host", "0.0.0.0", "--public", "--allow-host", "box.lan", "--port", "80"]
    )
    client = TestClient(named, base_url="http://box.lan")
    assert client.get("/api/scenarios").status_code == 200
    assert client.get("/api/scenarios", headers={"host": "box.lan:80"}).status_code == 200
    assert client.get("/api/scenarios", headers={"host": "evil.example"}).status_code == 400
    monkeypatch.undo()
    anything = _served_app(monkeypatch, ["--host", "0.0.0.0", "--public"])
    client = TestClient(anything, base_url="http://whatever.example")
    assert client.get("/api/scenarios").status_code == 200
