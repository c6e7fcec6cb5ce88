"""Each way an agency file goes wrong: a clear message naming file, row and field; nothing lost;
the facts untouched when the file is refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ingest.loader import load
from tests.conftest import query, write

HEADER = "service_id,channel,received_at,completed_at,wait_minutes,outcome,event_id\n"
GOOD = "dos-ca,phone,2024-03-01 09:00,2024-03-01 09:20,4,completed,E1\n"


def one(path: Path, db: Path, **kw):
    [result] = load([path], db=db, **kw)
    return result


def messages(result) -> list[str]:
    return [p.describe(result.file_name) for p in result.problems]


def facts(db: Path) -> int:
    return query(db, "SELECT (SELECT count(*) FROM service_events) + (SELECT count(*) FROM"
                     " metric_observations) + (SELECT count(*) FROM survey_results)")[0][0]


def test_empty_file(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "empty.csv", ""), db)
    assert r.status == "refused"
    assert messages(r) == ["empty.csv: the file is empty (0 bytes)"]
    assert facts(db) == 0
    assert query(db, "SELECT status, file_name FROM loads") == [("refused", "empty.csv")]


def test_header_only(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "header.csv", HEADER), db)
    assert r.status == "refused"
    assert messages(r) == ["header.csv: the file has a header but no data rows"]


def test_missing_file(db: Path, tmp_path: Path) -> None:
    r = one(tmp_path / "nope.csv", db)
    assert r.status == "refused" and messages(r) == ["nope.csv: the file does not exist"]


def test_semicolon_delimiter_and_bom_are_read(db: Path, tmp_path: Path) -> None:
    text = "\ufeff" + (HEADER + GOOD).replace(",", ";")
    r = one(write(tmp_path / "semi.csv", text), db)
    assert (r.status, r.rows_loaded) == ("loaded", 1)


def test_windows_1252_is_read_with_a_warning(db: Path, tmp_path: Path) -> None:
    text = ("service_id,channel,office,received_at\n"
            "dos-ca,phone,Bogot\u00e1 \u2013 consulate,2024-03-01 09:00\n")
    r = one(write(tmp_path / "cp1252.csv", text, encoding="cp1252"), db)
    assert (r.status, r.rows_loaded) == ("loaded", 1)
    assert r.warnings == ["the file is not UTF-8; it was read as Windows-1252"]
    assert query(db, "SELECT office FROM service_events") == [("Bogot\u00e1 \u2013 consulate",)]


def test_utf16_is_read_with_a_warning(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "utf16.csv", HEADER + GOOD, encoding="utf-16"), db)
    assert (r.status, r.rows_loaded) == ("loaded", 1)
    assert r.warnings == ["the file is not UTF-8; it was read as UTF-16"]


def test_single_column_header_hints_at_the_delimiter(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "tabs.csv", "service_id channel received_at\nx y z\n"), db)
    assert r.status == "refused"
    [msg] = messages(r)
    assert msg.startswith("tabs.csv, row 0: cannot tell what kind of file this is")
    assert "is the delimiter right?" in msg


def test_missing_required_column_is_named(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "nochan.csv", "service_id,received_at\ndos-ca,2024-03-01\n"), db,
            kind="service-events")
    assert messages(r) == [
        "nochan.csv, row 0, field 'channel': missing required column 'channel' for a service-events file"
    ]
    assert facts(db) == 0


def test_unknown_column_is_a_warning_not_an_error(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "extra.csv", HEADER.rstrip("\n") + ",shoe_size\n" + GOOD.rstrip("\n") + ",9\n"),
            db)
    assert r.status == "loaded"
    assert r.warnings == ["unknown column(s) ignored: shoe_size"]
    assert query(db, "SELECT message FROM load_warnings") == [("unknown column(s) ignored: shoe_size",)]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        ("dos-ca,phone,2024-03-01 09:00,,abc,completed,E2", "wait_minutes", "not a duration"),
        ("dos-ca,phone,2024-03-01 09:00,,-5,completed,E2", "wait_minutes", "negative duration"),
        ("dos-ca,phone,2024-03-01 09:00,2024-02-28 09:00,,completed,E2", "completed_at",
         "completed before it was received"),
        ("dos-ca,phone,2099-03-01 09:00,,,pending,E2", "received_at", "is in the future"),
        ("dos-ca,phone,yesterday,,,pending,E2", "received_at", "not a date and time"),
        ("dos-ca,phone,2024-03-01 09:00,,,exploded,E2", "outcome", "unknown outcome"),
        ("dos-ca,pigeon,2024-03-01 09:00,,,completed,E2", "channel", "unknown channel pigeon"),
        ("dos-ca,phone,2024-03-01 09:00,,,completed,E1", "event_id", "duplicate of row 1"),
        ("passprot services,phone,2024-03-01 09:00,,,completed,E2", "service_id",
         "unknown service passprot services; did you mean 'passport services'"),
        (",phone,2024-03-01 09:00,,,completed,E2", "service_id", "a service is required"),
    ],
)
def test_row_rules(db: Path, tmp_path: Path, row: str, field: str, reason: str) -> None:
    r = one(write(tmp_path / "bad.csv", HEADER + GOOD + row + "\n"), db)
    assert (r.status, r.rows_loaded, r.rows_rejected) == ("loaded_with_rejects", 1, 1)
    [problem] = r.problems
    assert (problem.row_number, problem.field) == (2, field)
    assert problem.reason.startswith(reason), problem.reason
    assert problem.describe("bad.csv").startswith(f"bad.csv, row 2, field '{field}': ")
    # nothing lost: the good row landed, the bad one is quarantined whole
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 1
    assert query(db, "SELECT row_number, field FROM rejects") == [(2, field)]


def test_text_numbers_and_shares(db: Path, tmp_path: Path) -> None:
    text = ("service_id,period,metric,value,unit,n\n"
            'dos-ca,2024-03,transactions,"8,586,476",,\n'
            "dos-ca,2024-03,completion_rate,17%,,\n"
            "dos-ca,2024-03,cost_per_transaction,\"$1,200.50\",,\n"
            "dos-ca,2024-04,transactions,\"3,5\",,\n"
            "dos-ca,2024-05,transactions,  ,,\n")
    r = one(write(tmp_path / "obs.csv", text), db)
    assert (r.rows_loaded, r.rows_rejected) == (3, 2)
    assert [(p.row_number, p.field, p.reason) for p in r.problems] == [
        (4, "value", "not a number"),
        (5, "value", "a value is required"),
    ]
    assert sorted(query(db, "SELECT metric, value, unit FROM metric_observations")) == [
        ("completion_rate", 0.17, "share"),
        ("cost_per_transaction", 1200.5, "usd"),
        ("transactions", 8586476.0, "count"),
    ]


def test_malformed_csv_is_refused_with_its_line(db: Path, tmp_path: Path) -> None:
    text = HEADER + GOOD + "dos-ca,phone,2024-03-01 09:00,,,completed,E2,surplus,more\n"
    r = one(write(tmp_path / "ragged.csv", text), db)
    assert r.status == "refused"
    [msg] = messages(r)
    assert "line 3 of the file is malformed (too many columns)" in msg
    assert facts(db) == 0


def test_unreadable_excel(db: Path, tmp_path: Path) -> None:
    r = one(write(tmp_path / "broken.xlsx", "this is not a workbook"), db)
    assert r.status == "refused"
    assert messages(r)[0].startswith("broken.xlsx: the file cannot be read as an Excel workbook")


def test_duplicate_header_is_refused(db: Path, tmp_path: Path) -> None:
    text = "service_id,Service ID,channel,received_at\na,b,phone,2024-01-01\n"
    r = one(write(tmp_path / "dup.csv", text), db)
    assert r.status == "refused"
    assert "names column 'service_id' twice" in messages(r)[0]


def test_refused_file_leaves_facts_unchanged(db: Path, tmp_path: Path) -> None:
    load([write(tmp_path / "first.csv", HEADER + GOOD)], db=db)
    before = query(db, "SELECT * FROM service_events")
    r = one(write(tmp_path / "second.csv", "service_id,received_at\nx,y\n"), db, kind="service-events")
    assert r.status == "refused"
    assert query(db, "SELECT * FROM service_events") == before


@pytest.mark.parametrize("fmt", ["parquet", "json", "xlsx"])
def test_other_formats_load_the_same_rows(db: Path, tmp_path: Path, fmt: str) -> None:
    frame = pd.DataFrame(
        {
            "Service ID": ["dos-ca", "ssa-oo", "nobody"],
            "Channel": ["phone", "online", "phone"],
            "Received At": ["2024-03-01 09:00:00", "2024-03-02 10:00:00", "2024-03-02 10:00:00"],
            "Wait Minutes": [4.0, 1.5, 2.0],
        }
    )
    path = tmp_path / f"events.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "json":
        frame.to_json(path, orient="records")
    else:
        frame.to_excel(path, index=False)
    r = one(path, db)
    assert (r.kind, r.rows_read, r.rows_loaded, r.rows_rejected) == ("service-events", 3, 2, 1)
    assert (r.problems[0].row_number, r.problems[0].field) == (3, "service_id")
    assert sorted(query(db, "SELECT service_id, wait_minutes FROM service_events")) == [
        ("dos-ca", 4.0), ("ssa-oo", 1.5)
    ]


def test_unit_with_the_value_wins_and_must_agree_with_the_unit_column(db: Path, tmp_path: Path) -> None:
    text = ("service_id,period,metric,value,unit\n"
            "dos-ca,2024-03,completion_rate,5.5%,share\n"  # % says how to read 5.5: 0.055
            "dos-ca,2024-04,completion_rate,0.5%,share\n"
            "dos-ca,2024-05,completion_rate,0.5%,minutes\n"  # conflict
            "dos-ca,2024-06,completion_rate,0.5,furlongs\n"  # unknown unit
            "dos-ca,2024-08,processing_time_average,3 days,days\n")
    r = one(write(tmp_path / "units.csv", text), db)
    assert [(p.row_number, p.field, p.reason) for p in r.problems] == [
        (3, "unit", "the unit written with the value (share) does not match the unit column (minutes)"),
        (4, "unit", "unknown unit furlongs (units are declared in data/units.yaml)"),
    ]
    rows = query(db, "SELECT period_start::VARCHAR, value, unit, unit_raw FROM metric_observations")
    assert sorted(rows) == [
        ("2024-03-01", 0.055, "share", "share"),
        ("2024-04-01", 0.005, "share", "share"),
        ("2024-08-01", 4320.0, "minutes", "days"),
    ]
