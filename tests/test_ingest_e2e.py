"""End to end: the fixture set loads into a real DuckDB file with exact counts and exact rejects.

Every expected value below was worked out by hand from the fixture files in tests/fixtures/ingest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.loader import load
from tests.conftest import FIXTURES, query

INGEST = FIXTURES / "ingest"


def test_fixture_set_counts_and_rejects(db: Path) -> None:
    files = ["events_good.csv", "events_mixed.csv", "observations.csv", "survey.csv"]
    results = load([INGEST / f for f in files], db=db)
    summary = [(r.file_name, r.kind, r.status, r.rows_read, r.rows_loaded, r.rows_rejected)
               for r in results]
    assert summary == [
        ("events_good.csv", "service-events", "loaded", 5, 5, 0),
        ("events_mixed.csv", "service-events", "loaded_with_rejects", 10, 3, 7),
        ("observations.csv", "metric-observations", "loaded_with_rejects", 9, 5, 4),
        ("survey.csv", "survey-results", "loaded_with_rejects", 4, 2, 2),
    ]
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 8
    assert query(db, "SELECT count(*) FROM metric_observations")[0][0] == 5
    assert query(db, "SELECT count(*) FROM survey_results")[0][0] == 2

    rejects = query(
        db,
        "SELECT l.file_name, r.row_number, r.field, r.value FROM rejects r JOIN loads l USING (load_id)"
        " ORDER BY r.load_id, r.row_number, r.field",
    )
    assert rejects == [
        ("events_mixed.csv", 3, "service_id", "dos-caa"),
        ("events_mixed.csv", 4, "channel", "fax"),
        ("events_mixed.csv", 5, "completed_at", "2024-04-01 13:00"),
        ("events_mixed.csv", 5, "wait_minutes", "-2"),
        ("events_mixed.csv", 6, "received_at", "2099-01-01 09:00"),
        ("events_mixed.csv", 7, "received_at", "not a date"),
        ("events_mixed.csv", 8, "wait_minutes", "three"),
        ("events_mixed.csv", 9, "event_id", None),
        ("observations.csv", 6, "period", "2024-13"),
        ("observations.csv", 7, "metric", "wait_tme_median"),
        ("observations.csv", 8, "unit", "minutes"),
        ("observations.csv", 9, "period", None),
        ("survey.csv", 3, "quarter", "5"),
        ("survey.csv", 4, "count_1", "-1"),
    ]
    # The quarantined row is kept whole, as the agency sent it.
    raw = query(db, "SELECT raw_row FROM rejects WHERE field = 'channel'")[0][0]
    assert '"channel":"fax"' in raw and '"event_id":"Q-4"' in raw
    reasons = dict(query(db, "SELECT field || '@' || row_number, reason FROM rejects"))
    assert reasons["service_id@3"].startswith("unknown service dos-caa; did you mean 'dos-ca'")
    assert reasons["event_id@9"] == "duplicate of row 1 (same service id, event id)"
    assert "unknown column(s) ignored: comments" in results[1].warnings


def test_normalised_values(db: Path) -> None:
    load([INGEST / "events_good.csv", INGEST / "events_mixed.csv", INGEST / "observations.csv"], db=db)
    events = dict(query(db, "SELECT event_id, channel || '|' || coalesce(wait_minutes::VARCHAR, '-') || '|'"
                            " || coalesce(processing_minutes::VARCHAR, '-') FROM service_events"))
    assert events == {
        "P-1": "online|-|5760.0",  # 4 days
        "P-2": "phone|4.5|30.0",
        "P-3": "in-person|35.0|60.0",
        "S-1": "online|-|6.0",
        "P-4": "mail|-|-",  # "Passport Services" resolved by name, postal_mail -> mail
        "Q-1": "phone|1.5|20.0",  # "90 s"
        "Q-2": "phone|90.0|5.0",  # "1:30" is h:mm
        "Q-9": "online|-|45.0",  # US date format
    }
    assert query(db, "SELECT service_id FROM service_events WHERE event_id = 'P-4'") == [("dos-ca",)]
    obs = query(db, "SELECT metric, period_grain, period_start::VARCHAR, period_end::VARCHAR, value, unit, n"
                    " FROM metric_observations ORDER BY metric")
    assert obs == [
        ("abandonment_rate", "month", "2024-03-01", "2024-03-31", 0.17, "share", 1200),
        ("calls_answered_within_standard", "month", "2024-03-01", "2024-03-31", 0.97, "share", 8586476),
        ("cost_per_transaction", "month", "2024-03-01", "2024-03-31", 12.5, "usd", None),
        ("processing_time_average", "quarter", "2024-01-01", "2024-03-31", 3.5 * 7 * 24 * 60, "minutes",
         None),
        ("transactions", "year", "2023-10-01", "2024-09-30", 8586476.0, "count", None),
    ]


def test_same_file_twice_changes_nothing(db: Path) -> None:
    load([INGEST / "events_mixed.csv"], db=db)
    before = query(db, "SELECT count(*), (SELECT count(*) FROM loads), (SELECT count(*) FROM rejects)"
                       " FROM service_events")
    again = load([INGEST / "events_mixed.csv"], db=db)
    assert again[0].status == "duplicate" and again[0].duplicate_of == 1
    assert query(db, "SELECT count(*), (SELECT count(*) FROM loads), (SELECT count(*) FROM rejects)"
                     " FROM service_events") == before


def test_corrected_file_replaces_same_service_and_period(db: Path, tmp_path: Path) -> None:
    load([INGEST / "observations.csv"], db=db)
    corrected = tmp_path / "observations_corrected.csv"
    corrected.write_text(
        "service_id,channel,period,metric,value,unit,n\n"
        "ssa-oo,online,2024-03,abandonment_rate,0.15,share,1250\n"
    )
    [result] = load([corrected], db=db)
    assert (result.status, result.rows_loaded, result.rows_replaced) == ("loaded", 1, 1)
    assert query(db, "SELECT value, n FROM metric_observations WHERE metric = 'abandonment_rate'") == [
        (0.15, 1250)
    ]
    assert query(db, "SELECT count(*) FROM metric_observations")[0][0] == 5


def test_corrected_events_replace_the_day(db: Path, tmp_path: Path) -> None:
    load([INGEST / "events_good.csv"], db=db)
    fix = tmp_path / "events_fix.csv"
    fix.write_text(
        "service_id,channel,received_at,completed_at,outcome,event_id\n"
        "dos-ca,online,2024-03-01 09:00,2024-03-04 09:00,completed,P-1\n"
    )
    [result] = load([fix], db=db)
    assert result.rows_replaced == 1  # the one online dos-ca event of 2024-03-01
    assert query(db, "SELECT processing_minutes FROM service_events WHERE event_id = 'P-1'") == [(4320.0,)]
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 5


def test_all_or_nothing_refuses_whole_file(db: Path) -> None:
    [result] = load([INGEST / "events_mixed.csv"], db=db, all_or_nothing=True)
    assert result.status == "refused" and result.rows_loaded == 0 and result.rows_rejected == 7
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 0
    # ... but every reason is kept in quarantine, and the attempt is on record.
    assert query(db, "SELECT count(*) FROM rejects")[0][0] == 8
    assert query(db, "SELECT status, rows_loaded FROM loads") == [("refused", 0)]


def test_several_files_one_call_each_its_own_transaction(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    shutil.copy(INGEST / "events_good.csv", tmp_path / "good.csv")
    results = load([empty, tmp_path / "good.csv"], db=db)
    assert [r.status for r in results] == ["refused", "loaded"]
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 5


@pytest.mark.parametrize("name", ["events_good.csv", "observations.csv"])
def test_kind_is_detected_from_columns(db: Path, name: str) -> None:
    [result] = load([INGEST / name], db=db)
    assert result.kind == {"events_good.csv": "service-events",
                           "observations.csv": "metric-observations"}[name]


def test_survey_results_without_a_driver_column_are_classified_by_wording(db: Path, tmp_path: Path) -> None:
    """`driver` is optional: the wording decides (data/driver_patterns.yaml). It used to be an internal
    error, because the driver check named the absent column."""
    path = tmp_path / "no_driver.csv"
    path.write_text(
        "service_id,channel,touchpoint,fiscal_year,quarter,question_text,count_1,count_2,count_3,count_4,count_5\n"
        "dos-ca,phone,IVR,2024,1,I am satisfied with the service I received.,5,5,10,30,50\n"
        "dos-ca,phone,IVR,2024,1,I trust the agency to keep its promise.,1,2,3,4,5\n",
        encoding="utf-8",
    )
    [result] = load([path], db=db)
    assert result.status == "loaded" and result.rows_loaded == 2, result.problems
    assert sorted(query(db, "SELECT question_text, driver FROM survey_results")) == [
        ("I am satisfied with the service I received.", "satisfaction"),
        ("I trust the agency to keep its promise.", "trust"),
    ]
