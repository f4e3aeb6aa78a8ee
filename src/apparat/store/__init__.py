"""The results store: experiments, their batches and results in one DuckDB file, with
a versioned schema, numbered migrations, and Parquet/CSV export.

Layer rule: the store imports nothing of apparat but ``apparat.errors``; results are
stored here, not produced.
"""

from __future__ import annotations

from apparat.store.analyses import Analyses
from apparat.store.calibrations import Calibrations
from apparat.store.errors import StoreError
from apparat.store.histograms import BINS, histogram_quantiles, histogram_rows, moments_rows
from apparat.store.migrations import MIGRATIONS, SCHEMA_VERSION, migrate
from apparat.store.store import DEFAULT_PATH, ResultsStore, live_status, open_store, writer_info

__all__ = [
    "BINS",
    "DEFAULT_PATH",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Analyses",
    "Calibrations",
    "ResultsStore",
    "StoreError",
    "histogram_quantiles",
    "histogram_rows",
    "live_status",
    "migrate",
    "moments_rows",
    "open_store",
    "writer_info",
]
