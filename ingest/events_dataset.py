"""Writing the service events: Parquet partitions beside the warehouse, committed by its manifest.

Layout and reading are `core.event_files`. The one writer (ingest, under the warehouse lock):

* `open_events(con, db)` at the start of every write: deletes files that no published manifest
  lists (a crashed or refused write left them) and retired files past their grace period, moves the
  events of a warehouse from before this layout out of its DuckDB table, and makes `service_events`
  a temp view of the manifest's files on the writer's connection.
* `stage(con, touched)` before a service-events load: replaces that view by what the load can
  change or needs. Only the files that can hold rows the load replaces (a touched service with a
  day in the file's span of days, `first_received` to `last_received` in the manifest) are copied into
  a working table, where the load deletes and inserts; the rest of the fiscal years the rollups
  recompute (of the touched services' agencies, for the days the load touches and the days holding
  the services' open events) is read where it lies. The services' latest timestamps outside those
  years come from the manifest (`OUTSIDE_AS_OF`). A load never reads the rest of the warehouse, and
  a week's file after the weeks before it copies and rewrites no earlier file.
* `write_partitions(con, load_id)` writes the working table's rows of each partition the load
  touched as a new file beside the partition's other files, never overwriting one, and takes the
  files it copied out of the manifest in the working copy (to `event_files_retired`). A partition
  of `MAX_FILES_PER_PARTITION` files or more is copied and written whole, so files stay few. The
  working copy's swap publishes the new manifest with the load (the commit point); until then the
  new files are invisible, and if the load fails they are orphans that the next write deletes.
* A reader keeps the file list of the warehouse version it opened, so a retired file is deleted
  only `GRACE` after the load that retired it, by a later write.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from core.event_files import EVENT_COLUMNS, dataset_dir, events_select, manifest_paths
from core.sqltext import ident, literal

#: How long a retired file stays for readers still on an older warehouse version.
GRACE = timedelta(minutes=10)
#: A partition with this many files is rewritten as one file by the next load that writes to it.
MAX_FILES_PER_PARTITION = 8
#: Rows a partition gathers before the Parquet writer flushes them (see `_write`).
FLUSH_ROWS = 61_440
#: A load's working table of events, created when the writer opens.
WORKING = "temp._load_events"
#: SQL (service_id, last_seen) of the staged services' events *outside* the working table.
OUTSIDE_AS_OF = "SELECT service_id, last_seen FROM temp._events_outside_as_of"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _working_path(con: duckdb.DuckDBPyConnection) -> Path:
    return Path(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])


def clean(con: duckdb.DuckDBPyConnection, db: str | os.PathLike[str]) -> int:
    """Delete files no manifest lists and retired files past `GRACE`; returns files deleted.

    Call only under the writer's lock, before this write adds files: the working copy's manifest is
    then the published one."""
    root = dataset_dir(db)
    if not root.is_dir():
        return 0
    listed = set(manifest_paths(con))
    retired = dict(con.execute("SELECT path, retired_at FROM event_files_retired").fetchall())
    expired = [p for p, when in retired.items() if when < _now() - GRACE]
    deleted = 0
    for f in root.glob("agency_id=*/month=*/*.parquet"):
        rel = f.relative_to(root).as_posix()
        if rel not in listed and (rel not in retired or rel in expired):
            f.unlink(missing_ok=True)
            deleted += 1
    if expired:
        con.execute("DELETE FROM event_files_retired WHERE list_contains(?, path)", [expired])
    for d in sorted(root.glob("agency_id=*/month=*"), reverse=True) + sorted(root.glob("agency_id=*")):
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
    return deleted


def _view(con: duckdb.DuckDBPyConnection, select: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP VIEW service_events AS {select}")


def view_events(con: duckdb.DuckDBPyConnection) -> None:
    """Make `service_events` on the writer's connection a view of all files the working manifest lists
    (after a load's working table, so the next file or step of the write sees every event)."""
    con.execute(f"DELETE FROM {WORKING}")
    con.execute("DROP TABLE IF EXISTS temp._events_outside_as_of")
    con.execute("DROP TABLE IF EXISTS temp._stage_pulled")
    _view(con, events_select(dataset_dir(_working_path(con)), manifest_paths(con)))


def working_table(con: duckdb.DuckDBPyConnection) -> None:
    """Make `service_events` a view of the emptied working table, which a load or a restore fills."""
    con.execute(f"DELETE FROM {WORKING}")
    _view(con, f"SELECT * FROM {WORKING}")


def open_events(con: duckdb.DuckDBPyConnection, db: str | os.PathLike[str]) -> None:
    """Ready a writer's connection: clean the dataset, move legacy events out, complete the manifest,
    view the events."""
    clean(con, db)
    _fill_spans(con, db)
    name = WORKING.removeprefix("temp.")
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {events_select(Path(), [])}")
    legacy = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
                         " AND schema_name = 'main' AND table_name = 'service_events'").fetchone()[0]
    if legacy:
        # A warehouse from before the events left the DuckDB file: write them all as partitions
        # under the latest load, list them, and drop the table, in this same write.
        load_id = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()[0]
        working_table(con)
        legacy_table = f"{ident(con.execute('SELECT current_database()').fetchone()[0])}.main.service_events"
        con.execute(f"INSERT INTO {WORKING} BY NAME SELECT * FROM {legacy_table}")
        con.execute(f"DROP TABLE {legacy_table}")
        write_all(con, load_id)
    view_events(con)


def _fill_spans(con: duckdb.DuckDBPyConnection, db: str | os.PathLike[str]) -> None:
    """Manifest rows from before the span of received times was kept get it from their files (one
    column read, once): without it a load treats the file as holding every day of its month."""
    paths = [r[0] for r in con.execute(
        "SELECT DISTINCT path FROM event_files WHERE first_received IS NULL OR last_received IS NULL"
        " ORDER BY path").fetchall()]
    if not paths:
        return
    con.execute(
        f"""
        UPDATE event_files f SET first_received = m.first_received, last_received = m.last_received
        FROM ({_summary_sql(dataset_dir(db), paths)}) m
        WHERE f.path = m.path AND f.service_id = m.service_id
        """)


def _summary_sql(root: Path, paths: list[str]) -> str:
    """SQL of what the manifest says of each file and service, read from the files themselves."""
    listed = ", ".join(literal(str(root / p)) for p in paths)
    return f"""
        SELECT agency_id, month, substr(filename, {len(str(root)) + 2}) AS path, service_id, count(*) AS rows,
               max(greatest(received_at, coalesce(completed_at, received_at))) AS last_seen,
               min(received_at) AS first_received, max(received_at) AS last_received
        FROM read_parquet([{listed}], filename = true, hive_partitioning = true,
                          hive_types = {{'agency_id': VARCHAR, 'month': VARCHAR}})
        GROUP BY ALL"""


def write_all(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """Write every partition of the working `service_events` as new files named by `load_id`, in
    place of everything the manifest listed; returns partitions written."""
    root = dataset_dir(_working_path(con))
    con.execute("CREATE OR REPLACE TEMP TABLE _stage_pulled AS SELECT DISTINCT path FROM event_files")
    con.execute("CREATE OR REPLACE TEMP TABLE _events_touched AS SELECT DISTINCT s.agency_id,"
                f" strftime(e.received_at, '%Y-%m') AS month FROM {WORKING} e"
                " JOIN services s USING (service_id)")
    return _write(con, load_id, root)


def stage(con: duckdb.DuckDBPyConnection, touched: str) -> None:
    """Ready the events a load of service-days `touched` (SQL selecting `service_id, day`) can change
    or needs; see the module's docstring.

    The files that can hold a touched service-day go into the working table (the load replaces and
    inserts there, and they are written anew), and so do all files of a partition the load writes to
    that has `MAX_FILES_PER_PARTITION` of them. The rest of the fiscal years the rollups recompute is
    read from its files where it lies: `service_events` is the working table and those files together.
    """
    root = dataset_dir(_working_path(con))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _stage_days AS SELECT DISTINCT service_id, day::DATE AS day,"
                f" true AS own FROM ({touched}) WHERE service_id IS NOT NULL AND day IS NOT NULL")
    # The days holding a touched service's open events: their age runs to the service's latest time,
    # which this load may move (the rollups widen to them; see ingest.rollup._touched_periods).
    con.execute("INSERT INTO _stage_days SELECT DISTINCT service_id, day, false FROM service_daily"
                " WHERE pending > 0 AND service_id IN (SELECT service_id FROM _stage_days)")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _stage_parts AS
           SELECT s.agency_id, strftime(y.fy_start + to_months(m.i), '%Y-%m') AS month,
                  bool_or(y.own AND y.month = m.i) AS own
           FROM (SELECT DISTINCT service_id, own, (month(day) + 2) % 12 AS month,
                        make_date(year(day + INTERVAL 3 MONTH) - 1, 10, 1) AS fy_start FROM _stage_days) y
           JOIN services s USING (service_id) CROSS JOIN range(12) m(i) GROUP BY ALL""")
    # A file can hold a row this load replaces only if a touched service has a touched day within the
    # file's span for it (replacement is by service, channel and day); a file without a known span
    # counts as holding every day.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _stage_pulled AS
            SELECT DISTINCT f.path FROM event_files f JOIN _stage_parts p USING (agency_id, month)
            WHERE p.own AND (
              f.first_received IS NULL OR f.last_received IS NULL
              OR EXISTS (SELECT 1 FROM _stage_days d WHERE d.own AND d.service_id = f.service_id
                         AND d.day BETWEEN f.first_received::DATE AND f.last_received::DATE)
              OR (f.agency_id, f.month) IN (SELECT (agency_id, month) FROM event_files GROUP BY ALL
                                            HAVING count(DISTINCT path) >= {MAX_FILES_PER_PARTITION}))""")
    pulled = [r[0] for r in con.execute("SELECT path FROM _stage_pulled ORDER BY path").fetchall()]
    rest = [r[0] for r in con.execute(
        "SELECT DISTINCT path FROM event_files f JOIN _stage_parts p USING (agency_id, month)"
        " WHERE path NOT IN (SELECT path FROM _stage_pulled) ORDER BY path").fetchall()]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _events_outside_as_of AS SELECT service_id, max(last_seen) AS last_seen"
        " FROM event_files WHERE service_id IN (SELECT service_id FROM _stage_days)"
        " AND (agency_id, month) NOT IN (SELECT (agency_id, month) FROM _stage_parts) GROUP BY service_id")
    con.execute(f"DELETE FROM {WORKING}")
    if pulled:
        # Never an INSERT of no rows: after one, DuckDB 2.0.0 loses the rows of a later INSERT of more
        # than about 120,000 rows into the same table in the same transaction (joins see none of
        # them). tests/test_events_dataset.py loads 130,000 rows first and again to keep it covered.
        con.execute(f"INSERT INTO {WORKING} {events_select(root, pulled)}")
    elsewhere = f" UNION ALL {events_select(root, rest)}" if rest else ""
    _view(con, f"SELECT * FROM {WORKING}{elsewhere}")
    con.execute("DROP TABLE temp._stage_days")
    con.execute("DROP TABLE temp._stage_parts")


def write_partitions(con: duckdb.DuckDBPyConnection, load_id: int,
                     db: str | os.PathLike[str] | None = None) -> int:
    """Write the working table's rows of every (agency, month) partition that load `load_id` touched
    as new files, in place of the files `stage` copied; returns partitions written.

    Runs on the writer's connection inside the load's transaction, after `stage` and the load's
    inserts; `db` is the published warehouse (by default the one the working copy belongs to)."""
    root = dataset_dir(db if db is not None else _working_path(con))
    con.execute("CREATE OR REPLACE TEMP TABLE _events_touched AS SELECT DISTINCT s.agency_id,"
                f" strftime(e.received_at, '%Y-%m') AS month FROM {WORKING} e"
                " JOIN services s USING (service_id) WHERE e.load_id = ?", [load_id])
    return _write(con, load_id, root)


def _write(con: duckdb.DuckDBPyConnection, load_id: int, root: Path) -> int:
    """Write the working table's rows of the partitions in `_events_touched` as new files and put them
    in the manifest in place of the files in `_stage_pulled` (the ones the working table copied)."""
    try:
        parts = con.execute("SELECT count(*) FROM _events_touched").fetchone()[0]
        if not parts:
            _retire_pulled(con)
            return 0
        root.mkdir(parents=True, exist_ok=True)
        names = ", ".join(f"e.{n}" for n, _ in EVENT_COLUMNS)
        first, last = con.execute("SELECT strptime(min(month), '%Y-%m'),"
                                  " strptime(max(month), '%Y-%m') + INTERVAL 1 MONTH FROM _events_touched"
                                  ).fetchone()
        # The time span and the agencies first (cheap tests on the raw columns), then the exact
        # partitions. No ORDER BY: sorting cost more than the rest of the write, and readers group.
        # Partitions flushed every 61,440 rows (a DuckDB row group is 122,880): under a load's memory
        # cap the default (524,288) made a 10 M-row partitioned write 1.6x a plain one; this, 1.0x.
        con.execute(f"SET partitioned_write_flush_threshold = {FLUSH_ROWS}")
        written = con.execute(
            f"""
            COPY (
              SELECT {names}, s.agency_id, strftime(e.received_at, '%Y-%m') AS month
              FROM {WORKING} e JOIN services s USING (service_id)
              WHERE e.received_at >= ? AND e.received_at < ?
                AND s.agency_id IN (SELECT agency_id FROM _events_touched)
                AND (s.agency_id, strftime(e.received_at, '%Y-%m'))
                    IN (SELECT (agency_id, month) FROM _events_touched)
            ) TO '{root}' (FORMAT parquet, PARTITION_BY (agency_id, month),
                           FILENAME_PATTERN 'load-{load_id:06d}_{{uuid}}', OVERWRITE_OR_IGNORE true,
                           RETURN_FILES true)
            """, [first, last]).fetchone()[1]
        files = [Path(f).resolve().relative_to(root.resolve()).as_posix() for f in written]
        _fsync(root, files)
        _retire_pulled(con)
        # Per file and service: rows and span of times, read back from what was written.
        con.execute(f"INSERT INTO event_files BY NAME SELECT *, {load_id} AS load_id"
                    f" FROM ({_summary_sql(root, files)})")
        return parts
    finally:
        con.execute("DROP TABLE IF EXISTS temp._events_touched")
        con.execute("DROP TABLE IF EXISTS temp._stage_pulled")


def _retire_pulled(con: duckdb.DuckDBPyConnection) -> None:
    """Take the files the working table copied out of the manifest, retired (readers may still use them)."""
    con.execute("INSERT OR REPLACE INTO event_files_retired SELECT path, ? FROM _stage_pulled", [_now()])
    con.execute("DELETE FROM event_files WHERE path IN (SELECT path FROM _stage_pulled)")


def _fsync(root: Path, files: list[str]) -> None:
    """Make the new files and their folders durable before the swap that lists them."""
    for f in files:
        fd = os.open(root / f, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for d in {(root / f).parent for f in files} | {(root / f).parent.parent for f in files} | {root}:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def move(src_db: str | os.PathLike[str], dst_db: str | os.PathLike[str]) -> None:
    """Make `src_db`'s dataset the dataset of `dst_db` (for a warehouse built aside and swapped in);
    call under `dst_db`'s writer lock, right before the warehouse file itself is replaced."""
    src, dst = dataset_dir(src_db), dataset_dir(dst_db)
    shutil.rmtree(dst, ignore_errors=True)
    if src.exists():
        os.replace(src, dst)
