"""A calibrated posterior: weighted particles over global parameters, and the draw of
each run's parameters from them.

An ensemble that uses a posterior gives run *i* the particle picked by a uniform from
the named stream ``posterior`` keyed by (seed, run *i*): weighted resampling that depends
on the run index only. So the same seed gives the same parameters whatever the chunk
size or backend, and the factual run and its counterfactual twin share the draw (the
arms differ by their interventions, not by their parameters).

A scenario ships its posterior as ``calibration/posterior.yaml`` in its folder
(written by ``apparat calibrate --export``); the file says how it was made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from apparat.engine.random import Streams
from apparat.errors import ScenarioError, SimulationError
from apparat.scenario.loader import resolve_path
from apparat.scenario.parameters import PARAMETERS
from apparat.scenario.reading import safe_load

POSTERIOR_FILE = Path("calibration") / "posterior.yaml"
STREAM = "posterior"  # the named stream of the per-run draw
F = NDArray[np.float64]


@dataclass(frozen=True)
class Posterior:
    """Particles (one row per particle, one column per parameter) and their weights.

    Tuples, not arrays, so a posterior is hashable and travels in a batch spec.
    """

    names: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    about: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.names or not self.values:
            raise ValueError("a posterior needs at least one parameter and one particle")
        if len(self.values) != len(self.weights) or any(
            len(row) != len(self.names) for row in self.values
        ):
            raise ValueError("a posterior needs one weight and one value per parameter a particle")
        unknown = sorted(set(self.names) - set(PARAMETERS))
        if unknown:
            raise ValueError(f"posterior names unknown parameter(s) {unknown}")
        w = np.asarray(self.weights)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError("posterior weights must be non-negative with a positive sum")

    @classmethod
    def from_frame(
        cls, particles: pd.DataFrame, weights: F, about: Mapping[str, Any] | None = None
    ) -> Posterior:
        names = tuple(str(c) for c in particles.columns)
        values = tuple(tuple(float(v) for v in row) for row in particles.to_numpy(np.float64))
        return cls(names, values, tuple(float(w) for w in weights), dict(about or {}))

    @property
    def array(self) -> F:
        return np.asarray(self.values, dtype=np.float64).reshape(len(self.values), -1)

    @property
    def probabilities(self) -> F:
        w = np.asarray(self.weights, dtype=np.float64)
        return w / w.sum()

    def frame(self) -> pd.DataFrame:
        """The particles as a DataFrame, with a ``weight`` column (normalised)."""
        df = pd.DataFrame(self.array, columns=list(self.names))
        df["weight"] = self.probabilities
        return df

    def draw(
        self, seed: int, runs: NDArray[np.int64], without: tuple[str, ...] = ()
    ) -> dict[str, F]:
        """Each run's parameter values: one particle per run, picked by the run's own
        uniform of the ``posterior`` stream (weighted resampling). ``without`` leaves out
        parameters an arm sets itself, so its ``--set`` wins."""
        u = Streams(seed, np.asarray(runs, dtype=np.int64)).uniform(STREAM, 0, 1)[:, 0]
        cdf = np.cumsum(self.probabilities)
        pick = np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), cdf.size - 1)
        table = self.array
        return {n: table[pick, j] for j, n in enumerate(self.names) if n not in without}

    def summary(self, levels: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
        """Weighted median and central interval of each parameter, with its prior range."""
        rows = []
        for j, n in enumerate(self.names):
            lo, med, hi = weighted_quantiles(
                self.array[:, j], self.probabilities, (levels[0], 0.5, levels[1])
            )
            spec = PARAMETERS[n]
            rows.append(
                {"parameter": n, "median": med, "low": lo, "high": hi, "default": spec.default}
            )
        return pd.DataFrame(rows)

    # ------------------------------------------------------------------ files

    def save(self, path: str | Path) -> Path:
        """Write the posterior as YAML (provenance first, then the particles)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "posterior": {
                **{k: _plain(v) for k, v in self.about.items()},
                "parameters": list(self.names),
                "particles": [
                    {"weight": float(w), "values": [float(v) for v in row]}
                    for w, row in zip(self.weights, self.values, strict=True)
                ],
            }
        }
        p.write_text(yaml.safe_dump(doc, sort_keys=False, width=100), encoding="utf-8")
        return p


def describe(posterior: Posterior | None) -> str:
    """How runs get their parameters, for provenance: point values or which posterior
    (a hash of its particles and weights)."""
    if posterior is None:
        return "point"
    key = repr((posterior.names, posterior.values, posterior.weights))
    return "posterior " + hashlib.sha256(key.encode()).hexdigest()[:12]


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def weighted_quantiles(x: F, w: F, qs: tuple[float, ...]) -> tuple[float, ...]:
    """Quantiles of a weighted sample (the inverse of its weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cdf = np.cumsum(ws) / ws.sum()
    return tuple(float(xs[min(int(np.searchsorted(cdf, q)), xs.size - 1)]) for q in qs)


def load_posterior(path: str | Path) -> Posterior:
    """Read a posterior file; errors name the file and the field."""
    p = Path(path)
    try:
        doc = safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ScenarioError([f"{p}: cannot read the posterior ({e})"], source=str(p)) from None
    body = doc.get("posterior") if isinstance(doc, dict) else None
    if not isinstance(body, dict):
        raise ScenarioError([f"{p}:1: the file must hold a top-level 'posterior:' mapping"], str(p))
    try:
        names = tuple(str(n) for n in body["parameters"])
        particles = body["particles"]
        values = tuple(tuple(float(v) for v in q["values"]) for q in particles)
        weights = tuple(float(q["weight"]) for q in particles)
        about = {k: v for k, v in body.items() if k not in ("parameters", "particles")}
        return Posterior(names, values, weights, about)
    except (KeyError, TypeError, ValueError) as e:
        raise ScenarioError([f"{p}: malformed posterior: {e}"], source=str(p)) from None


def scenario_posterior(scenario: str | Path) -> Posterior | None:
    """The posterior a scenario folder ships (``calibration/posterior.yaml``), or None."""
    try:
        home = resolve_path(scenario)
    except ScenarioError:
        return None
    path = home / POSTERIOR_FILE
    return load_posterior(path) if home.is_dir() and path.is_file() else None


def resolve_posterior(
    scenario: str | Path, parameters: str | None, posterior: Posterior | str | Path | None
) -> Posterior | None:
    """The posterior an ensemble draws its parameters from, or None (point values):
    ``parameters`` 'point' uses the point values; otherwise the posterior given (an
    object or a file), else the one the scenario ships; 'posterior' insists on one.
    By default (None) the posterior when there is one, else the point values."""
    if parameters not in (None, "posterior", "point"):
        raise SimulationError(f"parameters must be 'posterior' or 'point', not {parameters!r}")
    if parameters == "point":
        return None
    if isinstance(posterior, Posterior):
        return posterior
    if posterior is not None:
        return load_posterior(posterior)
    found = scenario_posterior(scenario)
    if found is None and parameters == "posterior":
        raise SimulationError(
            f"scenario {scenario} ships no posterior ({POSTERIOR_FILE}); run apparat "
            "calibrate and export one, give a posterior file, or use point values"
        )
    return found
