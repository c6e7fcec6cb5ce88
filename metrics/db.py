"""Read-only access to the warehouse that follows ingest's atomic swaps.

Ingest publishes a new warehouse by replacing the file (a new inode). `query` notices that and
reopens, so long-running readers (the dashboard, the API) show a new load without a restart,
and never hold a lock that would block a writer. Results can be cached per warehouse version:
`version()` changes exactly when a load is published.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pandas as pd

from servicestat.config import db_path


class WarehouseMissing(FileNotFoundError):
    """There is no warehouse file yet: run `servicestat ingest` or `servicestat demo`."""


class Reader:
    """One read-only connection per warehouse version, shared by threads via cursors."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(db_path(path))
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: tuple[int, int] | None = None

    def _stat_version(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(
                f"no warehouse at {self.path}: run `servicestat demo` or `servicestat ingest`"
            ) from exc
        return (st.st_ino, st.st_mtime_ns)

    def version(self) -> tuple[int, int]:
        """Changes whenever ingest publishes a new warehouse; use it as a cache key."""
        return self._stat_version()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        current = self._stat_version()
        with self._lock:
            if self._con is None or current != self._version:
                # A fresh in-memory instance that attaches the file: duckdb.connect(path) would hand
                # back its cached instance of the *old* file. The old connection is not closed here,
                # since other threads may still be reading through its cursors; it goes with them.
                con = duckdb.connect(":memory:")
                quoted = str(self.path).replace("'", "''")
                con.execute(f"ATTACH '{quoted}' AS warehouse (READ_ONLY)")
                self._con, self._version = con, current
            cur = self._con.cursor()
        cur.execute("USE warehouse")
        return cur

    def df(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a parameterised query and return a plain DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._version = None


_readers: dict[Path, Reader] = {}
_readers_lock = threading.Lock()


def reader(path: str | os.PathLike[str] | None = None) -> Reader:
    """The shared Reader for a warehouse path."""
    key = Path(db_path(path)).resolve()
    with _readers_lock:
        if key not in _readers:
            _readers[key] = Reader(key)
        return _readers[key]
