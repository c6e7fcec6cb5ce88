"""The demo builder: synthetic agency files that load cleanly and look like the real thing.

The warehouse is built once for the module; every check reads it with plain SQL, read-only.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core import event_files
from core.paths import DATA_DIR
from publish import demo, demo_survey
from publish.demo import build_demo, generate

SERVICES = sorted(pd.read_csv(DATA_DIR / "services.csv", dtype=str)["service_id"])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return path, build_demo(path)


@pytest.fixture(scope="module")
def con(built: tuple[Path, list]):
    connection = event_files.read_only(built[0])
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def column(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    return [r[0] for r in con.execute(sql).fetchall()]


def test_every_file_loaded_and_marked_synthetic(built, con) -> None:
    _, results = built
    assert [r.status for r in results] == ["loaded"] * 5
    assert [r.kind for r in results] == ["service-events"] * 3 + ["metric-observations", "survey-results"]
    loads = con.execute("SELECT status, synthetic, rows_rejected FROM loads ORDER BY load_id").fetchall()
    assert loads == [("loaded", True, 0)] * 5
    assert one(con, "SELECT count(*) FROM rejects") == 0


def test_all_services_channels_and_fiscal_years(con) -> None:
    assert column(con, "SELECT DISTINCT service_id FROM service_events ORDER BY 1") == SERVICES
    assert column(con, "SELECT DISTINCT service_id FROM survey_results ORDER BY 1") == SERVICES
    assert column(con, "SELECT DISTINCT service_id FROM metric_observations ORDER BY 1") == SERVICES
    assert set(column(con, "SELECT DISTINCT channel FROM service_events")) == {
        "online", "phone", "in-person", "mail"}
    years = column(con, "SELECT DISTINCT f.fiscal_year FROM service_events e"
                        " JOIN fiscal_calendar f ON f.date = CAST(e.received_at AS DATE) ORDER BY 1")
    assert years == [2023, 2024, 2025]
    assert one(con, "SELECT min(received_at) FROM service_events") >= datetime(2022, 10, 1)
    assert 300_000 <= one(con, "SELECT count(*) FROM service_events") <= 500_000
    # Not every service uses every channel.
    channels = dict(con.execute("SELECT service_id, list(DISTINCT channel ORDER BY channel)"
                                " FROM service_events GROUP BY 1").fetchall())
    assert channels["ssa-oo"] == ["online"]
    assert channels["multi-rec"] == ["online", "phone"]
    assert channels["dos-ca"] == ["in-person", "mail", "online", "phone"]


def test_nothing_is_dated_in_the_future(con) -> None:
    now = datetime.now()
    assert one(con, "SELECT max(greatest(received_at, coalesce(completed_at, received_at)))"
                    " FROM service_events") <= now
    assert one(con, "SELECT max(period_end) FROM metric_observations") <= date.today()
    last_quarter_end = one(con, "SELECT max(make_date(fiscal_year - 1, 10, 1)"
                                " + to_months(3 * quarter) - INTERVAL 1 DAY) FROM survey_results")
    assert last_quarter_end.date() <= date.today()


def test_event_shapes(con) -> None:
    waits = dict(con.execute("SELECT channel, median(wait_minutes) FROM service_events"
                             " WHERE wait_minutes IS NOT NULL GROUP BY 1").fetchall())
    assert 1 <= waits["phone"] <= 10
    assert 10 <= waits["in-person"] <= 40
    # Phone waits have a long tail; some callers give up.
    assert one(con, "SELECT quantile_cont(wait_minutes, 0.95) / median(wait_minutes) FROM service_events"
                    " WHERE channel = 'phone'") > 3
    outcomes = dict(con.execute("SELECT outcome, count(*) / sum(count(*)) OVER () FROM service_events"
                                " GROUP BY 1").fetchall())
    assert outcomes["completed"] + outcomes["resolved_first_contact"] > 0.8
    assert 0.01 < outcomes["abandoned"] < 0.15 and 0 < outcomes["pending"] < 0.05
    assert one(con, "SELECT count(*) FROM service_events WHERE outcome = 'pending'"
                    " AND completed_at IS NOT NULL") == 0
    # Passports: weeks, with spring surges that sometimes exceed the 8-week standard.
    months = con.execute(
        "SELECT median(processing_minutes) / 1440 FROM service_events"
        " WHERE service_id = 'dos-ca' AND channel = 'mail' GROUP BY date_trunc('month', received_at)"
    ).fetchall()
    medians = [m[0] for m in months]
    assert min(medians) > 14 and max(medians) > 56 and sum(m > 56 for m in medians) <= 8


def test_some_services_drift(con) -> None:
    by_year = dict(con.execute(
        "SELECT e.service_id || ' ' || f.fiscal_year, median(wait_minutes) FROM service_events e"
        " JOIN fiscal_calendar f ON f.date = CAST(e.received_at AS DATE)"
        " WHERE channel = 'phone' AND service_id IN ('va-vba', 'treas-irs') GROUP BY 1").fetchall())
    assert by_year["va-vba 2025"] > 1.3 * by_year["va-vba 2023"]  # worse
    assert by_year["treas-irs 2025"] < 0.8 * by_year["treas-irs 2023"]  # better


def test_metric_values_are_normalised(con) -> None:
    shares = con.execute(
        "SELECT metric, min(value), median(value), max(value) FROM metric_observations"
        " WHERE unit = 'share' GROUP BY 1").fetchall()
    assert {s[0] for s in shares} == {"abandonment_rate", "first_contact_resolution", "digital_take_up",
                                      "completion_rate", "calls_answered_within_standard"}
    for metric, low, median, high in shares:
        assert low >= 0 and high <= 1, metric
        assert median > 0.02, metric  # a "17%" read as 0.0017 would show here
    assert one(con, "SELECT min(value) FROM metric_observations WHERE metric = 'transactions'") >= 1
    # Agencies' spellings were exercised: thousands separators, %, $, assorted unit words.
    raw = set(column(con, "SELECT DISTINCT coalesce(unit_raw, '') FROM metric_observations"))
    assert {"percent", "pct", "share", "#", "$", "dollars", "transactions", ""} <= raw


def test_survey_agree_shares_mostly_between_70_and_95_percent(con) -> None:
    shares = con.execute(
        "SELECT driver, sum(agree) / sum(n) AS share FROM survey_results"
        " GROUP BY service_id, fiscal_year, quarter, driver").fetchall()
    assert {s[0] for s in shares} == set(demo_survey.DRIVERS)
    in_range = sum(0.70 <= s <= 0.95 for _, s in shares) / len(shares)
    assert in_range >= 0.8
    medians = dict(con.execute(
        "SELECT driver, median(share) FROM (SELECT driver, sum(agree) / sum(n) AS share"
        " FROM survey_results GROUP BY service_id, fiscal_year, quarter, driver) GROUP BY 1").fetchall())
    assert min(medians, key=medians.get) == "trust"


def test_survey_counts_are_consistent(con) -> None:
    bad = one(con, """
        SELECT count(*) FROM survey_results
        WHERE n <> count_1 + count_2 + count_3 + count_4 + count_5
           OR abs(published_mean - (count_1 + 2 * count_2 + 3 * count_3 + 4 * count_4 + 5 * count_5) / n)
              > 0.005 + 1e-9
           OR NOT (volume_responded <= volume_offered AND volume_offered <= volume_served)
           OR (question_number = 1 AND n <> volume_responded)
           OR (question_number > 1 AND n > volume_responded)""")
    assert bad == 0
    rates = one(con, "SELECT [min(r), max(r)] FROM (SELECT volume_responded / volume_offered AS r"
                     " FROM survey_results WHERE volume_responded >= 10)")
    assert rates[0] >= 0.01 and rates[1] <= 0.2
    respondents = column(con, "SELECT volume_responded FROM survey_results WHERE question_number = 1")
    assert min(r for r in respondents if r >= 10) < 100 and max(respondents) > 10_000
    assert one(con, "SELECT max(volume_served) FROM survey_results") > 1_000_000
    # Small-number handling has something to do.
    assert one(con, "SELECT count(DISTINCT (service_id, channel, fiscal_year, quarter)) FROM survey_results"
                    " WHERE question_number = 1 AND n < 10") >= 1


def test_significant_trust_movers_exist(con) -> None:
    z = column(con, """
        WITH q AS (
            SELECT service_id, channel, fiscal_year * 4 + quarter AS k, sum(agree) / sum(n) AS p,
                   sum(n) AS n
            FROM survey_results WHERE driver = 'trust' GROUP BY ALL),
        l AS (SELECT *, lag(p) OVER w AS p0, lag(n) OVER w AS n0 FROM q
              WINDOW w AS (PARTITION BY service_id, channel ORDER BY k))
        SELECT (p - p0) / sqrt(p * (1 - p) / n + p0 * (1 - p0) / n0) FROM l
        WHERE p0 IS NOT NULL AND n >= 100 AND n0 >= 100""")
    assert any(v < -10 for v in z) and any(v > 10 for v in z)


def _digests(folder: Path, seed: int) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in generate(folder, seed=seed)}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = _digests(tmp_path / "a", 13571)
    assert len(first) == 5
    assert _digests(tmp_path / "b", 13571) == first
    other = _digests(tmp_path / "c", 42)
    assert other.keys() == first.keys()
    assert all(other[name] != first[name] for name in first)


def test_rebuild_starts_clean(tmp_path: Path) -> None:
    db = tmp_path / "demo.duckdb"
    db.write_bytes(b"not a warehouse")  # whatever was there is replaced, not appended to
    build_demo(db, seed=7)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM loads").fetchone() == (5, 5)
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo.duckdb", "demo.duckdb.events", "demo.duckdb.lock"]


def test_unclean_data_is_an_error_and_keeps_the_old_warehouse(tmp_path: Path, monkeypatch) -> None:
    def bad_generate(out_dir: Path, seed: int = 0) -> list[Path]:
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "bad.csv"
        path.write_text("service_id,channel,received_at\ndos-ca,phone,2024-03-01 10:00\nnope,phone,x\n")
        return [path]

    db = tmp_path / "demo.duckdb"
    db.write_bytes(b"previous")
    monkeypatch.setattr(demo, "generate", bad_generate)
    with pytest.raises(RuntimeError, match=r"(?s)bad.csv: loaded_with_rejects .*unknown service"):
        build_demo(db)
    assert db.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.duckdb"]
