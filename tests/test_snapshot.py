"""Backup and restore: a snapshot restores to an identical warehouse, table by table, and a snapshot
whose files do not match their manifest is refused with the live warehouse left as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from core.event_files import live_files
from core.schema import SCHEMA_VERSION, TABLES
from ingest.loader import load
from ingest.snapshot import MANIFEST, SnapshotError, restore, snapshot
from tests.conftest import FIXTURES, copy_warehouse
from tests.reliability import rows, table_checksums

FILES = [FIXTURES / "ingest" / n for n in ("events_good.csv", "events_mixed.csv", "observations.csv",
                                           "survey.csv")]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture set loaded (with rejects, warnings and a refusal), so every table has rows."""
    folder = tmp_path_factory.mktemp("source")
    refused = folder / "refused.csv"
    refused.write_text("name,street\nAda,Main St\n")
    db = folder / "warehouse.duckdb"
    load([*FILES, refused], db=db)
    return db


@pytest.fixture
def snap(source: Path, tmp_path: Path) -> Path:
    return snapshot(source, tmp_path / "snap")


def test_restore_gives_an_identical_warehouse(source: Path, snap: Path, tmp_path: Path) -> None:
    target = tmp_path / "restored" / "warehouse.duckdb"
    restore(snap, target)
    want = table_checksums(source)
    assert table_checksums(target) == want
    # The events' manifest is storage: the restore lists the files it writes (checked below).
    assert {t.name for t in TABLES} - {"event_files", "event_files_retired"} <= set(want)
    events = rows(source, "SELECT count(*) FROM service_events")
    assert rows(target, "SELECT sum(rows) FROM event_files") == events
    assert all(f.is_file() for f in live_files(target))
    assert all(not v.startswith("0:") for t, v in want.items() if t in ("service_events", "rejects", "loads"))


def test_manifest_describes_every_table(source: Path, snap: Path) -> None:
    manifest = json.loads((snap / MANIFEST).read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    sums = table_checksums(source)
    assert set(manifest["tables"]) == set(sums)
    for name, entry in manifest["tables"].items():
        assert entry["checksum"] == sums[name]  # the same order-independent content checksum
        assert entry["rows"] == int(sums[name].split(":")[0])
        assert pq.read_metadata(snap / entry["file"]).num_rows == entry["rows"]
        assert [c["name"] for c in entry["columns"]] == pq.read_schema(snap / entry["file"]).names
        assert all(c["type"] for c in entry["columns"])


def test_restore_replaces_whatever_the_target_held(source: Path, snap: Path, tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    load([FIXTURES / "ingest" / "survey.csv"], db=target)
    load([FIXTURES / "ingest" / "events_good.csv"], db=target)
    old_files = live_files(target)
    restore(snap, target)
    assert table_checksums(target) == table_checksums(source)
    # The replaced warehouse's event files stay for its readers, retired, until their grace is over.
    assert old_files and all(f.is_file() for f in old_files) and not set(old_files) & set(live_files(target))
    assert len(rows(target, "SELECT * FROM event_files_retired")) == len(old_files)


@pytest.mark.parametrize("damage", ["tampered", "missing", "no manifest"])
def test_a_damaged_snapshot_is_refused_and_changes_nothing(source: Path, snap: Path, tmp_path: Path,
                                                           damage: str) -> None:
    target = tmp_path / "warehouse.duckdb"
    load([FIXTURES / "ingest" / "events_good.csv"], db=target)
    before = table_checksums(target)
    parquet = snap / "service_events.parquet"
    if damage == "tampered":
        # a valid Parquet file with one value changed: only the checksum can tell
        table = pq.read_table(parquet)
        office = table.column("office").to_pylist()
        office[0] = "tampered"
        pq.write_table(table.set_column(table.schema.get_field_index("office"), "office", [office]), parquet)
        expected = "service_events.parquet does not match its SHA-256"
    elif damage == "missing":
        parquet.unlink()
        expected = "service_events.parquet is missing"
    else:
        (snap / MANIFEST).unlink()
        expected = f"has no {MANIFEST}"
    with pytest.raises(SnapshotError, match=expected):
        restore(snap, target)
    assert table_checksums(target) == before
    assert not list(tmp_path.glob("warehouse.duckdb.work-*"))


def test_content_is_checked_after_the_restore_too(source: Path, snap: Path, tmp_path: Path) -> None:
    """A manifest edited to match a changed file still does not restore a different content: the
    per-table checksum is verified inside the writer, before the swap."""
    parquet = snap / "loads.parquet"
    table = pq.read_table(parquet)
    pq.write_table(table.slice(1), parquet)  # one load fewer
    manifest = json.loads((snap / MANIFEST).read_text())
    manifest["tables"]["loads"]["sha256"] = hashlib.sha256(parquet.read_bytes()).hexdigest()
    (snap / MANIFEST).write_text(json.dumps(manifest))
    target = tmp_path / "warehouse.duckdb"
    with pytest.raises(SnapshotError, match="table loads: restored content"):
        restore(snap, target)
    assert not target.exists()


def test_a_snapshot_of_another_schema_version_is_refused(snap: Path, tmp_path: Path) -> None:
    manifest = json.loads((snap / MANIFEST).read_text())
    manifest["schema_version"] = SCHEMA_VERSION + 1
    (snap / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match=f"schema version {SCHEMA_VERSION + 1}"):
        restore(snap, tmp_path / "warehouse.duckdb")


def test_snapshot_again_into_the_same_folder(source: Path, snap: Path, tmp_path: Path) -> None:
    """Writing a new snapshot over an old one leaves a snapshot of the new state."""
    copy_warehouse(source, tmp_path / "copy.duckdb")
    more = tmp_path / "more.csv"
    more.write_text("service_id,channel,received_at,event_id\nssa-oo,online,2024-05-01 09:00,M-1\n")
    assert load([more], db=tmp_path / "copy.duckdb")[0].status == "loaded"
    snapshot(tmp_path / "copy.duckdb", snap)
    target = tmp_path / "restored.duckdb"
    restore(snap, target)
    assert table_checksums(target) == table_checksums(tmp_path / "copy.duckdb")
