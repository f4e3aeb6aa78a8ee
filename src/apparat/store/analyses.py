"""Analyses in the results store: sensitivity indices, discovered boxes, decompositions.

An analysis is written whole, in one transaction, when it has finished: it is computed
from one design in memory, so there is nothing to resume. Its id is the first 12 hex
digits of sha256(key), the key being its provenance; running the same analysis again
replaces its rows with the (identical) new ones rather than piling up copies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from apparat.store.errors import StoreError, match_id
from apparat.store.schema import ANALYSIS_TABLES, quoted
from apparat.store.section import Section, as_json

if TYPE_CHECKING:
    pass

COLUMNS = (
    "kind", "name", "scenario_id", "scenario_hash", "seed", "samples", "runs", "seconds",
    "apparat_version",
)  # fmt: skip
ORDER = {
    "analysis_indices": "outcome, rowid",
    "analysis_boxes": "outcome, method, box, rowid",
    "analysis_decomposition": "outcome, rowid",
}


class Analyses(Section):
    """The analyses of one open results store (``store.analyses``)."""

    def save(self, key: str, meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> str:
        """Write an analysis and its result tables in one transaction; return its id.
        ``meta`` holds the columns of ``analyses`` and ``params``; other keys are kept as
        extra JSON."""
        self._writable()
        for name, df in tables.items():
            if name not in ANALYSIS_TABLES:
                known = ", ".join(ANALYSIS_TABLES)
                raise StoreError(f"unknown analysis table {name!r}; known: {known}")
            want = [c.name for c in ANALYSIS_TABLES[name]]
            if sorted(map(str, df.columns)) != sorted(want):
                raise StoreError(f"table {name!r} must have the columns {want}")
        aid = hashlib.sha256(key.encode()).hexdigest()[:12]
        extra = {k: v for k, v in meta.items() if k not in (*COLUMNS, "params")}
        cols = ["id", "key", "created", *COLUMNS, "params", "extra"]
        values = [aid, key, datetime.now(UTC).replace(tzinfo=None)]
        values += [meta.get(c) for c in COLUMNS]
        values += [as_json(meta.get("params", {})), as_json(extra)]
        values[cols.index("name")] = str(meta.get("name") or meta.get("kind") or aid)
        con = self.store.con
        con.begin()
        try:
            con.execute("DELETE FROM analyses WHERE id = ?", [aid])
            for name in ANALYSIS_TABLES:
                con.execute(f"DELETE FROM {name} WHERE analysis_id = ?", [aid])
            marks = ", ".join("?" for _ in cols)
            con.execute(f"INSERT INTO analyses ({', '.join(cols)}) VALUES ({marks})", values)
            for name, df in tables.items():
                view = f"_apparat_{name}"
                con.register(view, df)
                try:
                    spec = ANALYSIS_TABLES[name]
                    names = ", ".join(quoted(c.name) for c in spec)
                    casts = ", ".join(f"CAST({quoted(c.name)} AS {c.type})" for c in spec)
                    con.execute(
                        f"INSERT INTO {name} (analysis_id, {names}) SELECT ?, {casts} FROM {view}",
                        [aid],
                    )
                finally:
                    con.unregister(view)
            con.commit()
        except BaseException as e:
            con.rollback()
            if isinstance(e, duckdb.Error):
                raise StoreError(f"the analysis was not written to {self.store.path}: {e}") from e
            raise
        return aid

    def list(self) -> pd.DataFrame:
        """One row per analysis, newest first: id, kind, name, created, scenario_id,
        seed, samples, runs, seconds."""
        return self._sql(
            "SELECT id, kind, name, created, scenario_id, seed, samples, runs, seconds "
            "FROM analyses ORDER BY created DESC, id"
        ).df()

    def get(self, id_or_prefix: str) -> dict[str, Any]:
        """An analysis's provenance (params and extras decoded), by id or unique prefix."""
        ids = [str(r[0]) for r in self._sql("SELECT id FROM analyses ORDER BY id").fetchall()]
        match = [match_id(ids, id_or_prefix, "analysis", self.store.path)]
        cur = self._sql("SELECT * FROM analyses WHERE id = ?", match)
        names = [d[0] for d in cur.description or []]
        row: dict[str, Any] = dict(zip(names, cur.fetchone() or (), strict=True))
        row["created"] = row["created"].isoformat()
        row["params"] = json.loads(row["params"])
        extra = json.loads(row.pop("extra"))
        return {**extra, **row}

    def table(self, analysis_id: str, name: str) -> pd.DataFrame:
        """One result table of an analysis, in the order it was written."""
        if name not in ANALYSIS_TABLES:
            raise StoreError(
                f"unknown analysis table {name!r}; known: {', '.join(ANALYSIS_TABLES)}"
            )
        cols = ", ".join(quoted(c.name) for c in ANALYSIS_TABLES[name])
        sql = f"SELECT {cols} FROM {name} WHERE analysis_id = ? ORDER BY {ORDER[name]}"
        return self._sql(sql, [analysis_id]).df()
