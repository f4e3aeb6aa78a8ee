"""How the Dask backend scales: ``python -m benchmarks.dask_scaling [--runs N]``.

Runs one baseline ensemble (the factual arm only, nothing stored) serially and on a Dask
``LocalCluster`` of 1, 2 and 4 worker processes, end to end as a user meets it: cluster
start-up, each worker's first import and scenario compilation, the batches, shut-down.
Reports wall time, runs per second and parallel efficiency (speed-up over one Dask
worker, divided by the workers), how many cores the ensemble actually kept busy (CPU
seconds over wall seconds: on a shared machine other processes take their share), and
checks that every configuration gave the identical outcomes table. The table goes to stderr, one JSON line per configuration to stdout::

    python -m benchmarks.dask_scaling --runs 10000 > dask_scaling.jsonl

Workers beyond the cores over-subscribe the machine: their efficiency can only fall.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

# One BLAS thread per process, as the Dask nanny already sets for its workers; set before
# numpy is first imported (apparat is imported inside the functions below).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def cores() -> int:
    """The cores this process may use (the affinity mask, not the machine's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def measure(runs: int, seed: int, batch_size: int, workers: int | None) -> dict[str, Any]:
    """One ensemble end to end; ``workers=None`` is the serial backend (no Dask)."""
    import pandas as pd

    from apparat.experiments.dask_backend import DaskBackend
    from apparat.experiments.experiment import Experiment

    load = os.getloadavg()[0]  # other processes on the machine skew every figure
    startup = None
    if workers is not None:  # start-up and shut-down alone, to show the fixed cost
        t0 = time.perf_counter()
        with DaskBackend(workers):
            pass
        startup = time.perf_counter() - t0
    exp = Experiment(
        "bolshevik_1923", runs, seed, store=None, batch_size=batch_size, chronicles=0,
        backend="serial" if workers is None else "dask", workers=workers,
    )  # fmt: skip
    t0, cpu0 = time.perf_counter(), _cpu()
    exp.run()
    wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
    fingerprint = int(pd.util.hash_pandas_object(exp.outcomes_, index=False).sum() % 2**63)
    return {
        "backend": "serial" if workers is None else "dask",
        "workers": workers or 1,
        "cores": cores(),
        "oversubscribed": (workers or 1) > cores(),
        "runs": runs,
        "batch_size": batch_size,
        "seed": seed,
        "wall_s": round(wall, 2),
        "runs_per_s": round(runs / wall, 1),
        "cluster_start_stop_s": None if startup is None else round(startup, 2),
        "cpu_s": round(cpu, 1),
        "cores_busy": round(cpu / wall, 2),
        "load_avg_1min_before": round(load, 2),
        "outcomes_hash": fingerprint,
    }


def _cpu() -> float:
    """CPU seconds of this process and of every finished child (a cluster's workers are
    reaped when it closes): with ``cores_busy`` it shows how much of the machine the
    ensemble actually got when other processes compete for the cores."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5000, help="runs in the ensemble (1,000-10,000)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    os.environ.update(ONE_THREAD)
    console = Console(stderr=True, width=max(Console(stderr=True).width, 110))
    console.print(
        f"{args.runs:,} baseline runs, batches of {args.batch_size}, on {cores()} cores "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()})"
    )
    rows = [measure(args.runs, args.seed, args.batch_size, None)]
    for n in args.workers:
        rows.append(measure(args.runs, args.seed, args.batch_size, n))
    one = next((r for r in rows[1:] if r["workers"] == 1), None)
    for r in rows[1:]:
        if one is not None:
            r["speedup"] = round(one["wall_s"] / r["wall_s"], 2)
            r["efficiency"] = round(r["speedup"] / r["workers"], 2)
    if len({r["outcomes_hash"] for r in rows}) != 1:
        raise SystemExit("the backends disagree: outcomes differ between configurations")
    console.print(_table(rows))
    if any(r["oversubscribed"] for r in rows):
        console.print(
            f"Note: this machine gives the process {cores()} cores; more workers than that "
            "over-subscribe it, so their speed-up is capped at the cores, not the workers."
        )
    console.print("Identical outcomes in every configuration (same hash).")
    for r in rows:
        sys.stdout.write(json.dumps(r) + "\n")


def _table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Dask LocalCluster scaling", title_justify="left")
    columns = ("backend", "workers", "wall s", "runs/s", "speed-up", "efficiency", "start+stop s")
    for col in (*columns, "cores busy", "load before"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for r in rows:
        flag = " *" if r["oversubscribed"] else ""
        table.add_row(
            r["backend"],
            f"{r['workers']}{flag}",
            f"{r['wall_s']:.1f}",
            f"{r['runs_per_s']:.0f}",
            f"{r['speedup']:.2f}" if "speedup" in r else "",
            f"{r['efficiency']:.0%}" if "efficiency" in r else "",
            "" if r["cluster_start_stop_s"] is None else f"{r['cluster_start_stop_s']:.1f}",
            f"{r['cores_busy']:.2f}",
            f"{r['load_avg_1min_before']:.1f}",
        )
    if any(r["oversubscribed"] for r in rows):
        table.caption = f"* more workers than the {rows[0]['cores']} cores: over-subscribed"
    return table


if __name__ == "__main__":  # the guard Dask's spawned workers need
    main()
