"""The store is versioned: old stores are upgraded without loss, newer ones and files
that are not stores are refused with a message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest
from store_data import batch_tables, meta

import apparat.store.migrations as migrations
from apparat.store import MIGRATIONS, SCHEMA_VERSION, ResultsStore, StoreError, migrate
from apparat.store.schema import KEYS, RESULT_TABLES

# The schema exactly as apparat wrote it at version 1, frozen here on purpose: this test
# must keep opening such a file whatever later versions do to the migrations.
V1_SCHEMA = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE experiments (
    id VARCHAR PRIMARY KEY, key VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL, updated TIMESTAMP NOT NULL, status VARCHAR NOT NULL,
    scenario_id VARCHAR, scenario_hash VARCHAR, seed BIGINT, runs BIGINT,
    batch_size BIGINT, given_history_until VARCHAR, apparat_version VARCHAR,
    arms VARCHAR NOT NULL, interventions VARCHAR NOT NULL, params VARCHAR NOT NULL,
    extra VARCHAR NOT NULL);
CREATE TABLE batches (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, batch INTEGER NOT NULL,
    rows BIGINT NOT NULL, written_at TIMESTAMP NOT NULL,
    PRIMARY KEY (experiment_id, arm, batch));
CREATE TABLE outcomes (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
    dominant_end VARCHAR, consolidation_month VARCHAR, strongest_end VARCHAR,
    kept BOOLEAN NOT NULL);
CREATE TABLE actor_outcomes (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
    actor VARCHAR NOT NULL, defeat_month VARCHAR, final_sanction VARCHAR,
    died BOOLEAN, power_end DOUBLE);
CREATE TABLE choices (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
    decision VARCHAR NOT NULL, option VARCHAR);
CREATE TABLE power_hist (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, month VARCHAR NOT NULL,
    actor VARCHAR NOT NULL, bin SMALLINT NOT NULL, count BIGINT NOT NULL);
CREATE TABLE line_moments (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, month VARCHAR NOT NULL,
    axis VARCHAR NOT NULL, n BIGINT NOT NULL, sum DOUBLE, sumsq DOUBLE);
CREATE TABLE chronicle (
    experiment_id VARCHAR NOT NULL, arm VARCHAR NOT NULL, run BIGINT NOT NULL,
    month INTEGER, date VARCHAR, kind VARCHAR, text VARCHAR, actors VARCHAR,
    cites VARCHAR, why VARCHAR);
"""
OLD_ID = "0123456789ab"


def make_v1_store(path: Path) -> None:
    """A version-1 store with one experiment and one batch of two runs, built by hand."""
    with duckdb.connect(str(path)) as con:
        con.execute(V1_SCHEMA)
        con.execute(
            "INSERT INTO meta VALUES ('schema_version', '1'), ('created_by', '0.0.9'), "
            "('created', '2024-01-01T00:00:00')"
        )
        con.execute(
            "INSERT INTO experiments VALUES (?, 'old-key', 'old run', TIMESTAMP '2024-01-01', "
            "TIMESTAMP '2024-01-02', 'done', 'bolshevik_1923', 'abc', 5, 2, 2, NULL, '0.0.9', "
            """'["factual"]', '{}', '{"runs": 2}', '{"runs_needed": 2}')""",
            [OLD_ID],
        )
        con.execute(
            f"INSERT INTO batches VALUES ('{OLD_ID}', 'factual', 0, 2, TIMESTAMP '2024-01-02')"
        )
        con.execute(
            f"INSERT INTO outcomes VALUES ('{OLD_ID}', 'factual', 0, 'stalin', '1929-11', "
            f"'stalin', true), ('{OLD_ID}', 'factual', 1, NULL, NULL, 'bukharin', true)"
        )
        con.execute(
            f"INSERT INTO power_hist VALUES ('{OLD_ID}', 'factual', '1923-01', 'stalin', 60, 2)"
        )


def meta_table(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {str(k): str(v) for k, v in con.execute("SELECT * FROM meta").fetchall()}


def test_migrations_are_numbered_from_one() -> None:
    """The migrations are numbered 1, 2, ... and the last one is the schema version."""
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert SCHEMA_VERSION == ResultsStore.SCHEMA_VERSION == MIGRATIONS[-1].version


def test_a_new_store_describes_itself(store_path: Path) -> None:
    """A new store records its schema version, the apparat that created it and when."""
    ResultsStore(store_path).close()
    got = meta_table(store_path)
    assert got["schema_version"] == str(SCHEMA_VERSION)
    assert got["created_by"] == version("apparat")
    assert got["created"][:2] == "20"


def test_a_new_store_has_the_declared_columns(store: ResultsStore) -> None:
    """The migrations build exactly the result tables schema.py declares, type for type."""
    for name, columns in RESULT_TABLES.items():
        rows = store.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        assert rows == [(c.name, c.type) for c in (*KEYS, *columns)], name


def test_an_old_store_is_upgraded_without_loss(store_path: Path) -> None:
    """A version-1 store opens at the current version with its experiment, batch and
    results intact, and takes new batches."""
    make_v1_store(store_path)
    with ResultsStore(store_path) as st:
        assert st.done_batches(OLD_ID) == {("factual", 0)}
        old = st.experiment(OLD_ID)
        assert (old["name"], old["seed"], old["runs_needed"]) == ("old run", 5, 2)
        outcomes = st.table(OLD_ID, "outcomes")
        assert list(outcomes["dominant_end"].fillna("-")) == ["stalin", "-"]
        assert st.power_quantiles(OLD_ID)["q50"].between(0.3, 0.305).all()
        seconds = st.con.execute("SELECT seconds FROM batches").fetchall()
        assert seconds == [(None,)]
        st.write_batch(OLD_ID, "factual", 1, batch_tables("factual", 1), seconds=2.0)
        assert st.done_batches(OLD_ID) == {("factual", 0), ("factual", 1)}
    got = meta_table(store_path)
    assert got["schema_version"] == str(SCHEMA_VERSION)
    assert got["created_by"] == "0.0.9"
    assert all(f"migrated_to_{v}" in got for v in range(2, SCHEMA_VERSION + 1))


def test_an_old_store_opened_for_reading_is_upgraded_too(store_path: Path) -> None:
    """Opening a version-1 store read-only upgrades it first, then reads it."""
    make_v1_store(store_path)
    with ResultsStore(store_path, read_only=True) as st:
        assert len(st.table(OLD_ID, "outcomes")) == 2
    assert meta_table(store_path)["schema_version"] == str(SCHEMA_VERSION)


def test_a_store_from_a_newer_apparat_is_refused(store_path: Path) -> None:
    """A store claiming schema version 99 raises StoreError asking to upgrade apparat,
    and is left as it was."""
    make_v1_store(store_path)
    with duckdb.connect(str(store_path)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"schema version 99.*upgrade apparat"):
            ResultsStore(store_path, read_only=read_only)
    assert meta_table(store_path)["schema_version"] == "99"


def test_a_failed_step_leaves_the_store_at_the_version_before(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration step that fails is rolled back as a whole; the store keeps its version."""
    ResultsStore(store_path).close()
    nxt = SCHEMA_VERSION + 1
    broken = migrations.Migration(
        nxt, "broken", ("ALTER TABLE batches ADD COLUMN x DOUBLE", "SELECT * FROM no_such_table")
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", nxt)
    with duckdb.connect(str(store_path)) as con:
        with pytest.raises(StoreError, match=f"left at version {SCHEMA_VERSION}, nothing was lost"):
            migrate(con, str(store_path))
        columns = con.execute("SELECT * FROM batches").df().columns
    assert "x" not in columns
    assert meta_table(store_path)["schema_version"] == str(SCHEMA_VERSION)


def test_a_garbage_file_is_refused_and_kept(store_path: Path) -> None:
    """A file that is not a DuckDB database raises StoreError naming it, untouched."""
    store_path.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=f"{store_path.name} is not a results store"):
        ResultsStore(store_path)
    assert store_path.read_text().startswith("these are my notes")


@pytest.mark.parametrize(
    "content",
    [b"", b"hi", b"SQLite format 3\x00" + bytes(4096)],
    ids=["empty", "short", "sqlite"],
)
def test_other_files_are_refused_and_kept(store_path: Path, content: bytes) -> None:
    """An empty file, a scrap of text or a SQLite database raise StoreError, untouched."""
    store_path.write_bytes(content)
    with pytest.raises(StoreError, match=r"is not a results store"):
        ResultsStore(store_path, read_only=True)
    assert store_path.read_bytes() == content


def test_another_database_is_not_taken_for_a_store(store_path: Path) -> None:
    """A DuckDB database with tables of its own (and no meta) is refused, its tables kept."""
    with duckdb.connect(str(store_path)) as con:
        con.execute("CREATE TABLE sales AS SELECT 1 AS amount")
    with pytest.raises(StoreError, match=r"not an apparat results store.*sales"):
        ResultsStore(store_path)
    with duckdb.connect(str(store_path), read_only=True) as con:
        assert con.execute("SELECT amount FROM sales").fetchall() == [(1,)]


def test_a_folder_is_not_a_store(tmp_path: Path) -> None:
    """A folder given as the store path raises StoreError."""
    with pytest.raises(StoreError, match="is a folder"):
        ResultsStore(tmp_path)


def test_a_store_locked_by_another_process_is_refused(store_path: Path) -> None:
    """A store held open by another process raises StoreError saying it is in use."""
    ResultsStore(store_path).close()
    holder = (
        "import sys, duckdb\n"
        f"con = duckdb.connect({str(store_path)!r})\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        for read_only in (False, True):
            with pytest.raises(StoreError, match="in use by another process"):
                ResultsStore(store_path, read_only=read_only, wait=0.2)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()


def test_a_store_in_a_missing_folder_cannot_be_created(tmp_path: Path) -> None:
    """A store path in a folder that does not exist raises StoreError naming the path."""
    with pytest.raises(StoreError, match=r"cannot open the results store .*nowhere"):
        ResultsStore(tmp_path / "nowhere" / "results.duckdb")


def test_new_experiments_are_written_after_an_upgrade(store_path: Path) -> None:
    """After an upgrade, a new experiment is written beside the old one."""
    make_v1_store(store_path)
    with ResultsStore(store_path) as st:
        eid = st.begin_experiment("new", meta())
        st.write_batch(eid, "factual", 0, batch_tables("factual", 0))
        assert set(st.experiments()["id"]) == {OLD_ID, eid}
