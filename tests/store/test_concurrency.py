"""One store, two processes: readers wait for a writer to let go instead of failing, and
an experiment whose writing process died reads 'interrupted', not 'running' forever."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from store_data import batch_tables, meta

from apparat.store import ResultsStore, StoreError, live_status, writer_info


def _hold(store_path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that opens the store for writing, says so, and lets go after
    ``seconds``."""
    holder = (
        "import sys, time, duckdb\n"
        f"con = duckdb.connect({str(store_path)!r})\n"
        "print('ready', flush=True)\n"
        f"time.sleep({seconds})\n"
        "con.close()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_reader_waits_for_a_writer_to_let_go(store_path: Path) -> None:
    """A store locked by a writing process opens read-only once the writer closes it,
    within the wait, instead of failing at once."""
    with ResultsStore(store_path) as st:
        eid = st.begin_experiment("key", meta())
    proc = _hold(store_path, 1.0)
    try:
        start = time.monotonic()
        with ResultsStore(store_path, read_only=True, wait=30) as st:
            assert list(st.experiments()["id"]) == [eid]
        assert time.monotonic() - start >= 0.5  # it did have to wait
    finally:
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()


def test_a_writer_that_keeps_the_store_is_reported_after_the_wait(store_path: Path) -> None:
    """A reader that waited in vain says how long it waited and who holds the store."""
    ResultsStore(store_path).close()
    proc = _hold(store_path, 5.0)
    try:
        with pytest.raises(StoreError, match=r"in use by another process \(waited 0.3 s\).*PID"):
            ResultsStore(store_path, read_only=True, wait=0.3)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()


def test_a_killed_writer_leaves_its_experiment_interrupted(store_path: Path) -> None:
    """An experiment whose writing process was killed mid-run reads 'interrupted' in
    experiments() and experiment(); one written by a live process reads 'running'."""
    writer = (
        "import os, signal\n"
        "from apparat.store import ResultsStore, writer_info\n"
        f"with ResultsStore({str(store_path)!r}) as st:\n"
        "    eid = st.begin_experiment('killed', {'name': 'killed'})\n"
        "    st.set_status(eid, 'running', writer=writer_info())\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", writer], check=False, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with ResultsStore(store_path) as st:
        alive = st.begin_experiment("alive", meta(name="alive"))
        st.set_status(alive, "running", writer=writer_info())
        st.write_batch(alive, "factual", 0, batch_tables("factual", 0))
        status = dict(zip(st.experiments()["name"], st.experiments()["status"], strict=True))
        assert status == {"killed": "interrupted", "alive": "running"}
        killed = st.experiments().set_index("name").loc["killed", "id"]
        assert st.experiment(str(killed))["status"] == "interrupted"
        assert st.experiment(alive)["status"] == "running"


def test_a_writer_on_another_host_is_judged_by_its_last_batch() -> None:
    """Where the writer's process cannot be checked (another host), a 'running'
    experiment with no batch written for hours reads 'interrupted'; other statuses
    stay as stored."""
    elsewhere = {"writer": {"host": "not-" + socket.gethostname(), "pid": 1, "started": None}}
    now = datetime.now(UTC).replace(tzinfo=None)
    assert live_status("running", elsewhere, now - timedelta(minutes=5)) == "running"
    assert live_status("running", elsewhere, now - timedelta(days=1)) == "interrupted"
    assert live_status("done", elsewhere, now - timedelta(days=1)) == "done"
    assert live_status("running", {}, None) == "running"


def test_a_reused_pid_is_not_taken_for_the_writer() -> None:
    """A live process with the writer's pid but another start time is not the writer."""
    me = writer_info()
    if me["started"] is None:
        pytest.skip("no /proc here to read a process's start time")
    assert live_status("running", {"writer": me}, None) == "running"
    other = {**me, "started": str(int(me["started"]) + 1)}
    assert live_status("running", {"writer": other}, None) == "interrupted"
