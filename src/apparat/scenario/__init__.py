"""Scenario layer: pydantic models, the YAML loader, sources and claims (imports no other layer)."""

from apparat.scenario.loader import bundled_scenarios, load_scenario
from apparat.scenario.models import Scenario

__all__ = ["Scenario", "bundled_scenarios", "load_scenario"]
