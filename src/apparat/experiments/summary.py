"""Summaries of an experiment's outcome tables: shares with intervals, paired differences.

They read the tables the store holds (one row per arm and run), never the engine, so a
stored experiment can be summarised again without simulating anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from apparat.engine.random import Streams
from apparat.experiments.statistics import bootstrap_median, paired_difference, wilson

NO_ONE = "no one"
BOOTSTRAP = 200
SHARE_OUTCOMES = ("dominant_end", "strongest_end", "first_out")


def _with_first_out(outcomes: pd.DataFrame, actors: pd.DataFrame) -> pd.DataFrame:
    """Add the first leader to leave the executive by sanction in each run."""
    out = actors.dropna(subset=["defeat_month"]).sort_values(
        ["arm", "run", "defeat_month", "actor"]
    )
    first = out.groupby(["arm", "run"], as_index=False).first()[["arm", "run", "actor"]]
    merged = outcomes.merge(
        first.rename(columns={"actor": "first_out"}), on=["arm", "run"], how="left"
    )
    return merged.fillna({"dominant_end": NO_ONE, "first_out": NO_ONE})


def summarise(
    outcomes: pd.DataFrame,
    actors: pd.DataFrame,
    seed: int,
    dominance: pd.DataFrame | None = None,
    at: Sequence[str] = (),
) -> pd.DataFrame:
    """Per arm: the share of runs with each dominant leader (at the end and at each month
    in ``at``), strongest leader and first leader out (95 % Wilson intervals), and the
    median consolidation month (bootstrap)."""
    data, extra = _with_dominance(
        _with_first_out(outcomes[outcomes["kept"]], actors), dominance, at
    )
    rows = []
    for arm, g in data.groupby("arm", sort=False):
        n = len(g)
        for outcome in (*SHARE_OUTCOMES, *extra):
            for value, k in g[outcome].value_counts().items():
                low, high = wilson(int(k), n)
                rows.append([arm, outcome, str(value), n, k / n, low, high])
        months = pd.to_datetime(g["consolidation_month"].dropna(), format="%Y-%m")
        if len(months):
            ordinal = (months.dt.year * 12 + months.dt.month - 1).to_numpy(np.float64)
            draws = Streams(seed, BOOTSTRAP).uniform(f"bootstrap.{arm}", 0, ordinal.size)
            med, low, high = bootstrap_median(ordinal.astype(np.float64), draws)
            rows.append([arm, "consolidation_month", _label(med), len(months), med, low, high])
    cols = ["arm", "outcome", "value", "runs", "estimate", "low", "high"]
    return pd.DataFrame(rows, columns=cols)


def _with_dominance(
    data: pd.DataFrame, dominance: pd.DataFrame | None, at: Sequence[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Add a column per month in ``at``: who was consolidated then, or no one."""
    extra: list[str] = []
    if dominance is None:
        return data, extra
    for month in at:
        col = f"dominant_at_{month}"
        d = dominance[dominance["month"] == month][["arm", "run", "dominant"]]
        data = data.merge(d.rename(columns={"dominant": col}), on=["arm", "run"], how="left")
        data[col] = data[col].fillna(NO_ONE)
        extra.append(col)
    return data, extra


def differences(
    outcomes: pd.DataFrame,
    actors: pd.DataFrame,
    base: str,
    dominance: pd.DataFrame | None = None,
    at: Sequence[str] = (),
) -> pd.DataFrame:
    """Each arm against ``base`` on the same runs: the paired difference in the share of
    runs with each outcome, with a 95 % interval."""
    data, extra = _with_dominance(_with_first_out(outcomes, actors), dominance, at)
    ref = data[data["arm"] == base].set_index("run")
    rows = []
    for arm, g in data[data["arm"] != base].groupby("arm", sort=False):
        g = g.set_index("run")
        both = g.index.intersection(ref.index)
        g, r = g.loc[both], ref.loc[both]
        for outcome in (*SHARE_OUTCOMES, *extra):
            for value in sorted(set(g[outcome]) | set(r[outcome])):
                d, low, high = paired_difference(
                    (g[outcome] == value).to_numpy(), (r[outcome] == value).to_numpy()
                )
                rows.append([arm, outcome, str(value), len(both), d, low, high])
    cols = ["arm", "outcome", "value", "runs", "difference", "low", "high"]
    return pd.DataFrame(rows, columns=cols)


def _label(ordinal: float) -> str:
    """A month counted from year 0 back to 'YYYY-MM'."""
    m = round(ordinal)
    return f"{m // 12:04d}-{m % 12 + 1:02d}"
