"""The swap tests of docs/examples/swap_stalin_trotsky.py: character against position.
Swapping the two men's traits leaves Stalin the winner; swapping everything the scenario
binds to them but their decisions makes Trotsky the winner instead."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

from apparat.scenario import load_scenario

EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "swap_stalin_trotsky.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("swap_stalin_trotsky", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_position_not_character_decides_who_wins() -> None:
    ex = _example()
    variants = ex.steps(load_scenario("bolshevik_1923"))
    traits = ex.winners(variants["traits swapped"], 60, 1)
    everything = ex.winners(variants["+ factions, others' enmities"], 60, 1)
    assert traits["stalin"] > traits["trotsky"]
    assert everything["trotsky"] > everything["stalin"]


def test_every_step_swaps_something_new() -> None:
    """Each step changes the scenario (none is a silent no-op of the swap code)."""
    ex = _example()
    variants = list(ex.steps(load_scenario("bolshevik_1923")).values())
    for before, after in itertools.pairwise(variants):
        assert before != after
