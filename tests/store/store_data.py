"""Small, hand-made experiment data shaped as the experiment layer builds it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from apparat.store import histogram_rows, moments_rows

MONTHS = ["1923-01", "1923-02", "1923-03"]
ACTORS = ["stalin", "trotsky", "zinoviev"]
AXES = ["economy", "international", "regime"]


def meta(**overrides: Any) -> dict[str, Any]:
    """The meta an Experiment hands to begin_experiment, with small values."""
    base: dict[str, Any] = {
        "name": "test",
        "scenario_id": "toy",
        "scenario_hash": "0" * 64,
        "seed": 7,
        "runs": 20,
        "arms": ["factual", "attack"],
        "interventions": {"attack": ["trotsky.xii_congress=attack"]},
        "params": {"runs": 20, "seed": 7},
        "given_history_until": None,
        "apparat_version": "0.1.0",
        "batch_size": 10,
    }
    return base | overrides


def batch_tables(arm: str, batch: int, size: int = 10, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Every result table for runs batch*size ... batch*size+size-1 of one arm, shaped as
    the experiment layer builds them (with an ``arm`` column in front)."""
    rng = np.random.default_rng(seed + 1000 * batch)
    runs = np.arange(batch * size, (batch + 1) * size)
    n_act = len(ACTORS)
    power = rng.dirichlet(np.ones(n_act), size=(size, len(MONTHS)))
    dominant = np.array([ACTORS[r % n_act] if r % 4 else None for r in runs], dtype=object)
    tables = {
        "outcomes": pd.DataFrame(
            {
                "run": runs,
                "dominant_end": dominant,
                "consolidation_month": [None if d is None else "1929-11" for d in dominant],
                "strongest_end": [ACTORS[r % n_act] for r in runs],
                "kept": True,
            }
        ),
        "actor_outcomes": pd.DataFrame(
            {
                "run": np.repeat(runs, n_act),
                "actor": np.tile(ACTORS, size),
                "defeat_month": None,
                "final_sanction": "none",
                "died": False,
                "power_end": power[:, -1].ravel(),
            }
        ),
        "choices": pd.DataFrame(
            {"run": runs, "decision": "trotsky.xii_congress", "option": "truce"}
        ),
        "power_hist": histogram_rows(power, MONTHS, ACTORS),
        "line_moments": moments_rows(rng.random((size, len(MONTHS), 3)), MONTHS, AXES),
        "dominance": pd.DataFrame({"run": runs, "month": "1930-12", "dominant": dominant}),
        "chronicle": pd.DataFrame(
            {
                "run": [int(runs[0])] * 2,
                "month": [0, 0],
                "date": ["1923-01", "1923-01"],
                "kind": ["event", "vote"],
                "text": ["first", "second"],
                "actors": ['["stalin"]', "[]"],
                "cites": ["[]", '["deutscher"]'],
                "why": ["{}", '{"votes": 3}'],
            }
        ),
    }
    for df in tables.values():
        df.insert(0, "arm", arm)
    return tables
