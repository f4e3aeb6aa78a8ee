"""``POST /api/consequences``: what a what-if does to the USSR 1928-1941, per arm.

The factual arm and the what-if are simulated as for ``/api/experiment`` (same runs,
same luck); each run's governing line of each December then drives the consequences
model with the run's own weather and parameter draws, so the two arms pair run by run.
The lines the sources argue about (``economy/model.yaml``'s programmes) come beside
them as *imposed* arms: the consequences model only, on the same runs, no politics.
A scenario without consequences data is answered with ``available: false`` and a note.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from pydantic import Field

from apparat.api.app import SIMULATION_ERRORS, arm_specs, get_scenario
from apparat.api.arms import ArmPool
from apparat.api.models import ExperimentRequest, Frozen
from apparat.economy import Consequences, EconomyData
from apparat.economy.model import programme_lines, simulate_economy
from apparat.economy.summary import arms_table
from apparat.economy.tables import FAN_SERIES
from apparat.experiments.consequences import LINE_PREFIX, NO_DATA, economy_for

InWorker = Callable[[Request, Callable[[], Any]], Awaitable[Any]]
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
CUMULATIVE = "excess_deaths"  # a running total: the record gives the 1930-34 total
HEADLINE = {
    "consumption_per_head_1941": "Consumption per head in 1941 (1928 NEP = 100)",
    "industrial_output_1941": "Industrial output in 1941 (1928 = 100)",
    "gdp_1941": "GDP in 1941 (1928 = 100)",
    "excess_deaths_1930_1934": "Famine excess deaths 1930-1934 (million)",
    "excess_deaths_1928_1941": "Famine excess deaths 1928-1941 (million)",
    "war_risk_1941": "Chance of war with a Western coalition by 1941",
}


class Band(Frozen):
    median: float
    low: float | None = Field(description="5th percentile of the runs (null: one run).")
    high: float | None = Field(description="95th percentile of the runs.")


class ArmValue(Frozen):
    arm: str
    value: Band
    difference: Band | None = Field(
        description="Paired difference arm minus factual, run by run; null for factual."
    )


class HeadlineRow(Frozen):
    outcome: str
    label: str
    arms: list[ArmValue]


class FanArm(Frozen):
    arm: str
    q10: list[float]
    q25: list[float]
    q50: list[float]
    q75: list[float]
    q90: list[float]


class RecordSeries(Frozen):
    variant: str
    years: list[int]
    values: list[float]


class SeriesFan(Frozen):
    id: str
    title: str
    years: list[int]
    arms: list[FanArm]
    record: list[RecordSeries] = Field(description="The published series, each variant.")


class ArmInfo(Frozen):
    id: str
    title: str
    imposed: bool = Field(description="A line imposed on the consequences model only.")


class ConsequencesResponse(Frozen):
    scenario: str
    runs: int
    seed: int
    available: bool = Field(description="Whether the scenario has consequences data.")
    note: str
    arms: list[ArmInfo]
    headline: list[HeadlineRow]
    series: list[SeriesFan]
    seconds: float


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _fan(cons: Consequences, series: str) -> dict[str, list[float]]:
    values = cons.values[series]
    if series == CUMULATIVE:
        values = np.cumsum(values, axis=1)
    q = np.quantile(values, QUANTILES, axis=0).round(4)
    return {f"q{round(p * 100):02d}": q[i].tolist() for i, p in enumerate(QUANTILES)}


def _record(data: EconomyData, series: str) -> list[RecordSeries]:
    out = []
    for s in data.variants(series):
        years = [1934] if series == CUMULATIVE else list(s.years)  # the 1930-34 total
        out.append(RecordSeries(variant=s.variant, years=years, values=list(s.values)))
    return out


def _headline(arms: dict[str, Consequences]) -> list[HeadlineRow]:
    table = arms_table(arms, "factual")
    rows = []
    for outcome, label in HEADLINE.items():
        part = table[table["outcome"] == outcome]
        values = []
        for r in part.to_dict("records"):
            diff = None
            if r["arm"] != "factual" and np.isfinite(r["diff_median"]):
                diff = Band(
                    median=float(r["diff_median"]),
                    low=_finite(r["diff_low"]),
                    high=_finite(r["diff_high"]),
                )
            value = Band(median=float(r["median"]), low=_finite(r["low"]), high=_finite(r["high"]))
            values.append(ArmValue(arm=str(r["arm"]), value=value, difference=diff))
        rows.append(HeadlineRow(outcome=outcome, label=label, arms=values))
    return rows


def run_consequences(req: ExperimentRequest, pool: ArmPool | None = None) -> ConsequencesResponse:
    """Simulate the two arms, drive the consequences model with each run's lines, and
    add the imposed lines on the same runs."""
    start = time.perf_counter()
    s = get_scenario(req.scenario)
    data = economy_for(s)  # by the bundled id: a name is never taken for a path
    base = {"scenario": req.scenario, "runs": req.runs, "seed": req.seed}
    if data is None:
        return ConsequencesResponse(
            **base, available=False, note=NO_DATA.format(id=s.scenario.id), arms=[],
            headline=[], series=[], seconds=round(time.perf_counter() - start, 3),
        )  # fmt: skip
    fact, what = (pool or ArmPool.inline()).run(*arm_specs(req, data.first_year))
    runs = np.arange(req.runs, dtype=np.int64)
    arms: dict[str, Consequences] = {}
    info = []
    for arm, title, result in (
        ("factual", "Factual", fact),
        ("counterfactual", "What-if", what),
    ):
        assert result.lines is not None
        arms[arm] = simulate_economy(data, result.lines, req.seed, runs)
        info.append(ArmInfo(id=arm, title=title, imposed=False))
    for p in data.programmes.values():
        arm = LINE_PREFIX + p.id
        arms[arm] = simulate_economy(data, programme_lines(data, p.id, req.runs), req.seed, runs)
        info.append(ArmInfo(id=arm, title=f"Line imposed: {p.title}", imposed=True))
    series = [
        SeriesFan(
            id=name,
            title="Famine excess deaths since 1928 (million)" if name == CUMULATIVE else title,
            years=list(data.years),
            arms=[FanArm(arm=a, **_fan(c, name)) for a, c in arms.items()],
            record=_record(data, name),
        )
        for name, title in FAN_SERIES.items()
    ]
    return ConsequencesResponse(
        **base,
        available=True,
        note="Median over the runs with the 5-95 % band; the paired difference compares each "
        "run with its factual twin (same weather, same parameters). An imposed line is not "
        "simulated politically: it shows what the line does, not who would have won.",
        arms=info,
        headline=_headline(arms),
        series=series,
        seconds=round(time.perf_counter() - start, 3),
    )


def add_routes(app: FastAPI, in_worker: InWorker, pool: Callable[[], ArmPool | None]) -> None:
    """The consequences endpoint; it runs on the application's workers, admitted and timed."""

    @app.post("/api/consequences", tags=["experiments"], responses=SIMULATION_ERRORS)
    async def consequences(request: Request, req: ExperimentRequest) -> ConsequencesResponse:
        """What the what-if does to the USSR 1928-1941: per arm (factual, what-if, and the
        lines the sources argue about, imposed) consumption, output, harvest and famine
        deaths, with 5-95 % bands, paired differences and the historical series."""
        result: ConsequencesResponse = await in_worker(
            request, lambda: run_consequences(req, pool())
        )
        return result
