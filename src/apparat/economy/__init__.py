"""The consequences layer: what the winner's line would have done to the USSR, 1928-1941.

It reads the engine's outputs (each run's governing line and who holds power at the end)
and the scenario's ``economy/`` data, and returns annual outcomes per run. See
docs/consequences.md.
"""

from apparat.economy.bridge import consequences, dominant_from_result, lines_from_result
from apparat.economy.data import EconomyData, load_economy, load_economy_dir
from apparat.economy.model import OUTCOMES, Consequences, programme_lines, simulate_economy

__all__ = [
    "OUTCOMES",
    "Consequences",
    "EconomyData",
    "consequences",
    "dominant_from_result",
    "lines_from_result",
    "load_economy",
    "load_economy_dir",
    "programme_lines",
    "simulate_economy",
]
