"""What ``apparat experiment`` shows of the consequences 1928-1941: per arm the headline
outcomes with their 5-95 % bands, and each arm's paired difference from the factual arm.

The cells are built here as plain strings; the experiment command lays them out as it
does its political tables (one table where it fits, else two).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table

if TYPE_CHECKING:
    import pandas as pd

    from apparat.experiments.experiment import Experiment

FACTUAL = "factual"
# the headline outcomes shown, with a short label and the decimals they read with
SHOWN: dict[str, tuple[str, int]] = {
    "consumption_per_head_1941": ("Consumption per head 1941 (1928 NEP = 100)", 0),
    "industrial_output_1941": ("Industrial output 1941 (1928 = 100)", 0),
    "gdp_1941": ("GDP 1941 (1928 = 100)", 0),
    "excess_deaths_1930_1934": ("Famine deaths 1930-34 (million)", 1),
    "excess_deaths_1928_1941": ("Famine deaths 1928-41 (million)", 1),
    "war_risk_1941": ("Chance of war with a Western coalition by 1941", 2),
    "repression_1941": ("Repression index 1941 (0-1)", 2),
}
TITLE = "Consequences 1928-1941 under each run's line"
EXPLAIN = (
    "Median over the runs (5-95 % of runs); paired difference: arm minus factual, run by "
    "run on the same weather and parameter draws ({runs} runs per arm)."
)


def band(median: float, low: float, high: float, digits: int, sign: bool = False) -> str:
    """'131 (115-157)'; a difference '+3.2 (-1.0, +8.4)'; exactly zero: no run changed."""
    f = f"{{:{'+' if sign else ''}.{digits}f}}"
    if sign and median == low == high == 0:
        return "0 (no run changed)"
    if any(math.isnan(x) for x in (low, high)):
        return f.format(median)
    sep = ", " if sign else "-"
    return f"{f.format(median)} ({f.format(low)}{sep}{f.format(high)})"


def tables(
    summary: pd.DataFrame, arms: list[str], headers: dict[str, str]
) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """One small table per headline outcome, as the political outcomes are shown: a row
    per arm with its band (and runs), and its paired difference from the factual arm."""
    present = [a for a in arms if a in set(summary["arm"])]
    by_arm = {a: summary[summary["arm"] == a].set_index("outcome") for a in present}
    out = []
    for outcome, (title, _) in SHOWN.items():
        if outcome not in set(summary["outcome"]):
            continue
        label, value, diff = [], [], []
        for arm in present:
            rows = by_arm[arm]
            label.append(headers.get(arm, arm))
            value.append(_cell(rows, outcome, ("median", "low", "high")))
            paired = arm != FACTUAL and not math.isnan(_number(rows, outcome, "diff_median"))
            diff.append(
                _cell(rows, outcome, ("diff_median", "diff_low", "diff_high")) if paired else ""
            )
        out.append((title, [("", label), ("median (5-95 %)", value), ("paired difference", diff)]))
    return out


def rich_table(title: str, cols: list[tuple[str, list[str]]]) -> Table:
    """The arm names wrap; the numbers never do."""
    table = Table(
        title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, show_edge=False
    )
    for i, (header, _) in enumerate(cols):
        if i == 0:
            table.add_column(header, overflow="fold", ratio=1)
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for row in zip(*(cells for _, cells in cols), strict=True):
        table.add_row(*row)
    return table


def _number(rows: pd.DataFrame, outcome: str, column: str) -> float:
    value: Any = rows.at[outcome, column]
    return float(value)


def _cell(rows: pd.DataFrame, outcome: str, cols: tuple[str, str, str]) -> str:
    med, low, high = (_number(rows, outcome, c) for c in cols)
    return band(med, low, high, SHOWN[outcome][1], sign=cols[0].startswith("diff"))


def line_titles(exp: Experiment) -> dict[str, str]:
    """Each imposed line's arm header: 'line imposed: <the programme's title>'."""
    from apparat.experiments.consequences import LINE_PREFIX, economy_for

    data = economy_for(exp.scenario) if exp.line_arms_ else None
    titles = {p.id: p.title for p in data.programmes.values()} if data else {}
    return {
        a: f"line imposed: {titles.get(a.removeprefix(LINE_PREFIX), a)}" for a in exp.line_arms_
    }


def document(exp: Experiment) -> dict[str, Any]:
    """The consequences part of ``apparat experiment --json``."""
    if exp.consequences_note_ is not None:
        return {"available": False, "note": exp.consequences_note_, "arms": []}
    summ = exp.consequences_summary_
    records = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in summ.to_dict("records")
    ]
    return {
        "available": True,
        "note": EXPLAIN.format(runs=exp.runs),
        "imposed_lines": list(exp.line_arms_),
        "arms": records,
    }
