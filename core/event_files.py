"""Where a warehouse's service events live: Parquet files beside the DuckDB file, listed in it.

Service events are the one fact table that grows without bound, so they are not stored in the
DuckDB file (every load copies that file for its atomic swap). They are a hive-partitioned Parquet
dataset beside it,

    <db>.events/agency_id=<agency>/month=<YYYY-MM>/load-<load_id>_<uuid>.parquet

and the warehouse's table `event_files` is the manifest: the files that hold the events *now*, one
set per (agency, month) partition. A file not in the manifest is invisible, whatever is on disk, so
the manifest, published with the DuckDB file's atomic swap, is the commit point of the events too.
Ingest writes the files (`ingest.events_dataset`); this module is how every room reads them.

Working copies of a warehouse (`<db>.work-<pid>`, and a writer's `.archive-source` copy of one) read
the dataset of the warehouse they belong to.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from core.schema import TABLES_BY_NAME
from core.sqltext import literal


class EventFilesMissing(FileNotFoundError):
    """The manifest lists files that are not there: a warehouse file copied without its events."""


#: The files of a working copy's or its archive source's name, which belong to the published warehouse.
_WORK_SUFFIX = re.compile(r"\.work-\d+(\.archive-source)?$")
EVENT_COLUMNS = tuple((c.name, c.type) for c in TABLES_BY_NAME["service_events"].columns)


def published_path(db: str | os.PathLike[str]) -> Path:
    """The published warehouse a file is, or is a working copy of."""
    db = Path(db)
    return db.with_name(_WORK_SUFFIX.sub("", db.name))


def dataset_dir(db: str | os.PathLike[str]) -> Path:
    """Where the events of warehouse `db` (or of a working copy of it) live: `<db>.events/`."""
    db = published_path(db)
    return db.with_name(db.name + ".events")


def manifest_paths(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """The manifest's files (relative to the dataset folder), in a stable order; none when the
    warehouse has no manifest table yet."""
    where = f"database_name = {literal(catalog)}" if catalog else "database_name = current_database()"
    if not con.execute(f"SELECT count(*) FROM duckdb_tables() WHERE {where} AND schema_name = 'main'"
                       " AND table_name = 'event_files'").fetchone()[0]:
        return []
    table = f"{catalog}.main.event_files" if catalog else "event_files"
    return [r[0] for r in con.execute(f"SELECT DISTINCT path FROM {table} ORDER BY path").fetchall()]


def events_select(root: Path, paths: list[str]) -> str:
    """SQL selecting the `service_events` columns, in declared order and types, from the files.

    `union_by_name`: a file written before a column was declared reads it as NULL. With no files,
    a typed empty relation, so every query of the events works on an empty warehouse."""
    if not paths:
        cols = ", ".join(f"NULL::{t} AS {n}" for n, t in EVENT_COLUMNS)
        return f"SELECT {cols} WHERE false"
    files = ", ".join(literal(str(root / p)) for p in paths)
    names = ", ".join(n for n, _ in EVENT_COLUMNS)
    return (f"SELECT {names} FROM read_parquet([{files}], union_by_name = true,"
            " hive_partitioning = false)")


def live_files(db: str | os.PathLike[str]) -> list[Path]:
    """The files that hold warehouse `db`'s events now (read from its published manifest)."""
    db = Path(db)
    if not db.exists():
        return []
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {literal(str(db))} AS warehouse (READ_ONLY)")
        return [dataset_dir(db) / p for p in manifest_paths(con, "warehouse")]
    finally:
        con.close()


def add_view(con: duckdb.DuckDBPyConnection, db: str | os.PathLike[str], catalog: str = "warehouse") -> None:
    """Create `memory.main.service_events` over the files `catalog`'s manifest lists (a view in the
    connection's own in-memory catalog, so that every cursor of the connection sees it)."""
    root, paths = dataset_dir(db), manifest_paths(con, catalog)
    missing = [p for p in paths if not (root / p).is_file()]
    if missing:
        raise EventFilesMissing(f"{len(missing)} of the {len(paths)} event files of {db} are missing from"
                                f" {root} (e.g. {missing[0]}): copy a warehouse with its .events folder")
    con.execute(f"CREATE OR REPLACE VIEW memory.main.service_events AS {events_select(root, paths)}")


#: Unqualified names: the warehouse's tables, then the events view beside them.
SEARCH_PATH = "SET search_path = 'warehouse.main,memory.main'"


def read_only(db: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse `db` that sees every table by its name,
    `service_events` included (the way `metrics.db` readers see it)."""
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH {literal(str(db))} AS warehouse (READ_ONLY)")
    add_view(con, db)
    con.execute("USE warehouse")
    con.execute(SEARCH_PATH)
    return con
