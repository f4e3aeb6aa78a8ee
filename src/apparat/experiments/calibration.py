"""Calibrate global mechanism parameters by ABC-SMC (pyabc) against a training record,
and score the posterior out of sample in time.

The parameters the sources do not fix are given uniform priors over their declared
ranges; a particle is simulated ``K`` times up to the cut-off month and scored by the
Brier score of its hit shares of the training facts (see :mod:`calibration_setup`).
pyabc's ABC-SMC shrinks the tolerance generation by generation (the median distance of
the last population) and keeps a weighted population of particles: the posterior.
Proposals are simulated as one batch per sampling round (:mod:`abc_batch`).

``Calibration`` behaves like ``Experiment``: the constructor stores its arguments,
``run()`` does the work and returns ``self``, results end in ``_``. With a ``store``,
pyabc's own database lives beside it (``<store>.abc/<id>.db``) and every finished
generation is copied into the store: an interrupted calibration keeps its finished
generations and ``run()`` with the same arguments resumes after the last one.
"""

# pyabc draws its proposals from numpy's global generator: we seed, save and restore it
# ruff: noqa: NPY002
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from apparat.engine import Compiled, compile_scenario
from apparat.errors import MissingDependencyError, SimulationError
from apparat.experiments.batch import content_hash, scenario_json
from apparat.experiments.calibration_setup import (
    FactSimulator,
    Prior,
    Split,
    brier,
    parse_priors,
    split_record,
)
from apparat.experiments.posterior import Posterior
from apparat.experiments.provenance import model_fingerprint
from apparat.scenario import Scenario, load_scenario
from apparat.scenario.record import Fact, load_record
from apparat.store import ResultsStore

HINT = "pip install 'apparat[calibration]'"
Progress = Callable[[int, int, int, int], None]  # generation, accepted, wanted, evaluated
F = NDArray[np.float64]


@dataclass(frozen=True)
class Score:
    """How well an ensemble reproduces a set of facts."""

    facts: int
    hit_rate: float  # the mean over facts of the share of runs that reproduce it
    median_run: float  # the share of the facts that the median run reproduces


def _pyabc() -> Any:
    try:
        import pyabc

        from apparat.experiments import abc_batch
    except ImportError as exc:
        raise MissingDependencyError(
            f"calibration needs pyabc, which is not installed: {HINT} [{exc}]"
        ) from None
    for name in ("ABC", "pyabc", "Sampler", "Epsilon", "Distance", "Acceptor"):
        logging.getLogger(name).setLevel(logging.WARNING)  # pyabc logs every generation
    return pyabc, abc_batch


class Calibration:
    """ABC-SMC of ``parameters`` against the record's facts up to ``until``."""

    def __init__(
        self,
        scenario: str | Path | Scenario = "bolshevik_1923",
        parameters: Sequence[str] = (),
        until: str = "1926-12",
        *,
        particles: int = 100,
        generations: int = 5,
        runs_per_particle: int = 10,
        seed: int = 1,
        store: str | Path | None = None,
        record: str | Path | None = None,
        min_acceptance: float = 0.02,
        test_runs: int = 500,
        max_batch: int = 2000,
        name: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.parameters = parameters
        self.until = until
        self.particles = particles
        self.generations = generations
        self.runs_per_particle = runs_per_particle
        self.seed = seed
        self.store = store
        self.record = record
        self.min_acceptance = min_acceptance
        self.test_runs = test_runs
        self.max_batch = max_batch
        self.name = name

    def get_params(self) -> dict[str, Any]:
        """What changes the posterior (not ``generations``: more of them continue the
        same calibration; not ``store``, ``test_runs`` or ``max_batch``)."""
        scenario = (
            self.scenario.scenario.id if isinstance(self.scenario, Scenario) else self.scenario
        )
        return {
            "scenario": str(scenario),
            "parameters": list(self.parameters),
            "until": self.until,
            "particles": self.particles,
            "runs_per_particle": self.runs_per_particle,
            "seed": self.seed,
            "record": str(self.record) if self.record else None,
            "min_acceptance": self.min_acceptance,
        }

    # ------------------------------------------------------------------ setup

    def _setup(self) -> tuple[Compiled, list[Prior], Split]:
        if self.particles < 2:
            raise SimulationError(f"particles must be at least 2, not {self.particles}")
        if self.generations < 1:
            raise SimulationError(f"generations must be at least 1, not {self.generations}")
        priors = parse_priors(self.parameters)
        s = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        c = compile_scenario(s)
        home = s.scenario.id if isinstance(self.scenario, Scenario) else self.scenario
        split = split_record(c, load_record(self.record, scenario=home), self.until)
        return c, priors, split

    def _key(self, c: Compiled) -> str:
        provenance = {
            **self.get_params(),
            "scenario_hash": content_hash(scenario_json(c.scenario)),
            "model": model_fingerprint(),
        }
        return json.dumps(provenance, sort_keys=True)

    # ------------------------------------------------------------------ running

    def run(self, progress: Progress | None = None) -> Calibration:
        """Run (or resume) the ABC-SMC, keep the posterior, score it in and out of sample."""
        pyabc, abc_batch = _pyabc()
        c, priors, split = self._setup()
        names = [p.name for p in priors]
        key = self._key(c)
        self.calibration_id_ = hashlib.sha256(key.encode()).hexdigest()[:12]
        sim = FactSimulator(c, split.training, names, self.seed, self.runs_per_particle, self.until)
        model = abc_batch.BatchModel(sim, names, len(split.training), self.runs_per_particle)
        sampler = abc_batch.BatchSampler(model, self.seed, self.max_batch, progress)
        prior = pyabc.Distribution(
            **{p.name: pyabc.RV("uniform", p.low, p.high - p.low) for p in priors}
        )
        observed = {"hits": np.ones(len(split.training))}
        started = time.perf_counter()
        global_state = np.random.get_state()  # pyabc draws from numpy's global generator
        with contextlib.ExitStack() as stack:
            db = self._database(stack)
            done = _finished(pyabc, db)
            # generation 0 accepts the whole prior sample; later ones take the median
            # distance of the population before (also when resumed)
            eps = pyabc.MedianEpsilon(initial_epsilon=1.0 + 1e-9 if done == 0 else "from_sample")
            abc = pyabc.ABCSMC(
                model, prior, brier, population_size=self.particles, sampler=sampler, eps=eps
            )
            url = f"sqlite:///{db}"
            history = abc.load(url, 1) if done else abc.new(url, observed)
            self.generations_resumed_ = done
            if self.store is not None:
                with ResultsStore(self.store) as st:
                    st.calibrations.begin(key, self._meta(c, split, names))
            try:
                if done < self.generations:
                    abc.run(
                        max_nr_populations=self.generations - done,
                        min_acceptance_rate=self.min_acceptance,
                    )
            except BaseException:
                self._sync(history, names, "interrupted", time.perf_counter() - started)
                raise
            finally:
                np.random.set_state(global_state)
            self.seconds_ = time.perf_counter() - started
            self.particles_simulated_ = model.simulated
            self._collect(history, names, split)
            self._score(c, split)
            self._sync(history, names, "done", self.seconds_)
        return self

    def _database(self, stack: contextlib.ExitStack) -> Path:
        if self.store is None:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="apparat-abc-"))
            return Path(tmp) / "abc.db"
        folder = Path(str(self.store) + ".abc")
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.calibration_id_}.db"

    def _meta(self, c: Compiled, split: Split, names: list[str]) -> dict[str, Any]:
        return {
            "name": self.name or f"{c.scenario.scenario.id} until {self.until}",
            "scenario_id": c.scenario.scenario.id,
            "scenario_hash": content_hash(scenario_json(c.scenario)),
            "until": self.until,
            "seed": self.seed,
            "particles": self.particles,
            "runs_per_particle": self.runs_per_particle,
            "apparat_version": version("apparat"),
            "params": self.get_params(),
            "training_facts": [f.id for f in split.training],
            "testing_facts": [f.id for f in split.testing],
            "model_fingerprint": model_fingerprint(),
            "distance": "Brier score of the hit shares of the training facts",
        }

    # ------------------------------------------------------------------ results

    def _tables(self, history: Any, names: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        gens, parts = [], []
        for _, row in pops.iterrows():
            t = int(row["t"])
            df, w = history.get_distribution(m=0, t=t)
            dist = history.get_weighted_distances(t=t)["distance"].to_numpy()
            n = len(df)
            gens.append(
                {
                    "generation": t,
                    "epsilon": float(row["epsilon"]),
                    "evaluations": int(row["samples"]),
                    "accepted": n,
                }
            )
            for name in names:
                parts.append(
                    pd.DataFrame(
                        {
                            "generation": t,
                            "particle": np.arange(n),
                            "weight": np.asarray(w, np.float64),
                            "distance": dist[:n] if dist.size >= n else np.nan,
                            "parameter": name,
                            "value": df[name].to_numpy(np.float64),
                        }
                    )
                )
        g = pd.DataFrame(gens, columns=["generation", "epsilon", "evaluations", "accepted"])
        p = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(
                columns=["generation", "particle", "weight", "distance", "parameter", "value"]
            )
        )
        return g, p

    def _sync(self, history: Any, names: list[str], status: str, seconds: float) -> None:
        """Copy pyabc's finished generations into the results store (best effort on an
        interrupt: the sampler's own database keeps them whatever happens here)."""
        if self.store is None:
            return
        with contextlib.suppress(Exception) if status != "done" else contextlib.nullcontext():
            g, p = self._tables(history, names)
            extra: dict[str, Any] = {"seconds": seconds, "generations": len(g)}
            if status == "done":
                extra["scores"] = self.scores_.to_dict("records")
                extra["posterior"] = self.posterior_.summary().to_dict("records")
            with ResultsStore(self.store) as st:
                st.calibrations.write_generations(self.calibration_id_, g, p)
                st.calibrations.set_status(self.calibration_id_, status, **extra)

    def _collect(self, history: Any, names: list[str], split: Split) -> None:
        self.generations_, parts = self._tables(history, names)
        last = int(self.generations_["generation"].max())
        df, w = history.get_distribution(m=0, t=last)
        about = {
            "calibrated_by": (
                f"apparat calibrate --scenario {self.get_params()['scenario']} "
                f"--until {self.until} --particles {self.particles} "
                f"--generations {self.generations} --runs-per-particle "
                f"{self.runs_per_particle} --seed {self.seed} "
                + " ".join(f"--parameter {p}" for p in self.parameters)
            ).strip(),
            "apparat": version("apparat"),
            "model_fingerprint": model_fingerprint(),
            "until": self.until,
            "generation": last,
            "epsilon": float(self.generations_["epsilon"].iloc[-1]),
            "training_facts": [f.id for f in split.training],
        }
        self.posterior_ = Posterior.from_frame(df[names], np.asarray(w), about)
        self.particles_table_ = parts

    def _score(self, c: Compiled, split: Split) -> None:
        """Training, test and all facts, under the posterior and the point values."""
        runs = np.arange(self.test_runs, dtype=np.int64)
        sim = FactSimulator(
            c, (*split.training, *split.testing), [], self.seed, 1, c.label(c.months - 1)
        )
        rows = []
        for source, values in (
            ("posterior", self.posterior_.draw(self.seed, runs)),
            ("point", {}),
        ):
            hits = sim.hits(values, runs)
            n = len(split.training)
            for part, cols in (
                (f"training (to {self.until})", slice(0, n)),
                (f"test (after {self.until})", slice(n, None)),
                ("all facts", slice(None)),
            ):
                rows.append({"parameters": source, "set": part, **vars(score(hits[:, cols]))})
        self.scores_ = pd.DataFrame(rows)


def _finished(pyabc: Any, db: Path) -> int:
    """Generations finished in the sampler database ``db`` (a file with none is removed)."""
    if not db.exists():
        return 0
    done = pyabc.History(f"sqlite:///{db}", create=False).max_t + 1
    if done <= 0:
        db.unlink()  # nothing finished in it: start afresh
        return 0
    return int(done)


def score(hits: NDArray[np.bool_]) -> Score:
    """Hit rate (mean over facts) and the median run's share of an (R, F) hit table."""
    if hits.shape[1] == 0:
        return Score(0, float("nan"), float("nan"))
    return Score(
        hits.shape[1], float(hits.mean(axis=0).mean()), float(np.median(hits.mean(axis=1)))
    )


def facts_hit(
    c: Compiled, facts: Sequence[Fact], values: dict[str, F], seed: int, runs: int
) -> NDArray[np.bool_]:
    """(R, F): which of ``runs`` runs reproduce which facts, with per-run parameters."""
    sim = FactSimulator(c, facts, [], seed, 1, c.label(c.months - 1))
    return sim.hits(values, np.arange(runs, dtype=np.int64))
