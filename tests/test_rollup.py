"""Rollups built by ingest: exact daily and per-period figures, standards counted by the version in
force, incremental refresh, and agreement with the same numbers computed from raw events."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.loader import load
from ingest.rollup import refresh
from ingest.warehouse import writer
from tests.conftest import FIXTURES, query
from tests.metrics_warehouse import DECL, EVENTS, build


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("rollup") / "w.duckdb", [EVENTS])


def test_daily_counts_and_exact_quantiles(wh: Path) -> None:
    row = query(wh, "SELECT events, completed, pending, abandoned, resolved_first_contact, n_wait,"
                " wait_median, wait_p90, n_processing, len(load_ids) FROM service_daily"
                " WHERE day = DATE '2023-10-02' AND service_id = 'dos-ca' AND channel = 'phone'")
    # Waits 1.0, 2.0, 3.0 and 0.5 (abandoned): median (1.0 + 2.0) / 2 = 1.5; p90 at position 2.7 -> 2.7.
    assert row == [(4, 0, 0, 1, 3, 4, 1.5, pytest.approx(2.7), 0, 1)]


def test_month_quantiles_come_from_events_not_from_days(wh: Path) -> None:
    waits = [1.0, 2.0, 3.0, 0.5, 1.5, 4.0]  # October: 2 and 3 October
    month = query(wh, "SELECT n_wait, wait_median, wait_p90 FROM service_period WHERE grain = 'month'"
                  " AND period_start = DATE '2023-10-01' AND service_id = 'dos-ca' AND channel = 'phone'")
    assert month == [(6, statistics.median(waits), pytest.approx(3.5))]  # sorted: .5 1 1.5 2 3 4
    daily_medians = [statistics.median([1.0, 2.0, 3.0, 0.5]), statistics.median([1.5, 4.0])]
    assert statistics.median(daily_medians) == 2.125 != 1.75  # why days cannot simply be combined


def test_channel_all_and_fiscal_grains(wh: Path) -> None:
    rows = query(wh, "SELECT grain, period_start, channel, events FROM service_period"
                 " WHERE service_id = 'dos-ca' AND channel IN ('all', 'mail')"
                 " AND period_start <= DATE '2023-10-01' ORDER BY 1, 3")
    # October 2023 = FY2024 Q1 = FY2024: phone 6 + mail 2 in October; the quarter has 36 calls + 8 letters.
    assert rows == [
        ("month", pd.Timestamp("2023-10-01").date(), "all", 8),
        ("month", pd.Timestamp("2023-10-01").date(), "mail", 2),
        ("quarter", pd.Timestamp("2023-10-01").date(), "all", 44),
        ("quarter", pd.Timestamp("2023-10-01").date(), "mail", 8),
        ("year", pd.Timestamp("2023-10-01").date(), "all", 48),
        ("year", pd.Timestamp("2023-10-01").date(), "mail", 9),
    ]


def test_daily_standard_uses_the_version_in_force_that_day(wh: Path) -> None:
    rows = query(wh, "SELECT day, threshold_minutes, n, within FROM service_daily_standard"
                 " WHERE standard_id = 't-mail-processing' ORDER BY day")
    six, four = 6 * 7 * 1440.0, 4 * 7 * 1440.0
    d = pd.Timestamp
    assert rows == [
        (d("2023-10-02").date(), six, 1, 1),   # 35 days, within 6 weeks
        (d("2023-10-03").date(), six, 1, 1),   # 21 days
        (d("2023-11-01").date(), six, 1, 1),   # 35 days: 6 weeks still held on 1 November
        (d("2023-11-20").date(), four, 1, 1),  # 14 days
        (d("2023-12-01").date(), four, 1, 0),  # pending, older than 4 weeks: late
        (d("2023-12-05").date(), four, 1, 0),  # blank outcome, no completion: pending and late
        (d("2023-12-10").date(), four, 1, 1),  # exactly 4 weeks: a tie counts as within
        (d("2023-12-12").date(), four, 0, 0),  # withdrawn: not judged
        (d("2024-02-01").date(), four, 1, 1),
    ]


def test_period_standard_uses_the_version_at_period_end(wh: Path) -> None:
    rows = query(wh, "SELECT grain, period_start, threshold_minutes, n, within FROM service_period_standard"
                 " WHERE standard_id = 't-mail-processing' AND period_start < DATE '2024-01-01'"
                 " ORDER BY grain, period_start")
    six, four = 60480.0, 40320.0
    d = pd.Timestamp
    assert rows == [
        ("month", d("2023-10-01").date(), six, 2, 2),
        ("month", d("2023-11-01").date(), four, 2, 1),   # 1 November's 35 days fail the 4 weeks of 30 Nov
        ("month", d("2023-12-01").date(), four, 3, 1),
        ("quarter", d("2023-10-01").date(), four, 7, 3),
        ("year", d("2023-10-01").date(), four, 8, 4),
    ]
    phone = query(wh, "SELECT n, within FROM service_period_standard WHERE standard_id = 't-calls-2-minutes'"
                  " AND grain = 'quarter' AND period_start = DATE '2023-10-01'")
    assert phone == [(36, 29)]  # abandoned calls are never within, whatever their wait


def test_incremental_refresh_touches_only_named_services(tmp_path: Path) -> None:
    db = build(tmp_path / "w.duckdb", [EVENTS])
    before = query(db, "SELECT * FROM service_period ORDER BY ALL")
    irs = tmp_path / "irs.csv"
    irs.write_text("event_id,service_id,channel,received_at,wait_minutes,outcome\n"
                   "I1,treas-irs,phone,2023-10-02 09:00:00,12,resolved_first_contact\n"
                   "I2,treas-irs,phone,2023-10-02 09:05:00,20,resolved_first_contact\n")
    assert load([irs], db=db)[0].status == "loaded"
    with writer(db) as con:
        # service_events is a view of the Parquet files here: stand in a working table without them.
        con.execute("CREATE TEMP TABLE _kept AS SELECT * FROM service_events"
                    " WHERE NOT (service_id = 'dos-ca' AND channel = 'mail')")
        con.execute("DROP VIEW temp.service_events")
        con.execute("ALTER TABLE temp._kept RENAME TO service_events")
        from ingest.rollup import refresh_rollups
        assert refresh_rollups(con, service_ids=["treas-irs"], data_dir=DECL) == []
    after = query(db, "SELECT * FROM service_period WHERE service_id <> 'treas-irs' ORDER BY ALL")
    assert after == before  # dos-ca not refreshed, so its (now stale) rows are untouched
    irs_rows = query(db, "SELECT grain, events, wait_median FROM service_period"
                     " WHERE service_id = 'treas-irs' AND channel = 'phone' ORDER BY grain")
    assert irs_rows == [("month", 2, 16.0), ("quarter", 2, 16.0), ("year", 2, 16.0)]


def test_refresh_is_part_of_the_callers_transaction(tmp_path: Path) -> None:
    """How the loader calls it: inside the load's transaction, so a rollback takes the rollups too."""
    from ingest.rollup import refresh_rollups

    db = tmp_path / "w.duckdb"
    assert load([EVENTS], db=db)[0].status == "loaded"
    with writer(db) as con:
        con.execute("DELETE FROM service_daily")  # undo the loader's own refresh, to watch this one
        con.execute("BEGIN TRANSACTION")
        assert refresh_rollups(con, service_ids=["dos-ca"], data_dir=DECL) == []
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM service_daily").fetchall() == [(0,)]
        con.execute("BEGIN TRANSACTION")
        refresh_rollups(con, service_ids=["dos-ca"], data_dir=DECL)
        con.execute("COMMIT")
    # 6 days with calls and 9 with letters.
    assert query(db, "SELECT count(*) FROM service_daily WHERE service_id = 'dos-ca'")[0][0] == 6 + 9


def test_broken_declarations_build_rollups_without_standards(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert load([EVENTS], db=db)[0].status == "loaded"
    warnings = refresh(db, data_dir=FIXTURES / "declarations_bad")
    assert len(warnings) == 1 and "servicestat check" in warnings[0]
    assert query(db, "SELECT count(*) FROM service_daily_standard")[0][0] == 0
    assert query(db, "SELECT count(*) FROM service_daily")[0][0] > 0


def test_rollups_agree_with_raw_events(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    received = pd.Timestamp("2023-09-20") + pd.to_timedelta(rng.integers(0, 200 * 86400, n), unit="s")
    channel = rng.choice(["phone", "mail"], n)
    wait = np.round(rng.lognormal(0.5, 0.8, n), 1)
    done = received + pd.to_timedelta(rng.lognormal(10.4, 0.4, n).astype(int), unit="m")
    outcome = rng.choice(["completed", "abandoned", "pending"], n, p=[0.85, 0.1, 0.05])
    frame = pd.DataFrame({
        "event_id": [f"R{i}" for i in range(n)], "service_id": "dos-ca", "channel": channel,
        "received_at": received.strftime("%Y-%m-%d %H:%M:%S"),
        "completed_at": np.where((channel == "mail") & (outcome == "completed"),
                                 done.strftime("%Y-%m-%d %H:%M:%S"), ""),
        "wait_minutes": np.where(channel == "phone", wait, np.nan), "outcome": outcome,
    })
    path = tmp_path / "random.csv"
    frame.to_csv(path, index=False)
    db = build(tmp_path / "w.duckdb", [path])
    raw = query(db, """
        SELECT c.quarter_start, e.channel, count(*), count(e.wait_minutes),
               quantile_cont(e.wait_minutes, 0.5), quantile_cont(e.processing_minutes, 0.9)
        FROM service_events e JOIN fiscal_calendar c ON c.date = CAST(e.received_at AS DATE)
        GROUP BY ALL ORDER BY ALL""")
    rolled = query(db, "SELECT period_start, channel, events, n_wait, wait_median, processing_p90"
                   " FROM service_period WHERE grain = 'quarter' AND channel <> 'all' ORDER BY ALL")
    assert rolled == raw
    # Calls within 2 minutes per quarter, by hand: a wait, at most 2, not abandoned.
    raw_within = query(db, """
        SELECT c.quarter_start, count(*) FILTER (WHERE wait_minutes IS NOT NULL),
               count(*) FILTER (WHERE wait_minutes <= 2 AND outcome <> 'abandoned')
        FROM service_events e JOIN fiscal_calendar c ON c.date = CAST(e.received_at AS DATE)
        WHERE channel = 'phone' AND e.received_at >= DATE '2023-10-01' GROUP BY ALL ORDER BY ALL""")
    rolled_within = query(db, "SELECT period_start, n, within FROM service_period_standard"
                          " WHERE grain = 'quarter' AND standard_id = 't-calls-2-minutes' ORDER BY ALL")
    assert rolled_within == raw_within
    summed = query(db, "SELECT sum(n), sum(within) FROM service_daily_standard"
                   " WHERE standard_id = 't-calls-2-minutes'")
    assert summed == [(sum(r[1] for r in raw_within), sum(r[2] for r in raw_within))]
