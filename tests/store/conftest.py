"""Fixtures for the store tests: a path for a new store, and the store opened there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from apparat.store import ResultsStore


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "results.duckdb"


@pytest.fixture
def store(store_path: Path) -> Iterator[ResultsStore]:
    with ResultsStore(store_path) as st:
        yield st
