"""The Dask backend: the same numbers as the serial backend, clear messages when it
cannot run. Tests that start a cluster skip where the optional extra is not installed;
the messages for a missing extra and for contradictory options are checked everywhere."""

from __future__ import annotations

import logging
import operator
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from apparat.cli import app
from apparat.cli.experiment import BackendChoice
from apparat.errors import BackendError, SimulationError
from apparat.experiments import dask_backend
from apparat.experiments import interventions as iv
from apparat.experiments.backends import BACKENDS, check_backend
from apparat.experiments.experiment import Experiment
from apparat.scenario import Scenario

ATTACK = {"attack": iv.parse(do=["trotsky.xii_congress=attack"])}
TOY = Path(__file__).parents[1] / "data" / "toy_triad.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A two-worker local cluster shared by the module's tests, as a remote one would be."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # leave 8787 alone
        silence_logs=logging.ERROR,
    ) as c:
        yield c


def _unused_address() -> str:
    """A local port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def test_a_dask_cluster_gives_the_same_numbers_as_serial(
    bolshevik: Scenario, cluster: Any, tmp_path: Path
) -> None:
    """The same seed gives identical outcomes, summary and paired differences serially
    and on a two-worker Dask cluster, batches stored as they finish."""
    serial = Experiment(bolshevik, 30, 3, ATTACK, store=tmp_path / "s.duckdb", batch_size=10)
    serial.run()
    dask = Experiment(
        bolshevik, 30, 3, ATTACK, store=tmp_path / "d.duckdb", batch_size=10,
        backend="dask", scheduler=cluster.scheduler_address,
    ).run()  # fmt: skip
    pd.testing.assert_frame_equal(serial.outcomes_, dask.outcomes_)
    pd.testing.assert_frame_equal(serial.summary_, dask.summary_)
    pd.testing.assert_frame_equal(serial.differences_, dask.differences_)
    keys = ["arm", "run", "actor"]
    pd.testing.assert_frame_equal(
        serial.actor_outcomes_.sort_values(keys, ignore_index=True),
        dask.actor_outcomes_.sort_values(keys, ignore_index=True),
    )
    assert serial.get_params() == dask.get_params()  # the backend is not provenance


def test_the_cli_starts_and_stops_a_local_cluster_with_the_same_result() -> None:
    """`--backend dask --workers 2` starts a local cluster and prints what a serial run
    prints, and nothing else."""
    pytest.importorskip("distributed")
    args = ["experiment", "-s", str(TOY), "--runs", "20", "--seed", "2", "--no-store"]
    serial = runner.invoke(app, args)
    dask = runner.invoke(app, [*args, "--backend", "dask", "--workers", "2", "--batch-size", "5"])
    assert serial.exit_code == 0, serial.output
    assert dask.exit_code == 0, dask.output
    assert dask.output == serial.output


def test_batches_beyond_the_window_all_come_back(cluster: Any) -> None:
    """More specs than the in-flight window are all run, each once; leaving the loop
    early cancels the rest."""
    with dask_backend.DaskBackend(scheduler=cluster.scheduler_address) as backend:
        assert backend._window() == 4
        assert sorted(backend.map_unordered(operator.neg, range(25))) == list(range(-24, 1))
        first = next(iter(backend.map_unordered(operator.neg, range(25))))
        assert -24 <= first <= 0


def _malloc_environ() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}


def test_a_local_cluster_leaves_glibc_malloc_at_its_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Workers of the local cluster get none of the nanny's malloc settings: setting
    MALLOC_TRIM_THRESHOLD_ to any value freezes glibc's mmap threshold and made a batch
    1.3-1.4x slower (BENCHMARKS.md); the nanny's other settings (one BLAS thread) stay."""
    pytest.importorskip("distributed")
    for k in list(_malloc_environ()):
        monkeypatch.delenv(k)
    with dask_backend.DaskBackend(workers=1) as backend:
        client = backend._client
        assert client.submit(_malloc_environ, pure=False).result() == {}
        omp = client.submit(lambda: __import__("os").environ.get("OMP_NUM_THREADS")).result()
        assert omp == "1"


def test_a_missing_extra_names_the_install_command(
    bolshevik: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without distributed, asking for Dask says how to install it, before any work and
    as a message at the command line, not a traceback."""
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import` raise
    hint = r"pip install 'apparat\[distributed\]'"
    with pytest.raises(BackendError, match=hint):
        Experiment(bolshevik, 10, backend="dask", store=None).run()
    result = runner.invoke(app, ["experiment", "--runs", "5", "--no-store", "--backend", "dask"])
    assert result.exit_code == 2
    assert "pip install 'apparat[distributed]'" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_scheduler_is_named_and_nothing_is_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A scheduler nobody answers at is refused with its address within the connect
    timeout, and the results store is not touched."""
    pytest.importorskip("distributed")
    address = _unused_address()
    start = time.perf_counter()
    with pytest.raises(BackendError, match=f"Dask scheduler at {address}"):
        dask_backend.DaskBackend(scheduler=address, connect_timeout=0.5)
    assert time.perf_counter() - start < 5
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 0.5)
    store = tmp_path / "results.duckdb"
    args = ["experiment", "-s", str(TOY), "--runs", "5", "--store", str(store)]
    result = runner.invoke(app, [*args, "--scheduler", address])
    assert result.exit_code == 2
    assert address in result.output
    assert not store.exists()


def test_contradictory_backend_options_are_refused() -> None:
    """Options that cannot all hold are refused by name; alone, --workers keeps its old
    meaning (serial for one, processes for more) and --scheduler implies Dask."""
    assert check_backend() == "serial"
    assert check_backend(workers=1) == "serial"
    assert check_backend(workers=3) == "process"
    with pytest.raises(BackendError, match="unknown backend 'mpi'"):
        check_backend(backend="mpi")
    with pytest.raises(BackendError, match="serial backend"):
        check_backend(workers=2, backend="serial")
    with pytest.raises(BackendError, match="needs the dask backend"):
        check_backend(backend="process", scheduler="tcp://h:8786")
    with pytest.raises(BackendError, match="drop workers=2"):
        check_backend(workers=2, scheduler="tcp://h:8786")
    with pytest.raises(SimulationError, match="at least 1"):
        check_backend(workers=0)


def test_the_cli_offers_every_backend() -> None:
    """--backend offers exactly the backends the experiments layer knows."""
    assert [c.value for c in BackendChoice] == list(BACKENDS)
