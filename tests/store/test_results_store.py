"""The results store: experiments begin and resume, batches are atomic and idempotent,
tables read back in order, and exports round-trip."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from store_data import ACTORS, batch_tables, meta

from apparat.errors import ApparatError
from apparat.store import DEFAULT_PATH, ResultsStore, StoreError, open_store
from apparat.store.schema import RESULT_TABLES as SCHEMA_TABLES

RESULT_TABLES = list(SCHEMA_TABLES)


def count(store: ResultsStore, table: str, eid: str) -> int:
    row = store.con.execute(
        f"SELECT count(*) FROM {table} WHERE experiment_id = ?", [eid]
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_store_error_is_an_apparat_error() -> None:
    """StoreError belongs to the one error tree under ApparatError."""
    assert issubclass(StoreError, ApparatError)


def test_default_path_is_a_file_in_the_working_folder() -> None:
    """The default store is apparat_results.duckdb in the current folder."""
    assert Path("apparat_results.duckdb") == DEFAULT_PATH


def test_same_key_resumes_the_same_experiment(store: ResultsStore) -> None:
    """begin_experiment with a known key returns the existing id instead of a new row."""
    first = store.begin_experiment("key-1", meta())
    again = store.begin_experiment("key-1", meta(name="renamed"))
    other = store.begin_experiment("key-2", meta())
    assert first == again != other
    assert len(first) == 12
    assert int(first, 16) >= 0
    assert len(store.experiments()) == 2


def test_resume_survives_closing_the_store(store_path: Path) -> None:
    """An experiment begun in one session is found, with its batches, in the next."""
    with ResultsStore(store_path) as st:
        eid = st.begin_experiment("key", meta())
        st.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    with open_store(store_path) as st:
        assert st.begin_experiment("key", meta()) == eid
        assert st.done_batches(eid) == {("factual", 0)}


def test_done_batches_reflects_written_batches(store: ResultsStore) -> None:
    """done_batches lists exactly the (arm, batch) pairs written so far."""
    eid = store.begin_experiment("key", meta())
    assert store.done_batches(eid) == set()
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0), seconds=0.25)
    store.write_batch(eid, "attack", 1, batch_tables("attack", 1))
    assert store.done_batches(eid) == {("factual", 0), ("attack", 1)}
    seconds = store.con.execute("SELECT seconds FROM batches ORDER BY arm DESC").fetchall()
    assert seconds == [(0.25,), (None,)]


def test_write_batch_is_idempotent(store: ResultsStore) -> None:
    """Writing a batch that is already recorded adds no rows."""
    eid = store.begin_experiment("key", meta())
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    before = {t: count(store, t, eid) for t in RESULT_TABLES}
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    assert {t: count(store, t, eid) for t in RESULT_TABLES} == before
    assert before["outcomes"] == 10


def test_a_wrong_column_raises_and_writes_nothing(store: ResultsStore) -> None:
    """A frame with a misnamed column is refused before any row of the batch is written."""
    eid = store.begin_experiment("key", meta())
    tables = batch_tables("factual", 0)
    tables["choices"] = tables["choices"].rename(columns={"option": "opton"})
    with pytest.raises(StoreError, match=r"choices.*missing columns \['option'\].*opton"):
        store.write_batch(eid, "factual", 0, tables)
    assert all(count(store, t, eid) == 0 for t in RESULT_TABLES)
    assert store.done_batches(eid) == set()


def test_a_failure_mid_batch_rolls_back_the_whole_batch(store: ResultsStore) -> None:
    """A value that fails inside the transaction leaves no row of that batch and keeps
    the batches written before it."""
    eid = store.begin_experiment("key", meta())
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    before = {t: count(store, t, eid) for t in RESULT_TABLES}
    tables = batch_tables("factual", 1)
    tables["chronicle"]["month"] = "not a month"  # outcomes ... line_moments go in first
    with pytest.raises(StoreError, match=r"batch 1 of arm 'factual'.*nothing of it was kept"):
        store.write_batch(eid, "factual", 1, tables)
    assert {t: count(store, t, eid) for t in RESULT_TABLES} == before
    assert store.done_batches(eid) == {("factual", 0)}
    store.write_batch(eid, "factual", 1, batch_tables("factual", 1))  # and it can be retried
    assert count(store, "outcomes", eid) == 20


def test_unknown_tables_and_foreign_arms_are_refused(store: ResultsStore) -> None:
    """A frame for an unknown table, or rows of another arm, raise StoreError."""
    eid = store.begin_experiment("key", meta())
    with pytest.raises(StoreError, match="unknown result table 'trajectories'"):
        store.write_batch(eid, "factual", 0, {"trajectories": pd.DataFrame()})
    with pytest.raises(StoreError, match="another arm"):
        store.write_batch(eid, "factual", 0, batch_tables("attack", 0))
    with pytest.raises(StoreError, match="no experiment 'feedbeef'"):
        store.write_batch("feedbeef", "factual", 0, batch_tables("factual", 0))


def test_table_reads_rows_back_in_order(store: ResultsStore) -> None:
    """table() returns every row of an experiment ordered by arm and run, keeping the
    written order within a run, and nothing of other experiments."""
    eid = store.begin_experiment("key", meta())
    other = store.begin_experiment("other", meta())
    for arm, batch in [("factual", 1), ("attack", 0), ("factual", 0)]:
        store.write_batch(eid, arm, batch, batch_tables(arm, batch))
    store.write_batch(other, "factual", 0, batch_tables("factual", 0))
    out = store.table(eid, "outcomes")
    assert list(out.columns) == [
        "arm", "run", "dominant_end", "consolidation_month", "strongest_end", "kept"
    ]  # fmt: skip
    assert list(out["arm"]) == ["attack"] * 10 + ["factual"] * 20
    assert list(out["run"]) == list(range(10)) + list(range(20))
    assert out["dominant_end"].isna().sum() == 8
    assert out["kept"].all()
    actors = store.table(eid, "actor_outcomes")
    assert list(actors["actor"][:3]) == ACTORS
    chronicle = store.table(eid, "chronicle")
    assert list(chronicle["text"][:2]) == ["first", "second"]
    with pytest.raises(StoreError, match="unknown result table 'nope'"):
        store.table(eid, "nope")


def test_empty_frames_are_written(store: ResultsStore) -> None:
    """A batch whose frame has no rows (no decisions taken) is written and recorded."""
    eid = store.begin_experiment("key", meta())
    tables = batch_tables("factual", 0)
    tables["choices"] = pd.DataFrame({"run": [], "decision": [], "option": []})
    store.write_batch(eid, "factual", 0, tables)
    assert store.table(eid, "choices").empty
    assert store.done_batches(eid) == {("factual", 0)}


def test_set_status_stores_extras_as_json(store: ResultsStore) -> None:
    """set_status records the status and merges extra keys, numpy values included."""
    eid = store.begin_experiment("key", meta())
    store.set_status(eid, "running", runs_needed=np.int64(40))
    store.set_status(eid, "done", summary=[{"arm": "factual", "estimate": np.float64(0.5)}])
    got = store.experiment(eid)
    assert got["status"] == "done"
    assert got["runs_needed"] == 40
    assert got["summary"] == [{"arm": "factual", "estimate": 0.5}]
    with pytest.raises(StoreError, match="cannot overwrite seed"):
        store.set_status(eid, "done", seed=3)


def test_experiment_returns_the_decoded_meta(store: ResultsStore) -> None:
    """experiment() finds an experiment by a unique id prefix and decodes its JSON."""
    eid = store.begin_experiment("key", meta(seed=np.int64(7)))
    got = store.experiment(eid[:4].upper())
    assert got["id"] == eid
    assert got["arms"] == ["factual", "attack"]
    assert got["interventions"] == {"attack": ["trotsky.xii_congress=attack"]}
    assert got["params"] == {"runs": 20, "seed": 7}
    assert (got["seed"], got["runs"], got["batch_size"]) == (7, 20, 10)
    assert got["scenario_hash"] == "0" * 64
    assert got["given_history_until"] is None


def test_experiment_with_an_unknown_prefix_lists_the_known_ids(store: ResultsStore) -> None:
    """An unknown id raises StoreError naming the ids the store holds."""
    with pytest.raises(StoreError, match="holds no experiments"):
        store.experiment("abc")
    a = store.begin_experiment("a", meta())
    b = store.begin_experiment("b", meta())
    with pytest.raises(StoreError, match=f"no experiment 'zzz'.*known ids: .*({a}|{b})"):
        store.experiment("zzz")


def test_experiment_with_an_ambiguous_prefix_raises(store: ResultsStore) -> None:
    """A prefix shared by several ids raises StoreError listing them."""
    ids = [store.begin_experiment(f"key-{i}", meta()) for i in range(17)]
    first, shared = Counter(i[0] for i in ids).most_common(1)[0]  # 17 ids, 16 hex digits
    assert shared > 1
    with pytest.raises(StoreError, match=f"'{first}' matches .*give more of the id"):
        store.experiment(first)


def test_experiments_lists_one_row_each(store: ResultsStore) -> None:
    """experiments() has one row per experiment with its batch count and decoded arms."""
    eid = store.begin_experiment("key", meta())
    store.begin_experiment("other", meta(name="other"))
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    store.write_batch(eid, "attack", 0, batch_tables("attack", 0))
    df = store.experiments().set_index("id")
    assert list(df.columns) == [
        "name", "created", "scenario_id", "seed", "runs", "arms", "status", "batches_done"
    ]  # fmt: skip
    assert df.loc[eid, "batches_done"] == 2
    assert df.loc[eid, "arms"] == ["factual", "attack"]
    assert set(df["status"]) == {"created"}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips(store: ResultsStore, tmp_path: Path, fmt: str) -> None:
    """export writes one file per table that pandas reads back (Parquet included: its
    engine, pyarrow, is installed with apparat) with the same number of rows."""
    eid = store.begin_experiment("key", meta())
    for arm in ("factual", "attack"):
        for batch in range(2):
            store.write_batch(eid, arm, batch, batch_tables(arm, batch))
    paths = store.export(eid, tmp_path / "out", "parquet" if fmt == "parquet" else "csv")
    assert [p.name for p in paths] == [f"{t}.{fmt}" for t in ["experiment", *RESULT_TABLES]]
    for path in paths:
        n = len(pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path))
        table = path.stem
        expected = 1 if table == "experiment" else count(store, table, eid)
        assert n == expected, table
    assert count(store, "outcomes", eid) == 40


def test_a_failed_export_leaves_nothing_behind(
    store: ResultsStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export that fails part-way leaves no folder and no partial files, and an
    earlier export in the same folder stays as it was."""
    eid = store.begin_experiment("key", meta())
    store.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    real = ResultsStore._sql

    def fail_on_chronicle(self: ResultsStore, sql: str, params: list[Any] | None = None) -> Any:
        if sql.startswith("COPY") and "FROM chronicle" in sql:
            raise StoreError("disk full")
        return real(self, sql, params)

    earlier = tmp_path / "earlier"
    store.export(eid, earlier, "csv")
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}
    monkeypatch.setattr(ResultsStore, "_sql", fail_on_chronicle)
    for target in (tmp_path / "new", earlier):
        with pytest.raises(StoreError, match="disk full"):
            store.export(eid, target, "csv")
    assert not (tmp_path / "new").exists()
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if "duckdb" not in p.name) == ["earlier"]


def test_export_refuses_an_unknown_format(store: ResultsStore, tmp_path: Path) -> None:
    """An export format other than parquet or csv raises StoreError."""
    eid = store.begin_experiment("key", meta())
    with pytest.raises(StoreError, match="'parquet' or 'csv'"):
        store.export(eid, tmp_path, "xlsx")  # type: ignore[arg-type]


def test_a_read_only_store_refuses_writes(store_path: Path) -> None:
    """A store opened read-only can be read but any write raises StoreError."""
    with ResultsStore(store_path) as st:
        eid = st.begin_experiment("key", meta())
        st.write_batch(eid, "factual", 0, batch_tables("factual", 0))
    with ResultsStore(store_path, read_only=True) as st:
        assert len(st.table(eid, "outcomes")) == 10
        with pytest.raises(StoreError, match="read-only; open it with read_only=False"):
            st.write_batch(eid, "factual", 1, batch_tables("factual", 1))
        with pytest.raises(StoreError, match="read-only"):
            st.begin_experiment("new", meta())
        with pytest.raises(StoreError, match="read-only"):
            st.set_status(eid, "done")


def test_a_missing_store_cannot_be_opened_read_only(tmp_path: Path) -> None:
    """Reading a store that does not exist raises StoreError naming the path."""
    path = tmp_path / "nothing.duckdb"
    with pytest.raises(StoreError, match=r"no results store at .*nothing\.duckdb"):
        ResultsStore(path, read_only=True)
    assert not path.exists()


def test_a_closed_store_says_so(store_path: Path) -> None:
    """Using a store after close raises StoreError; closing twice is harmless."""
    st = ResultsStore(store_path)
    st.close()
    st.close()
    with pytest.raises(StoreError, match="closed"):
        st.experiments()


def test_the_parquet_engine_is_a_core_dependency() -> None:
    """pyarrow, which pandas needs to read an exported Parquet file, is installed with
    apparat itself, not only with an extra."""
    import tomllib

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    assert any(d.split(">")[0].split("=")[0].strip() == "pyarrow" for d in deps)
