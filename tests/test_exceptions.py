"""What needs attention (metrics.exceptions): each row worked out by hand from standards_status or from a
hand-made warehouse; the ranking; since-when on a known sequence; suppression for the public; and the
registered table `exceptions` giving the same rows on /api/v1/ and /download/."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

from core.units import convert
from metrics.access import OMB, PUBLIC, agency_manager, viewing
from metrics.exceptions import AFFECTED_ALL, AFFECTED_NOT_WITHIN, POINTS, exceptions, exceptions_history
from metrics.registry import TABLES
from metrics.standards import standards_status
from tests.conftest import write
from tests.metrics_warehouse import DECL, build
from tests.web_support import demo_db, make_app, make_users, signed_in_client

__all__ = ["demo_db"]

BAD = ("off track", "at risk")

# dos-ca phone, t-calls-2-minutes (target 90 %, at-risk band 5 points, min n 5): reported shares
# off / on / off / off / at risk - the current run starts in FY2024 Q3.
# va-vba phone, t-abandonment (lower is better, at most 10 %, value margin 10 %): on, then off.
OBSERVATIONS = """service_id,channel,period,metric,value,unit,n
dos-ca,phone,FY2024 Q1,calls_answered_within_standard,0.80,share,200
dos-ca,phone,FY2024 Q2,calls_answered_within_standard,0.95,share,100
dos-ca,phone,FY2024 Q3,calls_answered_within_standard,0.70,share,150
dos-ca,phone,FY2024 Q4,calls_answered_within_standard,0.60,share,120
dos-ca,phone,FY2025 Q1,calls_answered_within_standard,0.87,share,300
va-vba,phone,FY2024 Q1,abandonment_rate,0.08,share,1000
va-vba,phone,FY2025 Q1,abandonment_rate,0.13,share,2000
"""


def _mail(prefix: str, start: str, within: int, late: int) -> list[str]:
    """dos-ca mail applications received from `start`: `within` done in 14 days, `late` in 40 (4 weeks)."""
    day = pd.Timestamp(start)
    rows = []
    for i in range(within + late):
        received = day + pd.Timedelta(days=i % 20)
        done = received + pd.Timedelta(days=14 if i < within else 40)
        rows.append(f"{prefix}{i:02d},dos-ca,mail,{received:%Y-%m-%d} 09:00:00,{done:%Y-%m-%d} 09:00:00,,"
                    "completed")
    return rows


# t-mail-processing (within 4 weeks, target 80 %, min n 1): FY2024 Q4 seven applications, one in time
# (n below the public's k = 10); FY2025 Q1 twenty, ten in time.
EVENTS = "\n".join(["event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome",
                    *_mail("A", "2024-07-08", 1, 6), *_mail("B", "2024-10-07", 10, 10)]) + "\n"


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from publish.workflow import publish_loaded

    folder = tmp_path_factory.mktemp("exceptions")
    db = build(folder / "w.duckdb", [write(folder / "observations.csv", OBSERVATIONS),
                                     write(folder / "events.csv", EVENTS)])
    publish_loaded(db, by="test", archive=False)
    return db


def _by_standard(frame: pd.DataFrame) -> dict[str, dict]:
    return {r["standard_id"]: r for r in frame.to_dict("records")}


def test_latest_quarter_by_hand(hand: Path) -> None:
    with viewing(OMB):
        frame = exceptions(hand, data_dir=DECL)
    assert set(frame["period"]) == {"FY2025 Q1"}
    rows = _by_standard(frame)
    calls = rows["t-calls-2-minutes"]
    assert (calls["status"], calls["judged_on"], calls["result_unit"]) == ("at risk", "share", "share")
    assert (calls["result"], calls["target"]) == (pytest.approx(0.87), pytest.approx(0.90))
    assert calls["gap"] == pytest.approx(-3.0) and calls["gap_unit"] == POINTS  # 87 % - 90 %
    assert (calls["off_track_since"], calls["periods_in_run"]) == ("FY2024 Q3", 3)
    assert calls["change_prev"] == pytest.approx(27.0)  # 87 % - 60 %
    assert calls["change_yago"] == pytest.approx(7.0)  # 87 % - 80 % in FY2024 Q1
    assert (calls["n"], calls["customers_affected"]) == (300, 39)  # 300 x (1 - 0.87)
    assert calls["affected_basis"] == AFFECTED_NOT_WITHIN
    mail = rows["t-mail-processing"]
    assert (mail["status"], mail["result"], mail["target"]) == ("off track", 0.5, 0.8)
    assert mail["gap"] == pytest.approx(-30.0)
    assert (mail["off_track_since"], mail["periods_in_run"], mail["n"], mail["customers_affected"]) == (
        "FY2024 Q4", 2, 20, 10)
    assert mail["change_prev"] == pytest.approx((0.5 - 1 / 7) * 100)
    assert math.isnan(mail["change_yago"])  # no FY2024 Q1 mail figure
    abandon = rows["t-abandonment"]
    # A value standard (lower is better): the rate against the 10 % threshold, in points; every call counts.
    assert (abandon["status"], abandon["judged_on"], abandon["better"]) == ("off track", "value", "lower")
    assert (abandon["result"], abandon["target"]) == (pytest.approx(0.13), pytest.approx(0.10))
    assert abandon["gap"] == pytest.approx(3.0) and abandon["gap_unit"] == POINTS
    assert (abandon["off_track_since"], abandon["periods_in_run"]) == ("FY2025 Q1", 1)
    assert math.isnan(abandon["change_prev"])  # FY2024 Q4 not reported
    assert abandon["change_yago"] == pytest.approx(5.0)
    assert (abandon["customers_affected"], abandon["affected_basis"]) == (2000, AFFECTED_ALL)
    # Most customers affected first.
    assert frame["standard_id"].tolist() == ["t-abandonment", "t-calls-2-minutes", "t-mail-processing"]


def test_since_follows_the_run_period_by_period(hand: Path) -> None:
    """on / off / off / at risk: since is the first off; an earlier run does not count."""
    with viewing(OMB):
        since = {q: _by_standard(exceptions(hand, fiscal_year=fy, quarter=qq, data_dir=DECL)).get(
            "t-calls-2-minutes") for q, fy, qq in (("Q1", 2024, 1), ("Q2", 2024, 2), ("Q3", 2024, 3),
                                                   ("Q4", 2024, 4))}
        same = exceptions(hand, period="FY2024 Q4", data_dir=DECL)
    assert since["Q1"]["off_track_since"] == "FY2024 Q1" and since["Q1"]["status"] == "off track"
    assert since["Q2"] is None  # on track: not an exception
    assert (since["Q3"]["off_track_since"], since["Q3"]["periods_in_run"]) == ("FY2024 Q3", 1)
    assert (since["Q4"]["off_track_since"], since["Q4"]["periods_in_run"]) == ("FY2024 Q3", 2)
    assert since["Q3"]["change_prev"] == pytest.approx(-25.0)  # 70 % - 95 %
    assert same["standard_id"].tolist() == ["t-calls-2-minutes", "t-mail-processing"]
    with viewing(OMB), pytest.raises(ValueError):
        exceptions(hand, fiscal_year=2024, data_dir=DECL)  # a quarter grain needs the quarter


def test_agency_and_grain(hand: Path) -> None:
    with viewing(OMB):
        dos = exceptions(hand, agency="dos-ca", data_dir=DECL)
        years = exceptions(hand, "year", period="FY2024", data_dir=DECL)
        status = standards_status(hand, "year", data_dir=DECL)
    assert set(dos["agency_id"]) == {"dos-ca"} and len(dos) == 2
    # FY2024 as a whole: calls 200*.8 + 100*.95 + 150*.7 + 120*.6 = 432 of 570 in time.
    calls = _by_standard(years)["t-calls-2-minutes"]
    assert calls["result"] == pytest.approx(432 / 570) and calls["status"] == "off track"
    assert calls["customers_affected"] == 138 and pd.isna(calls["quarter"])  # a year has no quarter
    year_status = status[(status["standard_id"] == "t-calls-2-minutes") & (status["period"] == "FY2024")]
    assert calls["gap"] == pytest.approx(year_status["gap"].iloc[0] * 100)


def test_public_never_sees_a_small_standard_nor_a_change_from_it(hand: Path) -> None:
    with viewing(OMB):
        omb_q4 = _by_standard(exceptions(hand, period="FY2024 Q4", data_dir=DECL))
    assert omb_q4["t-mail-processing"]["n"] == 7  # one of seven in time: off track, for OMB
    with viewing(PUBLIC):
        q4 = _by_standard(exceptions(hand, period="FY2024 Q4", data_dir=DECL))
        q1 = _by_standard(exceptions(hand, period="FY2025 Q1", data_dir=DECL))
        table = TABLES["exceptions"].frame(hand)  # the shipped declarations: only the registry's path
    assert "t-mail-processing" not in q4
    mail = q1["t-mail-processing"]
    # Its previous quarter is hidden: no change from it, and the run cannot be seen to go back further.
    assert math.isnan(mail["change_prev"]) and mail["off_track_since"] == "FY2025 Q1"
    assert mail["customers_affected"] == 10
    n = pd.to_numeric(table["n"], errors="coerce")
    assert not ((n > 0) & (n < 10)).any()
    with viewing(agency_manager("dos-ca")):  # their own small figures they see in full
        own = _by_standard(exceptions(hand, period="FY2024 Q4", data_dir=DECL))
    assert own["t-mail-processing"]["n"] == 7


# --------------------------------------------------------------------------- the demo warehouse


def _expected(status: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each off-track or at-risk standard of the period, worked out from standards_status by hand."""
    rows = []
    for r in status[(status["period"] == period) & status["status"].isin(BAD)].itertuples():
        share = r.judged_on == "share"
        result = r.share_within if share else r.value
        target = r.target_share if share else convert(r.threshold, r.threshold_unit, r.value_unit)
        scale = 100 if share or r.value_unit == "share" else 1
        history = status[status["standard_id"] == r.standard_id].sort_values("period_start", ascending=False)
        since = None
        for h in history[history["period_start"] <= r.period_start].itertuples():
            if h.status not in BAD:
                break
            since = h.period
        rows.append({"standard_id": r.standard_id, "gap": (result - target) * scale, "since": since,
                     "affected": round(r.n * (1 - result)) if share else r.n, "n": r.n})
    return pd.DataFrame(rows)


def _same(a: object, b: object) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and math.isclose(a, b))


def test_demo_latest_quarter_equals_standards_status_by_hand(demo_db: Path) -> None:
    with viewing(OMB):
        status = standards_status(demo_db, "quarter")
        frame = exceptions(demo_db)
    judged = status[status["status"].isin(("on track",) + BAD)]
    latest = judged.loc[pd.to_datetime(judged["period_start"]).idxmax(), "period"]
    expected = _expected(status, latest).set_index("standard_id")
    assert len(frame) == len(expected) > 0
    assert set(frame["period"]) == {latest}
    for row in frame.itertuples():
        want = expected.loc[row.standard_id]
        assert row.gap == pytest.approx(want["gap"]), row.standard_id
        assert row.off_track_since == want["since"], row.standard_id
        assert _same(row.customers_affected, want["affected"]), row.standard_id
    affected = frame["customers_affected"].tolist()
    known = [a for a in affected if not pd.isna(a)]
    assert known == sorted(known, reverse=True) and affected[:len(known)] == known  # unknown last


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, demo_db: Path):
    folder = tmp_path_factory.mktemp("exceptions-web")
    make_users(folder / "users.yaml")
    return make_app(demo_db, folder)


def _key(frame: pd.DataFrame) -> list[tuple]:
    def num(v: object) -> float | None:
        return None if v is None or pd.isna(v) else round(float(v), 6)

    return [(r.standard_id, r.period, r.status, num(r.gap), r.off_track_since, num(r.customers_affected),
             num(r.n)) for r in frame.itertuples()]


@pytest.mark.parametrize("who", ["omb", "public"])
def test_api_and_download_give_the_metrics_rows(app, demo_db: Path, who: str) -> None:
    client = signed_in_client(app, "omb-user" if who == "omb" else None)
    with viewing(OMB if who == "omb" else PUBLIC):
        latest = exceptions(demo_db)
        fy, q = int(latest["fiscal_year"].iloc[0]), int(latest["quarter"].iloc[0])
        history = exceptions_history(demo_db, "quarter")
    body = client.get(f"/api/v1/exceptions?fiscal_year={fy}&quarter={q}&limit=1000").get_json()
    api = pd.DataFrame(body["data"])
    assert body["meta"]["total"] == len(latest) > 0
    assert _key(api) == _key(latest)
    download = client.get("/download/exceptions.csv")
    assert download.status_code == 200
    csv = pd.read_csv(io.BytesIO(download.data))
    assert _key(csv) == _key(history)  # every quarter (the table's default grain), newest first
    assert _key(csv[csv["period"] == latest["period"].iloc[0]]) == _key(latest)
    one = client.get(f"/api/v1/exceptions?period={latest['period'].iloc[0]}&limit=1000").get_json()
    assert _key(pd.DataFrame(one["data"])) == _key(latest)


def test_page_sort_keeps_units_apart_and_missing_last() -> None:
    """The page's column sort: points before other units, missing values last either way, ties in the
    metrics layer's order."""
    from dashboard.exceptions_block import sort_rows

    frame = pd.DataFrame({
        "standard_id": ["a", "b", "c", "d", "e"],
        "gap": [-3.0, 120.0, float("nan"), -18.8, -3.0],
        "gap_unit": [POINTS, "minutes", POINTS, POINTS, POINTS],
        "status": ["at risk", "off track", "off track", "off track", "at risk"],
    })
    assert sort_rows(frame, "gap", "asc")["standard_id"].tolist() == ["d", "a", "e", "b", "c"]
    assert sort_rows(frame, "gap", "desc")["standard_id"].tolist() == ["a", "e", "d", "b", "c"]
    assert sort_rows(frame, "status", "asc")["standard_id"].tolist() == ["b", "c", "d", "a", "e"]
