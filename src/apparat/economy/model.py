"""The consequences model: from a run's governing line to the USSR's economy, 1928-1941.

A calibrated reduced form, year by year and vectorised over runs, of three published
structures:

* two-sector growth with a procurement wedge (Cheremukhin, Golosov, Guriev & Tsyvinski
  2017): agriculture and a Cobb-Douglas non-agricultural sector whose capital grows with
  the investment share the line sets and whose TFP growth falls with the pace of the
  drive (their finding: lower productivity in both sectors under Stalin);
* Allen's (2003) mechanisms of the 1930s: soft budget constraints (employment follows
  capital) and collectivisation pushing peasants into the towns;
* the grain balance of Davies & Wheatcroft (2004): harvest = trend x draft power x
  weather; procurement is a share of the harvest under the NEP market and a share of the
  *official* (overstated, weather-blind) harvest under forced collectivisation; the
  village lives on what is left after seed and feed, and where grain food per head falls
  below a norm people die in proportion to the shortfall.

The line enters through three numbers a year: the pace of industrialisation
``(economy + 1) / 2``, coercion ``pace * (regime + 1) / 2`` (forced collectivisation
needs both the drive and a regime that uses force), and adventurism ``max(international,
0)`` (the yearly hazard of war with a Western coalition). The line of December of the
year before sets a year's policy; after the last December simulated the last line holds.

Every uncertain parameter is drawn per run from ``economy.parameters`` and the weather
from ``economy.weather`` (counter-based streams keyed by seed and global run index), so
the paired arms of an experiment share their luck exactly.

References
----------
cggt2017, cggt2013, allen2003, allen2005, dw2004, dtw1995, harvest_overstatement
(``scenarios/bolshevik_1923/economy/sources.yaml``).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from apparat.economy.data import EconomyData
from apparat.engine.random import SeedLike, Streams, normalize_seed

if TYPE_CHECKING:
    import pandas as pd

F = NDArray[np.float64]
I = NDArray[np.int64]

# the outcome arrays every run gets, (runs, years) each, with their units
OUTCOMES: dict[str, str] = {
    "industrial_output": "index 1928=100",
    "agricultural_output": "index 1928=100",
    "grain_harvest": "million tonnes",
    "procurement": "million tonnes",
    "exports": "million tonnes",
    "rural_food_per_head": "tonnes of grain",
    "excess_deaths": "million",
    "population": "million",
    "urban_population": "million",
    "consumption_per_head": "index 1928 NEP=100",
    "gdp": "index 1928=100",
    "collectivised_share": "share of households",
    "repression_index": "0 (none) to 1",
    "war_risk": "probability of war with a Western coalition so far",
    "pace": "0 NEP to 1 Five-Year Plans",
    "coercion": "0 market to 1 forced collectivisation",
}


@dataclass(repr=False)
class Consequences:
    """Annual outcomes of a batch of runs: ``values[name]`` is (runs, years)."""

    years: list[int]
    runs: I
    values: dict[str, F]
    parameters: dict[str, F] = field(default_factory=dict)
    dominant: list[str | None] | None = None  # who holds power at the end of each run

    def __repr__(self) -> str:
        return f"Consequences({self.runs.size} runs, {self.years[0]}-{self.years[-1]})"

    def at(self, name: str, year: int) -> F:
        """(runs,): one outcome in one year."""
        return self.values[name][:, self.years.index(year)]

    def total(self, name: str, first: int, last: int) -> F:
        """(runs,): an outcome summed over the years first..last."""
        a, b = self.years.index(first), self.years.index(last)
        return np.asarray(self.values[name][:, a : b + 1].sum(axis=1), dtype=np.float64)

    def frame(self) -> pd.DataFrame:
        """A tidy pandas frame: one row per run and year, one column per outcome."""
        import pandas as pd

        r, y = np.meshgrid(self.runs, self.years, indexing="ij")
        data: dict[str, object] = {"run": r.ravel(), "year": y.ravel()}
        for name, arr in self.values.items():
            data[name] = arr.ravel()
        if self.dominant is not None:
            data["dominant"] = np.repeat(np.array(self.dominant, dtype=object), len(self.years))
        return pd.DataFrame(data)


def _slot(name: str) -> int:
    """A stable stream slot per parameter name, so adding one leaves the others' draws."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def draw_parameters(data: EconomyData, streams: Streams | None, rows: int) -> dict[str, F]:
    """Each run's parameter values: uniform in [low, high] from ``economy.parameters``,
    or every run at the central values when ``streams`` is None."""
    names = sorted(data.parameters)
    if streams is None:
        return {n: np.full(rows, data.parameters[n].value) for n in names}
    slots = np.array([_slot(n) for n in names], dtype=np.int64)
    u = streams.uniform("economy.parameters", 0, slots)
    return {
        n: data.parameters[n].low + u[:, j] * (data.parameters[n].high - data.parameters[n].low)
        for j, n in enumerate(names)
    }


def simulate_economy(
    data: EconomyData,
    lines: F,
    seed: SeedLike = 1,
    runs: I | None = None,
    central: bool = False,
    weather: bool = True,
) -> Consequences:
    """Run the consequences model for lines of shape (runs, P, 3): the line in force in
    each of the first P years (economy, international, regime), the last one holding
    after. ``runs`` are the global run indices that key the streams (0..n-1 by default);
    ``central`` uses the central parameter values, ``weather=False`` an average climate.
    """
    lines = np.asarray(lines, dtype=np.float64)
    if lines.ndim == 2:
        lines = lines[:, None, :]
    if lines.ndim != 3 or lines.shape[2] != 3 or lines.shape[1] == 0:
        raise ValueError(f"lines must have shape (runs, years, 3), not {lines.shape}")
    rows = lines.shape[0]
    idx = np.arange(rows, dtype=np.int64) if runs is None else np.asarray(runs, np.int64)
    streams = Streams(normalize_seed(seed), idx)
    p = draw_parameters(data, None if central else streams, rows)
    years = data.years
    out = {name: np.zeros((rows, len(years))) for name in OUTCOMES}

    # 1928 levels
    n_pop = p["population_1928"].copy()
    urban0 = p["urban_population_1928"]
    h0 = p["grain_harvest_1928"]
    ag = p["agriculture_share_1928"]
    ym0 = (1.0 - ag) * 100.0
    k = p["capital_output_1928"] * ym0
    alpha = p["capital_share"]
    tfp = ym0 / k**alpha  # so that Y_M(1928) = ym0 with labour index 1
    labour = np.ones(rows)
    ym = ym0.copy()
    collectivised = np.zeros(rows)
    draft_lost = np.zeros(rows)
    no_war = np.ones(rows)
    shortfall = np.zeros(rows)  # last year's shortfall of grain food below the norm
    c_base = (1.0 - p["investment_share_nep"]) * 100.0 / n_pop

    for t, year in enumerate(years):
        e, i, r = (lines[:, min(t, lines.shape[1] - 1), a] for a in range(3))
        pace = (np.clip(e, -1, 1) + 1.0) / 2.0
        coercion = pace * (np.clip(r, -1, 1) + 1.0) / 2.0
        invest = (
            p["investment_share_nep"]
            + (p["investment_share_plan"] - p["investment_share_nep"]) * pace
        )

        # collectivisation moves part of the way to what the regime's coercion aims at;
        # each household collectivised costs draft animals, which tractors slowly replace
        new_c = collectivised + p["collectivisation_speed"] * (coercion - collectivised)
        joined = np.maximum(new_c - collectivised, 0.0)
        collectivised = new_c
        draft_lost = np.clip(
            draft_lost * (1.0 - p["draft_recovery"]) + p["draft_loss"] * joined, 0.0, 1.0
        )

        # the harvest and the grain balance
        trend = h0 * (1.0 + p["grain_trend_growth"]) ** t
        capacity = trend * (1.0 - p["draft_elasticity"] * draft_lost)
        if weather:
            z = streams.normal("economy.weather", year, 1)[:, 0]
            w = np.exp(p["weather_sd"] * z - p["weather_sd"] ** 2 / 2.0)
        else:
            w = np.ones(rows)
        harvest = capacity * w
        # the plan is set on the official harvest, blind to the weather, and eased after
        # a year of famine by as much as the village then went short
        planned = (
            (1.0 + p["harvest_overstatement"]) * capacity * (1.0 - p["famine_response"] * shortfall)
        )
        seed_grain = p["seed_share"] * trend
        procured = (1.0 - coercion) * p["procurement_share_nep"] * harvest + (
            coercion * p["procurement_share_plan"] * planned
        )
        procured = np.clip(procured, 0.0, np.maximum(harvest - seed_grain, 0.0))
        feed = p["feed_share"] * trend * (1.0 - draft_lost)
        left = harvest - procured - seed_grain
        urban = np.minimum(urban0 * labour, 0.9 * n_pop)
        rural = n_pop - urban
        need = p["food_norm"] * rural
        # feed is cut towards its floor before people go short
        food = np.where(
            left - feed >= need, left - feed, np.minimum(need, left - p["feed_floor"] * feed)
        )
        food = np.maximum(food, 0.0)
        per_head = food / rural
        shortfall = np.maximum(1.0 - per_head / p["food_norm"], 0.0)
        deaths = p["famine_mortality"] * rural * shortfall
        exports = p["export_share"] * np.maximum(procured - p["state_grain_per_urban"] * urban, 0.0)

        # output, GDP and consumption
        ag_index = 100.0 * (
            (1.0 - p["livestock_share"]) * harvest / h0
            + p["livestock_share"] * (1.0 - draft_lost) * trend / h0
        )
        gdp = ag * ag_index + ym
        consumption = (1.0 - invest) * gdp / n_pop / c_base * 100.0

        adventurism = np.maximum(np.clip(i, -1, 1), 0.0)
        no_war = no_war * (1.0 - p["war_hazard"] * adventurism)

        values = {
            "industrial_output": ym / ym0 * 100.0,
            "agricultural_output": ag_index,
            "grain_harvest": harvest,
            "procurement": procured,
            "exports": exports,
            "rural_food_per_head": per_head,
            "excess_deaths": deaths,
            "population": n_pop,
            "urban_population": urban,
            "consumption_per_head": consumption,
            "gdp": gdp,
            "collectivised_share": collectivised,
            "repression_index": (np.clip(r, -1, 1) + 1.0) / 2.0 * (0.5 + 0.5 * coercion),
            "war_risk": 1.0 - no_war,
            "pace": pace,
            "coercion": coercion,
        }
        for name, arr in values.items():
            out[name][:, t] = arr

        # next year's capital, labour, productivity and population
        k_next = (1.0 - p["depreciation"]) * k + p["industry_share_of_investment"] * invest * gdp
        g_k = k_next / k - 1.0
        n_inc = p["natural_increase"]
        labour = labour * (
            1.0
            + n_inc
            + p["employment_elasticity"] * np.maximum(g_k - n_inc, 0.0)
            + p["migration_push"] * joined
        )
        tfp = tfp * (1.0 + p["tfp_growth_industry"] - p["tfp_penalty_plan"] * pace)
        k = k_next
        ym = tfp * k**alpha * labour ** (1.0 - alpha)
        n_pop = n_pop * (1.0 + n_inc) - deaths
    return Consequences(years, idx, out, p)


def programme_lines(data: EconomyData, programme: str, runs: int) -> F:
    """(runs, years, 3): a named programme's line in each year, the same for every run."""
    if programme not in data.programmes:
        known = ", ".join(data.programmes)
        raise KeyError(f"unknown programme {programme!r}; known: {known}")
    lines = np.array(data.programmes[programme].lines(data.years), dtype=np.float64)
    return np.tile(lines, (runs, 1, 1))
