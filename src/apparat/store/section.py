"""What the store's sections (its analyses, its calibrations) share: SQL on the open
store's connection, with errors that name the store, and the refusal to write to a store
opened read-only."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import duckdb

from apparat.store.errors import StoreError

if TYPE_CHECKING:
    from apparat.store.store import ResultsStore


def as_json(value: Any) -> str:
    """Provenance as stable JSON (sorted keys; anything else as its string)."""
    return json.dumps(value, sort_keys=True, default=str)


class Section:
    """One kind of stored result of an open results store."""

    def __init__(self, store: ResultsStore) -> None:
        self.store = store

    def _sql(self, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
        try:
            return self.store.con.execute(sql, params)
        except duckdb.Error as e:
            raise StoreError(f"cannot use the results store {self.store.path}: {e}") from e

    def _writable(self) -> None:
        if self.store.read_only:
            raise StoreError(f"the results store {self.store.path} is open read-only")
