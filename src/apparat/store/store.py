"""The results store: one DuckDB file holding experiments, their batches and results.

Every experiment row records its provenance (scenario id and content hash, seed,
interventions, parameters, apparat version); the ``meta`` table records the schema
version and the apparat that created the file. Batches are written in one transaction
each, so an interrupted experiment keeps every finished batch and resumes from there.

A running experiment records which process writes it (``writer``: host, pid, the
process's start time). A reader that finds the status 'running' but that process gone
(or, on another host, no batch written for ``STALE_AFTER``) shows it as 'interrupted':
a killed process cannot say so itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from apparat.store.analyses import Analyses
from apparat.store.calibrations import Calibrations
from apparat.store.connection import WAIT, connect, explain
from apparat.store.errors import StoreError
from apparat.store.histograms import BINS, histogram_quantiles, quantile_name
from apparat.store.migrations import SCHEMA_VERSION
from apparat.store.schema import KEYS, ORDER, RESULT_TABLES, quoted

DEFAULT_PATH = Path("apparat_results.duckdb")
EXPERIMENT_COLUMNS = (
    "name", "scenario_id", "scenario_hash", "seed", "runs", "batch_size",
    "given_history_until", "apparat_version",
)  # fmt: skip
JSON_COLUMNS = ("arms", "interventions", "params")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
# A writer on another host is taken for dead when no batch came for this long (its pid
# cannot be checked from here); batches of a large ensemble take minutes, not hours.
STALE_AFTER = timedelta(hours=6)


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, set | frozenset):
        return sorted(o)
    if isinstance(o, datetime):
        return o.isoformat()
    return str(o)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value DuckDB binds."""
    return value.item() if isinstance(value, np.generic) else value


def _json(value: Any) -> str:
    return json.dumps(value, default=_default, sort_keys=True)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, keeping the error that led here rather than one from the rollback."""
    with contextlib.suppress(duckdb.Error):
        con.rollback()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _started(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), or None where
    that cannot be read: a pid reused by a later process has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def writer_info() -> dict[str, Any]:
    """Who is writing: what ``set_status(..., 'running', writer=writer_info())`` keeps
    so that readers can tell a running experiment from a killed one."""
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _started(pid)}


def _alive(writer: Any) -> bool | None:
    """Whether the writing process still runs: None where this host cannot tell."""
    if not isinstance(writer, dict) or writer.get("host") != socket.gethostname():
        return None
    pid = writer.get("pid")
    if not isinstance(pid, int) or os.name == "nt":  # os.kill(pid, 0) kills on Windows
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        pass
    started = writer.get("started")
    return started is None or _started(pid) in (None, started)


def live_status(status: str, extra: dict[str, Any], last_write: datetime | None) -> str:
    """The stored status, except that a 'running' experiment whose writer is gone reads
    'interrupted' (its finished batches are kept; the same command resumes it)."""
    if status != "running":
        return status
    alive = _alive(extra.get("writer"))
    if alive is None:
        alive = last_write is None or _now() - last_write < STALE_AFTER
    return "running" if alive else "interrupted"


class ResultsStore:
    """A results store at ``path`` (a DuckDB file, created if missing); a context
    manager that closes the store on exit."""

    SCHEMA_VERSION: int = SCHEMA_VERSION

    def __init__(
        self, path: str | Path = DEFAULT_PATH, read_only: bool = False, wait: float = WAIT
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        # wait: seconds to keep trying while another process holds the file
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, read_only, wait)

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"ResultsStore({str(self.path)!r}, {mode})"

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the store (a second close does nothing)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection, for queries of your own."""
        if self._con is None:
            raise StoreError(f"the results store {self.path} is closed")
        return self._con

    @property
    def analyses(self) -> Analyses:
        """The sensitivity analyses, discoveries and decompositions in this store."""
        return Analyses(self)

    @property
    def calibrations(self) -> Calibrations:
        """The calibrations (ABC-SMC posteriors) in this store."""
        return Calibrations(self)

    def _sql(self, sql: str, params: list[Any] | None = None) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql, params)
        except duckdb.Error as e:
            raise explain(e, self.path, "read" if self.read_only else "use") from e

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"the results store {self.path} is open read-only; open it with "
                "read_only=False to write"
            )

    def _known(self, experiment_id: str) -> None:
        if self._sql("SELECT 1 FROM experiments WHERE id = ?", [experiment_id]).fetchone() is None:
            raise StoreError(f"no experiment {experiment_id!r} in {self.path}")

    # ------------------------------------------------------------------ writing

    def begin_experiment(self, key: str, meta: dict[str, Any]) -> str:
        """Create the experiment (id: the first 12 hex digits of sha256(key)) or, if
        ``key`` is known, return its id so the experiment resumes. Keys of ``meta``
        beyond the experiment columns are kept as extra JSON."""
        self._writable()
        eid = hashlib.sha256(key.encode()).hexdigest()[:12]
        row = self._sql("SELECT key FROM experiments WHERE id = ?", [eid]).fetchone()
        if row is not None:
            if row[0] != key:
                raise StoreError(f"experiment id {eid} of {self.path} belongs to another key")
            return eid
        known = set(EXPERIMENT_COLUMNS) | set(JSON_COLUMNS)
        extra = {k: v for k, v in meta.items() if k not in known}
        now = _now()
        values = [eid, key, str(meta.get("name") or eid), now, now, "created"]
        values += [_plain(meta.get(c)) for c in EXPERIMENT_COLUMNS[1:]]
        values += [_json(meta.get("arms", [])), _json(meta.get("interventions", {}))]
        values += [_json(meta.get("params", {})), _json(extra)]
        cols = ["id", "key", "name", "created", "updated", "status", *EXPERIMENT_COLUMNS[1:]]
        cols += [*JSON_COLUMNS, "extra"]
        marks = ", ".join("?" for _ in cols)
        self._sql(f"INSERT INTO experiments ({', '.join(cols)}) VALUES ({marks})", values)
        return eid

    def set_status(self, experiment_id: str, status: str, **extra: Any) -> None:
        """Set the experiment's status ('running', 'done', ...) and merge ``extra``
        (e.g. runs_needed, summary) into its stored JSON."""
        self._writable()
        self._known(experiment_id)
        clash = set(extra) & {"id", "key", "created", "updated", "status", "extra"}
        clash |= set(extra) & {*EXPERIMENT_COLUMNS, *JSON_COLUMNS}
        if clash:
            raise StoreError(f"set_status cannot overwrite {', '.join(sorted(clash))}")
        row = self._sql("SELECT extra FROM experiments WHERE id = ?", [experiment_id]).fetchone()
        merged = {**json.loads(row[0] if row else "{}"), **extra}
        self._sql(
            "UPDATE experiments SET status = ?, updated = ?, extra = ? WHERE id = ?",
            [status, _now(), _json(merged), experiment_id],
        )

    def done_batches(self, experiment_id: str) -> set[tuple[str, int]]:
        """The (arm, batch) pairs already written for the experiment."""
        rows = self._sql(
            "SELECT arm, batch FROM batches WHERE experiment_id = ?", [experiment_id]
        ).fetchall()
        return {(str(arm), int(batch)) for arm, batch in rows}

    def _check_frames(self, arm: str, tables: dict[str, pd.DataFrame]) -> None:
        for name, df in tables.items():
            if name not in RESULT_TABLES:
                raise StoreError(
                    f"unknown result table {name!r}; known: {', '.join(RESULT_TABLES)}"
                )
            want = {c.name for c in RESULT_TABLES[name]}
            have = set(df.columns) - {"arm"}
            if have != want:
                missing, unknown = sorted(want - have), sorted(map(str, have - want))
                raise StoreError(
                    f"table {name!r}: missing columns {missing}, unknown columns {unknown}"
                )
            if "arm" in df.columns and bool((df["arm"] != arm).any()):
                raise StoreError(f"table {name!r} holds rows of another arm than {arm!r}")

    def write_batch(
        self,
        experiment_id: str,
        arm: str,
        batch: int,
        tables: dict[str, pd.DataFrame],
        seconds: float | None = None,
    ) -> None:
        """Write one batch of one arm in ONE transaction: each frame bulk-inserted into
        its table, and (arm, batch) recorded in ``batches``. A batch already recorded is
        left alone; a failure rolls the whole batch back and raises StoreError."""
        self._writable()
        self._known(experiment_id)
        self._check_frames(arm, tables)
        con = self.con
        views: list[str] = []
        con.begin()
        try:
            done = con.execute(
                "SELECT 1 FROM batches WHERE experiment_id = ? AND arm = ? AND batch = ?",
                [experiment_id, arm, batch],
            ).fetchone()
            if done is not None:
                con.rollback()
                return
            for name, df in tables.items():
                view = f"_apparat_batch_{name}"
                con.register(view, df)
                views.append(view)
                cols = RESULT_TABLES[name]
                names = ", ".join(quoted(c.name) for c in (*KEYS, *cols))
                casts = ", ".join(f"CAST({quoted(c.name)} AS {c.type})" for c in cols)
                con.execute(
                    f"INSERT INTO {name} ({names}) SELECT ?, ?, {casts} FROM {view}",
                    [experiment_id, arm],
                )
            rows = len(tables["outcomes"]) if "outcomes" in tables else 0
            con.execute(
                "INSERT INTO batches (experiment_id, arm, batch, rows, written_at, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [experiment_id, arm, batch, rows, _now(), seconds],
            )
            con.commit()
        except BaseException as e:
            _rollback(con)
            if isinstance(e, duckdb.Error):
                raise StoreError(
                    f"batch {batch} of arm {arm!r} of experiment {experiment_id} was not "
                    f"written to {self.path} (nothing of it was kept): {e}"
                ) from e
            raise
        finally:
            for view in views:
                con.unregister(view)

    # ------------------------------------------------------------------ reading

    def _last_write(self, experiment_id: str) -> datetime | None:
        row = self._sql(
            "SELECT greatest(max(b.written_at), max(e.updated)) FROM experiments e "
            "LEFT JOIN batches b ON b.experiment_id = e.id WHERE e.id = ?",
            [experiment_id],
        ).fetchone()
        return row[0] if row else None

    def experiments(self) -> pd.DataFrame:
        """One row per experiment, newest first: id, name, created, scenario_id, seed,
        runs, arms (a list), status ('interrupted' for a 'running' one whose writer is
        gone), batches_done."""
        df = self._sql(
            "SELECT e.id, e.name, e.created, e.scenario_id, e.seed, e.runs, e.arms, "
            "e.status, count(b.batch) AS batches_done, e.extra, "
            "greatest(max(b.written_at), any_value(e.updated)) AS last_write "
            "FROM experiments e LEFT JOIN batches b ON b.experiment_id = e.id GROUP BY ALL "
            "ORDER BY e.created DESC, e.id"
        ).df()
        df["arms"] = pd.Series([json.loads(a) for a in df["arms"]], index=df.index, dtype=object)
        df["status"] = [
            live_status(str(s), json.loads(x), None if pd.isna(w) else pd.Timestamp(w))
            for s, x, w in zip(df["status"], df["extra"], df["last_write"], strict=True)
        ]
        return df.drop(columns=["extra", "last_write"])

    def experiment(self, id_or_prefix: str) -> dict[str, Any]:
        """The experiment's provenance and status as a dict (JSON decoded, extras
        flattened in), found by its id or a unique prefix of it."""
        prefix = id_or_prefix.strip().lower()
        ids = [str(r[0]) for r in self._sql("SELECT id FROM experiments ORDER BY id").fetchall()]
        match = [i for i in ids if i == prefix] or [
            i for i in ids if prefix and i.startswith(prefix)
        ]
        if len(match) != 1:
            known = ", ".join(ids[:20]) + (", …" if len(ids) > 20 else "")
            if not match:
                where = f"known ids: {known}" if ids else "the store holds no experiments"
                raise StoreError(f"no experiment {id_or_prefix!r} in {self.path}; {where}")
            raise StoreError(f"{id_or_prefix!r} matches {', '.join(match)}; give more of the id")
        cur = self._sql("SELECT * FROM experiments WHERE id = ?", match)
        names = [d[0] for d in cur.description or []]
        meta: dict[str, Any] = dict(zip(names, cur.fetchone() or (), strict=True))
        for col in ("created", "updated"):
            meta[col] = meta[col].isoformat()
        for col in JSON_COLUMNS:
            meta[col] = json.loads(meta[col])
        extra = json.loads(meta.pop("extra"))
        meta["status"] = live_status(meta["status"], extra, self._last_write(match[0]))
        return {**extra, **meta}

    def table(self, experiment_id: str, name: str) -> pd.DataFrame:
        """All rows of one result table for the experiment (without the experiment_id
        column), ordered by arm and run, or by arm and month."""
        if name not in RESULT_TABLES:
            raise StoreError(f"unknown result table {name!r}; known: {', '.join(RESULT_TABLES)}")
        self._known(experiment_id)
        cols = ", ".join(quoted(c.name) for c in (KEYS[1], *RESULT_TABLES[name]))
        sql = f"SELECT {cols} FROM {name} WHERE experiment_id = ? ORDER BY {ORDER[name]}"
        return self._sql(sql, [experiment_id]).df()

    def power_quantiles(
        self, experiment_id: str, qs: tuple[float, ...] = QUANTILES
    ) -> pd.DataFrame:
        """Quantiles of each actor's power share by arm and month, from the histograms of
        all batches merged (columns arm, month, actor, q05, q25, q50, q75, q95)."""
        self._known(experiment_id)
        df = self._sql(
            'SELECT arm, month, actor, bin, sum("count") AS n FROM power_hist '
            "WHERE experiment_id = ? GROUP BY ALL ORDER BY arm, month, actor, bin",
            [experiment_id],
        ).df()
        keys = ["arm", "month", "actor"]
        names = [quantile_name(q) for q in qs]
        if df.empty:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in keys} | {n: [] for n in names})
        k = [df[c].to_numpy(dtype=object) for c in keys]
        start = np.r_[True, np.any([a[1:] != a[:-1] for a in k], axis=0)]
        group = np.cumsum(start) - 1
        counts = np.zeros((int(group[-1]) + 1, BINS), dtype=np.int64)
        counts[group, df["bin"].to_numpy(dtype=np.intp)] = df["n"].to_numpy(dtype=np.int64)
        out = df.loc[start, keys].reset_index(drop=True)
        values = histogram_quantiles(counts, qs)
        for j, n in enumerate(names):
            out[n] = values[:, j]
        return out

    def export(
        self,
        experiment_id: str,
        directory: str | Path,
        fmt: Literal["parquet", "csv"] = "parquet",
    ) -> list[Path]:
        """Write the experiment's row and each of its result tables to ``directory`` as
        Parquet or CSV files (experiment.parquet, outcomes.parquet, ...); return them.

        The files are written into a temporary folder beside ``directory`` and moved in
        only when all are written: a failed export leaves nothing behind, and an earlier
        export in ``directory`` stays whole until it is replaced."""
        if fmt not in ("parquet", "csv"):
            raise StoreError(f"export format must be 'parquet' or 'csv', not {fmt!r}")
        self._known(experiment_id)
        folder = Path(directory)
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"cannot export into {folder}: it is a file, not a folder")
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        except OSError as e:
            raise StoreError(f"cannot create the export folder {folder}: {e}") from e
        queries = {"experiment": "SELECT * FROM experiments WHERE id = ?"}
        for name in RESULT_TABLES:
            queries[name] = f"SELECT * FROM {name} WHERE experiment_id = ? ORDER BY {ORDER[name]}"
        try:
            for name, query in queries.items():
                target = str(work / f"{name}.{fmt}").replace("'", "''")
                self._sql(f"COPY ({query}) TO '{target}' (FORMAT {fmt})", [experiment_id])
            if folder.exists():
                for name in queries:
                    os.replace(work / f"{name}.{fmt}", folder / f"{name}.{fmt}")
                work.rmdir()
            else:
                work.rename(folder)
        except OSError as e:
            raise StoreError(f"cannot write the export into {folder}: {e}") from e
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return [folder / f"{name}.{fmt}" for name in queries]


def open_store(
    path: str | Path = DEFAULT_PATH, read_only: bool = False, wait: float = WAIT
) -> ResultsStore:
    """Open (or create) the results store at ``path``, waiting up to ``wait`` seconds
    while another process holds it."""
    return ResultsStore(path, read_only, wait)
