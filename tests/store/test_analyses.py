"""Analyses in the results store: written whole, read back tidy, replaced not duplicated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_migrations import make_v1_store

from apparat.store import ResultsStore, StoreError
from apparat.store.schema import ANALYSIS_TABLES


def indices(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": ["stalin_dominant"] * n,
            "factor": [f"f{i}" for i in range(n)],
            "factor_group": ["structure"] * n,
            "statistic": ["ST"] * n,
            "estimate": [0.1 * i for i in range(n)],
            "low": [0.0] * n,
            "high": [0.5] * n,
        }
    )


META = {"kind": "sensitivity", "seed": 1, "samples": 8, "runs": 40, "params": {"samples": 8}}


def test_an_analysis_reads_back_as_written(store: ResultsStore) -> None:
    """save() returns a 12-digit id; list, get and table give back what was written."""
    aid = store.analyses.save(
        "k1", {**META, "answer": "mostly chance"}, {"analysis_indices": indices()}
    )
    assert len(aid) == 12
    listed = store.analyses.list()
    assert list(listed["id"]) == [aid]
    assert list(listed["kind"]) == ["sensitivity"]
    got = store.analyses.get(aid[:4])
    assert got["params"] == {"samples": 8}
    assert got["answer"] == "mostly chance"
    table = store.analyses.table(aid, "analysis_indices")
    pd.testing.assert_frame_equal(table, indices(), check_dtype=False)


def test_the_same_analysis_again_replaces_its_rows(store: ResultsStore) -> None:
    """Saving under the same key twice keeps one analysis and one copy of its rows."""
    first = store.analyses.save("k1", META, {"analysis_indices": indices(3)})
    again = store.analyses.save("k1", META, {"analysis_indices": indices(2)})
    assert first == again
    assert len(store.analyses.list()) == 1
    assert len(store.analyses.table(first, "analysis_indices")) == 2


def test_wrong_tables_and_ids_are_refused(store: ResultsStore) -> None:
    """An unknown table, missing columns or an unknown id raise StoreError saying so."""
    with pytest.raises(StoreError, match="unknown analysis table 'boxes'"):
        store.analyses.save("k", META, {"boxes": indices()})
    with pytest.raises(StoreError, match="must have the columns"):
        store.analyses.save("k", META, {"analysis_indices": indices().drop(columns="low")})
    with pytest.raises(StoreError, match="no analysis 'abc'"):
        store.analyses.get("abc")


def test_a_read_only_store_refuses_to_save(store_path: Path) -> None:
    """Saving into a store opened read-only is refused."""
    ResultsStore(store_path).close()
    with (
        ResultsStore(store_path, read_only=True) as st,
        pytest.raises(StoreError, match="read-only"),
    ):
        st.analyses.save("k", META, {})


def test_an_old_store_gains_the_analysis_tables(store_path: Path) -> None:
    """A version-1 store, upgraded, holds empty analysis tables and takes an analysis,
    and its experiments are still listed."""
    make_v1_store(store_path)
    with ResultsStore(store_path) as st:
        assert st.analyses.list().empty
        for name in ANALYSIS_TABLES:
            cols = st.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position",
                [name],
            ).fetchall()
            assert [c[0] for c in cols] == ["analysis_id", *(c.name for c in ANALYSIS_TABLES[name])]
        st.analyses.save("k", META, {"analysis_indices": indices()})
        assert len(st.experiments()) == 1
