"""Paired counterfactual experiments: N runs of the factual world and of each arm.

Run *i* of every arm uses the same luck (common random numbers), so the differences
between arms come from the interventions, not from chance. Given a ``store`` path,
batches are written to the results store as they finish: a killed experiment keeps
every finished batch, and running the same experiment again resumes where it stopped. The store is open only
while a batch is written (DuckDB admits one writing process and no readers beside
it), so ``apparat results list`` can look in while an experiment runs.

``Experiment`` behaves like a scikit-learn estimator: the constructor only stores its
arguments, ``run()`` does the work and returns ``self``, results live in attributes
ending in ``_``, and ``get_params()`` is exactly the provenance the store records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from apparat.economy import EconomyData
from apparat.engine import compile_scenario
from apparat.errors import InterventionError, SimulationError
from apparat.experiments import interventions as iv
from apparat.experiments.backends import Backend, check_backend, make_backend
from apparat.experiments.batch import BatchOutput, BatchSpec, content_hash, run_batch, scenario_json
from apparat.experiments.conditioning import condition
from apparat.experiments.consequences import (
    LINE_PREFIX,
    NO_DATA,
    check_lines,
    economy_for,
    experiment_summary,
)
from apparat.experiments.posterior import Posterior, describe, resolve_posterior
from apparat.experiments.provenance import model_fingerprint
from apparat.experiments.summary import differences, summarise
from apparat.scenario import Scenario, load_scenario
from apparat.scenario.record import load_record
from apparat.store import ResultsStore, writer_info

FACTUAL = "factual"
TABLES = (
    "outcomes", "actor_outcomes", "choices", "power_hist", "line_moments", "dominance",
    "chronicle", "consequences",
)  # fmt: skip
MAX_RUNS = 10_000_000
# Seconds a batch waits to be written while a reader (results list, export) holds the
# store; the batch is in memory, so waiting costs nothing but time.
WRITE_WAIT = 120.0


@dataclass(frozen=True)
class Plan:
    """What run() will do, worked out before anything is simulated or stored."""

    scenario: Scenario
    arms: dict[str, iv.Applied]
    runs: NDArray[np.int64]
    kept: int
    tried: int
    record_hash: str | None = None  # of the record conditioned on, when one was
    posterior: Posterior | None = None  # each run's parameters are drawn from it
    economy: EconomyData | None = None  # the consequences data, if the scenario has them


class Experiment:
    """A paired ensemble: the factual arm and one arm per set of interventions.

    ``given_history_until`` keeps only the runs that match the historical record up to
    that month; the record is ``record`` when given, otherwise the scenario's own
    (``record/historical.yaml`` in its folder, bundled or given by path; a loaded
    ``Scenario`` is looked up among the bundled scenarios by its id).

    ``parameters`` says where each run's global parameters come from: ``"posterior"``
    draws them from a calibrated posterior (``posterior``, a file or a ``Posterior``;
    by default the one the scenario ships in ``calibration/posterior.yaml``), one
    particle per run keyed by the run index, so paired arms share it; ``"point"`` uses
    the scenario's values. By default (None) the posterior when there is one, else the
    point values. An arm that ``--set``s a parameter keeps its own value.

    Where the scenario ships consequences data (``economy/`` in its folder), every arm's
    runs also drive the consequences model 1928-1941 (``consequences_``,
    ``consequences_summary_``: per arm the headline outcomes and the paired differences
    from the factual arm). ``lines`` adds arms that impose a named line of
    ``economy/model.yaml`` on the same runs (arm ``line:<id>``): the consequences model
    only, no politics, so their rows say what the line does, never who would win.

    ``store`` is the path of a DuckDB results store to write each batch to and to resume
    from; by default (None) nothing is written and the results live in memory only.
    ``apparat experiment`` passes ``apparat_results.duckdb`` (``apparat.store.
    DEFAULT_PATH``). The default seed, 1, is the command line's.
    """

    def __init__(
        self,
        scenario: str | Path | Scenario = "bolshevik_1923",
        runs: int = 1000,
        seed: int = 1,
        arms: Mapping[str, Sequence[iv.Intervention]] | None = None,
        *,
        given_history_until: str | None = None,
        store: str | Path | None = None,
        batch_size: int | None = None,
        workers: int | None = None,
        backend: str | None = None,
        scheduler: str | None = None,
        chronicles: int = 3,
        name: str | None = None,
        record: str | Path | None = None,
        at: Sequence[str] = (),
        parameters: str | None = None,
        posterior: Posterior | str | Path | None = None,
        lines: Sequence[str] = (),
    ) -> None:
        self.scenario = scenario
        self.runs = runs
        self.seed = seed
        self.arms = arms
        self.given_history_until = given_history_until
        self.store = store
        self.batch_size = batch_size
        self.workers = workers
        self.backend = backend
        self.scheduler = scheduler
        self.chronicles = chronicles
        self.name = name
        self.record = record
        self.at = at
        self.parameters = parameters
        self.posterior = posterior
        self.lines = lines

    @property
    def effective_batch_size(self) -> int:
        """Runs per batch: as given, or by default large enough to pay the step loop's
        overhead rarely (up to 2,500) and small enough to give two processes work even
        for a modest ensemble. It depends on ``runs`` only, so provenance does too."""
        if self.batch_size is not None:
            return self.batch_size
        return min(2500, max(250, -(-self.runs // 2)))

    def get_params(self) -> dict[str, Any]:
        """The provenance of the results: everything that changes them (not ``workers``,
        ``backend``, ``scheduler`` or ``store``, which do not)."""
        scenario = (
            self.scenario if not isinstance(self.scenario, Scenario) else self.scenario.scenario.id
        )
        return {
            "scenario": str(scenario),
            "runs": self.runs,
            "seed": self.seed,
            "arms": {k: [str(i) for i in v] for k, v in (self.arms or {}).items()},
            "given_history_until": self.given_history_until,
            "batch_size": self.effective_batch_size,
            "chronicles": self.chronicles,
            "record": str(self.record) if self.record else None,
            "at": sorted(self.at),
            "parameters": describe(self.resolved_posterior()),
            "lines": list(self.lines),
        }

    def resolved_posterior(self) -> Posterior | None:
        """The posterior the runs draw their parameters from, or None (point values)."""
        home = self.scenario.scenario.id if isinstance(self.scenario, Scenario) else self.scenario
        return resolve_posterior(home, self.parameters, self.posterior)

    # ------------------------------------------------------------------ planning

    def _check(self) -> None:
        if not 1 <= self.runs <= MAX_RUNS:
            raise SimulationError(f"runs must be between 1 and {MAX_RUNS:,}, not {self.runs}")
        if self.batch_size is not None and self.batch_size < 1:
            raise SimulationError(f"batch_size must be at least 1, not {self.batch_size}")
        if self.chronicles < 0:
            raise SimulationError("chronicles must be 0 or more")
        for month in self.at:
            if not (len(month) == 7 and month[4] == "-" and month.replace("-", "").isdigit()):
                raise SimulationError(f"--at {month!r}: write a month as YYYY-MM")
        for arm in self.arms or {}:
            if arm == FACTUAL:
                raise InterventionError(f"'{FACTUAL}' is the name of the arm without interventions")
        check_backend(self.workers, self.backend, self.scheduler)

    def plan(self) -> Plan:
        """Validate the interventions, and condition on history when asked."""
        self._check()
        s = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        start, end = s.scenario.start, s.scenario.end
        for month in self.at:  # outside the period there is no one to report, only zeros
            if not start <= month <= end:
                raise SimulationError(
                    f"--at {month} is outside the scenario {s.scenario.id} ({start} to {end})"
                )
        economy = economy_for(self.scenario)
        check_lines(economy, self.lines, s.scenario.id)
        arms = {FACTUAL: iv.apply(s, [])}
        arms.update({name: iv.apply(s, list(ivs)) for name, ivs in (self.arms or {}).items()})
        until = self.given_history_until
        post = self.resolved_posterior()
        if until is None:
            idx = np.arange(self.runs, dtype=np.int64)
            return Plan(s, arms, idx, self.runs, self.runs, posterior=post, economy=economy)
        for name, ivs in (self.arms or {}).items():
            if any(i.kind == "set" for i in ivs):
                raise InterventionError(
                    f"arm '{name}': a --set acts from the first month, so it cannot be "
                    f"combined with --given-history-until {until}"
                )
        for name, applied in arms.items():
            if applied.earliest_month is not None and applied.earliest_month <= until:
                raise InterventionError(
                    f"arm '{name}' changes {applied.earliest_month}, which is not after "
                    f"--given-history-until {until}: condition on an earlier month"
                )
        c = compile_scenario(s)
        # the record given, or the scenario's own: record/historical.yaml in its folder
        # (a Scenario object is looked up among the bundled scenarios by its id)
        home = self.scenario if not isinstance(self.scenario, Scenario) else s.scenario.id
        record = load_record(self.record, scenario=home)
        draw = (lambda idx: post.draw(self.seed, idx)) if post is not None else None
        cond = condition(
            c, record, until, self.runs, self.seed, min(self.effective_batch_size, 2000), draw
        )
        record_hash = content_hash(record.model_dump_json())
        return Plan(s, arms, cond.runs, self.runs, cond.tried, record_hash, post, economy)

    def _specs(self, plan: Plan) -> list[BatchSpec]:
        chronicled = tuple(int(r) for r in plan.runs[: self.chronicles])
        specs = []
        for name, applied in plan.arms.items():
            text = scenario_json(applied.scenario)
            params = tuple(sorted(applied.params.items()))
            forced = tuple(sorted(applied.forced.items()))
            size = self.effective_batch_size
            for b, start in enumerate(range(0, plan.runs.size, size)):
                chunk = tuple(int(r) for r in plan.runs[start : start + size])
                specs.append(
                    BatchSpec(
                        arm=name,
                        batch=b,
                        scenario_json=text,
                        params=params,
                        forced=forced,
                        seed=self.seed,
                        runs=chunk,
                        chronicle_runs=tuple(r for r in chunk if r in chronicled),
                        at=tuple(sorted(self.at)),
                        posterior=plan.posterior,
                        fixed=tuple(sorted(applied.params)),
                        economy=plan.economy,
                    )
                )
        if plan.economy is None:
            return specs
        base = [s for s in specs if s.arm == FACTUAL]
        for line in self.lines:  # the consequences model only, on the factual arm's runs
            specs += [
                BatchSpec(
                    arm=LINE_PREFIX + line,
                    batch=b.batch,
                    scenario_json="",
                    params=(),
                    forced=(),
                    seed=self.seed,
                    runs=b.runs,
                    economy=plan.economy,
                    line=line,
                )
                for b in base
            ]
        return specs

    def _key(self, plan: Plan) -> str:
        provenance = {
            **self.get_params(),
            "scenario_hash": content_hash(scenario_json(plan.scenario)),
            "apparat": version("apparat"),
            "model": model_fingerprint(),  # stored batches of other code are not resumed
        }
        if plan.economy is not None:  # other consequences data, other consequences
            provenance["economy"] = content_hash(repr(plan.economy))
        if plan.record_hash is not None:  # conditioned on another record, other runs kept
            provenance["record_hash"] = plan.record_hash
        return hashlib.sha256(json.dumps(provenance, sort_keys=True).encode()).hexdigest()

    # ------------------------------------------------------------------ running

    def run(self, progress: Callable[[int], None] | None = None) -> Experiment:
        """Simulate every arm in batches, store each batch as it finishes, summarise."""
        plan = self.plan()
        specs = self._specs(plan)
        self.runs_tried_ = plan.tried
        self.experiment_id_: str | None = None
        self.batches_total_ = len(specs)
        self.batches_resumed_ = 0  # batches found in the store, not simulated again
        # started before the store is touched: an unreachable scheduler leaves no trace
        with make_backend(self.workers, self.backend, self.scheduler) as backend:
            if self.store is None:
                tables = self._run_in_memory(backend, specs, progress)
            else:
                tables = self._run_stored(backend, plan, specs, progress)
        self._collect(plan, tables)
        return self

    def _run_in_memory(
        self, backend: Backend, specs: list[BatchSpec], progress: Callable[[int], None] | None
    ) -> dict[str, pd.DataFrame]:
        parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
        for out in backend.map_unordered(run_batch, specs):
            for t in TABLES:
                if t in out.tables:  # an imposed line's batch has only consequences
                    parts[t].append(out.tables[t])
            if progress and "outcomes" in out.tables:
                progress(len(out.tables["outcomes"]))
        return {t: pd.concat(parts[t], ignore_index=True) for t in TABLES}

    def _run_stored(
        self,
        backend: Backend,
        plan: Plan,
        specs: list[BatchSpec],
        progress: Callable[[int], None] | None,
    ) -> dict[str, pd.DataFrame]:
        assert self.store is not None
        path = self.store
        meta = {
            "name": self.name or _default_name(self.arms),
            "scenario_id": plan.scenario.scenario.id,
            "scenario_hash": content_hash(scenario_json(plan.scenario)),
            "seed": self.seed,
            "runs": self.runs,
            "arms": list(plan.arms),
            "interventions": self.get_params()["arms"],
            "params": self.get_params(),
            "given_history_until": self.given_history_until,
            "apparat_version": version("apparat"),
            "model_fingerprint": model_fingerprint(),
            "batch_size": self.effective_batch_size,
        }
        with ResultsStore(path, wait=WRITE_WAIT) as store:
            eid = store.begin_experiment(self._key(plan), meta)
            done = store.done_batches(eid)
            if len(done) < len(specs):
                store.set_status(eid, "running", runs_needed=plan.tried, writer=writer_info())
        self.experiment_id_ = eid
        todo = [s for s in specs if (s.arm, s.batch) not in done]
        self.batches_resumed_ = len(specs) - len(todo)
        if progress:
            progress(sum(len(s.runs) for s in specs if (s.arm, s.batch) in done and s.line is None))
        try:
            for out in backend.map_unordered(run_batch, todo):
                with ResultsStore(path, wait=WRITE_WAIT) as store:
                    _write(store, eid, out)
                if progress and "outcomes" in out.tables:
                    progress(len(out.tables["outcomes"]))
        except BaseException:
            _mark_interrupted(path, eid)
            raise
        with ResultsStore(path, read_only=True, wait=WRITE_WAIT) as store:
            tables = {t: store.table(eid, t) for t in TABLES}
            self.power_quantiles_ = store.power_quantiles(eid)
            finished = store.experiment(eid)["status"] == "done"
        summary = summarise(
            tables["outcomes"], tables["actor_outcomes"], self.seed, tables["dominance"], self.at
        )
        if todo or not finished:
            with ResultsStore(path, wait=WRITE_WAIT) as store:
                store.set_status(
                    eid, "done", runs_needed=plan.tried, summary=summary.to_dict("records")
                )
        return tables

    def _collect(self, plan: Plan, tables: dict[str, pd.DataFrame]) -> None:
        self.outcomes_ = tables["outcomes"].sort_values(["arm", "run"], ignore_index=True)
        self.actor_outcomes_ = tables["actor_outcomes"]
        self.choices_ = tables["choices"]
        self.chronicles_ = tables["chronicle"]
        self.dominance_ = tables["dominance"]
        self.line_ = _line(tables["line_moments"])
        self.summary_ = summarise(
            self.outcomes_, self.actor_outcomes_, self.seed, self.dominance_, self.at
        )
        self.differences_ = differences(
            self.outcomes_, self.actor_outcomes_, FACTUAL, self.dominance_, self.at
        )
        self.arms_ = list(plan.arms)
        self.line_arms_ = [LINE_PREFIX + line for line in self.lines] if plan.economy else []
        self.consequences_ = tables["consequences"].sort_values(
            ["arm", "series", "run", "year"], ignore_index=True
        )
        self.consequences_summary_ = experiment_summary(
            self.consequences_, [*self.arms_, *self.line_arms_], FACTUAL
        )
        self.consequences_note_: str | None = (
            None if plan.economy is not None else NO_DATA.format(id=plan.scenario.scenario.id)
        )


def _write(store: ResultsStore, eid: str, out: BatchOutput) -> None:
    store.write_batch(eid, out.arm, out.batch, out.tables, seconds=out.seconds)


def _mark_interrupted(path: str | Path, eid: str) -> None:
    """Say so in the store when a run stops short (Ctrl-C, an error): best effort, since
    the store itself may be what failed; readers also notice a writer that is gone."""
    with contextlib.suppress(Exception), ResultsStore(path, wait=5.0) as store:
        store.set_status(eid, "interrupted")


def _line(moments: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd of the governing line on each axis, by arm and month."""
    g = moments.groupby(["arm", "month", "axis"], as_index=False)[["n", "sum", "sumsq"]].sum()
    g["mean"] = g["sum"] / g["n"]
    g["sd"] = np.sqrt(np.maximum(g["sumsq"] / g["n"] - g["mean"] ** 2, 0.0))
    return g[["arm", "month", "axis", "mean", "sd"]]


def _default_name(arms: Mapping[str, Sequence[iv.Intervention]] | None) -> str:
    if not arms:
        return "baseline"
    return " vs ".join(arms)
