"""Numbered migrations of the results store: how a store of any older version reaches
the current one.

Each step is applied in its own transaction together with the new
``meta.schema_version``, so a store is always at exactly one version. A fresh store is
built by the same steps from version 1, so a new store and an upgraded one are the
same. Steps only add: no migration may drop a table or a column that holds results.
The statements of a released step are frozen; change the schema with a new step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version

import duckdb

from apparat.store.errors import StoreError


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: tuple[str, ...]


_V1 = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE experiments (
        id VARCHAR PRIMARY KEY, key VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
        created TIMESTAMP NOT NULL, updated TIMESTAMP NOT NULL, status VARCHAR NOT NULL,
        scenario_id VARCHAR, scenario_hash VARCHAR, seed BIGINT, runs BIGINT,
        batch_size BIGINT, given_history_until VARCHAR, apparat_version VARCHAR,
        arms VARCHAR NOT NULL, interventions VARCHAR NOT NULL, params VARCHAR NOT NULL,
        extra VARCHAR NOT NULL)""",
    """CREATE TABLE batches (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, batch INTEGER NOT NULL,
        rows BIGINT NOT NULL, written_at TIMESTAMP NOT NULL,
        PRIMARY KEY (experiment_id, arm, batch))""",
    """CREATE TABLE outcomes (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
        dominant_end VARCHAR, consolidation_month VARCHAR, strongest_end VARCHAR,
        kept BOOLEAN NOT NULL)""",
    """CREATE TABLE actor_outcomes (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
        actor VARCHAR NOT NULL, defeat_month VARCHAR, final_sanction VARCHAR,
        died BOOLEAN, power_end DOUBLE)""",
    """CREATE TABLE choices (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
        decision VARCHAR NOT NULL, option VARCHAR)""",
    """CREATE TABLE power_hist (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, month VARCHAR NOT NULL,
        actor VARCHAR NOT NULL, bin SMALLINT NOT NULL, count BIGINT NOT NULL)""",
    """CREATE TABLE line_moments (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, month VARCHAR NOT NULL,
        axis VARCHAR NOT NULL, n BIGINT NOT NULL, sum DOUBLE, sumsq DOUBLE)""",
    """CREATE TABLE chronicle (
        experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
        month INTEGER, date VARCHAR, kind VARCHAR, text VARCHAR, actors VARCHAR,
        cites VARCHAR, why VARCHAR)""",
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the initial schema", _V1),
    Migration(
        2,
        "batches.seconds: how long a batch took to simulate",
        ("ALTER TABLE batches ADD COLUMN seconds DOUBLE",),
    ),
    Migration(
        3,
        "dominance: the consolidated leader of each run at chosen months",
        (
            """CREATE TABLE dominance (
            experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
            month VARCHAR NOT NULL, dominant VARCHAR)""",
        ),
    ),
    Migration(
        4,
        "analyses: sensitivity indices, discovered boxes and decompositions, tidy",
        (
            """CREATE TABLE analyses (
            id VARCHAR PRIMARY KEY, key VARCHAR NOT NULL UNIQUE, kind VARCHAR NOT NULL,
            name VARCHAR NOT NULL, created TIMESTAMP NOT NULL, scenario_id VARCHAR,
            scenario_hash VARCHAR, seed BIGINT, samples BIGINT, runs BIGINT,
            seconds DOUBLE, apparat_version VARCHAR, params VARCHAR NOT NULL,
            extra VARCHAR NOT NULL)""",
            """CREATE TABLE analysis_indices (
            analysis_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL, factor VARCHAR NOT NULL,
            factor_group VARCHAR, statistic VARCHAR NOT NULL, estimate DOUBLE, low DOUBLE,
            high DOUBLE)""",
            """CREATE TABLE analysis_boxes (
            analysis_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL, method VARCHAR NOT NULL,
            box INTEGER NOT NULL, factor VARCHAR NOT NULL, low DOUBLE, high DOUBLE,
            coverage DOUBLE, density DOUBLE, mass DOUBLE, n BIGINT)""",
            """CREATE TABLE analysis_decomposition (
            analysis_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL, part VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, estimate DOUBLE, low DOUBLE, high DOUBLE)""",
        ),
    ),
    Migration(
        5,
        "calibrations: ABC-SMC posteriors of global parameters, by generation",
        (
            """CREATE TABLE calibrations (
            id VARCHAR PRIMARY KEY, key VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
            created TIMESTAMP NOT NULL, updated TIMESTAMP NOT NULL, status VARCHAR NOT NULL,
            scenario_id VARCHAR, scenario_hash VARCHAR, until VARCHAR, seed BIGINT,
            particles BIGINT, runs_per_particle BIGINT, generations BIGINT,
            seconds DOUBLE, apparat_version VARCHAR, params VARCHAR NOT NULL,
            extra VARCHAR NOT NULL)""",
            """CREATE TABLE calibration_generations (
            calibration_id VARCHAR NOT NULL, generation INTEGER NOT NULL, epsilon DOUBLE,
            evaluations BIGINT, accepted BIGINT, PRIMARY KEY (calibration_id, generation))""",
            """CREATE TABLE calibration_particles (
            calibration_id VARCHAR NOT NULL, generation INTEGER NOT NULL,
            particle INTEGER NOT NULL, weight DOUBLE NOT NULL, distance DOUBLE,
            parameter VARCHAR NOT NULL, value DOUBLE NOT NULL)""",
        ),
    ),
    Migration(
        6,
        "consequences: each run's outcomes 1928-1941 under its line, by year and series",
        (
            """CREATE TABLE consequences (
            experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
            year INTEGER NOT NULL, series VARCHAR NOT NULL, value DOUBLE)""",
        ),
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def apparat_version() -> str:
    """The installed apparat's version, recorded in the meta table."""
    try:
        return version("apparat")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()
    return {str(r[0]) for r in rows}


def schema_version(con: duckdb.DuckDBPyConnection, path: str) -> int | None:
    """The store's schema version; None for an empty database (a new store)."""
    tables = _tables(con)
    if "meta" not in tables:
        if tables:
            raise StoreError(
                f"{path} is a DuckDB database but not an apparat results store (it has "
                f"tables {', '.join(sorted(tables))} and no meta table); choose another "
                "path for the results store"
            )
        return None
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise StoreError(
            f"{path} has a meta table without a valid schema_version; it was not written "
            "by apparat, or it was damaged: choose another path for the results store"
        )
    return int(row[0])


def check_not_newer(found: int, path: str) -> None:
    """A store written by a newer apparat cannot be read safely by this one."""
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"{path} uses results-store schema version {found}, but this apparat "
            f"({apparat_version()}) knows only versions up to {SCHEMA_VERSION}; "
            "upgrade apparat (pip install -U apparat) to open it"
        )


def _set(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def migrate(con: duckdb.DuckDBPyConnection, path: str = "the results store") -> int:
    """Bring the store behind ``con`` to SCHEMA_VERSION and return the version it had
    (0 for a new store). Each step runs in a transaction; a failed step is rolled back
    and leaves the store at the version before it."""
    found = schema_version(con, path)
    start = 0 if found is None else found
    check_not_newer(start, path)
    for step in MIGRATIONS:
        if step.version <= start:
            continue
        con.begin()
        try:
            for statement in step.statements:
                con.execute(statement)
            _set(con, "schema_version", str(step.version))
            if start == 0 and step.version == 1:
                _set(con, "created_by", apparat_version())
                _set(con, "created", _now())
            elif start > 0:
                _set(con, f"migrated_to_{step.version}", f"{_now()} by apparat {apparat_version()}")
            con.commit()
        except BaseException as e:
            con.rollback()
            if not isinstance(e, duckdb.Error):
                raise
            raise StoreError(
                f"could not upgrade {path} to schema version {step.version} "
                f"({step.summary}); it is left at version {step.version - 1}, nothing "
                f"was lost: {e}"
            ) from e
    return start
