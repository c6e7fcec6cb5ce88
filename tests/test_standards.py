"""Standards status: each rule and its edges, worked out by hand from tests/fixtures/metrics_*.csv and
tests/fixtures/metrics_declarations/standards.yaml, plus real cases from hisp_operational_fy19.csv."""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.fiscal import period_label
from ingest.loader import load
from ingest.rollup import refresh
from metrics.exports import available
from metrics.standards import standards_status, status_for, status_rule_text
from tests.conftest import FIXTURES, REPO, copy_warehouse, query, reference
from tests.metrics_warehouse import DECL, EVENTS, OBSERVATIONS, build


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("standards") / "w.duckdb", [EVENTS, OBSERVATIONS])


def rows(db: Path, grain: str, standard: str, data_dir: Path = DECL) -> dict[str, dict]:
    frame = standards_status(db, grain, data_dir=data_dir)
    frame = frame[frame["standard_id"] == standard]
    return {r["period"]: r for r in frame.to_dict("records")}


# --------------------------------------------------------------------------- the rule itself

RULE = dict(min_n=30, band=0.05, margin=0.10)


@pytest.mark.parametrize(("kwargs", "expected"), [
    (dict(has_data=False, n=None, share=None, target=0.9, value=None, threshold=2), "not reported"),
    (dict(has_data=True, n=0, share=None, target=0.9, value=None, threshold=2), "insufficient data"),
    (dict(has_data=True, n=29, share=1.0, target=0.9, value=1, threshold=2), "insufficient data"),
    (dict(has_data=True, n=30, share=0.9, target=0.9, value=1, threshold=2), "on track"),  # tie
    (dict(has_data=True, n=30, share=0.85, target=0.9, value=1, threshold=2), "at risk"),  # band edge
    (dict(has_data=True, n=30, share=0.8499, target=0.9, value=1, threshold=2), "off track"),
    # value standards, lower is better: 10 % margin above the threshold is at risk
    (dict(has_data=True, n=None, share=None, target=None, value=0.10, threshold=0.10), "on track"),
    (dict(has_data=True, n=None, share=None, target=None, value=0.11, threshold=0.10), "at risk"),
    (dict(has_data=True, n=None, share=None, target=None, value=0.111, threshold=0.10), "off track"),
])
def test_status_rule_share_and_lower_is_better(kwargs: dict, expected: str) -> None:
    assert status_for(lower_is_better=True, min_n=RULE["min_n"], band=RULE["band"], margin=RULE["margin"],
                      **kwargs) == expected


@pytest.mark.parametrize(("value", "expected"), [(80, "on track"), (72, "at risk"), (71.9, "off track")])
def test_status_rule_higher_is_better(value: float, expected: str) -> None:
    assert status_for(True, None, 30, None, None, 0.05, value, 80, False, 0.10) == expected


def test_rule_text_is_printable() -> None:
    text = status_rule_text(DECL)
    assert "not reported" in text and "insufficient data" in text and "minimum n 5" in text
    assert "last day" in text


def test_period_labels() -> None:
    d = pd.Timestamp
    assert period_label("month", d("2024-03-01")) == "2024-03"
    assert period_label("quarter", d("2023-10-01")) == "FY2024 Q1"
    assert period_label("quarter", d("2024-07-01")) == "FY2024 Q4"
    assert period_label("year", d("2023-10-01")) == "FY2024"


# --------------------------------------------------------------------------- from events


def test_calls_within_two_minutes_by_month(wh: Path) -> None:
    m = rows(wh, "month", "t-calls-2-minutes")
    # October: 6 calls, within 2 minutes 1.0 and 2.0 (tie) on the 2nd, 1.5 on the 3rd; 0.5 was abandoned.
    assert (m["2023-10"]["n"], m["2023-10"]["within"], m["2023-10"]["status"]) == (6, 3, "off track")
    assert m["2023-10"]["value"] == 1.75  # median wait, exact
    # November: 9 of 10 = 0.90 exactly the target: on track. December: 17 of 20 = 0.85: the band's edge.
    assert (m["2023-11"]["share_within"], m["2023-11"]["status"]) == (0.9, "on track")
    assert (m["2023-12"]["share_within"], m["2023-12"]["status"]) == (0.85, "at risk")
    assert m["2023-12"]["gap"] == pytest.approx(-0.05)
    assert m["2024-01"]["status"] == "not reported"
    assert (m["2024-04"]["n"], m["2024-04"]["status"]) == (3, "insufficient data")  # below min_n 5


def test_quarters_including_one_with_no_report(wh: Path) -> None:
    q = rows(wh, "quarter", "t-calls-2-minutes")
    assert list(q) == ["FY2024 Q1", "FY2024 Q2", "FY2024 Q3"]
    first = q["FY2024 Q1"]
    assert (first["n"], first["within"]) == (36, 29)
    assert first["share_within"] == pytest.approx(29 / 36)
    assert first["status"] == "off track"
    assert (first["ci_low"], first["ci_high"]) == pytest.approx((0.6498, 0.9025), abs=1e-4)
    assert q["FY2024 Q2"]["status"] == "not reported" and math.isnan(q["FY2024 Q2"]["n"])
    assert q["FY2024 Q3"]["status"] == "insufficient data"


def test_standard_that_changes_mid_quarter(wh: Path) -> None:
    m = rows(wh, "month", "t-mail-processing")
    # October by 6 weeks: 35 and 21 days both within. November by 4 weeks (in force on 30 Nov).
    assert (m["2023-10"]["threshold"], m["2023-10"]["within"], m["2023-10"]["n"]) == (6, 2, 2)
    assert m["2023-10"]["standard"] == "Applications processed within 6 weeks"
    assert (m["2023-11"]["threshold"], m["2023-11"]["within"], m["2023-11"]["n"]) == (4, 1, 2)
    assert m["2023-11"]["version_from"] == pd.Timestamp("2023-11-16").date()
    q = rows(wh, "quarter", "t-mail-processing")["FY2024 Q1"]
    # The quarter is judged by the version in force on 31 December (4 weeks): 3 of 7 (two pending and late).
    assert (q["threshold"], q["n"], q["within"], q["status"]) == (4, 7, 3, "off track")
    assert rows(wh, "quarter", "t-mail-processing")["FY2024 Q2"]["status"] == "on track"


# --------------------------------------------------------------------------- from reported figures


def test_lower_is_better_reported_value(wh: Path) -> None:
    m = rows(wh, "month", "t-abandonment")
    assert [m[p]["status"] for p in ("2023-10", "2023-11", "2023-12")] == ["on track", "at risk", "off track"]
    q = rows(wh, "quarter", "t-abandonment")["FY2024 Q1"]
    # Weighted by n: (0.08 x 1000 + 0.105 x 1000 + 0.2 x 2000) / 4000 = 0.14625 > 0.11: off track.
    assert (q["value"], q["n"], q["source"], q["judged_on"]) == (pytest.approx(0.14625), 4000, "reported",
                                                                "value")
    assert q["gap"] == pytest.approx(0.10 - 0.14625)


def test_higher_is_better_reported_value_and_stock(wh: Path) -> None:
    q = rows(wh, "quarter", "t-online-satisfaction")
    assert [q[p]["status"] for p in ("FY2024 Q1", "FY2024 Q2", "FY2024 Q3")] == [
        "on track", "at risk", "off track"]  # 83, 75 (>= 72), 70
    y = rows(wh, "year", "t-online-satisfaction")["FY2024"]
    assert (y["value"], y["status"]) == (76.0, "at risk")  # no n given: a plain mean of 83, 75, 70
    backlog = rows(wh, "quarter", "t-backlog")["FY2024 Q1"]
    # A stock: the quarter's value is its last month's.
    assert (backlog["value"], backlog["status"], backlog["channel"]) == (12900, "on track", "all")
    assert rows(wh, "month", "t-backlog")["2023-10"]["status"] == "at risk"  # 14,000 <= 14,300


def test_every_row_has_n_freshness_and_synthetic_flag(wh: Path) -> None:
    frame = standards_status(wh, "quarter", data_dir=DECL)
    reported = frame[frame["status"] != "not reported"]
    assert reported["last_loaded"].notna().all()
    assert not frame["synthetic"].any()
    assert set(frame["status"]) <= {"on track", "at risk", "off track", "insufficient data", "not reported"}


# --------------------------------------------------------------------------- declarations edited later


def test_standards_edited_after_the_rollup_are_recounted(tmp_path: Path, wh: Path) -> None:
    edited = tmp_path / "decl"
    shutil.copytree(DECL, edited)
    text = (edited / "standards.yaml").read_text()
    (edited / "standards.yaml").write_text(text.replace("threshold: {value: 2, unit: minutes}",
                                                        "threshold: {value: 1, unit: minutes}"))
    stale = rows(wh, "quarter", "t-calls-2-minutes", data_dir=edited)["FY2024 Q1"]
    fresh_db = tmp_path / "fresh.duckdb"
    copy_warehouse(wh, fresh_db)
    refresh(fresh_db, data_dir=edited)
    fresh = rows(fresh_db, "quarter", "t-calls-2-minutes", data_dir=edited)["FY2024 Q1"]
    # Within 1 minute and not abandoned: 1.0 in October; 0.5, 1.0, 0.2, 0.8 in November; 16 x 1.0 in December.
    assert (stale["n"], stale["within"]) == (fresh["n"], fresh["within"]) == (36, 21)


def test_cache_follows_new_loads(tmp_path: Path) -> None:
    db = build(tmp_path / "w.duckdb", [EVENTS])
    before = rows(db, "quarter", "t-abandonment")["FY2024 Q1"]["status"]
    assert before == "not reported"
    assert load([OBSERVATIONS], db=db)[0].status == "loaded"
    assert rows(db, "quarter", "t-abandonment")["FY2024 Q1"]["status"] == "off track"


def test_export_columns(wh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = available()["standards-status"](wh)
    for col in ("agency", "service", "channel", "period", "metric", "standard", "target_share", "value", "n",
                "share_within", "status", "synthetic"):
        assert col in frame.columns
    assert set(frame["grain"]) == {"month", "quarter", "year"}


# --------------------------------------------------------------------------- real cases, FY2019


def _fy19_observations(path: Path) -> Path:
    """The FY2019 HISP figures (read from the shared reference file) as a metric-observations file."""
    metric_of = {
        "Average processing time - routine": ("processing_time_average_business_days", ""),
        "Contact center calls answered within 2 minutes": ("calls_answered_within_standard", ""),
        "Overall Customer Satisfaction Score for Online Services (ForeSee)": ("satisfaction_index", "online"),
    }
    with open(reference("hisp_operational_fy19.csv"), newline="") as fh:
        source = [r for r in csv.DictReader(fh) if r["metric"] in metric_of and r["fiscal_year"] == "2019"]
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["service_id", "channel", "period", "metric", "value", "unit"])
        for r in source:
            metric, channel = metric_of[r["metric"]]
            period = f"FY{r['fiscal_year']} Q{r['quarter']}"
            out.writerow([r["service_id"], channel, period, metric, r["value"],
                          r["unit"].replace("index 0-100", "index")])
    return path


def test_fy2019_passports_calls_and_ssa_against_their_standards(tmp_path: Path) -> None:
    db = tmp_path / "fy19.duckdb"
    assert load([_fy19_observations(tmp_path / "fy19.csv")], db=db)[0].status == "loaded"
    data = REPO / "data"
    passports = rows(db, "quarter", "dos-ca-routine-processing", data_dir=data)
    # Average routine processing 6.48 to 14.4 business days against "4-6 weeks" = 30 business days.
    assert {p: (r["value"], r["status"]) for p, r in passports.items()} == {
        "FY2019 Q1": (6.48, "on track"), "FY2019 Q2": (9.77, "on track"),
        "FY2019 Q3": (14.4, "on track"), "FY2019 Q4": (14.26, "on track")}
    q1 = passports["FY2019 Q1"]
    assert (q1["value_unit"], q1["judged_on"], q1["source"]) == ("business_days", "value", "reported")
    assert q1["gap"] == pytest.approx(30 - 6.48)
    calls = rows(db, "quarter", "dos-ca-calls-2-minutes", data_dir=data)
    # 98.9 %, 99.2 %, 89 %, 97 % answered within 2 minutes against an (illustrative) 90 % target.
    assert {p: r["status"] for p, r in calls.items()} == {
        "FY2019 Q1": "on track", "FY2019 Q2": "on track", "FY2019 Q3": "at risk", "FY2019 Q4": "on track"}
    assert calls["FY2019 Q3"]["share_within"] == pytest.approx(0.89)
    ssa = rows(db, "quarter", "ssa-oo-online-satisfaction", data_dir=data)
    # ForeSee 83, 85, 81 against ">=80": met, as the source says; nothing for Q4.
    assert {p: r["status"] for p, r in ssa.items()} == {
        "FY2019 Q1": "on track", "FY2019 Q2": "on track", "FY2019 Q3": "on track",
        "FY2019 Q4": "not reported"}


def test_source_verdicts_agree_where_given(tmp_path: Path) -> None:
    db = tmp_path / "fy19.duckdb"
    load([_fy19_observations(tmp_path / "fy19.csv")], db=db)
    frame = standards_status(db, "quarter", data_dir=REPO / "data")
    with open(reference("hisp_operational_fy19.csv"), newline="") as fh:
        verdicts = [r for r in csv.DictReader(fh) if r["standard_met_per_source"] in ("met", "exceeded")
                    and r["fiscal_year"] == "2019" and r["service_id"] in ("dos-ca", "ssa-oo")
                    and "expedited" not in r["metric"]]
    assert len(verdicts) == 5
    standard_of = {"dos-ca": "dos-ca-routine-processing", "ssa-oo": "ssa-oo-online-satisfaction"}
    for v in verdicts:
        row = frame[(frame["standard_id"] == standard_of[v["service_id"]])
                    & (frame["period"] == f"FY2019 Q{v['quarter']}")]
        assert row["status"].tolist() == ["on track"], v
    assert FIXTURES.exists()


def test_n_zero_from_events_is_insufficient_data(tmp_path: Path) -> None:
    withdrawn = tmp_path / "withdrawn.csv"
    withdrawn.write_text("event_id,service_id,channel,received_at,completed_at,outcome\n"
                         "W1,dos-ca,mail,2024-03-04 09:00:00,,withdrawn\n")
    db = build(tmp_path / "w.duckdb", [EVENTS, withdrawn])
    march = rows(db, "month", "t-mail-processing")["2024-03"]
    # There was a transaction, but none that can be judged against the standard: n = 0.
    assert (march["n"], march["source"], march["status"]) == (0, "events", "insufficient data")
    assert math.isnan(march["share_within"])


def test_rollups_older_than_the_events_are_refused(tmp_path: Path) -> None:
    """A warehouse whose rollups predate its newest events load (a refresh that never ran) is refused,
    never reported from; a refresh makes it whole again."""
    from metrics.standards import RollupsOutOfDate

    june = tmp_path / "june.csv"
    june.write_text("event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
                    "J01,dos-ca,phone,2024-06-03 09:00:00,,1.0,resolved_first_contact\n"
                    "J02,dos-ca,phone,2024-06-04 09:00:00,,5.0,resolved_first_contact\n")
    db = build(tmp_path / "w.duckdb", [EVENTS, june])
    newest = query(db, "SELECT max(load_id) FROM loads")[0][0]
    # Put the rollups back as they were before the June load: its two days gone, its id nowhere.
    con = duckdb.connect(str(db))
    try:
        mixed = con.execute("SELECT count(*) FROM service_daily WHERE list_contains(load_ids, ?)"
                            " AND len(load_ids) > 1", [newest]).fetchone()[0]
        gone = con.execute("DELETE FROM service_daily WHERE load_ids = [?]", [newest]).fetchone()[0]
    finally:
        con.close()
    assert (mixed, gone) == (0, 2)  # the June days were fed by the June load alone
    with pytest.raises(RollupsOutOfDate, match=f"service-events load {newest}.*ingest.rollup.refresh"):
        standards_status(db, "quarter", data_dir=DECL)
    refresh(db, data_dir=DECL)
    june_calls = rows(db, "month", "t-calls-2-minutes")["2024-06"]
    assert (june_calls["n"], june_calls["within"]) == (2, 1)  # 1.0 within 2 minutes, 5.0 not
