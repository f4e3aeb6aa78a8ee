"""What a calibration fits and against what: the priors, the training and test facts,
the summary statistics of a particle and the distance to the record.

*Priors* are uniform over each parameter's declared range in ``PARAMETERS`` (or a
narrower range given as ``NAME=LOW:HIGH``). *Training facts* are the record's facts dated
up to the cut-off month; the simulator runs only up to that month, so nothing after it
can leak into the fit. A particle's *summary* is, for each training fact, the share of
its ``K`` runs that reproduce the fact within its window. The *distance* is the Brier
score of those shares against the record (every fact happened): the mean over facts
of (1 - share)^2, a proper scoring rule; with K = 1 it is the share of facts missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from apparat.engine import Compiled, simulate
from apparat.engine.compiled import month_index
from apparat.errors import InterventionError, RecordError, SimulationError
from apparat.experiments.validation import check_record, fact_hits
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.record import Fact, Record

F = NDArray[np.float64]


@dataclass(frozen=True)
class Prior:
    """A uniform prior over [low, high] for one global parameter."""

    name: str
    low: float
    high: float


def parse_priors(items: Sequence[str]) -> list[Prior]:
    """``NAME`` (its whole declared range) or ``NAME=LOW:HIGH`` (inside that range)."""
    priors: list[Prior] = []
    for item in items:
        name, _, rng = item.partition("=")
        name = name.strip()
        spec = PARAMETERS.get(name)
        if spec is None:
            raise InterventionError(
                f"unknown parameter {name!r} to calibrate; parameters: "
                f"{', '.join(sorted(PARAMETERS))}"
            )
        low, high = spec.low, spec.high
        if rng:
            try:
                low, high = (float(x) for x in rng.split(":"))
            except ValueError:
                raise InterventionError(
                    f"{item!r}: write a range as NAME=LOW:HIGH, e.g. {name}={spec.low}:{spec.high}"
                ) from None
            if not spec.low <= low < high <= spec.high:
                raise InterventionError(
                    f"{item!r}: the range must lie inside {name}'s declared range "
                    f"[{spec.low}, {spec.high}] with LOW < HIGH"
                )
        if any(p.name == name for p in priors):
            raise InterventionError(f"parameter {name!r} is named twice")
        priors.append(Prior(name, low, high))
    if not priors:
        raise InterventionError("name at least one parameter to calibrate (or ask for screening)")
    return priors


@dataclass(frozen=True)
class Split:
    """The record cut at a month: facts to fit, facts to predict."""

    until: str
    training: tuple[Fact, ...]
    testing: tuple[Fact, ...]


def split_record(c: Compiled, record: Record, until: str) -> Split:
    """Training facts are dated up to ``until``; the rest are the out-of-sample test."""
    check_record(c, record)
    last = c.label(c.months - 1)
    if not c.start <= until <= last:
        raise SimulationError(
            f"cut-off {until} is outside the scenario {c.scenario.scenario.id} ({c.start} to {last})"
        )
    end = month_index(c.start, until)
    training = tuple(
        f for f in record.facts if f.date <= until and month_index(c.start, f.date) + f.window >= 0
    )
    testing = tuple(f for f in record.facts if f.date > until)
    if not training:
        raise RecordError(
            f"no fact of the record is dated between the start and the cut-off {until} "
            f"(month {end} of the scenario): nothing to calibrate on; choose a later cut-off"
        )
    return Split(until, training, testing)


def brier(x: dict[str, F], x0: dict[str, F]) -> float:
    """The Brier score of a particle's hit shares against the record (all ones)."""
    return float(np.mean((x0["hits"] - x["hits"]) ** 2))


class FactSimulator:
    """Hit shares of the training facts for a batch of particles, ``K`` runs each.

    The runs of particle *b* have the global indices ``run0 + b*K .. run0 + b*K + K-1``,
    so every particle gets its own luck and the same call gives the same answer.
    """

    def __init__(
        self,
        c: Compiled,
        facts: Sequence[Fact],
        names: Sequence[str],
        seed: int,
        runs_each: int,
        until: str,
    ) -> None:
        if runs_each < 1:
            raise SimulationError(f"runs per particle must be at least 1, not {runs_each}")
        self.c, self.facts, self.names = c, tuple(facts), tuple(names)
        self.seed, self.runs_each, self.until = seed, runs_each, until

    def hits(self, values: dict[str, F], runs: NDArray[np.int64]) -> NDArray[np.bool_]:
        """(R, F): which runs reproduce which facts, with per-run parameter values."""
        res = simulate(self.c, runs, self.seed, self.until, None, False, values)
        cols = [fact_hits(self.c, res.history, f) for f in self.facts]
        return np.stack([np.zeros(runs.size, bool) if h is None else h for h in cols], axis=1)

    def __call__(self, thetas: F, run0: int) -> F:
        b, k = thetas.shape[0], self.runs_each
        runs = run0 + np.arange(b * k, dtype=np.int64)
        values = {n: np.repeat(thetas[:, j], k) for j, n in enumerate(self.names)}
        return self.hits(values, runs).reshape(b, k, -1).mean(axis=1)
