"""A service-events load refreshes only the rollup rows of the service-days and periods it touched,
and what it leaves is exactly what a full rebuild of the rollups gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.loader import load
from ingest.rollup import ROLLUP_TABLES, refresh
from ingest.warehouse import writer
from tests.conftest import query


def _events(path: Path, n: int, seed: int, start: str, days: int, prefix: str) -> Path:
    """Random calls and letters of three services, some still open (pending, no completion)."""
    rng = np.random.default_rng(seed)
    received = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days * 86400, n), unit="s")
    channel = rng.choice(["phone", "mail"], n)
    outcome = rng.choice(["completed", "abandoned", "pending"], n, p=[0.8, 0.1, 0.1])
    done = received + pd.to_timedelta(rng.integers(60, 20 * 1440, n), unit="m")
    pd.DataFrame({
        "event_id": [f"{prefix}{i}" for i in range(n)],
        "service_id": rng.choice(["dos-ca", "treas-irs", "ssa-oo"], n),
        "channel": channel,
        "received_at": received.strftime("%Y-%m-%d %H:%M:%S"),
        "completed_at": np.where(outcome == "completed", done.strftime("%Y-%m-%d %H:%M:%S"), ""),
        "wait_minutes": np.where(channel == "phone", np.round(rng.lognormal(0.5, 0.8, n), 1), np.nan),
        "outcome": outcome,
    }).to_csv(path, index=False)
    return path


def _rollups(db: Path) -> dict[str, list[tuple]]:
    return {name: query(db, f"SELECT * FROM {name} ORDER BY ALL") for name in ROLLUP_TABLES}


@pytest.fixture()
def history(tmp_path: Path) -> Path:
    db = tmp_path / "w.duckdb"
    first = _events(tmp_path / "first.csv", 1500, 1, "2023-08-01", 300, "A")
    assert load([first], db=db)[0].status == "loaded"
    return db


def _later_file(tmp_path: Path) -> Path:
    """Replaces dos-ca's calls of 2023-11-06, adds a later week (which moves every open event's
    age), and adds treas-irs letters on a day that had none before in fiscal year 2025."""
    path = tmp_path / "later.csv"
    path.write_text(
        "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        "B1,dos-ca,phone,2023-11-06 09:00:00,,4.5,completed\n"
        "B2,dos-ca,phone,2023-11-06 10:00:00,,0.5,abandoned\n"
        "B3,dos-ca,mail,2024-06-10 09:00:00,2024-06-20 09:00:00,,completed\n"
        "B4,dos-ca,mail,2024-06-11 09:00:00,,,pending\n"
        "B5,treas-irs,mail,2024-10-03 09:00:00,2024-10-09 11:00:00,,completed\n")
    return path


def test_an_incremental_load_equals_a_full_rebuild(history: Path, tmp_path: Path) -> None:
    result = load([_later_file(tmp_path)], db=history)[0]
    assert result.status == "loaded" and result.rows_replaced > 0
    incremental = _rollups(history)
    assert refresh(history) == []  # every rollup row rebuilt from all events
    assert _rollups(history) == incremental
    # The new fiscal year of treas-irs has its own year row, built by the incremental load.
    assert query(history, "SELECT events FROM service_period WHERE grain = 'year'"
                          " AND service_id = 'treas-irs' AND channel = 'mail'"
                          " AND period_start = DATE '2024-10-01'") == [(1,)]


def test_rows_of_untouched_days_and_periods_are_not_rewritten(history: Path, tmp_path: Path) -> None:
    # Mark rows the next load must not touch: a day of treas-irs (a service the load touches) with
    # no open event, and a month of ssa-oo (a service it does not touch).
    day = query(history, """
        SELECT day FROM service_daily d WHERE service_id = 'treas-irs' AND NOT EXISTS (
            SELECT 1 FROM service_events e WHERE e.service_id = 'treas-irs' AND e.completed_at IS NULL
               AND coalesce(e.outcome, 'pending') = 'pending' AND CAST(e.received_at AS DATE) = d.day)
        ORDER BY day LIMIT 1""")[0][0]
    month = query(history, "SELECT min(period_start) FROM service_period WHERE service_id = 'ssa-oo'"
                           " AND grain = 'month'")[0][0]
    with writer(history) as con:
        con.execute("UPDATE service_daily SET events = -1 WHERE service_id = 'treas-irs' AND day = ?", [day])
        con.execute("UPDATE service_period SET events = -1 WHERE service_id = 'ssa-oo' AND grain = 'month'"
                    " AND period_start = ?", [month])
    assert load([_later_file(tmp_path)], db=history)[0].status == "loaded"
    assert query(history, "SELECT DISTINCT events FROM service_daily WHERE service_id = 'treas-irs'"
                          " AND day = ?", [day]) == [(-1,)]
    assert query(history, "SELECT DISTINCT events FROM service_period WHERE service_id = 'ssa-oo'"
                          " AND grain = 'month' AND period_start = ?", [month]) == [(-1,)]
    # The days the file carries were rebuilt: dos-ca's calls of 2023-11-06 are now the file's two.
    assert query(history, "SELECT events, abandoned FROM service_daily WHERE service_id = 'dos-ca'"
                          " AND channel = 'phone' AND day = DATE '2023-11-06'") == [(2, 1)]


def test_open_events_age_to_a_latest_time_held_outside_the_loads_working_table(tmp_path: Path) -> None:
    """dos-ca's latest time is a letter received in December 2021 (fiscal year 2022) and completed
    on 1 March 2024. A load into fiscal year 2023 works on that year's partitions only, yet the open
    letter of 1 November 2022 must still age to 1 March 2024, as a full rebuild counts it."""
    db = tmp_path / "w.duckdb"
    (tmp_path / "a.csv").write_text(
        "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        "A1,dos-ca,mail,2021-12-01 09:00:00,2024-03-01 09:00:00,,completed\n"
        "A2,dos-ca,mail,2022-11-01 09:00:00,,,pending\n")
    (tmp_path / "b.csv").write_text(
        "event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        "B1,dos-ca,mail,2022-11-02 09:00:00,2022-11-03 09:00:00,,completed\n")
    assert load([tmp_path / "a.csv"], db=db)[0].status == "loaded"
    assert load([tmp_path / "b.csv"], db=db)[0].status == "loaded"
    incremental = _rollups(db)
    assert refresh(db) == []
    assert _rollups(db) == incremental
    # Open since 1 Nov 2022 at 1 Mar 2024: 486 days, over every processing standard of dos-ca mail,
    # so it is counted (late) in November 2022: the completed letter of 2 Nov (1 day) and it.
    counted = query(db, "SELECT DISTINCT n FROM service_period_standard WHERE service_id = 'dos-ca'"
                        " AND grain = 'month' AND period_start = DATE '2022-11-01'"
                        " AND measure = 'processing_minutes'")
    assert counted == [(2,)]
