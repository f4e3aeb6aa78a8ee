"""S1's question with numbers: the consequences 1928-1941 in the runs each leader wins.

Each arm (the factual world, or a preset's changed antecedent) is simulated politically;
each run's own line and winner then drive the consequences model with the run's own
weather and parameter draws (keyed by seed and run index, so the arms are paired). The
winner is what the political simulation produced, never imposed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from apparat.economy import Consequences, consequences, load_economy
from apparat.economy.summary import arms_table, by_group, line_groups
from apparat.engine import compile_scenario, simulate
from apparat.experiments.interventions import Intervention, apply
from apparat.experiments.presets import load_presets
from apparat.policies import ForcedChoice
from apparat.scenario import load_scenario

FACTUAL = "factual"
LEADERS = ("stalin", "trotsky", "bukharin")


def arm_consequences(
    arms: dict[str, Sequence[Intervention]],
    runs: int = 1000,
    seed: int = 1,
    scenario: str = "bolshevik_1923",
) -> dict[str, Consequences]:
    """Simulate each arm's politics on runs 0..runs-1 and return its consequences."""
    s = load_scenario(scenario)
    data = load_economy(scenario)
    out = {}
    for arm, ivs in arms.items():
        applied = apply(s, list(ivs))
        c = compile_scenario(applied.scenario, applied.params)
        res = simulate(c, runs, seed, None, ForcedChoice(applied.scenario, applied.forced), False)
        out[arm] = consequences(res, data)
    return out


def preset_arms(
    names: Sequence[str] | None = None, scenario: str = "bolshevik_1923"
) -> dict[str, list[Intervention]]:
    """The factual arm and the named presets (all of them by default), as arms.

    A preset's ``given_history_until`` (conditioning on the record) is not applied here:
    every run counts, so the arms stay paired run by run.
    """
    presets = load_presets(scenario)
    chosen = list(presets) if names is None else list(names)
    return {FACTUAL: [], **{n: list(presets[n].interventions) for n in chosen}}


def s1_answer(arms: dict[str, Consequences], leaders: Sequence[str] = LEADERS) -> pd.DataFrame:
    """The headline outcomes by 1941 in the runs each leader holds power at the end,
    pooled over the arms given (each run's winner from its own simulation)."""
    pooled = pool(arms)
    labels = [
        "no one" if d is None else d if d in leaders else "someone else"
        for d in (pooled.dominant or [])
    ]
    return by_group(pooled, labels, [*leaders, "someone else", "no one"]).rename(
        columns={"group": "dominant"}
    )


def by_line(arms: dict[str, Consequences]) -> pd.DataFrame:
    """The headline outcomes by the economic line the runs end with (left, centre,
    right), pooled over the arms: the line, not the man, as the political simulation
    produced it."""
    pooled = pool(arms)
    return by_group(pooled, line_groups(pooled), ["left line", "centre line", "right line"])


def pool(arms: dict[str, Consequences]) -> Consequences:
    """The runs of several arms as one batch (for tables by winner or by line)."""
    first = next(iter(arms.values()))
    values = {k: np.concatenate([a.values[k] for a in arms.values()]) for k in first.values}
    dominant: list[str | None] = []
    for a in arms.values():
        dominant += list(a.dominant or [None] * a.runs.size)
    runs = np.concatenate([a.runs for a in arms.values()])
    return Consequences(first.years, runs, values, {}, dominant)


def arms_summary(arms: dict[str, Consequences], base: str = FACTUAL) -> pd.DataFrame:
    """Per arm the headline outcomes with intervals, and paired differences from ``base``."""
    return arms_table(arms, base if base in arms else None)
