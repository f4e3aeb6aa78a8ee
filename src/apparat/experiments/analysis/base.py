"""What the three analyses share: the scenario and its declared factors, provenance, the
store, and SALib's problem dictionary.

Each analysis behaves like a scikit-learn estimator (as ``Experiment`` does): the
constructor only stores its arguments, ``run()`` does the work and returns ``self``,
results live in attributes ending in ``_``, and ``get_params()`` is exactly the
provenance the store records (not ``workers``, ``backend``, ``store`` or
``chunk_size``, which change where and how fast, never what).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, cast

import pandas as pd

from apparat.engine import Compiled, compile_scenario
from apparat.errors import SimulationError
from apparat.experiments.batch import scenario_json
from apparat.experiments.posterior import Posterior, describe, resolve_posterior
from apparat.scenario import Scenario, load_scenario
from apparat.scenario.models import Factor
from apparat.store import ResultsStore

NOT_PROVENANCE = frozenset(
    {"workers", "backend", "store", "chunk_size", "name", "parameters", "posterior"}
)
CHANCE = "chance"


def power_of_two(n: int) -> int:
    """The smallest power of two at least ``n``: Sobol' sequences balance only there."""
    if n < 1:
        raise SimulationError(f"samples must be at least 1, not {n}")
    return 1 << (n - 1).bit_length()


def select_factors(s: Scenario, only: Sequence[str] | None) -> list[Factor]:
    """The scenario's declared factors, or the named ones among them (in the given order);
    an empty list asks for none (structure held at the scenario's own values)."""
    declared = {f.target: f for f in s.factors}
    if only is not None and not only:
        return []
    if not declared:
        raise SimulationError(
            f"scenario {s.scenario.id} declares no factors; add a 'factors:' section "
            "(see docs/analysis.md) to say what may vary and over which range"
        )
    if only is None:
        return list(declared.values())
    unknown = [t for t in only if t not in declared]
    if unknown:
        raise SimulationError(
            f"{', '.join(unknown)}: not a declared factor of {s.scenario.id}; factors: "
            + ", ".join(declared)
        )
    if len(set(only)) != len(only):
        raise SimulationError("a factor is named twice")
    return [declared[t] for t in only]


def problem(
    names: list[str], bounds: list[list[float]], groups: list[str] | None = None
) -> dict[str, Any]:
    """SALib's description of the input space."""
    out: dict[str, Any] = {"num_vars": len(names), "names": names, "bounds": bounds}
    if groups is not None:
        out["groups"] = groups
    return out


def widen(df: pd.DataFrame, index: str, key: str) -> pd.DataFrame:
    """Tidy (index, key, estimate, low, high) rows to one row per index: columns
    ``<key>`` for the estimate and ``<key>_low``, ``<key>_high`` for its interval."""
    out = df.pivot(index=index, columns=key, values=["estimate", "low", "high"])
    pairs = [cast("tuple[str, str]", pair) for pair in out.columns.to_flat_index()]
    out.columns = pd.Index([k if v == "estimate" else f"{k}_{v}" for v, k in pairs])
    return out


class Analysis:
    """Common ground of Sensitivity, Discovery and Decomposition."""

    kind: ClassVar[str] = "analysis"
    scenario: str | Path | Scenario
    seed: int
    store: str | Path | None
    name: str | None
    # where the global parameters a design does not vary come from: as in every ensemble,
    # the scenario's calibrated posterior by default, drawn per run (docs/calibration.md)
    parameters: str | None = None
    posterior: Posterior | str | Path | None = None

    def get_params(self) -> dict[str, Any]:
        """The constructor's arguments that change the results."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        out: dict[str, Any] = {}
        for p in names:
            if p in NOT_PROVENANCE:
                continue
            value = getattr(self, p)
            if p == "scenario" and isinstance(value, Scenario):
                value = value.scenario.id
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[p] = value
        out["parameters"] = describe(self.resolved_posterior())
        return out

    def resolved_posterior(self) -> Posterior | None:
        """The posterior each run draws the parameters the design leaves alone from, or
        None (point values)."""
        home = self.scenario.scenario.id if isinstance(self.scenario, Scenario) else self.scenario
        return resolve_posterior(home, self.parameters, self.posterior)

    def _describe(self) -> str:
        """A short default name for the store's list."""
        return self.kind

    def _load(self) -> tuple[Scenario, Compiled]:
        s = self.scenario if isinstance(self.scenario, Scenario) else load_scenario(self.scenario)
        return s, compile_scenario(s)

    def _save(
        self,
        s: Scenario,
        tables: dict[str, pd.DataFrame],
        samples: int,
        runs: int,
        seconds: float,
        extra: dict[str, Any],
    ) -> str | None:
        """Write the finished analysis to the store (if any); return its id."""
        if self.store is None:
            return None
        text = scenario_json(s)
        scenario_hash = hashlib.sha256(text.encode()).hexdigest()
        params = self.get_params()
        key = json.dumps(
            {"kind": self.kind, **params, "scenario_hash": scenario_hash,
             "apparat": version("apparat")},
            sort_keys=True, default=str,
        )  # fmt: skip
        meta = {
            "kind": self.kind,
            "name": self.name or self._describe(),
            "scenario_id": s.scenario.id,
            "scenario_hash": scenario_hash,
            "seed": self.seed,
            "samples": samples,
            "runs": runs,
            "seconds": seconds,
            "apparat_version": version("apparat"),
            "params": params,
            **extra,
        }
        with ResultsStore(self.store) as st:
            return st.analyses.save(key, meta, tables)
