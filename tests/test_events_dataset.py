"""The Parquet event dataset beside the warehouse: hive partitions by agency and month written by each
service-events load, idempotent re-loads, replacing loads, crashed loads leaving no visible orphans,
and partition pruning. Each check compares the dataset's live files with the warehouse itself."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import ingest.loader
from core.event_files import dataset_dir, live_files, read_only
from ingest import events_dataset
from ingest.loader import load
from ingest.warehouse import writer
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
    """(agency, month) of every Parquet file on disk."""
    return {(f.parent.parent.name.split("=")[1], f.parent.name.split("=")[1])
            for f in dataset_dir(db).glob("agency_id=*/month=*/*.parquet")}


def on_disk(db: Path) -> set[Path]:
    return set(dataset_dir(db).glob("agency_id=*/month=*/*.parquet"))


def live_rows(db: Path, files: list[Path] | None = None) -> list[tuple]:
    """The events of the files, read with plain DuckDB: what another tool reading them would see."""
    files = live_files(db) if files is None else files
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
    files = live_files(db)
    assert [f.relative_to(dataset_dir(db)).parts[:2] for f in files] == [
        ("agency_id=dos-ca", "month=2024-01"), ("agency_id=dos-ca", "month=2024-02"),
        ("agency_id=ssa-oo", "month=2024-01"), ("agency_id=ssa-oo", "month=2024-03")]
    assert all(f.name.startswith("load-000001_") for f in files)
    assert live_rows(db) == warehouse_rows(db) and len(warehouse_rows(db)) == 5
    # Hive style: DuckDB reads the partition keys back from the paths.
    con = duckdb.connect()
    got = con.execute(f"SELECT DISTINCT agency_id, month FROM read_parquet('{dataset_dir(db)}"
                      "/*/*/*.parquet', hive_partitioning = true)").fetchall()
    assert set(got) == want
    # The manifest: per file and service, its rows and latest time.
    assert query(db, "SELECT agency_id, month, service_id, rows, last_seen::VARCHAR FROM event_files"
                     " ORDER BY ALL") == [
        ("dos-ca", "2024-01", "dos-ca", 2, "2024-01-02 09:05:00"),
        ("dos-ca", "2024-02", "dos-ca", 1, "2024-03-01 10:00:00"),
        ("ssa-oo", "2024-01", "ssa-oo", 1, "2024-01-03 08:00:00"),
        ("ssa-oo", "2024-03", "ssa-oo", 1, "2024-03-15 12:30:00")]
    # The events are not a table of the DuckDB file.
    con = duckdb.connect(str(db), read_only=True)
    tables = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'service_events'"
    assert con.execute(tables).fetchone() == (0,)
    con.close()


def test_the_same_file_again_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    f = write(tmp_path / "a.csv", FIRST)
    load([f], db=db)
    before = sorted(p for p in dataset_dir(db).rglob("*") if p.is_file())
    assert load([f], db=db)[0].status == "duplicate"
    assert sorted(p for p in dataset_dir(db).rglob("*") if p.is_file()) == before
    assert live_rows(db) == warehouse_rows(db)


def test_a_replacing_load_replaces_the_affected_partitions_only(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    first_files = {f.parent.parent.name + "/" + f.parent.name: f for f in live_files(db)}
    r = load([write(tmp_path / "b.csv", CORRECTION)], db=db)[0]
    assert (r.status, r.rows_replaced) == ("loaded", 2)
    live = {f.parent.parent.name + "/" + f.parent.name: f for f in live_files(db)}
    assert {k: f.name.split("_")[0] for k, f in live.items()} == {
        "agency_id=dos-ca/month=2024-01": "load-000002",
        "agency_id=dos-ca/month=2024-02": "load-000001",
        "agency_id=dos-ca/month=2024-04": "load-000002",
        "agency_id=ssa-oo/month=2024-01": "load-000001",
        "agency_id=ssa-oo/month=2024-03": "load-000001"}
    # Untouched partitions keep their very files; nothing is overwritten.
    assert all(live[k] == first_files[k] for k in live if live[k].name.startswith("load-000001"))
    assert live_rows(db) == warehouse_rows(db)
    assert [row[4] for row in live_rows(db) if row[1] == "dos-ca" and row[2] == "phone"] == [9.0, 3.0]
    # The superseded January file stays for readers still on the older warehouse ...
    old = first_files["agency_id=dos-ca/month=2024-01"]
    retired = [(old.relative_to(dataset_dir(db)).as_posix(),)]
    assert query(db, "SELECT path FROM event_files_retired") == retired
    load([write(tmp_path / "c.csv", HEADER + "ssa-oo,phone,2024-05-01 08:00,,1,completed\n")], db=db)
    assert old.exists()
    # ... and is deleted by the first write after its grace period.
    monkeypatch.setattr(events_dataset, "GRACE", events_dataset.GRACE * 0)
    load([write(tmp_path / "d.csv", HEADER + "ssa-oo,phone,2024-05-02 08:00,,1,completed\n")], db=db)
    assert not old.exists()
    assert query(db, "SELECT path FROM event_files_retired WHERE path LIKE '%month=2024-01%'") == []
    assert live_rows(db) == warehouse_rows(db)
    assert on_disk(db) == set(live_files(db)) | {dataset_dir(db) / p for (p,) in
                                                 query(db, "SELECT path FROM event_files_retired")}


def test_a_reader_on_an_older_warehouse_keeps_its_files_through_later_loads(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    old = read_only(db)
    before = old.execute("SELECT count(*), sum(wait_minutes) FROM service_events").fetchone()
    load([write(tmp_path / "b.csv", CORRECTION)], db=db)
    load([write(tmp_path / "c.csv", HEADER + "ssa-oo,phone,2024-05-01 08:00,,1,completed\n")], db=db)
    again = old.execute("SELECT count(*), sum(wait_minutes) FROM service_events").fetchone()
    assert again == before == (5, 8.0)
    assert query(db, "SELECT count(*), sum(wait_minutes) FROM service_events") == [(6, 17.0)]
    old.close()


def test_a_crashed_load_leaves_no_visible_orphans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    before, files_before = live_rows(db), on_disk(db)

    def crash(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process dies after the Parquet files are written, before the swap

    monkeypatch.setattr(ingest.loader, "_record", crash)
    with pytest.raises(KeyboardInterrupt):
        load([write(tmp_path / "b.csv", CORRECTION)], db=db)
    monkeypatch.undo()
    orphans = on_disk(db) - files_before
    assert len(orphans) == 2  # on disk, but the manifest that lists them was never published ...
    assert query(db, "SELECT max(load_id) FROM loads") == [(1,)]
    assert live_rows(db) == before == warehouse_rows(db)  # ... so no reader sees them
    # The next write deletes them first and writes its own.
    load([write(tmp_path / "c.csv", HEADER + "ssa-oo,phone,2024-05-01 08:00,,1,completed\n")], db=db)
    assert not any(f.exists() for f in orphans)
    assert on_disk(db) - files_before == {f for f in live_files(db) if "month=2024-05" in str(f)}
    assert live_rows(db) == warehouse_rows(db)


def test_a_refused_load_writes_no_live_files(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    files = on_disk(db)
    bad = HEADER + "dos-ca,phone,not a date,,1,completed\n"
    assert load([write(tmp_path / "b.csv", bad)], db=db)[0].status == "refused"
    assert live_rows(db) == warehouse_rows(db) and on_disk(db) == files


def test_a_load_reads_only_the_partitions_it_can_change(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The working table of a load: the touched service's agency, the fiscal years of its touched
    days and of its open events' days; nothing of other agencies or other years."""
    db = tmp_path / "w.duckdb"
    history = HEADER + (
        "dos-ca,phone,2022-11-01 09:00,,1,completed\n"      # FY2023
        "dos-ca,mail,2023-02-01 09:00,,,pending\n"          # FY2023, open
        "dos-ca,phone,2023-11-01 09:00,,2,completed\n"      # FY2024
        "dos-ca,phone,2024-10-01 09:00,,3,completed\n"      # FY2025
        "dos-ca,phone,2024-09-30 09:00,,4,completed\n"      # FY2024
        "ssa-oo,phone,2024-01-03 08:00,,4,completed\n"      # another agency
    )
    load([write(tmp_path / "a.csv", history)], db=db)
    seen: list[list[tuple]] = []
    stage = events_dataset.stage

    def spy(con: duckdb.DuckDBPyConnection, touched: str) -> None:
        stage(con, touched)
        days = "SELECT received_at::DATE::VARCHAR FROM service_events ORDER BY 1"
        seen.append(con.execute(days).fetchall())
        # Of those, only the partition the load writes to is copied into the working table: none yet.
        seen.append(con.execute(f"SELECT count(*) FROM {events_dataset.WORKING}").fetchall())

    monkeypatch.setattr(events_dataset, "stage", spy)
    load([write(tmp_path / "b.csv", HEADER + "dos-ca,phone,2024-08-01 09:00,,5,completed\n")], db=db)
    # FY2024 (the new day) and FY2023 (an open event's day): not FY2025, not ssa-oo.
    assert seen == [[("2022-11-01",), ("2023-02-01",), ("2023-11-01",), ("2024-09-30",)], [(0,)]]
    assert query(db, "SELECT count(*) FROM service_events") == [(7,)]


def test_a_warehouse_with_events_in_its_duckdb_file_is_moved_to_the_dataset(tmp_path: Path) -> None:
    """A warehouse from before the events left the DuckDB file: the next write moves them, same rows."""
    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    want = warehouse_rows(db)
    with writer(db) as con:  # put the events back as a table of the file, as older versions kept them
        con.execute("CREATE TABLE main.service_events AS SELECT * FROM temp.service_events")
        con.execute("DELETE FROM event_files")
    for f in on_disk(db):
        f.unlink()
    with writer(db):
        pass
    assert warehouse_rows(db) == want and len(want) == 5
    assert live_rows(db) == want
    assert query(db, "SELECT DISTINCT load_id FROM event_files") == [(1,)]


def test_loads_of_more_than_a_row_group_keep_every_row(tmp_path: Path) -> None:
    """DuckDB 2.0.0 loses the rows of a table created and filled with over ~120,000 rows in one
    transaction (a self-join returns nothing). The loader's working table is created before any
    load's transaction; a 130,000-row load, first and then into a warehouse, keeps every row."""
    from bench.ingest import generate_events_csv

    db = tmp_path / "w.duckdb"
    big = tmp_path / "big.csv"
    generate_events_csv(big, 130_000)
    assert load([big], db=db)[0].rows_loaded == 130_000
    assert query(db, "SELECT count(*) FROM service_events") == [(130_000,)]
    assert query(db, "SELECT sum(events) FROM service_daily") == [(130_000,)]
    assert query(db, "SELECT sum(rows) FROM event_files") == [(130_000,)]
    # The same rows again under new ids: they replace every day, so the count stays.
    again = tmp_path / "again.csv"
    again.write_text(big.read_text().replace(",E", ",F"))
    r = load([again], db=db)[0]
    assert (r.rows_loaded, r.rows_replaced) == (130_000, 130_000)
    assert query(db, "SELECT count(*), min(load_id) FROM service_events") == [(130_000, 2)]
    assert query(db, "SELECT sum(events) FROM service_daily") == [(130_000,)]


def test_a_warehouse_file_copied_without_its_events_says_so(tmp_path: Path) -> None:
    import shutil

    from core.event_files import EventFilesMissing
    from metrics.db import Reader

    db = tmp_path / "w.duckdb"
    load([write(tmp_path / "a.csv", FIRST)], db=db)
    (tmp_path / "elsewhere").mkdir()
    alone = shutil.copyfile(db, tmp_path / "elsewhere" / "w.duckdb")
    with pytest.raises(EventFilesMissing, match=r"4 of the 4 event files .* with its .events"):
        Reader(alone).cursor()


def _week(service: str, day: str, wait: float) -> str:
    return HEADER + f"{service},phone,{day} 09:00,,{wait},completed\n"


def partition_files(db: Path, agency: str, month: str) -> list[str]:
    return [f.name for f in live_files(db) if f"agency_id={agency}/month={month}" in f.as_posix()]


def test_a_later_week_adds_a_file_and_copies_no_earlier_one(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacement is by service, channel and day: a file whose days are all before the load's days
    cannot hold a row it replaces, so it stays as it is and the load writes its rows beside it."""
    db = tmp_path / "w.duckdb"
    # The letter of 5 January is answered on the 12th: a file's days are its received days.
    letter = "dos-ca,mail,2024-01-05 09:00,2024-01-12 09:00,2,completed\n"
    load([write(tmp_path / "a.csv", _week("dos-ca", "2024-01-02", 1) + letter)], db=db)
    first = partition_files(db, "dos-ca", "2024-01")
    copied: list[int] = []
    stage = events_dataset.stage

    def spy(con: duckdb.DuckDBPyConnection, touched: str) -> None:
        stage(con, touched)
        copied.append(con.execute(f"SELECT count(*) FROM {events_dataset.WORKING}").fetchone()[0])

    monkeypatch.setattr(events_dataset, "stage", spy)
    assert load([write(tmp_path / "b.csv", _week("dos-ca", "2024-01-09", 3))], db=db)[0].status == "loaded"
    assert copied == [0]
    files = partition_files(db, "dos-ca", "2024-01")
    assert len(files) == 2 and first[0] in files and query(db, "SELECT * FROM event_files_retired") == []
    assert query(db, "SELECT load_id, rows, first_received::VARCHAR, last_received::VARCHAR FROM event_files"
                     " ORDER BY load_id") == [(1, 2, "2024-01-02 09:00:00", "2024-01-05 09:00:00"),
                                              (2, 1, "2024-01-09 09:00:00", "2024-01-09 09:00:00")]
    assert live_rows(db) == warehouse_rows(db)
    # The rollups see both files: January's median wait of the three calls and letters.
    assert query(db, "SELECT events, wait_median FROM service_period WHERE grain = 'month'"
                     " AND service_id = 'dos-ca' AND channel = 'all'") == [(3, 2.0)]

    # A correction of 9 January holds a day of the second file only: that file alone is rewritten.
    second = next(f for f in files if f != first[0])
    r = load([write(tmp_path / "c.csv", _week("dos-ca", "2024-01-09", 7))], db=db)[0]
    assert (r.status, r.rows_replaced, copied[-1]) == ("loaded", 1, 1)
    now = partition_files(db, "dos-ca", "2024-01")
    assert first[0] in now and second not in now and len(now) == 2
    assert [p.split("/")[-1] for (p,) in query(db, "SELECT path FROM event_files_retired")] == [second]
    assert sorted(row[4] for row in live_rows(db)) == [1.0, 2.0, 7.0] and live_rows(db) == warehouse_rows(db)
    # A correction of 2 January takes the first file: the letters of 5 January are kept.
    r = load([write(tmp_path / "d.csv", _week("dos-ca", "2024-01-02", 5))], db=db)[0]
    assert (r.rows_replaced, copied[-1]) == (1, 2)
    assert sorted(row[4] for row in warehouse_rows(db)) == [2.0, 5.0, 7.0]
    assert live_rows(db) == warehouse_rows(db)


def test_a_partition_of_many_files_is_written_whole_again(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events_dataset, "MAX_FILES_PER_PARTITION", 3)
    db = tmp_path / "w.duckdb"
    for day in (1, 2, 3):
        load([write(tmp_path / f"{day}.csv", _week("dos-ca", f"2024-01-0{day}", day))], db=db)
    assert len(partition_files(db, "dos-ca", "2024-01")) == 3
    load([write(tmp_path / "4.csv", _week("dos-ca", "2024-01-04", 4))], db=db)
    assert [f.split("_")[0] for f in partition_files(db, "dos-ca", "2024-01")] == ["load-000004"]
    assert query(db, "SELECT rows FROM event_files") == [(4,)]
    assert [row[4] for row in live_rows(db)] == [1.0, 2.0, 3.0, 4.0] and live_rows(db) == warehouse_rows(db)


def test_a_manifest_without_spans_of_days_is_completed_from_its_files(tmp_path: Path) -> None:
    """Warehouses written before the manifest kept each file's received times: the next write reads them."""
    db = tmp_path / "w.duckdb"
    late = "dos-ca,phone,2024-01-20 09:00,2024-02-02 10:00,1,completed\n"
    load([write(tmp_path / "a.csv", FIRST + late)], db=db)
    spans = "SELECT path, service_id, first_received, last_received FROM event_files ORDER BY ALL"
    want = query(db, spans)
    with writer(db) as con:
        con.execute("UPDATE event_files SET first_received = NULL, last_received = NULL")
    assert query(db, "SELECT count(first_received), count(last_received) FROM event_files") == [(0, 0)]
    with writer(db):
        pass
    assert query(db, spans) == want
    assert [(str(w[2]), str(w[3])) for w in want] == [
        ("2024-01-02 09:00:00", "2024-01-20 09:00:00"), ("2024-02-10 10:00:00", "2024-02-10 10:00:00"),
        ("2024-01-03 08:00:00", "2024-01-03 08:00:00"), ("2024-03-15 12:00:00", "2024-03-15 12:00:00")]


@pytest.mark.parametrize("seed", [1, 2])
def test_any_sequence_of_loads_keeps_exactly_the_events_replacement_leaves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Loads of random service-channel-days, in and out of order, over two months: after each one the
    warehouse holds what replacing (service, channel, day) by the newest file leaves, computed here in
    Python, and the files hold what the warehouse holds."""
    import random

    monkeypatch.setattr(events_dataset, "MAX_FILES_PER_PARTITION", 4)
    rng = random.Random(seed)
    db = tmp_path / "w.duckdb"
    model: dict[tuple[str, str, str], list[float]] = {}
    days = [f"2024-01-{d:02d}" for d in (3, 9, 17, 30)] + [f"2024-02-{d:02d}" for d in (1, 14)]
    for n in range(12):
        keys = {(rng.choice(["dos-ca", "ssa-oo"]), rng.choice(["phone", "mail"]), rng.choice(days))
                for _ in range(rng.randint(1, 4))}
        rows, new = [], {}
        for service, channel, day in sorted(keys):
            waits = [float(n * 10 + i) for i in range(rng.randint(1, 3))]
            new[(service, channel, day)] = waits
            rows += [f"{service},{channel},{day} 0{i}:00,,{w},completed" for i, w in enumerate(waits)]
        assert load([write(tmp_path / f"{n}.csv", HEADER + "\n".join(rows) + "\n")], db=db)[0].ok
        model.update(new)
        want = sorted((s, c, d, w) for (s, c, d), ws in model.items() for w in ws)
        got = query(db, "SELECT service_id, channel, received_at::DATE::VARCHAR, wait_minutes"
                        " FROM service_events ORDER BY ALL")
        assert got == want, f"after load {n + 1}"
        assert live_rows(db) == warehouse_rows(db)
        assert query(db, "SELECT max(n) FROM (SELECT count(DISTINCT path) AS n FROM event_files"
                         " GROUP BY agency_id, month)")[0][0] <= 4
