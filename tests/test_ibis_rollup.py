"""The daily rollup written once in Ibis: figures worked out by hand, agreement with a hand-written DuckDB
query on random events, the warehouse's own tables built from it inside each load, and the
`servicestat rollup` command end to end (DuckDB engine; Spark is in test_spark_parity.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core import event_files
from ingest import ibis_rollup
from ingest.events_dataset import dataset_dir
from ingest.loader import load
from servicestat.cli import main
from tests.conftest import FIXTURES, query
from tests.rollup_data import HAND_VERSIONS, hand_events, random_events, random_versions, write_parquet

# The rules of ingest/rollup.py's docstring, written by hand in SQL over a relation `ev` and versions `v`.
HAND_SQL_EVENTS = """
    WITH as_of AS (SELECT service_id, max(greatest(received_at, coalesce(completed_at, received_at))) AS a
                   FROM ev GROUP BY service_id)
    SELECT ev.service_id, ev.channel, ev.received_at::DATE AS day, ev.load_id, ev.wait_minutes,
           ev.processing_minutes, ev.outcome, ev.completed_at IS NOT NULL AS is_completed,
           ev.completed_at IS NULL AND coalesce(ev.outcome, 'pending') = 'pending' AS is_open,
           date_diff('second', ev.received_at, as_of.a) / 60.0 AS age_minutes
    FROM ev JOIN as_of USING (service_id)"""
HAND_SQL_DAILY = f"""
    WITH e AS ({HAND_SQL_EVENTS})
    SELECT day, service_id, channel, count(*) AS events, count(*) FILTER (WHERE is_completed) AS completed,
           count(*) FILTER (WHERE is_open) AS pending,
           count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
           count(*) FILTER (WHERE outcome = 'resolved_first_contact') AS resolved_first_contact,
           count(wait_minutes) AS n_wait, quantile_cont(wait_minutes, 0.5) AS wait_median,
           quantile_cont(wait_minutes, 0.9) AS wait_p90, count(processing_minutes) AS n_processing,
           quantile_cont(processing_minutes, 0.5) AS processing_median,
           quantile_cont(processing_minutes, 0.9) AS processing_p90,
           list(DISTINCT load_id ORDER BY load_id) AS load_ids
    FROM e GROUP BY ALL"""
HAND_SQL_STANDARD = f"""
    WITH e AS ({HAND_SQL_EVENTS})
    SELECT e.day, e.service_id, e.channel, v.standard_id, v.version_from, v.threshold_minutes, v.measure,
      count(*) FILTER (WHERE CASE v.measure WHEN 'wait_minutes' THEN e.wait_minutes IS NOT NULL
          ELSE e.processing_minutes IS NOT NULL
               OR (e.is_open AND e.age_minutes > v.threshold_minutes) END) AS n,
      count(*) FILTER (WHERE CASE v.measure WHEN 'wait_minutes'
          THEN e.wait_minutes <= v.threshold_minutes AND coalesce(e.outcome, '') <> 'abandoned'
          ELSE e.processing_minutes <= v.threshold_minutes END) AS within
    FROM e JOIN v ON v.service_id = e.service_id AND (v.channel IS NULL OR v.channel = e.channel)
     AND e.day BETWEEN v.version_from AND v.version_to
    GROUP BY ALL"""


def run_duckdb(events: pd.DataFrame, versions: pd.DataFrame,
               tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    eng = ibis_rollup.engine("duckdb")
    files = [str(write_parquet(events, tmp_path / "events.parquet"))]
    day, std = ibis_rollup.compute(eng, eng.read(files), versions)
    return day.to_pandas(), std.to_pandas()


def hand_sql(events: pd.DataFrame, versions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = duckdb.connect()
    con.register("ev", events)
    con.register("v", versions)
    return con.sql(HAND_SQL_DAILY).df(), con.sql(HAND_SQL_STANDARD).df()


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal as sets of rows (order-free); floats to 1e-12 relative, lists compared as lists."""
    keys = [c for c in a.columns if a[c].dtype != "float64" and c != "load_ids"]
    a = a.sort_values(keys).reset_index(drop=True)
    b = b[list(a.columns)].sort_values(keys).reset_index(drop=True)
    for frame in (a, b):
        if "load_ids" in frame:
            frame["load_ids"] = frame["load_ids"].map(lambda x: [int(i) for i in x])
        if "day" in frame:
            frame["day"] = pd.to_datetime(frame["day"])
        if "version_from" in frame:
            frame["version_from"] = pd.to_datetime(frame["version_from"])
    assert len(a) == len(b)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-12, atol=0)


def test_figures_worked_out_by_hand(tmp_path: Path) -> None:
    day, std = run_duckdb(hand_events(), HAND_VERSIONS, tmp_path)
    day = day.set_index(["service_id", "channel"])
    phone = day.loc[("dos-ca", "phone")]
    # Waits 1, 2, 3, 4, 10: median 3; p90 at rank 0.9 x 4 = 3.6 -> 4 + 0.6 x (10 - 4) = 7.6.
    assert (phone.events, phone.abandoned, phone.resolved_first_contact, phone.n_wait) == (5, 1, 1, 5)
    assert phone.wait_median == 3.0 and phone.wait_p90 == pytest.approx(7.6)
    assert phone.n_processing == 0 and pd.isna(phone.processing_median)
    mail = day.loc[("dos-ca", "mail")]
    # Processed in 10 and 20 days (14,400 and 28,800 min): median 15 days, p90 10 + 0.9 x 10 = 19 days.
    assert (mail.events, mail.completed, mail.pending, mail.n_processing) == (3, 2, 1, 2)
    assert mail.processing_median == 15 * 1440 and mail.processing_p90 == pytest.approx(19 * 1440)
    assert list(mail.load_ids) == [2] and list(day.loc[("ssa-oo", "online")].load_ids) == [3]
    assert day.loc[("ssa-oo", "online")].pending == 0  # withdrawn, not pending
    std = std.set_index("standard_id")
    # 3-minute wait: 1, 2, 3 within (a tie counts); 4 is late; 10 was abandoned. All five judged.
    assert (std.loc["w3", "n"], std.loc["w3", "within"]) == (5, 3)
    # 14 days: 10 days within, 20 days late; the pending letter (received 2 Jan 12:00) is 19 days 21 hours
    # old at dos-ca's latest timestamp (22 Jan 09:00), older than 14 days, so it is judged and late.
    assert (std.loc["p14", "n"], std.loc["p14", "within"]) == (3, 1)


def test_equals_a_hand_written_duckdb_query_on_random_events(tmp_path: Path) -> None:
    events, versions = random_events(4000), random_versions()
    day, std = run_duckdb(events, versions, tmp_path)
    want_day, want_std = hand_sql(events, versions)
    assert len(day) > 150 and len(std) > 50 and want_std["within"].sum() > 0
    same_rows(day, want_day)
    same_rows(std, want_std)


def test_warehouse_tables_come_from_the_ibis_definition(tmp_path: Path) -> None:
    """Inside a load, ingest/rollup.py runs the compiled Ibis SQL: the tables equal the hand query on
    the warehouse's own events with the versions of data/standards.yaml."""
    db = tmp_path / "w.duckdb"
    assert load([FIXTURES / "metrics_events.csv"], db=db)[0].status == "loaded"
    con = event_files.read_only(db)
    ev = con.sql("SELECT * FROM service_events").df()
    versions = ibis_rollup.versions_table()
    want_day, want_std = hand_sql(ev, versions)
    got_day = con.sql("SELECT * FROM service_daily").df()
    got_std = con.sql("SELECT * FROM service_daily_standard").df()
    assert len(got_day) == 15 and len(got_std) > 0
    same_rows(got_day, want_day)
    same_rows(got_std, want_std)


def test_cli_rollup_end_to_end_rebuilds_the_daily_tables(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "w.duckdb"
    load([FIXTURES / "metrics_events.csv"], db=db)
    before = query(db, "SELECT * FROM service_daily ORDER BY ALL")
    before_std = query(db, "SELECT * FROM service_daily_standard ORDER BY ALL")
    from ingest.warehouse import writer

    with writer(db) as con:  # lose the daily tables, as if they had never been built
        con.execute("DELETE FROM service_daily")
        con.execute("DELETE FROM service_daily_standard")
    assert query(db, "SELECT count(*) FROM service_daily") == [(0,)]
    assert main(["rollup", "--engine", "duckdb", "--events", str(dataset_dir(db)), "--db", str(db)]) == 0
    assert "15 service_daily" in capsys.readouterr().err
    assert query(db, "SELECT * FROM service_daily ORDER BY ALL") == before
    assert query(db, "SELECT * FROM service_daily_standard ORDER BY ALL") == before_std
    # Again from a glob: the same rows replace themselves, nothing is added.
    glob = str(dataset_dir(db) / "agency_id=*" / "month=*" / "*.parquet")
    assert main(["rollup", "--events", glob, "--db", str(db)]) == 0
    assert query(db, "SELECT * FROM service_daily ORDER BY ALL") == before


def test_cli_rollup_bad_input_is_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "w.duckdb"
    assert main(["rollup", "--events", str(tmp_path / "nope" / "*.parquet"), "--db", str(db)]) == 2
    assert "no Parquet files" in capsys.readouterr().err
    assert main(["rollup", "--events", str(tmp_path / "missing.parquet"), "--db", str(db)]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = write_parquet(pd.DataFrame({"service_id": ["dos-ca"], "wait_minutes": [1.0]}),
                        tmp_path / "bad.parquet")
    assert main(["rollup", "--events", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "channel" in err and "received_at" in err
    with pytest.raises(SystemExit):
        main(["rollup", "--engine", "polars", "--events", str(bad), "--db", str(db)])
