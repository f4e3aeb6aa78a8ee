"""Pictures of an analysis, saved as PNG files.

Built with ``matplotlib.figure.Figure`` and saved through the Agg canvas, never with
pyplot (as ``report/plots.py``): nothing is shown and no global state is touched, so
plotting from a notebook or a server changes nothing else. Each function reads the
tidy tables an analysis keeps (and the store holds), so a stored analysis can be drawn
again.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from apparat.experiments.analysis.base import CHANCE, widen
from apparat.experiments.analysis.decomposition import Decomposition
from apparat.experiments.analysis.discovery import NONE, Discovery
from apparat.experiments.analysis.sensitivity import Sensitivity

GROUP_COLOURS = {
    "structure": "#2471a3",
    "character": "#7d3c98",
    "agency": "#d68910",
    CHANCE: "#7f7f7f",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def sobol_figure(indices: pd.DataFrame, outcome: str, label: str) -> Figure:
    """First-order (dark) and total (light) indices per factor, with their intervals."""
    df = indices[indices["outcome"] == outcome]
    wide = widen(df, "factor", "statistic").sort_values("ST")
    groups = df.drop_duplicates("factor").set_index("factor")["factor_group"]
    y = np.arange(len(wide))
    fig = Figure(figsize=(7.5, 0.32 * len(wide) + 1.4))
    ax = fig.add_subplot()
    colours = [GROUP_COLOURS.get(str(groups[f]), "#444444") for f in wide.index]
    for stat, shift, alpha in (("ST", 0.18, 0.35), ("S1", -0.18, 1.0)):
        err = np.vstack([wide[stat] - wide[f"{stat}_low"], wide[f"{stat}_high"] - wide[stat]])
        ax.barh(y + shift, wide[stat], height=0.34, color=colours, alpha=alpha, label=stat)
        ax.errorbar(wide[stat], y + shift, xerr=np.abs(err), fmt="none", ecolor="black", lw=0.8)
    ax.set_yticks(y, list(wide.index), fontsize=8)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("Sobol' index (dark: first-order, light: total; bars: 95% interval)")
    ax.set_title(label, fontsize=10)
    return fig


def morris_figure(indices: pd.DataFrame, outcome: str, label: str) -> Figure:
    """mu* against sigma: far right matters, high up acts through interactions."""
    df = indices[indices["outcome"] == outcome]
    wide = widen(df, "factor", "statistic")
    fig = Figure(figsize=(7, 5))
    ax = fig.add_subplot()
    ax.scatter(wide["mu_star"], wide["sigma"], color="#2471a3")
    for name, row in wide.iterrows():
        ax.annotate(str(name), (row["mu_star"], row["sigma"]), fontsize=7, xytext=(3, 2),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlabel("mu* (mean absolute elementary effect over the factor's range)")
    ax.set_ylabel("sigma (spread of the effects)")
    ax.set_title(label, fontsize=10)
    return fig


def decomposition_figure(table: pd.DataFrame, label: str) -> Figure:
    """Structure, agency and chance: what each explains alone and takes part in."""
    x = np.arange(len(table))
    fig = Figure(figsize=(6.5, 4))
    ax = fig.add_subplot()
    colours = [GROUP_COLOURS.get(str(p), "#444444") for p in table["part"]]
    for kind, shift, alpha in (("first", -0.18, 1.0), ("total", 0.18, 0.35)):
        err = np.vstack([table[kind] - table[f"{kind}_low"], table[f"{kind}_high"] - table[kind]])
        ax.bar(x + shift, table[kind], width=0.34, color=colours, alpha=alpha)
        ax.errorbar(x + shift, table[kind], yerr=np.abs(err), fmt="none", ecolor="black", lw=0.8)
    ax.set_xticks(x, list(table["part"]))
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("share of the variance (dark: on its own, light: total)")
    ax.set_title(label, fontsize=10)
    return fig


def tradeoff_figure(trajectory: pd.DataFrame, chosen: int, label: str) -> Figure:
    """PRIM's peeling trajectory: density against coverage, coloured by the number of
    restricted factors; the chosen box ringed."""
    fig = Figure(figsize=(6, 4.5))
    ax = fig.add_subplot()
    points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["res_dim"],
                        cmap="viridis", s=18)  # fmt: skip
    fig.colorbar(points, ax=ax, label="restricted factors")
    row = trajectory.loc[chosen]
    ax.scatter([row["coverage"]], [row["density"]], s=140, facecolors="none", edgecolors="red")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(label, fontsize=10)
    return fig


def box_figure(rows: pd.DataFrame, bounds: dict[str, tuple[float, float]], label: str) -> Figure:
    """A box's limits on each factor it restricts, drawn within the factor's range."""
    fig = Figure(figsize=(6.5, 0.45 * len(rows) + 1.4))
    ax = fig.add_subplot()
    lows, highs = rows["low"].to_numpy(float), rows["high"].to_numpy(float)
    for i, (factor, low, high) in enumerate(zip(rows["factor"], lows, highs, strict=True)):
        lo, hi = bounds[str(factor)]
        a, b = (low - lo) / (hi - lo), (high - lo) / (hi - lo)
        ax.plot([0, 1], [i, i], color="#cccccc", lw=6, solid_capstyle="butt")
        ax.plot([a, b], [i, i], color="#2471a3", lw=6, solid_capstyle="butt")
        ax.annotate(f"{low:.3g} – {high:.3g}", (1.02, i), fontsize=8, va="center")
    ax.set_yticks(range(len(rows)), [str(f) for f in rows["factor"]], fontsize=8)
    ax.set_xlim(0, 1.35)
    ax.set_xticks([0, 1], ["low end", "high end"])
    first = rows.iloc[0]
    ax.set_title(
        f"{label}\ncoverage {first['coverage']:.0%}, density {first['density']:.0%}", fontsize=10
    )
    return fig


def write_plots(analysis: Sensitivity | Discovery | Decomposition, directory: Path) -> list[Path]:
    """Save every picture of a finished analysis in ``directory``; return the files."""
    out: list[Path] = []
    if isinstance(analysis, Sensitivity):
        draw = sobol_figure if analysis.method == "sobol" else morris_figure
        for o in analysis.outcomes_:
            fig = draw(analysis.indices_, o, analysis.labels_[o])
            out.append(_save(fig, directory / f"{analysis.method}_{_slug(o)}.png"))
    elif isinstance(analysis, Decomposition):
        for o in analysis.outcomes_:
            fig = decomposition_figure(analysis.table(o), analysis.labels_[o])
            out.append(_save(fig, directory / f"decomposition_{_slug(o)}.png"))
    else:
        bounds = {
            str(c): (float(analysis.X_[c].min()), float(analysis.X_[c].max())) for c in analysis.X_
        }
        for b, chosen in enumerate(analysis.chosen_):
            fig = tradeoff_figure(analysis.trajectory(b), chosen, analysis.label_)
            out.append(_save(fig, directory / f"prim_{_slug(analysis.outcome)}_{b}_tradeoff.png"))
        boxes = analysis.boxes_[analysis.boxes_["factor"] != NONE]
        for key, rows in boxes.groupby(["method", "box"], sort=True):
            method, box = (str(k) for k in key)
            fig = box_figure(rows, bounds, f"{analysis.label_}: {method} box {box}")
            out.append(_save(fig, directory / f"{method}_{_slug(analysis.outcome)}_{box}_box.png"))
    return out
