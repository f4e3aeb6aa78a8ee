"""Shared fixtures: the bundled scenario and the toy scenario, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

import apparat
from apparat.engine import Compiled, compile_scenario
from apparat.scenario import Scenario

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def bolshevik() -> Scenario:
    return apparat.load_scenario("bolshevik_1923")


@pytest.fixture(scope="session")
def bolshevik_compiled(bolshevik: Scenario) -> Compiled:
    return compile_scenario(bolshevik)


@pytest.fixture(scope="session")
def toy() -> Scenario:
    return apparat.load_scenario(DATA / "toy_triad.yaml")
