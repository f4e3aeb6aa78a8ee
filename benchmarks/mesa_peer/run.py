"""Ensembles of the Mesa peer through ``mesa.batch_run``: one row per run."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

import mesa
import pandas as pd

from benchmarks.mesa_peer.model import PeerModel, StreamMode, compiled

COLUMNS = ["run", "dominant", "consolidation_month", "strongest"]


@contextmanager
def _spawn_for_mesa(processes: int) -> Iterator[None]:
    """Mesa starts its worker pool with "spawn" (it sets that when imported); this
    package puts the process back as it was on import, so it applies Mesa's choice
    only around its own pool, and importing the peer leaves apparat's pools alone."""
    if processes == 1:
        yield
        return
    before = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(before, force=True)


def run_peer(
    runs: int,
    seed: int,
    processes: int = 1,
    streams: StreamMode = "mesa",
    scenario: str = "bolshevik_1923",
    history: bool = False,
) -> pd.DataFrame:
    """Simulate runs 0..runs-1 of the scenario with the Mesa peer.

    Returns one row per run, sorted by run: ``dominant`` (the consolidated leader's
    actor id at the end, None if nobody), ``consolidation_month`` (first month of his
    final unbroken consolidation, -1 if none) and ``strongest`` (largest power share).
    ``history=True`` also collects each actor's monthly state, as apparat records it.
    """
    compiled(scenario)  # parse the scenario before the clock matters to anyone
    with _spawn_for_mesa(processes):
        rows = mesa.batch_run(
            PeerModel,
            parameters={
                "run": range(runs),
                "seed": seed,
                "streams": streams,
                "scenario": scenario,
                "history": history,
            },
            number_processes=processes,
            iterations=1,
            data_collection_period=-1,
            max_steps=compiled(scenario).months,
            display_progress=False,
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = frame.sort_values("run", kind="stable").reset_index(drop=True)
    frame["consolidation_month"] = frame["consolidation_month"].astype("int64")
    frame["dominant"] = frame["dominant"].astype(object).where(frame["dominant"].notna(), None)
    return frame[COLUMNS]
