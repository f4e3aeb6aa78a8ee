"""A scripted policy: per-run answers decided in advance (replays, tests, play mode)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from apparat.engine.decisions import DecisionContext, behavioural_choice


class Scripted:
    """Use ``answers[decision_id][run]`` (an option index) where given, else behave."""

    def __init__(self, answers: dict[str, NDArray[np.int64]]) -> None:
        self.answers = answers

    def choose(self, dc: DecisionContext) -> NDArray[np.int64]:
        default = behavioural_choice(dc)
        given = self.answers.get(dc.decision.id)
        if given is None:
            return default
        given = np.asarray(given, dtype=np.int64)[: dc.eligible.size]
        return np.where(dc.eligible & (given >= 0), given, default).astype(np.int64)
