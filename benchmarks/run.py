"""Run the benchmarks side by side and write the figures: ``python -m benchmarks.run``.

Every workload runs in a fresh interpreter (``benchmarks.workload``) and is timed from
the outside, so interpreter start-up and imports count the same way for apparat and for
the Mesa peer; both get the same number of processes and one BLAS thread per process.

``--quick`` measures the small sizes only (a minute or two); the default adds 10,000
runs, the party-size scaling and the paired experiment; ``--full`` adds 100,000 runs
with peak memory and the Mesa peer at 1,000 runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def measure(kind: str, runs: int, workers: int = 1, **extra: int) -> dict[str, Any]:
    """Time one workload in a fresh interpreter; return its JSON line plus the wall time."""
    cmd = [sys.executable, "-m", "benchmarks.workload", kind, str(runs), "--workers", str(workers)]
    for key, value in extra.items():
        cmd += [f"--{key}", str(value)]
    env = {**os.environ, **ONE_THREAD}
    t0 = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=HERE.parent, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall_s"] = round(wall, 3)
    out["runs_per_s"] = round(runs / wall, 1)
    out["command"] = " ".join(["python", "-m", "benchmarks.workload", *cmd[3:]])
    return out


def _has_mesa() -> bool:
    try:
        import mesa  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small sizes only")
    size.add_argument("--full", action="store_true", help="add 100,000 runs and Mesa at 1,000")
    ap.add_argument("--workers", type=int, default=2, help="processes on each side (default 2)")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    a = ap.parse_args()
    console = Console()
    w = a.workers
    results: list[dict[str, Any]] = []

    def record(section: str, row: dict[str, Any]) -> dict[str, Any]:
        row["section"] = section
        results.append(row)
        console.print(
            f"[dim]{section:>10}[/] {row['kind']:>8} {row['runs']:>7} runs "
            f"w={row['workers']} {row['wall_s']:8.2f} s  {row['runs_per_s']:9.1f} runs/s  "
            f"peak {row['peak_mb']:7.1f} MB  Stalin {row['stalin_dominant']:.1%}"
        )
        return row

    sizes = [1, 100, 1000] if a.quick else [1, 100, 1000, 10_000]
    if a.full:
        sizes.append(100_000)
    mesa_sizes = [1, 100] if not a.full else [1, 100, 1000]
    ratios: list[tuple[int, float, float]] = []
    for n in sizes:
        ours = record("ensemble", measure("apparat", n, min(w, n)))
        if n in mesa_sizes and _has_mesa():
            peer = record("ensemble", measure("mesa", n, min(w, n)))
            ratios.append((n, ours["wall_s"], peer["wall_s"]))
    if not a.quick:
        for secretaries in (100, 1000, 10_000):
            record("party", measure("apparat", 1000, w, secretaries=secretaries))
        record("paired", measure("paired", 1000, w))

    table = Table(title=f"apparat vs the Mesa peer ({w} processes each, start-up included)")
    for col in ("runs", "apparat s", "Mesa s", "ratio"):
        table.add_column(col, justify="right")
    for n, ours_s, peer_s in ratios:
        table.add_row(f"{n:,}", f"{ours_s:.2f}", f"{peer_s:.2f}", f"{peer_s / ours_s:.1f}x")
    console.print(table)
    payload = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "results": results,
        "ratios": [
            {"runs": n, "apparat_s": o, "mesa_s": p, "ratio": round(p / o, 1)} for n, o, p in ratios
        ],
    }
    a.out.write_text(json.dumps(payload, indent=2) + "\n")
    console.print(f"written to {a.out}")


if __name__ == "__main__":
    main()
