"""Fixtures for the analysis tests: the bundled scenario with a few cheap factors.

Designs are tiny (a few hundred runs): these tests check the pipeline and its known
answers, not the historical figures, which docs/analysis.md reports from full runs.
"""

from __future__ import annotations

import pytest
from analysis_data import UNREAD

from apparat.scenario import Scenario


@pytest.fixture(scope="session")
def with_unread(bolshevik: Scenario) -> Scenario:
    """The bundled scenario, declaring also a factor with no path to any outcome."""
    data = bolshevik.model_dump(by_alias=True)
    data["factors"].append(
        {"target": UNREAD, "low": 0.0, "high": 1.0, "group": "character", "cite": ["S1:7"]}
    )
    return Scenario.model_validate(data)
