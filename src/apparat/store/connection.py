"""Opening a results store: DuckDB's errors turned into messages that say what to do,
and older stores upgraded in place on the way in.

DuckDB lets one process write a file, or several read it, never both at once. An
experiment therefore holds its store only while it writes a batch, and an opener that
finds the file locked waits a little and tries again (``wait`` seconds in all) rather
than failing at once: ``results list`` during an experiment slips in between two
batches, and the experiment's next batch waits for the reader to finish.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from apparat.store.errors import StoreError
from apparat.store.migrations import SCHEMA_VERSION, check_not_newer, migrate, schema_version


def explain(e: duckdb.Error, path: Path, action: str = "open", waited: float = 0.0) -> StoreError:
    """A StoreError naming the path and the remedy for a DuckDB failure."""
    text = str(e)
    first = text.splitlines()[0] if text else type(e).__name__
    if "Could not set lock" in text:
        found = re.search(r"Conflicting lock is held in .*?\(PID \d+\)", text)
        holder = found.group(0) if found else first
        after = f" (waited {waited:g} s)" if waited > 0 else ""
        msg = (
            f"the results store {path} is in use by another process{after}: {holder}; "
            "wait for it to finish, or give this experiment another store path"
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


WAIT = 10.0  # seconds an opener waits for another process to let go of the file
RETRY = 0.05  # first pause between tries; it doubles up to MAX_RETRY
MAX_RETRY = 0.5


def _locked(e: duckdb.Error) -> bool:
    return "Could not set lock" in str(e)


def _connect(path: Path, read_only: bool, wait: float = 0.0) -> duckdb.DuckDBPyConnection:
    """Connect, trying again for up to ``wait`` seconds while another process holds
    the file."""
    deadline = time.monotonic() + wait
    pause = RETRY
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            left = deadline - time.monotonic()
            if not _locked(e) or left <= 0:
                raise explain(e, path, waited=wait) from e
            time.sleep(min(pause, left))
            pause = min(2 * pause, MAX_RETRY)


def connect(path: Path, read_only: bool, wait: float = WAIT) -> duckdb.DuckDBPyConnection:
    """A connection to a store at the current schema version.

    A new store is created (unless ``read_only``). An older store is upgraded in place,
    also when it is opened for reading: upgrades only add, so nothing is lost. A store
    from a newer apparat, a file that is not a store, a locked store or a missing one
    raise StoreError; a locked one only after ``wait`` seconds of trying again.
    """
    if path.is_dir():
        raise StoreError(f"{path} is a folder; give the results store a file path")
    if read_only and not path.exists():
        raise StoreError(
            f"there is no results store at {path}; run an experiment first, or give the "
            "path of an existing store"
        )
    _check_file(path)
    con = _connect(path, read_only, wait)
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
    upgrade = _connect(path, read_only=False, wait=wait)
    try:
        migrate(upgrade, str(path))
    finally:
        upgrade.close()
    return _connect(path, read_only=True, wait=wait)
