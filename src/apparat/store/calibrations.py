"""Calibrations in the results store: the ABC-SMC populations of global parameters.

A calibration is keyed like an experiment (its id: the first 12 hex digits of
sha256(key), the key its provenance), so running the same calibration again finds it
and resumes. Its generations are written as they are synced from the sampler's own
database: a generation is written whole (its epsilon, its particles in long form,
one row per particle and parameter) or not at all.
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
from apparat.store.section import Section, as_json

if TYPE_CHECKING:
    pass

COLUMNS = (
    "name", "scenario_id", "scenario_hash", "until", "seed", "particles",
    "runs_per_particle", "generations", "seconds", "apparat_version",
)  # fmt: skip
PARTICLE_COLUMNS = ["generation", "particle", "weight", "distance", "parameter", "value"]
GENERATION_COLUMNS = ["generation", "epsilon", "evaluations", "accepted"]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Calibrations(Section):
    """The calibrations of one open results store (``store.calibrations``)."""

    def begin(self, key: str, meta: Mapping[str, Any]) -> str:
        """Create the calibration or find it (same key: resume); return its id."""
        self._writable()
        cid = hashlib.sha256(key.encode()).hexdigest()[:12]
        row = self._sql("SELECT key FROM calibrations WHERE id = ?", [cid]).fetchone()
        if row is not None:
            if row[0] != key:
                raise StoreError(
                    f"calibration id {cid} of {self.store.path} belongs to another key"
                )
            return cid
        extra = {k: v for k, v in meta.items() if k not in (*COLUMNS, "params")}
        cols = ["id", "key", "created", "updated", "status", *COLUMNS, "params", "extra"]
        now = _now()
        values = [cid, key, now, now, "running", *(meta.get(c) for c in COLUMNS)]
        values += [as_json(meta.get("params", {})), as_json(extra)]
        values[cols.index("name")] = str(meta.get("name") or cid)
        marks = ", ".join("?" for _ in cols)
        self._sql(f"INSERT INTO calibrations ({', '.join(cols)}) VALUES ({marks})", values)
        return cid

    def set_status(self, cid: str, status: str, **extra: Any) -> None:
        """Set the status (running, interrupted, done) and merge ``extra`` into its JSON;
        ``seconds`` and ``generations`` go to their own columns."""
        self._writable()
        got = self._sql("SELECT extra FROM calibrations WHERE id = ?", [cid]).fetchone()
        if got is None:
            raise StoreError(f"no calibration {cid!r} in {self.store.path}")
        merged = {**json.loads(got[0]), **extra}
        seconds, gens = merged.pop("seconds", None), merged.pop("generations", None)
        self._sql(
            "UPDATE calibrations SET status = ?, updated = ?, extra = ?, "
            "seconds = coalesce(?, seconds), generations = coalesce(?, generations) WHERE id = ?",
            [status, _now(), as_json(merged), seconds, gens, cid],
        )

    def write_generations(
        self, cid: str, generations: pd.DataFrame, particles: pd.DataFrame
    ) -> None:
        """Replace the stored generations of ``cid`` with these, in one transaction."""
        self._writable()
        if list(generations.columns) != GENERATION_COLUMNS:
            raise StoreError(f"generations must have the columns {GENERATION_COLUMNS}")
        if list(particles.columns) != PARTICLE_COLUMNS:
            raise StoreError(f"particles must have the columns {PARTICLE_COLUMNS}")
        con = self.store.con
        con.begin()
        try:
            for table, df in (
                ("calibration_generations", generations),
                ("calibration_particles", particles),
            ):
                con.execute(f"DELETE FROM {table} WHERE calibration_id = ?", [cid])
                con.register("_apparat_rows", df)
                try:
                    cols = ", ".join(df.columns)
                    con.execute(
                        f"INSERT INTO {table} (calibration_id, {cols}) "
                        f"SELECT ?, {cols} FROM _apparat_rows",
                        [cid],
                    )
                finally:
                    con.unregister("_apparat_rows")
            con.commit()
        except BaseException as e:
            con.rollback()
            if isinstance(e, duckdb.Error):
                raise StoreError(
                    f"the calibration was not written to {self.store.path}: {e}"
                ) from e
            raise

    def list(self) -> pd.DataFrame:
        """One row per calibration, newest first."""
        return self._sql(
            "SELECT id, name, status, created, scenario_id, until, particles, "
            "runs_per_particle, generations, seconds FROM calibrations "
            "ORDER BY created DESC, id"
        ).df()

    def get(self, id_or_prefix: str) -> dict[str, Any]:
        """A calibration's provenance and scores, by id or unique prefix."""
        ids = [str(r[0]) for r in self._sql("SELECT id FROM calibrations ORDER BY id").fetchall()]
        match = [match_id(ids, id_or_prefix, "calibration", self.store.path)]
        cur = self._sql("SELECT * FROM calibrations WHERE id = ?", match)
        names = [d[0] for d in cur.description or []]
        row: dict[str, Any] = dict(zip(names, cur.fetchone() or (), strict=True))
        row["params"] = json.loads(row["params"])
        extra = json.loads(row.pop("extra"))
        return {**extra, **row}

    def generations(self, cid: str) -> pd.DataFrame:
        return self._sql(
            f"SELECT {', '.join(GENERATION_COLUMNS)} FROM calibration_generations "
            "WHERE calibration_id = ? ORDER BY generation",
            [cid],
        ).df()

    def particles(self, cid: str, generation: int | None = None) -> pd.DataFrame:
        """The particles of one generation (default: the last), wide: one row per
        particle, a column per parameter, then ``weight`` and ``distance``."""
        if generation is None:
            got = self._sql(
                "SELECT max(generation) FROM calibration_particles WHERE calibration_id = ?",
                [cid],
            ).fetchone()
            if got is None or got[0] is None:
                raise StoreError(f"calibration {cid} has no finished generation yet")
            generation = int(got[0])
        long = self._sql(
            "SELECT particle, weight, distance, parameter, value FROM calibration_particles "
            "WHERE calibration_id = ? AND generation = ? ORDER BY particle, rowid",
            [cid, generation],
        ).df()
        if long.empty:
            raise StoreError(f"calibration {cid} has no generation {generation}")
        order = list(dict.fromkeys(long["parameter"]))
        wide = long.pivot(index="particle", columns="parameter", values="value")[order]
        first = long.groupby("particle")[["weight", "distance"]].first()
        out = wide.join(first).reset_index(drop=True)
        out.columns.name = None
        return out
