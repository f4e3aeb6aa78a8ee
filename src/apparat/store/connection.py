"""Opening a results store: DuckDB's errors turned into messages that say what to do,
and older stores upgraded in place on the way in."""

from __future__ import annotations

from pathlib import Path

import duckdb

from apparat.store.errors import StoreError
from apparat.store.migrations import SCHEMA_VERSION, check_not_newer, migrate, schema_version


def explain(e: duckdb.Error, path: Path, action: str = "open") -> StoreError:
    """A StoreError naming the path and the remedy for a DuckDB failure."""
    text = str(e)
    first = text.splitlines()[0] if text else type(e).__name__
    if "Could not set lock" in text:
        msg = (
            f"the results store {path} is in use by another process ({first}); wait for "
            "it to finish, or give this experiment another store path"
        )
    elif "not a valid DuckDB database" in text:
        msg = (
            f"{path} is not a results store (it exists but is not a DuckDB database); "
            "move it away, or choose another store path"
        )
    elif "different configuration" in text:
        msg = (
            f"the results store {path} is already open in this process in another mode "
            "(read-only vs read-write, or another DuckDB connection with other settings); "
            "close that connection first"
        )
    elif "read-only" in text:
        msg = f"the results store {path} is open read-only; open it with read_only=False to write"
    elif "Permission denied" in text or "No such file or directory" in text:
        msg = (
            f"cannot {action} the results store {path}: {first}; check the path and its permissions"
        )
    else:
        msg = f"cannot {action} the results store {path}: {first}"
    return StoreError(msg)


MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def _check_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB sees it (DuckDB would
    otherwise try to fetch an extension to read, say, a SQLite file)."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return
    except OSError as e:
        raise StoreError(f"cannot read the results store {path}: {e}") from e
    if head[8:12] != MAGIC:
        kind = (
            "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
        )
        raise StoreError(
            f"{path} is not a results store (it exists but is {kind}); move it away, or "
            "choose another store path"
        )


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as e:
        raise explain(e, path) from e


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A connection to a store at the current schema version.

    A new store is created (unless ``read_only``). An older store is upgraded in place,
    also when it is opened for reading: upgrades only add, so nothing is lost. A store
    from a newer apparat, a file that is not a store, a locked store or a missing one
    raise StoreError.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a folder; give the results store a file path")
    if read_only and not path.exists():
        raise StoreError(
            f"there is no results store at {path}; run an experiment first, or give the "
            "path of an existing store"
        )
    _check_file(path)
    con = _connect(path, read_only)
    try:
        found = schema_version(con, str(path))
        if found is not None:
            check_not_newer(found, str(path))
        if found == SCHEMA_VERSION:
            return con
        if not read_only:
            migrate(con, str(path))
            return con
    except BaseException:
        con.close()
        raise
    con.close()
    if found is None:
        raise StoreError(
            f"{path} is an empty database, not a results store; open it for writing first"
        )
    upgrade = _connect(path, read_only=False)
    try:
        migrate(upgrade, str(path))
    finally:
        upgrade.close()
    return _connect(path, read_only=True)
