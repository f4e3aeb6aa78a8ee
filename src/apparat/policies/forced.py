"""Forced choices: a counterfactual intervention fixes one decision's option in every run.

Every other decision keeps its behavioural policy and its own random draw, so a forced
run and its factual twin differ only where the forced choice leads.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.decisions import DecisionContext, Policy, behavioural_choice
from apparat.errors import InterventionError
from apparat.scenario.models import Scenario


def parse_do(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """'trotsky.xii_congress=attack' strings to a mapping, refusing malformed ones."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, option = item.partition("=")
        if not sep or not name.strip() or not option.strip():
            raise InterventionError(
                f"--do {item!r}: write DECISION=OPTION, e.g. trotsky.xii_congress=attack"
            )
        out[name.strip()] = option.strip()
    return out


class ForcedChoice:
    """Force named decisions to named options; leave the rest to ``fallback``."""

    def __init__(
        self, scenario: Scenario, forced: dict[str, str], fallback: Policy | None = None
    ) -> None:
        decisions = {d.id: d for d in scenario.decisions}
        for name, option in forced.items():
            if name not in decisions:
                raise InterventionError(
                    f"unknown decision {name!r}; decisions in {scenario.scenario.id}: "
                    + ", ".join(sorted(decisions))
                )
            options = [o.id for o in decisions[name].options]
            if option not in options:
                raise InterventionError(
                    f"decision {name!r} has no option {option!r}; options: {', '.join(options)}"
                )
        self.forced = {
            name: [o.id for o in decisions[name].options].index(opt) for name, opt in forced.items()
        }
        self.fallback = fallback

    def choose(self, dc: DecisionContext) -> NDArray[np.int64]:
        if dc.decision.id in self.forced:
            return np.where(dc.eligible, self.forced[dc.decision.id], -1).astype(np.int64)
        if self.fallback is not None:
            return self.fallback.choose(dc)
        return behavioural_choice(dc)
