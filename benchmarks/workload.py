"""One measured workload, run in a fresh interpreter so start-up counts the same for all.

``python -m benchmarks.workload KIND RUNS [--workers N] [--secretaries S] [--seed S]``
prints one JSON line: the seconds inside the process, peak memory, and a fingerprint
of the outcomes (the share of runs Stalin ends dominant) so a fast wrong answer shows.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np


def _chunk(args: tuple[Any, np.ndarray, int]) -> np.ndarray:
    """Simulate one chunk of runs; only the per-run outcome travels back."""
    from apparat.engine import simulate

    compiled, runs, seed = args
    return simulate(compiled, runs, seed, chronicle=False).outcomes.dominant_end


def _actors() -> list[str]:
    from apparat import load_scenario

    return [a.id for a in load_scenario("bolshevik_1923").actors]


def apparat_ensemble(runs: int, workers: int, seed: int, secretaries: int | None) -> np.ndarray:
    """The full 1922-1930 baseline, vectorised in chunks, over ``workers`` processes."""
    from apparat import load_scenario
    from apparat.engine import compile_scenario

    s = load_scenario("bolshevik_1923")
    if secretaries is not None:
        party = s.party.model_copy(
            update={"secretaries": s.party.secretaries.model_copy(update={"count": secretaries})}
        )
        s = s.model_copy(update={"party": party})
    c = compile_scenario(s)
    chunk = max(1, min(2500, -(-runs // workers)))
    parts = [(c, np.arange(i, min(i + chunk, runs)), seed) for i in range(0, runs, chunk)]
    if workers == 1:
        return np.concatenate([_chunk(p) for p in parts])
    with ProcessPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(_chunk, parts)))


def mesa_ensemble(runs: int, workers: int, seed: int) -> np.ndarray:
    """The Mesa peer's own ensemble (``mesa.batch_run``)."""
    from benchmarks.mesa_peer import run_peer

    frame = run_peer(runs, seed, processes=workers)
    actors = _actors()
    return np.array([actors.index(d) if isinstance(d, str) else -1 for d in frame["dominant"]])


def paired_experiment(runs: int, workers: int, seed: int) -> np.ndarray:
    """The web page's case: a factual and a counterfactual arm, paired, summarised."""
    from apparat import Experiment
    from apparat.experiments.interventions import parse

    exp = Experiment(
        runs=runs,
        seed=seed,
        arms={"attack": parse(do=["trotsky.xii_congress=attack"])},
        store=None,
        workers=workers,
        chronicles=0,
    ).run()
    out = exp.outcomes_
    stalin = _actors().index("stalin")
    factual = out.loc[out["arm"] == "factual", "dominant_end"]
    return np.where(factual == "stalin", stalin, -1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["apparat", "mesa", "paired"])
    ap.add_argument("runs", type=int)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--secretaries", type=int, default=None)
    a = ap.parse_args()
    t0 = time.perf_counter()
    if a.kind == "apparat":
        dom = apparat_ensemble(a.runs, a.workers, a.seed, a.secretaries)
    elif a.kind == "mesa":
        dom = mesa_ensemble(a.runs, a.workers, a.seed)
    else:
        dom = paired_experiment(a.runs, a.workers, a.seed)
    inside = time.perf_counter() - t0
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    stalin = _actors().index("stalin")
    json.dump(
        {
            "kind": a.kind,
            "runs": a.runs,
            "workers": a.workers,
            "secretaries": a.secretaries,
            "inside_s": round(inside, 3),
            "peak_mb": round(peak_kb / 1024, 1),
            "stalin_dominant": round(float(np.mean(dom == stalin)), 4),
            "pid": os.getpid(),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
