"""The public entry point for one batch of runs: a scenario, a seed, and interventions."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from apparat.engine import SimulationResult, compile_scenario
from apparat.engine import simulate as run_batch
from apparat.engine.random import SeedLike
from apparat.policies import ForcedChoice
from apparat.scenario import Scenario, load_scenario


def simulate(
    scenario: str | Path | Scenario = "bolshevik_1923",
    runs: int | NDArray[np.int64] = 1,
    seed: SeedLike = 1,
    until: str | None = None,
    do: dict[str, str] | None = None,
    chronicle: bool | int | list[int] = True,
    factors: Mapping[str, ArrayLike] | None = None,
) -> SimulationResult:
    """Simulate ``runs`` runs of a scenario (a bundled name, a path, or a loaded one).

    ``do`` forces decisions, e.g. ``{"trotsky.xii_congress": "attack"}``; every other
    decision follows the actors' behavioural policy. ``factors`` gives each run its own
    value of a parameter or trait, e.g. ``{"stalin.organisation": [0.5, 0.9]}`` for two
    runs (a sweep in one batch). Same seed, same result; the default seed, 1, is the
    command line's, so ``apparat run`` and ``simulate()`` agree.

    The result's ``outcomes_frame()`` and ``to_xarray()`` label it with actor ids and
    'YYYY-MM' months; ``result.outcomes`` and ``result.history`` keep the raw arrays.
    """
    s = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    policy = ForcedChoice(s, do or {})
    return run_batch(compile_scenario(s), runs, seed, until, policy, chronicle, factors)
