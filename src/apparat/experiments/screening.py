"""Which global parameters matter for the training record: a Morris screening (SALib).

ABC-SMC in many dimensions needs many particles; most mechanism weights barely move the
training facts. Morris's elementary effects rank every declared parameter by how much
one step in it changes the training distance (mu*, the mean absolute effect), at the
cost of (parameters + 1) x trajectories points of K runs each; the calibration then
fits the few at the top and leaves the others at their point values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from apparat.engine import Compiled
from apparat.experiments.analysis.deps import salib
from apparat.experiments.calibration_setup import FactSimulator, Split
from apparat.scenario.parameters import PARAMETERS

LEVELS = 4


def screen(
    c: Compiled,
    split: Split,
    seed: int,
    *,
    candidates: Sequence[str] = (),
    trajectories: int = 8,
    runs_each: int = 10,
) -> pd.DataFrame:
    """mu*, mu and sigma of the training Brier distance for each candidate parameter
    (default: every declared one), the most influential first."""
    names = list(candidates) or sorted(n for n, s in PARAMETERS.items() if s.high > s.low)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[PARAMETERS[n].low, PARAMETERS[n].high] for n in names],
    }
    x = salib("sample.morris").sample(problem, trajectories, num_levels=LEVELS, seed=seed)
    sim = FactSimulator(c, split.training, names, seed, runs_each, split.until)
    hits = sim(np.asarray(x, dtype=np.float64), 1 << 41)
    y = np.mean((1.0 - hits) ** 2, axis=1)
    got = salib("analyze.morris").analyze(problem, x, y, num_levels=LEVELS, seed=seed)
    out = pd.DataFrame(
        {"parameter": names, "mu_star": got["mu_star"], "mu": got["mu"], "sigma": got["sigma"]}
    )
    return out.sort_values("mu_star", ascending=False, ignore_index=True)
