"""Helpers shared by the reliability suite: content checksums of a warehouse, a free loopback port,
the real `servicestat` CLI as a subprocess, and `servicestat serve` as a context manager.

Checksums compare whole databases without caring about row order: each row is hashed as JSON (so a
NULL and the text 'NULL' differ), the row hashes are sorted and hashed together with the row count.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.serving import free_port, stop, wait_until_serving
from core import event_files
from tests.conftest import REPO

# Columns that legitimately differ between two loads of the same content: wall-clock times.
LOAD_TIMES = {"loads": ("started_at", "finished_at")}
#: Derived state written by a second transaction after a load (publish/alerts.py evaluates the alert rules
#: on the loaded warehouse). A kill between the two leaves the load whole and the alerts to the next
#: evaluation, which is idempotent (tests/test_alerts.py): the before-or-after guarantee is the load's.
DERIVED_AFTER_LOAD = ("alerts",)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextmanager
def attached(db: str | os.PathLike[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory instance with the file attached read-only (as `w`, in use), as readers do."""
    con = duckdb.connect(":memory:")
    try:
        quoted = str(db).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS w (READ_ONLY)")
        event_files.add_view(con, db, "w")  # the events: the Parquet files w's manifest lists
        con.execute("USE w")
        con.execute("SET search_path = 'w.main,memory.main'")
        yield con
    finally:
        con.close()


def checksums(con: duckdb.DuckDBPyConnection, exclude: Mapping[str, Iterable[str]] | None = None,
              tables: Iterable[str] | None = None, skip: Iterable[str] = ()) -> dict[str, str]:
    """`table_checksums` on a connection from `attached`, for tests that run several reads."""
    exclude = {t: set(cols) for t, cols in (exclude or {}).items()}
    # The events' manifest names files by a fresh uuid each write: storage, not content. The content
    # is service_events, read from the files it lists.
    names = sorted([r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'w' AND schema_name = 'main'"
        " AND table_name NOT IN ('event_files', 'event_files_retired')").fetchall()] + ["service_events"])
    if tables is not None:
        wanted = set(tables)
        names = [n for n in names if n in wanted]
    names = [n for n in names if n not in set(skip)]
    out: dict[str, str] = {}
    for name in names:
        source = "memory.main.service_events" if name == "service_events" else f"w.{_ident(name)}"
        cols = [r[0] for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND table_name = ?"
            " ORDER BY column_index", ["memory" if name == "service_events" else "w", name]).fetchall()]
        keep = ", ".join(_ident(c) for c in cols if c not in exclude.get(name, set()))
        out[name] = con.execute(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(h, '' ORDER BY h)), '-')"
            f" FROM (SELECT md5(to_json(r)::VARCHAR) AS h FROM (SELECT {keep} FROM {source}) r)"
        ).fetchone()[0]
    return out


def table_checksums(db: str | os.PathLike[str], exclude: Mapping[str, Iterable[str]] | None = None,
                    tables: Iterable[str] | None = None, skip: Iterable[str] = ()) -> dict[str, str]:
    """`{table: 'rows:md5'}` for every table of `db` (or those named, less those in `skip`), independent of
    row order.

    `exclude` names columns left out per table, for bookkeeping that differs by design.
    """
    with attached(db) as con:
        return checksums(con, exclude, tables, skip)


def rows(db: str | os.PathLike[str], sql: str, params: list | None = None) -> list[tuple]:
    """Run one read-only query on the published warehouse file."""
    with attached(db) as con:
        return con.execute(sql, params or []).fetchall()




def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`servicestat ARGS...` as a user runs it: a real process with real exit codes."""
    return subprocess.run([sys.executable, "-m", "servicestat.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def cli_popen(*args: str, **kw: object) -> subprocess.Popen:
    """Start `servicestat ARGS...` without waiting (to kill it, or to serve while testing)."""
    return subprocess.Popen([sys.executable, "-m", "servicestat.cli", *args], cwd=REPO, **kw)






@dataclass
class Server:
    """A running `servicestat serve`: its base URL and its process."""

    url: str
    proc: subprocess.Popen


@contextmanager
def serving(db: str | os.PathLike[str], log: Path, workers: int = 2) -> Iterator[Server]:
    """Run `servicestat serve --db DB` on a free loopback port (output to `log`); always stop it."""
    port = free_port()
    with open(log, "wb") as out:
        proc = cli_popen("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port),
                         "--workers", str(workers), stdout=out, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", proc)
        try:
            wait_until_serving(server.url + "/", proc)
            yield server
        finally:
            stop(proc)
