"""Per-run choices: each row of a batch gets its own option, or its own behavioural draw.

A design that varies the decisions from run to run (the agency part of the structure /
agency / chance decomposition) needs a policy whose answer differs by row. Two ways:

``PerRunChoice``
    an option index per row (-1: leave the row to ``fallback``), e.g. every option
    equally often;
``PerRunDraw``
    the behavioural policy, but with the uniform it inverts supplied per row instead of
    drawn from the run's own stream. The choice then follows the chooser's character
    and situation exactly as in the factual world, while the luck of the choice becomes
    a factor of the design, separate from the run's other luck.

Rows are the rows of the batch, in the order of its ``runs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from apparat.engine.decisions import DecisionContext, Policy, behavioural_choice
from apparat.errors import InterventionError
from apparat.scenario.models import Decision, Scenario

I = NDArray[np.int64]
F = NDArray[np.float64]


def _decisions(scenario: Scenario, names: Mapping[str, object]) -> dict[str, Decision]:
    known = {d.id: d for d in scenario.decisions}
    for name in names:
        if name not in known:
            raise InterventionError(
                f"unknown decision {name!r}; decisions in {scenario.scenario.id}: "
                + ", ".join(sorted(known))
            )
    return known


def _rows(dc: DecisionContext, values: NDArray[np.generic], name: str) -> None:
    if values.shape != dc.eligible.shape:
        raise InterventionError(
            f"{name}: {values.size} per-run values for a batch of {dc.eligible.size} runs"
        )


class PerRunChoice:
    """Take ``choices[decision][row]`` (an option index; -1 leaves the row to
    ``fallback``, by default the behavioural policy)."""

    def __init__(
        self,
        scenario: Scenario,
        choices: Mapping[str, ArrayLike],
        fallback: Policy | None = None,
    ) -> None:
        decisions = _decisions(scenario, choices)
        self.choices: dict[str, I] = {}
        for name, raw in choices.items():
            values = np.asarray(raw)
            if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer):
                raise InterventionError(f"{name}: give one integer option index per run")
            n = len(decisions[name].options)
            if ((values < -1) | (values >= n)).any():
                raise InterventionError(
                    f"{name}: option indices must lie in -1..{n - 1} ({n} options)"
                )
            self.choices[name] = values.astype(np.int64)
        self.fallback = fallback

    def choose(self, dc: DecisionContext) -> I:
        default = self.fallback.choose(dc) if self.fallback else behavioural_choice(dc)
        given = self.choices.get(dc.decision.id)
        if given is None:
            return default
        _rows(dc, given, dc.decision.id)
        return np.where(dc.eligible & (given >= 0), given, default).astype(np.int64)


class PerRunDraw:
    """Behave, but invert ``draws[decision][row]`` (a uniform in [0, 1)) rather than the
    decision's own draw; decisions not named fall to ``fallback``."""

    def __init__(
        self,
        scenario: Scenario,
        draws: Mapping[str, ArrayLike],
        fallback: Policy | None = None,
    ) -> None:
        _decisions(scenario, draws)
        self.draws: dict[str, F] = {}
        for name, raw in draws.items():
            values = np.asarray(raw, dtype=np.float64)
            if values.ndim != 1 or not ((values >= 0.0) & (values < 1.0)).all():
                raise InterventionError(f"{name}: give one uniform in [0, 1) per run")
            self.draws[name] = values
        self.fallback = fallback

    def choose(self, dc: DecisionContext) -> I:
        given = self.draws.get(dc.decision.id)
        if given is None:
            return self.fallback.choose(dc) if self.fallback else behavioural_choice(dc)
        _rows(dc, given, dc.decision.id)
        return behavioural_choice(replace(dc, uniform=given))
