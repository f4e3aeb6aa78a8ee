"""The report's pictures, as matplotlib Figures.

Figures are built with ``matplotlib.figure.Figure`` and saved through the Agg canvas,
never with pyplot: nothing is shown, no global state is kept, and a figure is freed when it
is dropped. Each function reads plain tables or arrays (the store's tables, or the
history of one run) so the pictures can be drawn again from a stored experiment.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter, YearLocator
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from numpy.typing import NDArray

FACTUAL = "factual"
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ff9896", "#98df8a", "#ffbb78",
    "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79",
)  # fmt: skip
ARM_COLOURS = ("#444444", "#c0392b", "#2471a3", "#7d3c98", "#d68910", "#138d75")
NO_ONE = "no one"


def png(fig: Figure, dpi: int = 100) -> str:
    """A figure as a data URI: base64 PNG, drawn by the Agg canvas."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def embed(fig: Figure, alt: str, caption: str) -> str:
    """A figure as an HTML <figure>: the image inline, a caption saying how to read it."""
    return (
        f'<figure><img src="{png(fig)}" alt="{escape(alt)}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )


def leader_colours(actors: Sequence[str]) -> dict[str, str]:
    """One colour per actor, by the scenario's order, the same in every picture."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(actors)}


def arm_colours(arms: Sequence[str]) -> dict[str, str]:
    """Grey for the factual arm, a strong colour for each counterfactual one."""
    others = [a for a in arms if a != FACTUAL]
    out = {FACTUAL: ARM_COLOURS[0]}
    out.update({a: ARM_COLOURS[1 + i % (len(ARM_COLOURS) - 1)] for i, a in enumerate(others)})
    return out


def arm_order(arms: Iterable[str]) -> list[str]:
    """The factual arm first, then the others in the order given, each once."""
    unique = list(dict.fromkeys(arms))
    return [a for a in unique if a == FACTUAL] + [a for a in unique if a != FACTUAL]


def _dates(months: Sequence[str] | pd.Series) -> NDArray[np.datetime64]:
    """'YYYY-MM' labels as the first day of each month."""
    return np.array([np.datetime64(f"{m}-01") for m in months], dtype="datetime64[D]")


def _year_axis(ax: Axes) -> None:
    ax.xaxis.set_major_locator(YearLocator())  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(DateFormatter("%Y"))  # type: ignore[no-untyped-call]
    ax.grid(True, axis="y", alpha=0.3)


def fan_chart(
    quantiles: pd.DataFrame,
    arms: Sequence[str],
    actors: Sequence[str],
    names: Mapping[str, str],
) -> Figure:
    """Each leader's power share over time: median line, 50 % and 90 % bands; one panel
    per arm side by side, sharing the y axis."""
    colours = leader_colours(list(names))
    fig = Figure(figsize=(5.2 * len(arms) + 1.8, 4.6), layout="constrained")
    axes = fig.subplots(1, len(arms), sharey=True, squeeze=False)[0]
    for ax, arm in zip(axes, arms, strict=True):
        q = quantiles[quantiles["arm"] == arm]
        for actor in actors:
            a = q[q["actor"] == actor].sort_values("month")
            if a.empty:
                continue
            x, c = _dates(a["month"]), colours.get(actor, "#333333")
            ax.fill_between(x, a["q05"], a["q95"], color=c, alpha=0.10, linewidth=0)
            ax.fill_between(x, a["q25"], a["q75"], color=c, alpha=0.25, linewidth=0)
            ax.plot(x, a["q50"], color=c, linewidth=1.8, label=names.get(actor, actor))
        ax.set_title(arm)
        _year_axis(ax)
    axes[0].set_ylabel("share of power")
    axes[0].set_ylim(bottom=0)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", frameon=False)
    return fig


def _rows(summary: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    return summary if isinstance(summary, pd.DataFrame) else pd.DataFrame(list(summary))


def dominance_chart(
    summary: pd.DataFrame | Sequence[Mapping[str, Any]],
    names: Mapping[str, str],
    outcome: str = "dominant_end",
) -> Figure:
    """The share of runs in which each leader (or no one) holds consolidated power at
    the end, per arm: horizontal bars with their 95 % intervals."""
    df = _rows(summary)
    df = df[df["outcome"] == outcome]
    arms = arm_order(df["arm"])
    values = list(df.groupby("value")["estimate"].max().sort_values(ascending=True).index)
    fig = Figure(figsize=(8, 1.0 + 0.45 * len(values) * max(len(arms), 1)), layout="constrained")
    ax = fig.subplots()
    colours = arm_colours(arms)
    height = 0.8 / max(len(arms), 1)
    y = np.arange(len(values), dtype=np.float64)
    for k, arm in enumerate(arms):
        rows = df[df["arm"] == arm].set_index("value").reindex(values)
        est = rows["estimate"].fillna(0.0).to_numpy(np.float64)
        low = rows["low"].fillna(0.0).to_numpy(np.float64)
        high = rows["high"].fillna(0.0).to_numpy(np.float64)
        err = np.vstack([np.maximum(est - low, 0), np.maximum(high - est, 0)]) * 100
        offset = (len(arms) - 1 - k - (len(arms) - 1) / 2) * height
        ax.barh(
            y + offset, est * 100, height=height, xerr=err, color=colours[arm],
            capsize=3, label=arm, error_kw={"elinewidth": 1, "ecolor": "#222222"},
        )  # fmt: skip
    ax.set_yticks(y, [names.get(v, v) for v in values])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of runs (bars: estimate; whiskers: 95 % interval)")
    ax.grid(True, axis="x", alpha=0.3)
    ax.legend(loc="lower right", frameon=False)
    return fig


def bloc_timeline(
    bloc: NDArray[np.integer[Any]],
    ruling: NDArray[np.bool_],
    months: Sequence[str],
    actors: Sequence[str],
    names: Mapping[str, str],
) -> Figure:
    """Who stood with whom in one run: a row per actor, a cell per month coloured by
    the leader of the actor's bloc; strong colour for the ruling coalition, pale and
    hatched for a bloc outside it, blank for no bloc. ``bloc`` (months, actors) holds
    the bloc leader's index or -1; ``ruling`` (months, actors) the ruling coalition,
    whose blocs count as ruling with all their members."""
    colours = leader_colours(actors)
    ruling = ruling_bloc(bloc, ruling)
    shown = [i for i in range(len(actors)) if (bloc[:, i] >= 0).any() or ruling[:, i].any()]
    fig = Figure(figsize=(11, 1.0 + 0.3 * max(len(shown), 1)), layout="constrained")
    ax = fig.subplots()
    x = _dates(months)
    width = np.diff(x, append=x[-1] + np.timedelta64(31, "D"))
    leaders: dict[int, None] = {}
    for row, i in enumerate(reversed(shown)):
        for start, stop, leader, rules in _segments(bloc[:, i], ruling[:, i]):
            colour = colours[actors[leader]] if leader >= 0 else "#555555"
            if leader >= 0:
                leaders[leader] = None
            ax.barh(
                row, width[start:stop].sum(), left=x[start], height=0.8, color=colour,
                edgecolor=colour, linewidth=0, alpha=1.0 if rules else 0.35,
                hatch=None if rules else "///",
            )  # fmt: skip
    ax.set_yticks(range(len(shown)), [names.get(actors[i], actors[i]) for i in reversed(shown)])
    ax.set_xlim(x[0], x[-1] + np.timedelta64(31, "D"))
    _year_axis(ax)
    handles = [
        Patch(color=colours[actors[k]], label=f"bloc of {names.get(actors[k], actors[k])}")
        for k in sorted(leaders)
    ]
    handles += [
        Patch(facecolor="#888888", label="ruling side (solid)"),
        Patch(
            facecolor="#888888", alpha=0.35, hatch="///", label="bloc out of power (pale, hatched)"
        ),
    ]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    return fig


def ruling_bloc(bloc: NDArray[np.integer[Any]], ruling: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Who stands with the rulers, month by month (arrays shaped (months, actors)): the
    ruling coalition and every member of a bloc one of its members belongs to."""
    b = np.asarray(bloc, dtype=np.int64)
    leaders = np.zeros((b.shape[0], b.shape[1] + 1), dtype=bool)  # last column: no bloc
    rows = np.nonzero(ruling)[0]
    leaders[rows, b[ruling]] = True
    leaders[:, -1] = False
    follows = np.take_along_axis(leaders, b, axis=1)
    out: NDArray[np.bool_] = np.asarray(ruling, dtype=bool) | follows
    return out


def _segments(
    bloc: NDArray[np.integer[Any]], ruling: NDArray[np.bool_]
) -> list[tuple[int, int, int, bool]]:
    """Stretches of months (start, stop, leader, ruling) in which one actor's bloc and
    place in the ruling coalition stay the same; months with neither are left out."""
    out: list[tuple[int, int, int, bool]] = []
    start = 0
    for m in range(1, len(bloc) + 1):
        if m < len(bloc) and bloc[m] == bloc[start] and ruling[m] == ruling[start]:
            continue
        if bloc[start] >= 0 or ruling[start]:
            out.append((start, m, int(bloc[start]), bool(ruling[start])))
        start = m
    return out


def composition_chart(
    executive: NDArray[np.bool_],
    bloc: NDArray[np.integer[Any]],
    ruling: NDArray[np.bool_],
    power: NDArray[np.floating[Any]],
    months: Sequence[str],
    actors: Sequence[str],
    names: Mapping[str, str],
) -> Figure:
    """The Politburo of one run over time: its seats stacked by the bloc their holders
    follow (grey: no bloc), and on the right axis the power share of the ruling
    coalition with its blocs' members. Arrays are shaped (months, actors)."""
    colours = leader_colours(actors)
    x = _dates(months)
    seated = np.where(executive, bloc, -2)  # -2: not in the Politburo
    leaders = sorted({int(v) for v in np.unique(seated) if v >= 0})
    layers = [(seated == k).sum(axis=1) for k in leaders]
    labels = [f"bloc of {names.get(actors[k], actors[k])}" for k in leaders]
    fill = [colours[actors[k]] for k in leaders]
    layers.append((seated == -1).sum(axis=1))
    labels.append("no bloc")
    fill.append("#cccccc")
    fig = Figure(figsize=(11, 4.4), layout="constrained")
    ax = fig.subplots()
    ax.stackplot(x, *layers, labels=labels, colors=fill, step="post", alpha=0.9)
    ax.set_ylabel("Politburo seats")
    ax.set_ylim(0, max(int(executive.sum(axis=1).max()), 1) + 1)
    _year_axis(ax)
    share = ax.twinx()
    ruled = (np.asarray(power, np.float64) * ruling_bloc(bloc, ruling)).sum(axis=1) * 100
    share.plot(x, ruled, color="black", linewidth=2, label="power share of the ruling side")
    share.set_ylim(0, 100)
    share.set_ylabel("% of power (line)")
    handles = ax.get_legend_handles_labels()[0] + share.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    return fig


def line_moments_summary(line_moments: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd of the governing line per arm, month and axis, batches merged."""
    g = line_moments.groupby(["arm", "month", "axis"], as_index=False, sort=False)[
        ["n", "sum", "sumsq"]
    ].sum()
    n = g["n"].where(g["n"] > 0)
    g["mean"] = g["sum"] / n
    g["sd"] = np.sqrt(np.maximum(g["sumsq"] / n - g["mean"] ** 2, 0.0))
    return g[["arm", "month", "axis", "mean", "sd"]].sort_values(["arm", "axis", "month"])


def line_chart(
    line_moments: pd.DataFrame, titles: Mapping[str, tuple[str, str, str]] | None = None
) -> Figure:
    """The governing line on each policy axis over time, one panel per axis and one
    line per arm: the mean over runs with a band of ± one standard deviation.
    ``titles`` gives each axis's (name, low pole, high pole), as the scenario's rules say."""
    g = line_moments_summary(line_moments)
    arms = arm_order(line_moments["arm"])
    axes_ids = list(dict.fromkeys(line_moments["axis"]))
    colours = arm_colours(arms)
    fig = Figure(figsize=(5 * len(axes_ids), 4.2), layout="constrained")
    panels = fig.subplots(1, len(axes_ids), sharey=True, squeeze=False)[0]
    for ax, axis in zip(panels, axes_ids, strict=True):
        title, low, high = (titles or {}).get(axis, (axis, "-1", "+1"))
        for arm in arms:
            a = g[(g["arm"] == arm) & (g["axis"] == axis)]
            x, mean, sd = _dates(a["month"]), a["mean"].to_numpy(), a["sd"].to_numpy()
            ax.fill_between(x, mean - sd, mean + sd, color=colours[arm], alpha=0.15, linewidth=0)
            ax.plot(x, mean, color=colours[arm], linewidth=1.8, label=arm)
        ax.set_title(f"{title}\n−1 {low} · +1 {high}", fontsize=9)
        ax.axhline(0, color="#999999", linewidth=0.6)
        _year_axis(ax)
    panels[0].set_ylim(-1.05, 1.05)
    panels[0].set_ylabel("position of the governing line")
    panels[0].legend(loc="best", frameon=False)
    return fig
