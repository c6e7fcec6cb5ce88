"""Load agency files into the warehouse: validate, normalise, quarantine, replace, record.

Each file is one transaction inside the writer's working copy: its good rows land together with
its `loads` row and its quarantined rows, or nothing of it does. The working copy is swapped in
only when every file of the call has been handled (see `ingest.warehouse`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.paths import db_path
from ingest import events_dataset, normalise, readers
from ingest.kind_base import Kind, prepare_lookups
from ingest.kinds import KINDS, detect
from ingest.problems import MAX_WARNING_CHARS, FileRefused, Problem, listed, short
from ingest.rollup import refresh_rollups
from ingest.warehouse import writer

PROBLEMS_KEPT_IN_RESULT = 200
#: DuckDB's memory for a load: a base, plus a multiple of the files' bytes, within a cap. A weekly
#: file into a warehouse of millions of events then needs no more than into an empty one (scans of
#: the large tables go through a small buffer pool), and ten million rows stay under 2 GB (DuckDB
#: spills joins, sorts and groupings to `<db>.spill-<pid>/` beyond it).
MEMORY_BASE_MB, MEMORY_PER_FILE_BYTE, MEMORY_CAP_MB = 256, 2, 1280
PROGRESS_MIN_BYTES = 20 * 1024 * 1024
#: The service-days a service-events load's good rows touch (replaced rows share them).
TOUCHED_DAYS = "SELECT service_id, CAST(received_at AS DATE) AS day FROM checked WHERE _ok"
_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
log = logging.getLogger("servicestat.ingest")


@dataclass
class LoadResult:
    """What happened to one file; `status` is loaded, loaded_with_rejects, refused or duplicate."""

    file_name: str
    status: str
    kind: str | None = None
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_replaced: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def ok(self) -> bool:
        """True when everything in the file landed (or it had landed before)."""
        return self.status in ("loaded", "duplicate")

    def as_dict(self) -> dict:
        return {
            "file_name": self.file_name,
            "status": self.status,
            "kind": self.kind,
            "load_id": self.load_id,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "rows_replaced": self.rows_replaced,
            "duplicate_of": self.duplicate_of,
            "warnings": self.warnings,
            "problems": [
                {"row": p.row_number, "field": p.field, "value": p.value, "reason": p.reason,
                 "message": p.describe(self.file_name)}
                for p in self.problems
            ],
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _progress(con: duckdb.DuckDBPyConnection, label: str, enabled: bool) -> Iterator[None]:
    """A progress bar fed by DuckDB's own query progress, for large files."""
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    done = threading.Event()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task(label, total=100)

        def poll() -> None:
            while not done.wait(0.2):
                try:
                    pct = con.query_progress()
                except Exception:  # the query may finish between calls
                    pct = -1
                if pct >= 0:
                    bar.update(task, completed=pct)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


def _resolve_kind(name: str, staged: readers.Staged, kind_name: str | None) -> Kind:
    columns = set(staged.columns)
    if kind_name:
        if kind_name not in KINDS:
            raise FileRefused(name, [Problem(f"unknown kind '{kind_name}'; use one of {', '.join(KINDS)}")])
        kind = KINDS[kind_name]
    else:
        found = detect(columns)
        if found is None:
            hints = []
            for k in KINDS.values():
                have = {k.aliases.get(c, c) for c in columns}
                missing = sorted(set(k.required) - have)
                hints.append(f"{k.name} needs {', '.join(missing)}")
            one_column = ""
            if len(columns) == 1:
                one_column = (
                    f"; the header has a single column {staged.original_columns[next(iter(columns))]!r}"
                    " - is the delimiter right?"
                )
            raise FileRefused(
                name,
                [Problem("cannot tell what kind of file this is from its columns ("
                         + "; ".join(hints) + ")" + one_column, row_number=0)],
            )
        kind = found
    have = {kind.aliases.get(c, c) for c in columns}
    missing = [c for c in kind.required if c not in have]
    if missing:
        raise FileRefused(
            name,
            [Problem(f"missing required column '{c}' for a {kind.name} file", row_number=0, field=c)
             for c in missing],
        )
    return kind


def _duplicate_of(con: duckdb.DuckDBPyConnection, sha: str) -> int | None:
    """The first load that landed a file with these bytes, if any."""
    row = con.execute(
        "SELECT load_id FROM loads WHERE sha256 = ? AND status <> 'refused' ORDER BY load_id LIMIT 1", [sha]
    ).fetchone()
    return row[0] if row else None


def _target(kind: Kind) -> str:
    """The table a load writes its rows to: the events go to the load's working table."""
    return events_dataset.WORKING if kind.table == "service_events" else kind.table


def _replace(con: duckdb.DuckDBPyConnection, kind: Kind) -> int:
    """Delete the earlier rows the file's good rows replace (same `replace_on` key); return how many.

    The keys are joined typed (NULL matches NULL), not compared as one text per row: building a
    text key for every row already in the table made a small load cost what the table holds.
    """
    keys = ", ".join(f"{e} AS _k{i}" for i, e in enumerate(kind.replace_on))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _replace_keys AS SELECT DISTINCT {keys}"
                " FROM checked WHERE _ok")
    try:
        on = " AND ".join(f"({e}) IS NOT DISTINCT FROM k._k{i}" for i, e in enumerate(kind.replace_on))
        return con.execute(f"DELETE FROM {_target(kind)} USING _replace_keys k WHERE {on}").fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS temp._replace_keys")


def _record(con: duckdb.DuckDBPyConnection, result: LoadResult, sha: str, started: datetime,
            synthetic: bool, agency_id: str | None) -> None:
    message = "\n".join(result.warnings) or None
    if result.status == "refused" and result.problems and not result.rows_rejected:
        message = "\n".join(p.describe(result.file_name) for p in result.problems[:20])
    con.execute(
        "INSERT INTO loads (load_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
        " rows_replaced, started_at, finished_at, status, synthetic, message, submitted_for)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [result.load_id, result.file_name, sha, result.kind, result.rows_read, result.rows_loaded,
         result.rows_rejected, result.rows_replaced, started.replace(tzinfo=None),
         datetime.now(UTC).replace(tzinfo=None), result.status, synthetic, message, agency_id],
    )


def _load_one(con: duckdb.DuckDBPyConnection, path: Path, kind_name: str | None,
              all_or_nothing: bool, synthetic: bool, show_progress: bool,
              agency_id: str | None = None) -> LoadResult:
    name = path.name
    started = datetime.now(UTC)
    # Hash in a thread while DuckDB reads the file: on a large file the two take similar time.
    hashing = _HASHER.submit(sha256_of, path) if path.is_file() else None

    def sha() -> str:
        return hashing.result() if hashing else ""

    load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
    result = LoadResult(name, "refused", load_id=load_id, kind=kind_name)
    large = show_progress and path.is_file() and path.stat().st_size >= PROGRESS_MIN_BYTES
    con.execute("BEGIN TRANSACTION")
    try:
        with _progress(con, f"reading {name}", large):
            try:
                staged = readers.stage(con, path, name)
            finally:
                sha()  # the file's identity is known before anything else is decided
        # From the command line a duplicate is known at once. With an agency token it is told only
        # after the agency check: "duplicate of load 20" would confirm another agency's file.
        previous = _duplicate_of(con, sha()) if agency_id is None else None
        if previous:
            con.execute("ROLLBACK")
            return LoadResult(name, "duplicate", duplicate_of=previous)
        result.rows_read = staged.rows
        result.warnings += staged.warnings
        kind = _resolve_kind(name, staged, kind_name)
        result.kind = kind.name
        for col in staged.columns:
            target = kind.aliases.get(col)
            if target and target not in staged.columns:
                con.execute(f'ALTER TABLE staged RENAME COLUMN "{col}" TO "{target}"')
        present = {kind.aliases.get(c, c) for c in staged.columns}
        unknown = sorted(present - kind.known_columns)
        if unknown:
            result.warnings.append(f"unknown column(s) ignored: {listed(unknown)}")
        normalise.install(con)
        prepare_lookups(con)
        with _progress(con, f"checking {name}", large):
            result.warnings += kind.check(con, kind, present & kind.known_columns)
        if agency_id is not None:
            _refuse_other_agencies(con, name, kind, agency_id)
            previous = _duplicate_of(con, sha())
            if previous:
                con.execute("ROLLBACK")
                return LoadResult(name, "duplicate", duplicate_of=previous)
        bad_rows = con.execute("SELECT count(DISTINCT _row) FROM problems").fetchone()[0]
        good_rows = result.rows_read - bad_rows
        result.rows_rejected = bad_rows
        result.problems = [
            Problem(reason, row, fld, value)
            for row, fld, value, reason in con.execute(
                f"SELECT _row, field, value, reason FROM problems ORDER BY _row, field"
                f" LIMIT {PROBLEMS_KEPT_IN_RESULT}"
            ).fetchall()
        ]
        con.execute(
            "INSERT INTO rejects SELECT ?, p._row, p.field, p.value, p.reason, to_json(s)::VARCHAR"
            " FROM problems p JOIN staged s ON s.rowid - (SELECT min(rowid) FROM staged) + 1 = p._row",
            [load_id],
        )
        if bad_rows and (all_or_nothing or good_rows == 0):
            result.status = "refused"
            result.warnings.append(
                "the whole file was refused because it had rejected rows (--all-or-nothing)"
                if all_or_nothing and good_rows else "no row of the file could be loaded"
            )
        else:
            if kind.table == "service_events":
                # Only the partitions this load can change, in a working table (events_dataset).
                first_events = not con.execute("SELECT EXISTS (SELECT 1 FROM event_files)").fetchone()[0]
                events_dataset.stage(con, TOUCHED_DAYS)
            result.rows_replaced = _replace(con, kind)
            cols = [c for c in con.sql("SELECT * FROM checked LIMIT 0").columns if not c.startswith("_")]
            con.execute(
                f"INSERT INTO {_target(kind)} (load_id, {', '.join(cols)})"
                f" SELECT {load_id}, {', '.join(cols)} FROM checked WHERE _ok"
            )
            result.rows_loaded = good_rows
            result.status = "loaded_with_rejects" if bad_rows else "loaded"
            if kind.table == "service_events" and good_rows:
                # Rollups are part of the same transaction: a published load never has stale ones.
                # Only the service-days the file carries (replaced rows share them) and their periods;
                # into a warehouse without events that is everything, built the plain way.
                if first_events:
                    result.warnings += refresh_rollups(con)
                else:
                    result.warnings += refresh_rollups(con, touched=TOUCHED_DAYS,
                                                       latest_elsewhere=events_dataset.OUTSIDE_AS_OF)
                # The touched partitions as new files, in the working copy's manifest (live once
                # this load is published).
                events_dataset.write_partitions(con, load_id)
        result.warnings = [short(w, MAX_WARNING_CHARS) for w in result.warnings]
        for w in result.warnings:
            con.execute("INSERT INTO load_warnings VALUES (?, NULL, NULL, NULL, ?)", [load_id, w])
        if con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'row_warnings'"
        ).fetchone()[0]:
            # Row-level warnings a kind found (e.g. counts that do not add up): kept, not rejected.
            con.execute(
                "INSERT INTO load_warnings SELECT ?, _row, field, value, message FROM row_warnings",
                [load_id],
            )
        _record(con, result, sha(), started, synthetic, agency_id)
        con.execute("COMMIT")
    except FileRefused as refused:
        con.execute("ROLLBACK")
        result.status = "refused"
        result.problems = refused.problems
        result.rows_loaded = result.rows_rejected = result.rows_replaced = 0
        _record_refusal(con, result, sha(), started, synthetic, agency_id)
    except Exception as exc:  # a bug must not lose the other files, nor escape as a traceback
        con.execute("ROLLBACK")
        result.status = "refused"
        log.exception("internal error while loading %s", path)
        detail = short(str(exc).replace(str(path), name).splitlines()[0] if str(exc) else "")
        result.problems = [Problem(f"internal error while loading: {type(exc).__name__}: {detail}")]
        result.rows_loaded = result.rows_rejected = result.rows_replaced = 0
        _record_refusal(con, result, sha(), started, synthetic, agency_id)
    finally:
        if result.kind == "service-events":
            events_dataset.view_events(con)  # every event again, for the next file of this write
        # A kind may leave `checked` as a view or a table; drop each temp object as what it is.
        for name, kind_of in con.execute(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE temporary UNION ALL"
            " SELECT view_name, 'VIEW' FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall():
            if name in ("staged", "checked", "_checked_all", "problems", "row_warnings"):
                con.execute(f"DROP {kind_of} IF EXISTS temp.{name}")
    return result


def _refuse_other_agencies(con: duckdb.DuckDBPyConnection, name: str, kind: Kind, agency_id: str) -> None:
    """A file submitted with an agency's token may carry only that agency's services: a row of
    another agency's service (or a kind that names no service) refuses the whole file."""
    columns = con.sql("SELECT * FROM checked LIMIT 0").columns
    if "service_id" not in columns:
        raise FileRefused(name, [Problem(
            f"a {kind.name} file names no service, so it cannot be submitted for agency '{agency_id}'"
            " with an agency token")])
    rows = con.execute(
        "SELECT c._row, c.service_id, s.agency_id FROM checked c JOIN services s USING (service_id)"
        " WHERE s.agency_id IS DISTINCT FROM ? ORDER BY c._row LIMIT 20",
        [agency_id],
    ).fetchall()
    if rows:
        raise FileRefused(name, [
            Problem(f"service '{service}' belongs to agency '{owner}', not '{agency_id}' (the agency of the"
                    " token); the whole file was refused", row, "service_id", service)
            for row, service, owner in rows
        ])


def _record_refusal(con: duckdb.DuckDBPyConnection, result: LoadResult, sha: str,
                    started: datetime, synthetic: bool, agency_id: str | None) -> None:
    con.execute("BEGIN TRANSACTION")
    if result.problems:
        con.executemany(
            "INSERT INTO rejects VALUES (?, ?, ?, ?, ?, NULL)",
            [[result.load_id, p.row_number, p.field, p.value, p.reason] for p in result.problems],
        )
    _record(con, result, sha or "-", started, synthetic, agency_id)
    con.execute("COMMIT")


def memory_limit_mb(paths: Iterable[Path]) -> int:
    """The DuckDB memory limit of a load of these files (see MEMORY_BASE_MB)."""
    size = sum(p.stat().st_size for p in paths if p.is_file())
    return min(MEMORY_CAP_MB, MEMORY_BASE_MB + MEMORY_PER_FILE_BYTE * size // 2**20)


def load(
    paths: Iterable[str | os.PathLike[str]],
    db: str | os.PathLike[str] | None = None,
    kind: str | None = None,
    all_or_nothing: bool = False,
    synthetic: bool = False,
    show_progress: bool = False,
    agency_id: str | None = None,
) -> list[LoadResult]:
    """Ingest's public entry point: load each file, then publish the new warehouse atomically.

    Used by `servicestat ingest`, the demo builder and the submission API alike; the API passes
    `agency_id` (its token's agency) so that a file with another agency's services is refused whole.
    """
    target = db_path(db)
    results: list[LoadResult] = []
    t0 = time.perf_counter()
    paths = [Path(p) for p in paths]
    with writer(target) as con:
        con.execute(f"SET memory_limit = '{memory_limit_mb(paths)}MB'")
        for p in paths:
            results.append(_load_one(con, Path(p), kind, all_or_nothing, synthetic, show_progress,
                                          agency_id))
    _ = time.perf_counter() - t0
    return results
