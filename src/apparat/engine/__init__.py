"""Engine layer: state as arrays with a runs axis, the mechanisms, random streams, the step loop."""

from apparat.engine.compiled import Compiled, compile_scenario
from apparat.engine.simulate import SimulationResult, simulate

__all__ = ["Compiled", "SimulationResult", "compile_scenario", "simulate"]
