"""From the political simulation to the consequences model: the line in force each year
and who holds power at the end, read off a run's record (never imposed)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.economy.data import EconomyData, load_economy
from apparat.economy.model import Consequences, simulate_economy
from apparat.engine import SimulationResult

F = NDArray[np.float64]


def december_lines(labels: list[str], line: NDArray[np.floating], first_year: int) -> F:
    """(runs, P, 3): the governing line of each December from the year before
    ``first_year`` to the last December recorded (the last month if none is).

    ``labels`` are the record's 'YYYY-MM' months, ``line`` its (runs, months, 3) line.
    """
    picks = []
    for year in range(first_year - 1, int(labels[-1][:4]) + 1):
        label = f"{year}-12"
        if label in labels:
            picks.append(labels.index(label))
    if not picks:
        picks = [len(labels) - 1]
    return np.asarray(line[:, picks, :], dtype=np.float64)


def lines_from_result(res: SimulationResult, first_year: int = 1928) -> F:
    """The policy lines of every run of a batch, for :func:`simulate_economy`."""
    labels = [res.compiled.label(m) for m in range(res.months)]
    return december_lines(labels, res.history.line, first_year)


def dominant_from_result(res: SimulationResult) -> list[str | None]:
    """Who holds consolidated power at the end of each run (None: no one)."""
    actors = res.compiled.actors
    return [actors[int(d)] if d >= 0 else None for d in res.outcomes.dominant_end]


def consequences(
    res: SimulationResult,
    data: EconomyData | None = None,
    central: bool = False,
) -> Consequences:
    """The consequences of each run of a batch: its own line, its own winner, its own
    weather and parameter draws (keyed by the batch's seed and global run indices)."""
    econ = data or load_economy(res.compiled.scenario.scenario.id)
    lines = lines_from_result(res, econ.first_year)
    out = simulate_economy(econ, lines, res.seed, res.outcomes.runs, central=central)
    out.dominant = dominant_from_result(res)
    return out
