"""The report's consequences section: per arm the headline outcomes by 1941 with paired
differences, and fan charts of the key series 1928-1941 with the record overlaid.

The fans are drawn from the stored per-run rows (the ``consequences`` table): median,
and the bands holding the middle 50 % and 80 % of runs. Famine deaths are drawn
cumulated from 1928, because the record gives them as a total over 1930-1934.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from apparat.economy import Consequences, EconomyData
from apparat.economy.tables import FAN_SERIES
from apparat.experiments.consequences import LINE_PREFIX, arms_from_rows, experiment_summary
from apparat.report import plots

QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
CUMULATIVE = "excess_deaths"  # drawn as a running total: the record is a 1930-34 total
CUMULATED = "Famine excess deaths since 1928 (million)"
MARKERS = ("o", "s", "^", "D", "v", "P")
HEADLINE = {
    "consumption_per_head_1941": ("Consumption per head in 1941 (1928 NEP = 100)", 0),
    "industrial_output_1941": ("Industrial output in 1941 (1928 = 100)", 0),
    "excess_deaths_1930_1934": ("Famine excess deaths 1930–1934 (million)", 1),
    "excess_deaths_1928_1941": ("Famine excess deaths 1928–1941 (million)", 1),
    "war_risk_1941": ("Chance of war with a Western coalition by 1941", 2),
}


def fan_quantiles(cons: Consequences, series: str) -> pd.DataFrame:
    """Quantiles over the runs of one series by year (columns year, q10 ... q90)."""
    values = cons.values[series]
    if series == CUMULATIVE:
        values = np.cumsum(values, axis=1)
    q = np.quantile(values, QUANTILES, axis=0)
    out = pd.DataFrame({"year": cons.years})
    for i, p in enumerate(QUANTILES):
        out[f"q{round(p * 100):02d}"] = q[i]
    return out


def _record(ax: Axes, data: EconomyData | None, series: str) -> None:
    """The published variants of a series, black markers (a range bar for the famine)."""
    if data is None:
        return
    if series == CUMULATIVE:
        env = data.envelope(series, 1933)
        if env is not None:
            ax.errorbar(
                [1934], [(env[0] + env[1]) / 2], yerr=[[(env[1] - env[0]) / 2]], fmt="none",
                ecolor="black", capsize=4, linewidth=1.6, label="record 1930–34 (range)",
            )  # fmt: skip
        return
    for i, s in enumerate(data.variants(series)):
        style = "-" if len(s.years) > 1 else "none"
        ax.plot(
            s.years, s.values, linestyle=style, marker=MARKERS[i % len(MARKERS)], color="black",
            markersize=4, linewidth=0.8, label=f"record: {s.variant}",
        )  # fmt: skip


def fan_figure(
    arms: dict[str, Consequences], data: EconomyData | None, titles: dict[str, str]
) -> Figure:
    """Rows: the key series; columns: the arms (shared y axis along a row)."""
    names = list(arms)
    colours = plots.arm_colours(names)
    series = [s for s in FAN_SERIES if all(s in c.values for c in arms.values())]
    fig = Figure(figsize=(3.6 * len(names) + 2.6, 2.7 * len(series)), layout="constrained")
    grid = fig.subplots(len(series), len(names), sharey="row", squeeze=False)
    for r, name in enumerate(series):
        for c, arm in enumerate(names):
            ax = grid[r][c]
            q = fan_quantiles(arms[arm], name)
            colour = colours.get(arm, "#444444")
            ax.fill_between(q["year"], q["q10"], q["q90"], color=colour, alpha=0.15, linewidth=0)
            ax.fill_between(q["year"], q["q25"], q["q75"], color=colour, alpha=0.35, linewidth=0)
            ax.plot(q["year"], q["q50"], color=colour, linewidth=1.8, label="median")
            _record(ax, data, name)
            ax.grid(True, axis="y", alpha=0.3)
            if r == 0:
                ax.set_title(textwrap.fill(titles.get(arm, arm), 42), fontsize=9)
            if c == 0:
                label = CUMULATED if name == CUMULATIVE else FAN_SERIES[name]
                ax.set_ylabel(textwrap.fill(label, 34), fontsize=8)
            if c == len(names) - 1:
                ax.legend(fontsize=6, frameon=False, loc="upper left")
    return fig


def _band(med: float, low: float, high: float, digits: int, sign: bool = False) -> str:
    if any(pd.isna(x) for x in (med, low, high)):
        return ""
    f = f"{{:{'+' if sign else ''}.{digits}f}}"
    return f"{f.format(med)} ({f.format(low)} to {f.format(high)})"


def _table(summary: pd.DataFrame, arms: Sequence[str], titles: dict[str, str]) -> str:
    head = "<th>Arm</th>" + "".join(
        f"<th>{escape(t)}</th>" for o, (t, _) in HEADLINE.items() if o in set(summary["outcome"])
    )
    rows = []
    for arm in arms:
        part = summary[summary["arm"] == arm].set_index("outcome")
        if part.empty:
            continue
        cells = [f"<td>{escape(titles.get(arm, arm))}</td>"]
        for o, (_, digits) in HEADLINE.items():
            if o not in part.index:
                continue
            cols = ("median", "low", "high", "diff_median", "diff_low", "diff_high")
            r = {k: float(part.at[o, k]) for k in cols}  # type: ignore[arg-type]
            text = _band(r["median"], r["low"], r["high"], digits)
            diff = _band(r["diff_median"], r["diff_low"], r["diff_high"], digits, sign=True)
            extra = f"<br><small>− factual: {escape(diff)}</small>" if diff else ""
            cells.append(f'<td class="num">{escape(text)}{extra}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<table><caption>Headline outcomes by 1941: median over the runs (5–95 % of runs); "
        "below, the paired difference from the factual arm, run by run</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def section(
    rows: pd.DataFrame, arms: Sequence[str], data: EconomyData | None, scenario_id: str
) -> str:
    """The section's HTML: a note where there is nothing to show, else table and fans."""
    if rows.empty:
        why = (
            f"scenario {scenario_id} has no consequences data"
            if data is None
            else "this experiment was stored before apparat computed consequences; run it "
            "again to get them"
        )
        return f'<p class="warn">No consequences 1928–1941 in this report: {escape(why)}.</p>'
    lines = sorted(a for a in set(rows["arm"]) if a.startswith(LINE_PREFIX))
    order = [*arms, *lines]
    found = arms_from_rows(rows, order)
    programmes = {p.id: p.title for p in data.programmes.values()} if data else {}
    titles = {a: f"line imposed: {programmes.get(a.removeprefix(LINE_PREFIX), a)}" for a in lines}
    summary = experiment_summary(rows, order)
    imposed = (
        "<p>An arm marked “line imposed” is not simulated politically: the named line of "
        "the consequences model drives the same runs' weather and parameters, so it shows "
        "what the line does, not who would have won.</p>"
        if lines
        else ""
    )
    figure = plots.embed(
        fan_figure(found, data, titles),
        "fan charts of consumption per head, industrial output, grain harvest and famine "
        "deaths 1928-1941, one column per arm, with the historical series",
        "The economy 1928–1941 under each run's line. The line is the median over the runs; "
        "the dark band holds the middle 50 % of runs, the pale band 80 %. Black markers are "
        "the published series (each variant of the record separately); famine deaths are "
        "cumulated from 1928 and set against the record's total for 1930–1934.",
    )
    return (
        "<p>Each run's governing line (and who holds power) drives a model of the Soviet "
        "economy 1928–1941 with the run's own weather and parameter draws; paired arms "
        "share both (see docs/consequences.md).</p>"
        + imposed
        + _table(summary, order, titles)
        + figure
    )
