"""Structure, agency, chance: how much of an outcome's variance each accounts for.

Every run is a deterministic function Y = f(X, A, W) of three independent inputs:
X the declared factors (structure, and the leaders' characters), A one uniform per
decision point (the luck of the choice: inverted through the behavioural
probabilities, or mapped to an option with every option equally likely), and W the
global run index, which fixes every other draw (counter-based randomness). Sobol'
indices of the three *groups* (SALib, Saltelli's design with ``groups``) then split
Var(Y) exactly: S_g = Var(E[Y | g]) / Var(Y) is what the group explains on its own,
ST_g = E[Var(Y | not g)] / Var(Y) what it takes part in, interactions included.
Common random numbers make it work: the rows AB_structure and A of Saltelli's scheme
share A's run index, so they differ in structure and in nothing else. With
``factors=[]`` structure is held at the scenario's own values and only agency and
chance are split: the question asked of the world as the scenario describes it.
docs/analysis.md says why the estimator is sound for a 0/1 outcome and what it means.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

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
from apparat.experiments.analysis.evaluate import Agency, Design, evaluate, luck
from apparat.experiments.analysis.outcomes import check, default_outcomes
from apparat.experiments.analysis.verdict import verdict
from apparat.experiments.backends import Backend
from apparat.experiments.posterior import Posterior
from apparat.policies import ForcedChoice
from apparat.scenario import Scenario
from apparat.store import DEFAULT_PATH

STRUCTURE, AGENCY = "structure", "agency"


class Decomposition(Analysis):
    """Split the variance of outcomes into structure, agency (decisions) and chance."""

    kind = "decomposition"

    def __init__(
        self,
        scenario: str | Path | Scenario = "bolshevik_1923",
        samples: int = 1024,
        outcomes: Sequence[str] | None = None,
        seed: int = 1,
        *,
        agency: Agency = "behavioural",
        do: Mapping[str, str] | None = None,
        split_structure: bool = False,
        factors: Sequence[str] | None = None,
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
        self.samples = samples
        self.outcomes = outcomes
        self.seed = seed
        self.agency = agency
        self.do = do
        self.split_structure = split_structure
        self.factors = factors
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
        if self.agency not in ("behavioural", "uniform"):
            raise SimulationError(f"agency must be 'behavioural' or 'uniform', not {self.agency!r}")
        if not 0 < self.conf_level < 1:
            raise SimulationError(f"conf_level must lie in (0, 1), not {self.conf_level}")
        if self.samples < 2:
            raise SimulationError(f"samples must be at least 2, not {self.samples}")

    def _problem(self, s: Scenario) -> tuple[dict[str, Any], int, int]:
        """SALib's problem with groups; the numbers of factors and of decisions."""
        facs = select_factors(s, self.factors)
        decisions = [d.id for d in s.decisions]
        if not decisions:
            raise SimulationError(f"scenario {s.scenario.id} has no decision points: no agency")
        groups = [f.group if self.split_structure else STRUCTURE for f in facs]
        prob = problem(
            [f.target for f in facs] + decisions + [CHANCE],
            [[f.low, f.high] for f in facs] + [[0.0, 1.0]] * (len(decisions) + 1),
            groups + [AGENCY] * len(decisions) + [CHANCE],
        )
        return prob, len(facs), len(decisions)

    def _describe(self) -> str:
        held = ", structure fixed" if self.factors is not None and not self.factors else ""
        split = ", characters apart" if self.split_structure else ""
        forced = f", {len(self.do)} forced" if self.do else ""
        return f"{self.agency} agency{held}{split}{forced}"

    def planned_runs(self) -> int:
        """How many runs ``run()`` will simulate (for a progress bar)."""
        self._check()
        s, _ = self._load()
        prob, _, _ = self._problem(s)
        return power_of_two(self.samples) * (len(set(prob["groups"])) + 2)

    def run(self, progress: Callable[[int], None] | None = None) -> Decomposition:
        """Sample the three groups, simulate one run per point, and apportion the variance."""
        self._check()
        started = time.perf_counter()
        s, c = self._load()
        forced = dict(self.do or {})
        ForcedChoice(s, forced)  # an unknown decision or option is refused before any run
        outs = check(c, list(self.outcomes or default_outcomes(c)[:2]))
        prob, nf, nd = self._problem(s)
        n = power_of_two(self.samples)
        x = deps.salib("sample.sobol").sample(
            prob, n, calc_second_order=False, scramble=True, seed=self.seed
        )
        names: list[str] = prob["names"]
        design = Design(
            luck(x[:, -1]),
            {names[j]: x[:, j] for j in range(nf)},
            {names[nf + j]: x[:, nf + j] for j in range(nd)},
        )
        y = evaluate(
            s, design, [o.name for o in outs], self.seed, agency=self.agency, forced=forced,
            workers=self.workers, backend=self.backend, chunk_size=self.chunk_size,
            progress=progress, posterior=self.resolved_posterior(),
        )  # fmt: skip
        self.problem_ = prob
        self.outcomes_ = [o.name for o in outs]
        self.labels_ = {o.name: o.label for o in outs}
        self.binary_ = {o.name: o.binary for o in outs}
        self.Y_ = pd.DataFrame(y, columns=self.outcomes_)
        self.means_ = self.Y_.mean()
        self.indices_ = pd.concat(
            [self._split(prob, y[:, k], o) for k, o in enumerate(self.outcomes_)],
            ignore_index=True,
        )
        self.samples_ = n
        self.runs_ = len(design)
        self.seconds_ = time.perf_counter() - started
        self.answer_ = self.answer()
        self.analysis_id_ = self._save(
            s, {"analysis_decomposition": self.indices_}, n, self.runs_, self.seconds_,
            {"answer": self.answer_, "outcomes": {
                o: {"label": self.labels_[o], "mean": float(self.means_[o]),
                    "variance": float(self.Y_[o].var())} for o in self.outcomes_
            }},
        )  # fmt: skip
        return self

    def _split(self, prob: dict[str, Any], y: np.ndarray, outcome: str) -> pd.DataFrame:
        """Tidy rows (outcome, part, kind, estimate, low, high) for one outcome."""
        parts = list(dict.fromkeys(prob["groups"]))
        cols = ["outcome", "part", "kind", "estimate", "low", "high"]
        if np.ptp(y) == 0:
            nan = float("nan")
            rows = [(outcome, p, k, nan, nan, nan) for p in parts for k in ("first", "total")]
            return pd.DataFrame(rows, columns=cols)
        with deps.salib_quiet():
            si = deps.salib("analyze.sobol").analyze(
                prob, y, calc_second_order=False, num_resamples=self.num_resamples,
                conf_level=self.conf_level, seed=self.seed + 1,
            )  # fmt: skip
        rows = []
        for j, p in enumerate(parts):
            for kind, st in (("first", "S1"), ("total", "ST")):
                e, h = float(si[st][j]), float(si[f"{st}_conf"][j])
                rows.append((outcome, p, kind, e, e - h, e + h))
        return pd.DataFrame(rows, columns=cols)

    def table(self, outcome: str | None = None) -> pd.DataFrame:
        """One row per part: first-order and total index with their intervals."""
        outcome = outcome or self.outcomes_[0]
        df = self.indices_[self.indices_["outcome"] == outcome]
        wide = widen(df, "part", "kind")
        order = list(dict.fromkeys(self.problem_["groups"]))
        return wide.reindex(order).reset_index()

    def answer(self, outcome: str | None = None) -> str:
        """The sources' question answered for one outcome, in plain words with the figures."""
        outcome = outcome or self.outcomes_[0]
        return verdict(
            self.labels_[outcome], float(self.means_[outcome]), self.binary_[outcome],
            self.table(outcome),
            self.runs_, self.agency, dict(self.do or {}),
        )  # fmt: skip
