"""Global sensitivity of the outcomes to the declared factors, with SALib.

Sobol' (Saltelli's design, Jansen's total-effect estimator as SALib implements them):
first-order and total indices with bootstrap confidence intervals. Chance enters as one
more input, a uniform mapped to the global run index, so the matrices A, B and AB_i of
Saltelli's scheme that share a row's chance column share its luck exactly: a factor's
total index is then the part of the variance that needs the factor, and chance's own
indices say how much is left to luck. A factor with no path to the outcome scores 0.

Morris screening for many factors: each trajectory runs with one luck throughout, so
an elementary effect is the factor's effect with chance held fixed; mu* averages them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from apparat.errors import SimulationError
from apparat.experiments.analysis import deps
from apparat.experiments.analysis.base import (
    CHANCE,
    Analysis,
    power_of_two,
    problem,
    select_factors,
    widen,
)
from apparat.experiments.analysis.evaluate import Design, evaluate, luck
from apparat.experiments.analysis.outcomes import check, default_outcomes
from apparat.experiments.backends import Backend
from apparat.experiments.posterior import Posterior
from apparat.scenario import Scenario
from apparat.scenario.models import Factor
from apparat.store import DEFAULT_PATH

Method = Literal["sobol", "morris"]
F = np.ndarray


class Sensitivity(Analysis):
    """Sobol' indices or Morris screening of outcomes against the scenario's factors."""

    kind = "sensitivity"

    def __init__(
        self,
        scenario: str | Path | Scenario = "bolshevik_1923",
        method: Method = "sobol",
        samples: int = 256,
        outcomes: Sequence[str] | None = None,
        seed: int = 1,
        *,
        factors: Sequence[str] | None = None,
        num_levels: int = 4,
        conf_level: float = 0.95,
        num_resamples: int = 200,
        workers: int = 1,
        backend: Backend | None = None,
        store: str | Path | None = DEFAULT_PATH,
        chunk_size: int = 2000,
        name: str | None = None,
        parameters: str | None = None,
        posterior: Posterior | str | Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.method = method
        self.samples = samples
        self.outcomes = outcomes
        self.seed = seed
        self.factors = factors
        self.num_levels = num_levels
        self.conf_level = conf_level
        self.num_resamples = num_resamples
        self.workers = workers
        self.backend = backend
        self.store = store
        self.chunk_size = chunk_size
        self.name = name
        self.parameters = parameters
        self.posterior = posterior

    def _check(self) -> None:
        if self.method not in ("sobol", "morris"):
            raise SimulationError(f"method must be 'sobol' or 'morris', not {self.method!r}")
        if not 0 < self.conf_level < 1:
            raise SimulationError(f"conf_level must lie in (0, 1), not {self.conf_level}")
        if self.num_levels < 2 or self.num_levels % 2:
            raise SimulationError(f"num_levels must be even and at least 2, not {self.num_levels}")
        if self.samples < 2:
            raise SimulationError(f"samples must be at least 2, not {self.samples}")

    def _describe(self) -> str:
        return f"{self.method}, {self.samples} samples"

    def planned_runs(self) -> int:
        """How many runs ``run()`` will simulate (for a progress bar)."""
        self._check()
        s, _ = self._load()
        d = len(select_factors(s, self.factors))
        if self.method == "sobol":
            return power_of_two(self.samples) * (d + 3)
        return self.samples * (d + 1)

    # ------------------------------------------------------------------ design

    def _sobol(self, facs: list[Factor]) -> tuple[dict[str, Any], F, Design]:
        sample = deps.salib("sample.sobol")
        names = [f.target for f in facs] + [CHANCE]
        prob = problem(names, [[f.low, f.high] for f in facs] + [[0.0, 1.0]])
        n = power_of_two(self.samples)
        x = sample.sample(prob, n, calc_second_order=False, scramble=True, seed=self.seed)
        design = Design(luck(x[:, -1]), {f.target: x[:, j] for j, f in enumerate(facs)})
        return prob, x, design

    def _morris(self, facs: list[Factor]) -> tuple[dict[str, Any], F, Design]:
        sample = deps.salib("sample.morris")
        prob = problem([f.target for f in facs], [[f.low, f.high] for f in facs])
        x = sample.sample(prob, self.samples, num_levels=self.num_levels, seed=self.seed)
        # one luck per trajectory: an elementary effect compares two runs with the same luck
        runs = np.repeat(np.arange(self.samples, dtype=np.int64), len(facs) + 1)
        design = Design(runs, {f.target: x[:, j] for j, f in enumerate(facs)})
        return prob, x, design

    # ------------------------------------------------------------------ running

    def run(self, progress: Callable[[int], None] | None = None) -> Sensitivity:
        """Sample, simulate one run per sample point, and compute the indices."""
        self._check()
        started = time.perf_counter()
        s, c = self._load()
        facs = select_factors(s, self.factors)
        outs = check(c, list(self.outcomes or default_outcomes(c)))
        prob, x, design = self._sobol(facs) if self.method == "sobol" else self._morris(facs)
        y = evaluate(
            s, design, [o.name for o in outs], self.seed,
            workers=self.workers, backend=self.backend, chunk_size=self.chunk_size,
            progress=progress, posterior=self.resolved_posterior(),
        )  # fmt: skip
        groups = {f.target: f.group for f in facs} | {CHANCE: CHANCE}
        frames = []
        for k, o in enumerate(outs):
            frames.append(self._indices(prob, x, y[:, k], o.name, groups))
        self.problem_ = prob
        self.outcomes_ = [o.name for o in outs]
        self.labels_ = {o.name: o.label for o in outs}
        self.X_ = pd.DataFrame(x, columns=prob["names"]).assign(run=design.runs)
        self.Y_ = pd.DataFrame(y, columns=self.outcomes_)
        self.means_ = self.Y_.mean()
        self.indices_ = pd.concat(frames, ignore_index=True)
        self.samples_ = power_of_two(self.samples) if self.method == "sobol" else self.samples
        self.runs_ = len(design)
        self.seconds_ = time.perf_counter() - started
        self.analysis_id_ = self._save(
            s, {"analysis_indices": self.indices_}, self.samples_, self.runs_, self.seconds_,
            {"method": self.method, "outcomes": {
                o: {"label": self.labels_[o], "mean": float(self.means_[o])} for o in self.outcomes_
            }},
        )  # fmt: skip
        return self

    def _indices(
        self, prob: dict[str, Any], x: F, y: F, outcome: str, groups: dict[str, str]
    ) -> pd.DataFrame:
        """Tidy rows (outcome, factor, factor_group, statistic, estimate, low, high)."""
        names: list[str] = prob["names"]
        rows: list[tuple[str, str, str, str, float, float, float]] = []
        nan = float("nan")
        if np.ptp(y) == 0:  # the outcome never varies: no variance to apportion
            stats = ("S1", "ST") if self.method == "sobol" else ("mu_star", "sigma", "mu")
            rows = [(outcome, n, groups[n], st, nan, nan, nan) for n in names for st in stats]
        elif self.method == "sobol":
            with deps.salib_quiet():
                si = deps.salib("analyze.sobol").analyze(
                    prob, y, calc_second_order=False, num_resamples=self.num_resamples,
                    conf_level=self.conf_level, seed=self.seed + 1,
                )  # fmt: skip
            for j, n in enumerate(names):
                for st in ("S1", "ST"):
                    e, h = float(si[st][j]), float(si[f"{st}_conf"][j])
                    rows.append((outcome, n, groups[n], st, e, e - h, e + h))
        else:
            with deps.salib_quiet():
                si = deps.salib("analyze.morris").analyze(
                    prob, x, y, num_resamples=self.num_resamples, conf_level=self.conf_level,
                    num_levels=self.num_levels, seed=self.seed + 1,
                )  # fmt: skip
            for j, n in enumerate(names):
                e, h = float(si["mu_star"][j]), float(si["mu_star_conf"][j])
                rows.append((outcome, n, groups[n], "mu_star", e, e - h, e + h))
                rows.append((outcome, n, groups[n], "sigma", float(si["sigma"][j]), nan, nan))
                rows.append((outcome, n, groups[n], "mu", float(si["mu"][j]), nan, nan))
        cols = ["outcome", "factor", "factor_group", "statistic", "estimate", "low", "high"]
        return pd.DataFrame(rows, columns=cols)

    def top(self, outcome: str | None = None, k: int = 5) -> pd.DataFrame:
        """The ``k`` factors that matter most for an outcome (by total index, or mu*),
        chance left out, with their intervals."""
        outcome = outcome or self.outcomes_[0]
        stat = "ST" if self.method == "sobol" else "mu_star"
        df = self.indices_
        df = df[(df["outcome"] == outcome) & (df["factor"] != CHANCE)]
        wide = widen(df, "factor", "statistic")
        return wide.sort_values(stat, ascending=False).head(k).reset_index()
