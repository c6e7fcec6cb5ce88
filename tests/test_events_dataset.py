"""The Parquet event dataset beside the warehouse: hive partitions by agency and month written by each
service-events load, idempotent re-loads, replacing loads, crashed loads leaving no visible orphans,
and partition pruning. Each check compares the dataset's live files with the warehouse itself."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import ingest.loader
from ingest import events_dataset, ibis_rollup
from ingest.loader import load
from tests.conftest import query, write

HEADER = "service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
FIRST = HEADER + (
    "dos-ca,phone,2024-01-02 09:00,,1.5,completed\n"
    "dos-ca,phone,2024-01-02 09:05,,2.5,completed\n"
    "dos-ca,mail,2024-02-10 10:00,2024-03-01 10:00,,completed\n"
    "ssa-oo,phone,2024-01-03 08:00,,4,abandoned\n"
    "ssa-oo,online,2024-03-15 12:00,2024-03-15 12:30,,completed\n"
)
# Corrects dos-ca phone on 2 January (replacing both calls there) and adds a call in April.
CORRECTION = HEADER + (
    "dos-ca,phone,2024-01-02 09:00,,9,completed\n"
    "dos-ca,phone,2024-04-01 09:00,,3,completed\n"
)


def partitions(db: Path) -> set[tuple[str, str]]:
    return {(a, m) for a, m, _, _ in events_dataset._files(events_dataset.dataset_dir(db))}


def live_rows(db: Path, files: list[Path] | None = None) -> list[tuple]:
    files = events_dataset.live_files(db) if files is None else files
    con = duckdb.connect()
    names = ", ".join(f"'{f}'" for f in files)
    return con.execute(
        f"SELECT load_id, service_id, channel, received_at, wait_minutes FROM read_parquet([{names}],"
        " hive_partitioning = false) ORDER BY ALL").fetchall()


def warehouse_rows(db: Path, where: str = "true") -> list[tuple]:
    return query(db, f"SELECT e.load_id, e.service_id, e.channel, e.received_at, e.wait_minutes"
                 f" FROM service_events e JOIN services s USING (service_id) WHERE {where} ORDER BY ALL")


def test_each_load_writes_hive_partitions_that_hold_the_warehouse_events(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert load([write(tmp_path / "a.csv", FIRST)], db=db)[0].status == "loaded"
    want = set(query(db, "SELECT DISTINCT s.agency_id, strftime(e.received_at, '%Y-%m')"
                         " FROM service_events e JOIN services s USING (service_id)"))
    assert want == {("dos-ca", "2024-01"), ("dos-ca", "2024-02"), ("ssa-oo", "2024-01"),
                    ("ssa-oo", "2024-03")}
    assert partitions(db) == want
    files = events_dataset.live_files(db)
    assert [f.relative_to(events_dataset.dataset_dir(db)).parts[:2] for f in files] == [
        ("agency_id=dos-ca", "month=2024-01"), ("agency_id=dos-ca", "month=2024-02"),
        ("agency_id=ssa-oo", "month=2024-01"), ("agency_id=ssa-oo", "month=2024-03")]
    assert all(f.name.startswith("load-000001_") for f in files)
    assert live_rows(db) == warehouse_rows(db) and len(warehouse_rows(db)) == 5
    # Hive style: DuckDB reads the partition keys back from the paths.
    con = duckdb.connect()
    got = con.execute(f"SELECT DISTINCT agency_id, month FROM read_parquet('{events_dataset.dataset_dir(db)}"
                      "/*/*/*.parquet', hive_partitioning = true)").fetchall()
    assert set(got) == want


def test_the_same_file_again_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    f = write(tmp_path / "a.csv", FIRST)
    load([f], db=db)
    before = sorted(p for p in events_dataset.dataset_dir(db).rglob("*") if p.is_file())
    assert load([f], db=db)[0].status == "duplicate"
    assert sorted(p for p in events_dataset.dataset_dir(db).rglob("*") if p.is_file()) == before
    assert live_rows(db) == warehouse_rows(db)


def test_a_replacing_load_replaces_the_affected_partitions_only(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    r = load([write(tmp_path / "b.csv", CORRECTION)], db=db)[0]
    assert (r.status, r.rows_replaced) == ("loaded", 2)
    live = {f.parent.parent.name + "/" + f.parent.name: f.name.split("_")[0]
            for f in events_dataset.live_files(db)}
    assert live == {"agency_id=dos-ca/month=2024-01": "load-000002",
                    "agency_id=dos-ca/month=2024-02": "load-000001",
                    "agency_id=dos-ca/month=2024-04": "load-000002",
                    "agency_id=ssa-oo/month=2024-01": "load-000001",
                    "agency_id=ssa-oo/month=2024-03": "load-000001"}
    assert live_rows(db) == warehouse_rows(db)
    assert [row[4] for row in live_rows(db) if row[1] == "dos-ca" and row[2] == "phone"] == [9.0, 3.0]
    # The superseded January file is deleted by the next write (it was still live until the swap).
    old = events_dataset.dataset_dir(db) / "agency_id=dos-ca" / "month=2024-01" / "load-000001_0.parquet"
    assert old.exists()
    load([write(tmp_path / "c.csv", HEADER + "ssa-oo,phone,2024-05-01 08:00,,1,completed\n")], db=db)
    assert not old.exists()
    assert live_rows(db) == warehouse_rows(db)


def test_a_crashed_load_leaves_no_visible_orphans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    before = live_rows(db)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies after the Parquet files are written, before the swap

    monkeypatch.setattr(ingest.loader, "_record", crash)
    with pytest.raises(KeyboardInterrupt):
        load([write(tmp_path / "b.csv", CORRECTION)], db=db)
    monkeypatch.undo()
    orphans = sorted(events_dataset.dataset_dir(db).rglob("load-000002_*.parquet"))
    assert len(orphans) == 2  # on disk, but its load never reached the published warehouse ...
    assert query(db, "SELECT max(load_id) FROM loads") == [(1,)]
    assert live_rows(db) == before == warehouse_rows(db)  # ... so no reader sees them
    # The next write (reusing load id 2) cleans them first and writes its own.
    load([write(tmp_path / "c.csv", HEADER + "ssa-oo,phone,2024-05-01 08:00,,1,completed\n")], db=db)
    assert sorted(p.relative_to(tmp_path) for p in events_dataset.dataset_dir(db).rglob("load-000002_*")) == [
        Path("w.duckdb.events/agency_id=ssa-oo/month=2024-05/load-000002_0.parquet")]
    assert live_rows(db) == warehouse_rows(db)


def test_a_refused_load_writes_no_live_files(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    bad = HEADER + "dos-ca,phone,not a date,,1,completed\n"
    assert load([write(tmp_path / "b.csv", bad)], db=db)[0].status == "refused"
    assert live_rows(db) == warehouse_rows(db)


def test_partition_pruning_reads_only_the_named_partitions(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST), write(tmp_path / "b.csv", CORRECTION)], db=db)
    pruned = events_dataset.live_files(db, agencies=["dos-ca"], months=["2024-01", "2024-04"])
    assert [f.parent.name for f in pruned] == ["month=2024-01", "month=2024-04"]
    where = "s.agency_id = 'dos-ca' AND strftime(e.received_at, '%Y-%m') IN ('2024-01', '2024-04')"
    assert live_rows(db, pruned) == warehouse_rows(db, where)
    # A rollup of the pruned files gives the warehouse's daily rows for those days (same service: same as-of).
    eng = ibis_rollup.engine("duckdb")
    day, _ = ibis_rollup.compute(eng, eng.read([str(f) for f in pruned]), ibis_rollup.versions_table())
    got = sorted((str(r["day"]), r["channel"], r["events"], r["wait_median"]) for r in day.to_pylist())
    want = query(db, "SELECT day::VARCHAR, channel, events, wait_median FROM service_daily"
                     " WHERE service_id = 'dos-ca' AND month(day) IN (1, 4) ORDER BY ALL")
    assert got == sorted(want) == [("2024-01-02", "phone", 1, 9.0), ("2024-04-01", "phone", 1, 3.0)]
    # DuckDB prunes the same way from the hive paths: the plan scans only the files of the filter.
    con = duckdb.connect()
    plan = con.execute(
        f"EXPLAIN ANALYZE SELECT count(*) FROM read_parquet('{events_dataset.dataset_dir(db)}/*/*/*.parquet',"
        " hive_partitioning = true) WHERE agency_id = 'ssa-oo' AND month = '2024-03'").fetchall()[0][1]
    assert "Total Files Read: 1" in plan
