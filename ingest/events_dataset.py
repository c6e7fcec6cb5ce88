"""Service events as a Parquet dataset beside the warehouse, partitioned by agency and month.

Layout (hive style, so DuckDB, Spark and Arrow read the partition keys from the path):

    <db>.events/agency_id=<agency>/month=<YYYY-MM>/load-<load_id>_<i>.parquet

Each file holds the whole partition as the warehouse had it after the load named in the file name
(columns of `service_events`). A rollup therefore reads one file set per partition and can skip
whole agencies or months (`live_files(..., agencies=, months=)`).

Consistency with the warehouse's atomic, idempotent loads, without a second commit point:

* the loader calls `write_partitions(con, load_id, db)` inside the load's transaction, after the
  load's events are in `service_events` of the writer's working copy: every partition the load
  touched (replaced rows share service, channel and day, so the same partition) is written again
  as new files named by the load id. Nothing is overwritten.
* A file is *live* when its load is recorded in the published warehouse as loaded (or loaded with
  rejects) and no newer live file exists in its partition. A load that crashed or was refused never
  reaches the published `loads` table, so its files are invisible to `live_files`; a duplicate
  load writes nothing.
* Orphans (files of loads not recorded as loaded in the working copy) and files superseded in the
  published warehouse are deleted at the start of the next write, under the writer's lock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

FILE_RE = re.compile(r"^load-(\d+)_\d+\.parquet$")
LIVE_STATUSES = ("loaded", "loaded_with_rejects")


def dataset_dir(db: str | os.PathLike[str]) -> Path:
    """Where the dataset of warehouse `db` lives: `<db>.events/`."""
    return Path(str(db) + ".events")


def _files(root: Path) -> list[tuple[str, str, int, Path]]:
    """(agency, month, load id, path) of every data file under the dataset root."""
    out = []
    if not root.is_dir():
        return out
    for agency_dir in root.glob("agency_id=*"):
        for month_dir in agency_dir.glob("month=*"):
            for f in month_dir.iterdir():
                m = FILE_RE.match(f.name)
                if m:
                    out.append((agency_dir.name.split("=", 1)[1], month_dir.name.split("=", 1)[1],
                                int(m.group(1)), f))
    return out


def _live_load_ids(con: duckdb.DuckDBPyConnection) -> set[int]:
    rows = con.execute(
        f"SELECT load_id FROM loads WHERE status IN {LIVE_STATUSES} AND kind = 'service-events'"
    ).fetchall()
    return {r[0] for r in rows}


def _newest(files: list[tuple[str, str, int, Path]], live: set[int]) -> dict[tuple[str, str], int]:
    """Per partition, the newest live load id."""
    newest: dict[tuple[str, str], int] = {}
    for agency, month, load_id, _ in files:
        if load_id in live and load_id > newest.get((agency, month), -1):
            newest[(agency, month)] = load_id
    return newest


def clean(con: duckdb.DuckDBPyConnection, db: str | os.PathLike[str]) -> int:
    """Delete orphan and superseded files; call only under the writer's lock. Returns files deleted."""
    files = _files(dataset_dir(db))
    live = _live_load_ids(con)
    # Superseded only by what is published: the working copy may yet be discarded.
    newest = _newest(files, _published_live_ids(db) if Path(db).exists() else set())
    deleted = 0
    for agency, month, load_id, path in files:
        if load_id not in live or load_id < newest.get((agency, month), -1):
            path.unlink(missing_ok=True)
            deleted += 1
    for d in sorted(dataset_dir(db).glob("agency_id=*/month=*"), reverse=True):
        if not any(d.iterdir()):
            d.rmdir()
    return deleted


def _published_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The live warehouse a writer connection works for (its working copy is `<db>.work-<pid>`)."""
    work = Path(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])
    return work.with_name(re.sub(r"\.work-\d+$", "", work.name))


def write_partitions(con: duckdb.DuckDBPyConnection, load_id: int,
                     db: str | os.PathLike[str] | None = None) -> int:
    """Write every (agency, month) partition that load `load_id` touched; returns partitions written.

    Runs on the writer's connection inside the load's transaction (ingest is the only writer); `db`
    is the published warehouse, by default the one the working copy behind `con` belongs to.
    """
    db = Path(db) if db is not None else _published_path(con)
    clean(con, db)
    root = dataset_dir(db)
    # The load's own rows sit together at the end of the table (load ids only grow), so this scan
    # is pruned to them; the partitions are then read back within the load's time span only.
    touched = """SELECT DISTINCT s.agency_id, date_trunc('month', e.received_at) AS month_start
                 FROM service_events e JOIN services s USING (service_id) WHERE e.load_id = ?"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _events_touched AS {touched}", [load_id])
    try:
        parts, first, last = con.execute(
            "SELECT count(*), min(month_start), max(month_start) + INTERVAL 1 MONTH FROM _events_touched"
        ).fetchone()
        if not parts:
            return 0
        root.mkdir(parents=True, exist_ok=True)
        # No ORDER BY: sorting every touched partition cost more than the rest of the write, and
        # readers of the dataset (rollups, Spark) group, they do not rely on an order.
        # The touched partitions are a semi join (IN), not a join: inside the load's transaction
        # DuckDB cannot estimate the uncommitted events, and with a plain join it built its hash
        # table on the events instead of on the few partitions (13 of 29 s of a 1 M-row load).
        con.execute(
            f"""
            COPY (
              SELECT e.*, s.agency_id, strftime(e.received_at, '%Y-%m') AS month
              FROM service_events e JOIN services s USING (service_id)
              WHERE e.received_at >= ? AND e.received_at < ?
                AND (s.agency_id, date_trunc('month', e.received_at))
                    IN (SELECT agency_id, month_start FROM _events_touched)
            ) TO '{root}' (FORMAT parquet, PARTITION_BY (agency_id, month),
                           FILENAME_PATTERN 'load-{load_id:06d}_{{i}}', OVERWRITE_OR_IGNORE true)
            """,
            [first, last],
        )
    finally:
        con.execute("DROP TABLE IF EXISTS temp._events_touched")
    return parts


def _published_live_ids(db: str | os.PathLike[str]) -> set[int]:
    """Live load ids as the published warehouse records them (read-only, as readers open it)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{db}' AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        return _live_load_ids(con)
    finally:
        con.close()


def live_files(db: str | os.PathLike[str], agencies: Iterable[str] | None = None,
               months: Iterable[str] | None = None) -> list[Path]:
    """The files that hold the warehouse's events now, optionally only some agencies and months.

    Partition pruning: only the named partitions' folders are listed and read.
    """
    wanted_a = None if agencies is None else set(agencies)
    wanted_m = None if months is None else set(months)
    files = [f for f in _files(dataset_dir(db))
             if (wanted_a is None or f[0] in wanted_a) and (wanted_m is None or f[1] in wanted_m)]
    if not files:
        return []
    live = _published_live_ids(db)
    newest = _newest(files, live)
    return sorted(path for agency, month, load_id, path in files
                  if load_id in live and load_id == newest[(agency, month)])


def move(src_db: str | os.PathLike[str], dst_db: str | os.PathLike[str]) -> None:
    """Make `src_db`'s dataset the dataset of `dst_db` (for a warehouse built aside and swapped in);
    call under `dst_db`'s writer lock, right before the warehouse file itself is replaced."""
    import shutil

    src, dst = dataset_dir(src_db), dataset_dir(dst_db)
    shutil.rmtree(dst, ignore_errors=True)
    if src.exists():
        os.replace(src, dst)
