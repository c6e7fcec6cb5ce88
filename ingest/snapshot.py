"""Backup and restore: every warehouse table as a Parquet file, and a manifest that proves them.

`snapshot(db, out_dir)` reads the published warehouse read-only (one consistent state, even while
ingest publishes a new one), writes `<table>.parquet` for every table, and writes `manifest.json`
last: the schema version, and per table its file, row count, column names and types, the SHA-256
of the file and a checksum of its content. A snapshot without a manifest is unfinished.

`restore(snapshot_dir, db)` checks every file against the manifest before touching anything, then
rebuilds the warehouse through `ingest.warehouse.writer` (so the live file is replaced atomically,
or not at all) and checks each restored table against the manifest's content checksum before the
swap. Tables the current schema declares but the snapshot lacks are left as a new warehouse has
them (reference tables filled from data/, facts empty).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.event_files import EVENT_COLUMNS, add_view, manifest_paths
from core.schema import SCHEMA_VERSION
from core.sqltext import ident, literal
from ingest import events_dataset
from ingest.loader import sha256_of
from ingest.warehouse import create_schema, writer

MANIFEST = "manifest.json"
FORMAT = 1


class SnapshotError(Exception):
    """A snapshot cannot be written or restored; the message says which file and why."""


def content_checksum(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> str:
    """'rows:md5' of a table's content, independent of row order: each row hashed as JSON (so NULL
    and the text 'NULL' differ), the sorted row hashes hashed together."""
    cols = ", ".join(ident(c) for c in columns)
    return con.execute(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(h, '' ORDER BY h)), '-')"
        f" FROM (SELECT md5(to_json(r)::VARCHAR) AS h FROM (SELECT {cols} FROM {table}) r)"
    ).fetchone()[0]


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[dict[str, str]]:
    return [{"name": n, "type": t} for n, t in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main'"
        " AND table_name = ? ORDER BY column_index", [database, table]).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'"
        " ORDER BY table_name", [database]).fetchall()]


#: Where the events' files are listed: storage, not content; a restore writes its own files.
_STORAGE = ("event_files", "event_files_retired")
_EVENT_COLUMNS = [{"name": n, "type": t} for n, t in EVENT_COLUMNS]


def snapshot(db: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path:
    """Write every table of `db` as Parquet into `out_dir`, then its manifest; return `out_dir`."""
    db, out = Path(db), Path(out_dir)
    if not db.is_file():
        raise SnapshotError(f"no warehouse at {db}")
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # an old manifest must never vouch for new files
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH {literal(db)} AS w (READ_ONLY)")
        add_view(con, db, "w")  # the events, from the files this version's manifest lists
        tables: dict[str, dict] = {}
        for name in sorted([t for t in _tables(con, "w") if t not in _STORAGE] + ["service_events"]):
            source = "memory.main.service_events" if name == "service_events" else f"w.{ident(name)}"
            file = out / f"{name}.parquet"
            con.execute(f"COPY (SELECT * FROM {source}) TO {literal(file)} (FORMAT parquet)")
            columns = _EVENT_COLUMNS if name == "service_events" else _columns(con, "w", name)
            checksum = content_checksum(con, source, [c["name"] for c in columns])
            tables[name] = {"file": file.name, "rows": int(checksum.split(":")[0]), "columns": columns,
                            "sha256": sha256_of(file), "checksum": checksum}
        version = None
        if "warehouse_info" in tables:
            row = con.execute("SELECT value FROM w.warehouse_info WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else None
    finally:
        con.close()
    manifest = {"format": FORMAT, "schema_version": version, "created_at": datetime.now(UTC).isoformat(),
                "source": str(db), "duckdb_version": duckdb.__version__, "tables": tables}
    partial = out / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(partial, out / MANIFEST)
    return out


def read_manifest(snapshot_dir: str | os.PathLike[str]) -> dict:
    """The manifest, after checking that every file it lists is there with the bytes it names."""
    folder = Path(snapshot_dir)
    path = folder / MANIFEST
    if not path.is_file():
        raise SnapshotError(f"{folder} has no {MANIFEST}: not a snapshot, or an unfinished one")
    try:
        manifest = json.loads(path.read_text())
        tables = manifest["tables"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(f"{path} is not a valid snapshot manifest: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path} has format {manifest.get('format')!r}; this ServiceStat reads {FORMAT}")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise SnapshotError(f"the snapshot is of warehouse schema version {manifest.get('schema_version')};"
                            f" this ServiceStat writes version {SCHEMA_VERSION}")
    problems = []
    for name, entry in tables.items():
        file = folder / entry["file"]
        if Path(entry["file"]).name != entry["file"]:
            problems.append(f"table {name}: file {entry['file']!r} is outside the snapshot folder")
        elif not file.is_file():
            problems.append(f"table {name}: {entry['file']} is missing")
        elif sha256_of(file) != entry["sha256"]:
            problems.append(f"table {name}: {entry['file']} does not match its SHA-256 in the manifest"
                            " (changed or damaged since the snapshot)")
    if problems:
        raise SnapshotError(f"refusing to restore from {folder}: " + "; ".join(problems))
    return manifest


def restore(snapshot_dir: str | os.PathLike[str], db: str | os.PathLike[str]) -> None:
    """Rebuild `db` from a verified snapshot, atomically; on any mismatch `db` stays as it was."""
    folder = Path(snapshot_dir)
    manifest = read_manifest(folder)
    with writer(db) as con:
        database = con.execute("SELECT current_database()").fetchone()[0]
        old_files = manifest_paths(con)
        for name in _tables(con, database):  # a clean slate: nothing of the old warehouse survives
            con.execute(f"DROP TABLE {ident(name)}")
        create_schema(con)
        # The old warehouse's files go when readers of it are done, like files a load replaces.
        con.execute("INSERT INTO event_files_retired SELECT unnest(?::VARCHAR[]), now()::TIMESTAMP",
                    [old_files])
        events_dataset.working_table(con)
        present = set(_tables(con, database)) | {"service_events"}
        for name, entry in manifest["tables"].items():
            columns = entry["columns"]
            names = [c["name"] for c in columns]
            if name in _STORAGE:
                continue
            if name == "service_events":
                if columns != _EVENT_COLUMNS:
                    raise SnapshotError(f"table {name}: the snapshot's columns differ from this warehouse's"
                                        f" ({_EVENT_COLUMNS} here, {columns} in the snapshot)")
            elif name not in present:
                con.execute(f"CREATE TABLE {ident(name)} ("
                            + ", ".join(f"{ident(c['name'])} {c['type']}" for c in columns) + ")")
            elif _columns(con, database, name) != columns:
                raise SnapshotError(f"table {name}: the snapshot's columns differ from this warehouse's"
                                    f" ({_columns(con, database, name)} here, {columns} in the snapshot)")
            target = events_dataset.WORKING if name == "service_events" else ident(name)
            cols = ", ".join(ident(n) for n in names)
            con.execute(f"DELETE FROM {target}")
            con.execute(f"INSERT INTO {target} ({cols}) SELECT {cols}"
                        f" FROM read_parquet({literal(folder / entry['file'])})")
            got = content_checksum(con, target, names)
            if got != entry["checksum"]:
                raise SnapshotError(f"table {name}: restored content {got} differs from the manifest's"
                                    f" {entry['checksum']}")
        # The restored events as new files of the dataset, named by the restored warehouse's last load.
        last_load = con.execute("SELECT coalesce(max(load_id), 0) FROM loads").fetchone()[0]
        events_dataset.write_all(con, last_load)
