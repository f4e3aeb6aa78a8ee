"""The current shape of the result tables, as ``write_batch`` and ``table`` see it.

The migrations (``migrations.py``) are the history of how a store reaches this shape;
this module is its present. A test checks that a fresh store matches it column for
column. Every result table also has ``experiment_id`` and ``arm`` in front.
"""

from __future__ import annotations

from typing import NamedTuple


class Column(NamedTuple):
    name: str
    type: str


KEYS = (Column("experiment_id", "VARCHAR"), Column("arm", "VARCHAR"))

RESULT_TABLES: dict[str, tuple[Column, ...]] = {
    "outcomes": (
        Column("run", "BIGINT"),
        Column("dominant_end", "VARCHAR"),
        Column("consolidation_month", "VARCHAR"),
        Column("strongest_end", "VARCHAR"),
        Column("kept", "BOOLEAN"),
    ),
    "actor_outcomes": (
        Column("run", "BIGINT"),
        Column("actor", "VARCHAR"),
        Column("defeat_month", "VARCHAR"),
        Column("final_sanction", "VARCHAR"),
        Column("died", "BOOLEAN"),
        Column("power_end", "DOUBLE"),
    ),
    "choices": (
        Column("run", "BIGINT"),
        Column("decision", "VARCHAR"),
        Column("option", "VARCHAR"),
    ),
    "power_hist": (
        Column("month", "VARCHAR"),
        Column("actor", "VARCHAR"),
        Column("bin", "SMALLINT"),
        Column("count", "BIGINT"),
    ),
    "line_moments": (
        Column("month", "VARCHAR"),
        Column("axis", "VARCHAR"),
        Column("n", "BIGINT"),
        Column("sum", "DOUBLE"),
        Column("sumsq", "DOUBLE"),
    ),
    "dominance": (
        Column("run", "BIGINT"),
        Column("month", "VARCHAR"),
        Column("dominant", "VARCHAR"),
    ),
    "chronicle": (
        Column("run", "BIGINT"),
        Column("month", "INTEGER"),
        Column("date", "VARCHAR"),
        Column("kind", "VARCHAR"),
        Column("text", "VARCHAR"),
        Column("actors", "VARCHAR"),  # JSON list of actor ids
        Column("cites", "VARCHAR"),  # JSON list of source ids
        Column("why", "VARCHAR"),  # JSON object: the votes, strengths and draw behind it
    ),
    # the consequences model's outcomes (apparat.economy), one row per run, year, series
    "consequences": (
        Column("run", "BIGINT"),
        Column("year", "INTEGER"),
        Column("series", "VARCHAR"),
        Column("value", "DOUBLE"),
    ),
}

# The tidy result tables of analyses (``apparat analyze``); each also has
# ``analysis_id`` in front. One row per (outcome, factor, statistic), per (outcome, box,
# restricted factor), per (outcome, part of the variance, first-order or total).
ANALYSIS_TABLES: dict[str, tuple[Column, ...]] = {
    "analysis_indices": (
        Column("outcome", "VARCHAR"),
        Column("factor", "VARCHAR"),
        Column("factor_group", "VARCHAR"),
        Column("statistic", "VARCHAR"),  # S1, ST (Sobol), mu_star, sigma, mu (Morris)
        Column("estimate", "DOUBLE"),
        Column("low", "DOUBLE"),
        Column("high", "DOUBLE"),
    ),
    "analysis_boxes": (
        Column("outcome", "VARCHAR"),
        Column("method", "VARCHAR"),  # prim or cart
        Column("box", "INTEGER"),
        Column("factor", "VARCHAR"),
        Column("low", "DOUBLE"),
        Column("high", "DOUBLE"),
        Column("coverage", "DOUBLE"),
        Column("density", "DOUBLE"),
        Column("mass", "DOUBLE"),
        Column("n", "BIGINT"),
    ),
    "analysis_decomposition": (
        Column("outcome", "VARCHAR"),
        Column("part", "VARCHAR"),  # structure, agency, chance (or finer groups)
        Column("kind", "VARCHAR"),  # first or total
        Column("estimate", "DOUBLE"),
        Column("low", "DOUBLE"),
        Column("high", "DOUBLE"),
    ),
}

# Row order of ``table()`` and ``export()``; ``rowid`` keeps the order rows were written
# in where the keys tie (the actors of a run, the entries of a month).
ORDER: dict[str, str] = {
    "outcomes": "arm, run",
    "actor_outcomes": "arm, run, rowid",
    "choices": "arm, run, rowid",
    "power_hist": "arm, month, actor, bin",
    "line_moments": "arm, month, rowid",
    "dominance": "arm, run, month",
    "chronicle": "arm, run, month, rowid",
    "consequences": "arm, series, run, year",
}


def quoted(name: str) -> str:
    """A column name as a SQL identifier (``count``, ``sum`` and ``bin`` are keywords)."""
    return '"' + name.replace('"', '""') + '"'
