"""The consequences as a tidy table (arm, run, year, series, value) and back.

Experiments store and pool the consequences of their batches in this long form (one
row per run, year and series), so that a batch of any size, read back from the results
store or held in memory, gives the same :class:`Consequences` and the same summaries.
Only the series the summaries and charts read are kept (:data:`STORED`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from apparat.economy.model import Consequences

# the key series the fan charts draw, with their titles and units
FAN_SERIES: dict[str, str] = {
    "consumption_per_head": "Consumption per head (1928 NEP = 100)",
    "industrial_output": "Industrial output (1928 = 100)",
    "grain_harvest": "Grain harvest (million tonnes)",
    "excess_deaths": "Famine excess deaths (million a year)",
}
# what an experiment keeps of each run: the fan charts' series and the headline's inputs
STORED: tuple[str, ...] = (
    *FAN_SERIES,
    "gdp",
    "procurement",
    "war_risk",
    "repression_index",
)
COLUMNS = ("run", "year", "series", "value")


def to_rows(cons: Consequences, series: tuple[str, ...] = STORED) -> pd.DataFrame:
    """One row per run, year and series (columns run, year, series, value)."""
    n, y = cons.runs.size, len(cons.years)
    parts = []
    for name in series:
        parts.append(
            pd.DataFrame(
                {
                    "run": np.repeat(cons.runs, y),
                    "year": np.tile(np.asarray(cons.years, dtype=np.int64), n),
                    "series": name,
                    "value": np.asarray(cons.values[name], dtype=np.float64).ravel(),
                }
            )
        )
    if not parts:
        return empty_rows()
    return pd.concat(parts, ignore_index=True)


def empty_rows() -> pd.DataFrame:
    """The table of a batch without consequences (a scenario without economy data)."""
    return pd.DataFrame(
        {
            "run": pd.Series(dtype=np.int64),
            "year": pd.Series(dtype=np.int64),
            "series": pd.Series(dtype=object),
            "value": pd.Series(dtype=np.float64),
        }
    )


def from_rows(rows: pd.DataFrame) -> Consequences:
    """The consequences of the runs in ``rows`` (one arm), runs in ascending order.

    A run that lacks a year or a series the others have is refused: the table would
    mix runs of different experiments.
    """
    if rows.empty:
        raise ValueError("no consequences rows to read")
    years = sorted(int(y) for y in rows["year"].unique())
    runs = np.sort(rows["run"].unique().astype(np.int64))
    values = {}
    for name, part in rows.groupby("series", sort=True):
        wide = part.pivot_table(index="run", columns="year", values="value", aggfunc="first")
        wide = wide.reindex(index=runs, columns=years)
        if wide.isna().to_numpy().any():
            raise ValueError(f"consequences series {name!r} lacks some runs or years")
        values[str(name)] = wide.to_numpy(dtype=np.float64)
    return Consequences(years, runs, values)
