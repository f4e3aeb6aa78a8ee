"""apparat: simulate the struggle for power inside a one-party state."""

from apparat.errors import (
    ApparatError,
    InterventionError,
    RecordError,
    ScenarioError,
    SimulationError,
    StoreError,
)
from apparat.experiments.experiment import Experiment
from apparat.scenario import load_scenario
from apparat.simulation import simulate
from apparat.store import open_store

__version__ = "0.1.0"

__all__ = [
    "ApparatError",
    "Experiment",
    "InterventionError",
    "RecordError",
    "ScenarioError",
    "SimulationError",
    "StoreError",
    "__version__",
    "load_scenario",
    "open_store",
    "simulate",
]
