"""apparat: simulate the struggle for power inside a one-party state."""

import importlib as _importlib
import typing as _typing

from apparat.errors import (
    ApparatError,
    BackendError,
    EconomyError,
    InterventionError,
    MissingDependencyError,
    RecordError,
    ScenarioError,
    SimulationError,
    StoreError,
)
from apparat.scenario import load_scenario
from apparat.simulation import simulate

if _typing.TYPE_CHECKING:
    from apparat.experiments.experiment import Experiment
    from apparat.store import open_store

__version__ = "0.1.0"

_LAZY = {"Experiment": "apparat.experiments.experiment", "open_store": "apparat.store"}


def __getattr__(name: str) -> _typing.Any:
    """Load the experiment machinery (pandas, DuckDB) only when it is asked for, so a
    single run starts fast."""
    if name in _LAZY:
        return getattr(_importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'apparat' has no attribute {name!r}")


__all__ = [
    "ApparatError",
    "BackendError",
    "EconomyError",
    "Experiment",
    "InterventionError",
    "MissingDependencyError",
    "RecordError",
    "ScenarioError",
    "SimulationError",
    "StoreError",
    "__version__",
    "load_scenario",
    "open_store",
    "simulate",
]
