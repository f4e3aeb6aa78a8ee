"""Summaries of the consequences: against the record, by who holds power, between arms.

Intervals are the spread of the runs (5th to 95th percentile): they carry the
parameters' uncertainty, the weather and the politics together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from apparat.economy.data import EconomyData
from apparat.economy.model import Consequences, programme_lines, simulate_economy

if TYPE_CHECKING:  # pandas only for the tables, so `apparat run` starts without it
    import pandas as pd

F = NDArray[np.float64]
LOW, HIGH = 5.0, 95.0
FAMINE = (1930, 1934)  # the harvest years the record's famine deaths cover
# the headline outcomes S1's question asks about, and how each is read off the runs
HEADLINE: dict[str, str] = {
    "consumption_per_head_1941": "consumption per head in 1941 (1928 NEP = 100)",
    "industrial_output_1941": "industrial output in 1941 (1928 = 100)",
    "excess_deaths_1930_1934": "famine excess deaths 1930-1934 (million)",
    "excess_deaths_1928_1941": "famine excess deaths 1928-1941 (million)",
    "gdp_1941": "GDP in 1941 (1928 = 100)",
    "war_risk_1941": "chance of war with a Western coalition by 1941",
    "repression_1941": "repression index in 1941 (0-1)",
}


def headline(cons: Consequences) -> dict[str, F]:
    """Each run's headline outcomes (runs,), by the names of :data:`HEADLINE`."""
    last, first = cons.years[-1], cons.years[0]
    return {
        "consumption_per_head_1941": cons.at("consumption_per_head", last),
        "industrial_output_1941": cons.at("industrial_output", last),
        "excess_deaths_1930_1934": cons.total("excess_deaths", *FAMINE),
        "excess_deaths_1928_1941": cons.total("excess_deaths", first, last),
        "gdp_1941": cons.at("gdp", last),
        "war_risk_1941": cons.at("war_risk", last),
        "repression_1941": cons.at("repression_index", last),
    }


def _band(x: F) -> tuple[float, float, float]:
    lo, med, hi = np.percentile(x, [LOW, 50.0, HIGH])
    return float(lo), float(med), float(hi)


def compare_with_record(cons: Consequences, data: EconomyData) -> pd.DataFrame:
    """Each published series and year beside the model's band (5-95 %) over the runs.

    ``distance`` is how far the band lies outside the envelope of the published
    estimates, relative to the envelope's top (0 where they overlap); ``within`` says
    whether it is inside the series' tolerance from ``model.yaml``.
    """
    import pandas as pd

    rows = []
    for name, tol in data.tolerance.items():
        for year in sorted({y for s in data.variants(name) for y in s.years}):
            env = data.envelope(name, year)
            if env is None:
                continue
            if name == "excess_deaths":
                model = cons.total("excess_deaths", *FAMINE)
                label = f"{FAMINE[0]}-{FAMINE[1]}"
            elif year in cons.years:
                model = cons.at(name, year)
                label = str(year)
            else:
                continue
            lo, med, hi = _band(model)
            gap = max(env[0] - hi, lo - env[1], 0.0) / max(env[1], 1e-9)
            rows.append([name, label, env[0], env[1], lo, med, hi, gap, tol, gap <= tol])
    cols = [
        "series",
        "year",
        "record_low",
        "record_high",
        "model_low",
        "model_median",
        "model_high",
        "distance",
        "tolerance",
        "within",
    ]
    return pd.DataFrame(rows, columns=cols)


def by_group(
    cons: Consequences, labels: Sequence[str], groups: Sequence[str] | None = None
) -> pd.DataFrame:
    """The headline outcomes (median and 5-95 % band) in the runs of each group, with
    the number of runs behind each row; ``labels`` names each run's group."""
    import pandas as pd

    lab = np.array(labels, dtype=object)
    order = (
        list(groups) if groups is not None else sorted(set(lab), key=lambda g: -(lab == g).sum())
    )
    heads = headline(cons)
    rows = []
    for g in order:
        mask = lab == g
        n = int(mask.sum())
        for name, values in heads.items():
            if n == 0:
                rows.append([g, n, name, np.nan, np.nan, np.nan])
                continue
            lo, med, hi = _band(values[mask])
            rows.append([g, n, name, med, lo, hi])
    return pd.DataFrame(rows, columns=["group", "runs", "outcome", "median", "low", "high"])


def by_winner(cons: Consequences, who: Sequence[str] | None = None) -> pd.DataFrame:
    """S1's question: the headline outcomes in the runs each leader holds power at the
    end (median and 5-95 % band), with the number of runs behind each row."""
    if cons.dominant is None:
        raise ValueError("these consequences do not know who holds power in each run")
    labels = [d if d is not None else "no one" for d in cons.dominant]
    return by_group(cons, labels, who).rename(columns={"group": "dominant"})


def line_groups(cons: Consequences, cut: float = 1.0 / 3.0) -> list[str]:
    """Name the economic line each run ends with, from the last year's pace (economy
    axis = 2 pace - 1): 'left line' above ``cut``, 'right line' below -``cut``."""
    e = 2.0 * cons.values["pace"][:, -1] - 1.0
    return ["left line" if v > cut else "right line" if v < -cut else "centre line" for v in e]


def arms_table(arms: dict[str, Consequences], base: str | None = None) -> pd.DataFrame:
    """Per arm: the headline outcomes (median, 5-95 % band); against ``base``, the
    paired difference run by run (median and band), on the runs both arms share."""
    import pandas as pd

    rows = []
    ref = headline(arms[base]) if base is not None else None
    ref_runs = arms[base].runs if base is not None else None
    for arm, cons in arms.items():
        heads = headline(cons)
        for name, values in heads.items():
            lo, med, hi = _band(values)
            row = [arm, name, cons.runs.size, med, lo, hi, np.nan, np.nan, np.nan]
            if ref is not None and ref_runs is not None and arm != base:
                common, a, b = np.intersect1d(cons.runs, ref_runs, return_indices=True)
                if common.size:
                    lo_d, med_d, hi_d = _band(values[a] - ref[name][b])
                    row[6:] = [med_d, lo_d, hi_d]
            rows.append(row)
    cols = [
        "arm",
        "outcome",
        "runs",
        "median",
        "low",
        "high",
        "diff_median",
        "diff_low",
        "diff_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def programme_arms(data: EconomyData, runs: int = 1000, seed: int = 1) -> dict[str, Consequences]:
    """The three named programmes on the same runs (same weather, same parameters)."""
    return {
        pid: simulate_economy(data, programme_lines(data, pid, runs), seed)
        for pid in data.programmes
    }


def mean_ratio(a: Consequences, b: Consequences, name: str, first: int, last: int) -> F:
    """(runs,): the mean of an outcome over first..last in ``a`` over that in ``b``, run
    by run: e.g. consumption 1928-1940 under Stalin's course over the NEP's."""
    i, j = a.years.index(first), a.years.index(last) + 1
    return np.asarray(
        a.values[name][:, i:j].mean(axis=1) / b.values[name][:, i:j].mean(axis=1), np.float64
    )


def short_summary(cons: Consequences) -> str:
    """A few lines for the end of ``apparat run``: the headline outcomes by 1941."""
    heads = headline(cons)
    parts = []
    for name in (
        "consumption_per_head_1941",
        "industrial_output_1941",
        "excess_deaths_1928_1941",
        "war_risk_1941",
    ):
        lo, med, hi = _band(heads[name])
        if cons.runs.size == 1:
            parts.append(f"  {HEADLINE[name]}: {med:.2f}")
        else:
            parts.append(f"  {HEADLINE[name]}: {med:.2f} ({lo:.2f}-{hi:.2f})")
    return "Consequences 1928-1941 (the economy under each run's line):\n" + "\n".join(parts)
