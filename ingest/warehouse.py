"""The one way to write the warehouse: a private working copy, swapped in atomically.

DuckDB allows one writer process or many read-only ones, never both on one file. So ingest never
writes the live file: under an exclusive lock it copies the warehouse to a working file, writes
there, checkpoints, fsyncs and `os.replace`s it over the live file. Readers open the live file
read-only and see either the old state or the new one, never half a load; a reader that notices a
new file (another inode) reopens it, so new loads show without a restart. A process killed
mid-load leaves only a stale working file, which the next writer deletes.

The service events are not in the file (it would make every load copy all of them): they are
Parquet files beside it, listed in its `event_files` manifest, so the swap publishes them too
(`core.event_files`, `ingest.events_dataset`). On the writer's connection `service_events` is a
temp view of the listed files, or a load's working table of the part it changes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.schema import SCHEMA_VERSION, TABLES
from core.sqltext import literal
from ingest import events_dataset, reference


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_work_files(db: Path) -> None:
    """Working copies left by a killed writer; safe to delete while we hold the lock."""
    for stale in db.parent.glob(f"{db.name}.work-*"):
        stale.unlink(missing_ok=True)
    for spill in db.parent.glob(f"{db.name}.spill-*"):
        shutil.rmtree(spill, ignore_errors=True)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and refresh the reference tables from the declarations in data/."""
    for table in TABLES:
        if not table.in_parquet:
            con.execute(table.ddl())
    existing: dict[str, set[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
            " AND schema_name = 'main'").fetchall():
        existing.setdefault(table, set()).add(column)
    for table in TABLES:  # columns declared since the warehouse was created
        if table.in_parquet:
            continue
        for statement in table.upgrade_ddl(existing.get(table.name, set())):
            con.execute(statement)
    con.execute(
        "INSERT OR REPLACE INTO warehouse_info VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
    )
    reference.sync(con)


@contextmanager
def writer(db: str | os.PathLike[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a working copy of `db`; on success swap it in, on error discard it."""
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove_stale_work_files(db)
        work = db.with_name(f"{db.name}.work-{os.getpid()}")
        if db.exists():
            shutil.copyfile(db, work)
        con = duckdb.connect(str(work))
        # Where DuckDB spills what does not fit its memory limit (the loader sets one); not under
        # `<work>.tmp`, DuckDB's default, so that the working copy's name matches files only.
        spill = db.with_name(f"{db.name}.spill-{os.getpid()}")
        con.execute(f"SET temp_directory = {literal(str(spill))}")
        try:
            create_schema(con)
            events_dataset.open_events(con, db)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            work.unlink(missing_ok=True)
            work.with_name(work.name + ".wal").unlink(missing_ok=True)
            shutil.rmtree(spill, ignore_errors=True)
            raise
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        with open(work, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(work, db)
        _fsync_dir(db.parent)


def initialise(db: str | os.PathLike[str]) -> Path:
    """Create an empty warehouse (schema and reference tables) if it does not exist yet."""
    with writer(db):
        pass
    return Path(db)
