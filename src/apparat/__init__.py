"""apparat: simulate the struggle for power inside a one-party state."""

from apparat.errors import (
    ApparatError,
    InterventionError,
    RecordError,
    ScenarioError,
    SimulationError,
)
from apparat.scenario import load_scenario
from apparat.simulation import simulate

__version__ = "0.1.0"

__all__ = [
    "ApparatError",
    "InterventionError",
    "RecordError",
    "ScenarioError",
    "SimulationError",
    "__version__",
    "load_scenario",
    "simulate",
]
