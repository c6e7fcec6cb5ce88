"""Cross-agency scorecards, GPRA goal progress, ACSI benchmarks and trends, by hand."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.fiscal import quarter_start
from ingest.loader import load
from metrics.benchmarks import COMPARISON_NOTE, acsi_comparison
from metrics.goals import gpra_status
from metrics.scorecard import (
    driver_scorecard,
    goal_progress,
    initiative_milestones,
    progress,
    standards_scorecard,
)
from metrics.trends import add_changes
from tests.conftest import REPO, reference
from tests.metrics_warehouse import DECL, EVENTS, OBSERVATIONS, SURVEY, build


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("scorecard") / "w.duckdb", [EVENTS, OBSERVATIONS, SURVEY],
                 synthetic=True)


def test_agencies_by_drivers_with_counts(wh: Path) -> None:
    frame = driver_scorecard(wh, data_dir=DECL)
    uspto = frame[(frame["agency_id"] == "doc-uspto") & (frame["driver"] == "satisfaction")].iloc[0]
    # Patents 20 of 20 agree, trademarks 10 of 20: the agency pools them, 30 of 40.
    assert (uspto["services"], uspto["agree"], uspto["n"], uspto["agree_share"]) == (2, 30, 40, 0.75)
    state = frame[(frame["agency_id"] == "dos-ca") & (frame["driver"] == "satisfaction")].iloc[0]
    assert (state["agree"], state["n"]) == (80 + 96 + 5, 100 + 110 + 5)
    assert frame["synthetic"].all()


def test_agencies_by_standards_met(wh: Path) -> None:
    year = standards_scorecard(wh, "year", data_dir=DECL).set_index("agency_id")
    # FY2024: State's calls (32/39) and mail (4/8) both off track; OPM's backlog (12,900) on track.
    assert tuple(year.loc["dos-ca", ["met", "judged", "off_track"]]) == (0, 2, 2)
    assert tuple(year.loc["opm-rs", ["met", "judged", "share_met"]]) == (1, 1, 1.0)
    assert tuple(year.loc["ssa-oo", ["met", "judged", "at_risk"]]) == (0, 1, 1)
    quarter = standards_scorecard(wh, "quarter", data_dir=DECL)
    q2 = quarter[(quarter["agency_id"] == "dos-ca") & (quarter["period"] == "FY2024 Q2")].iloc[0]
    assert (q2["met"], q2["judged"], q2["not_reported"]) == (1, 1, 1)  # mail on track, phone not reported


def test_goal_progress_from_the_warehouse(wh: Path) -> None:
    frame = goal_progress(wh, data_dir=DECL).set_index(["goal_id", "fiscal_year"])
    calls = frame.loc[("t-calls-goal", 2024)]
    # FY2024 calls within 2 minutes: 32 of 39 = 0.8205 >= 0.80: met; progress (0.8205 - 0.70) / 0.10.
    assert (calls["actual"], calls["status"]) == (pytest.approx(32 / 39), "met")
    assert calls["progress"] == pytest.approx((32 / 39 - 0.70) / 0.10)
    assert frame.loc[("t-calls-goal", 2025), "status"] == "no data"
    backlog = frame.loc[("t-backlog-goal", 2024)]
    assert (backlog["actual"], backlog["status"]) == (12900, "met")  # the stock at year end
    assert backlog["progress"] == pytest.approx((12900 - 20000) / (13000 - 20000))


def test_progress_rule() -> None:
    assert progress(0.033, 0.034, 0.030, "decrease") == pytest.approx(0.25)
    assert progress(7.5, 7.1, 7.2, "increase") == pytest.approx(4.0)
    assert math.isnan(progress(0.63, 0.63, 0.63, "increase"))  # target = baseline
    assert math.isnan(progress(0.001, 0.001, 0.02, "range"))
    assert math.isnan(progress(None, 0.5, 0.6, "increase"))


# GSA's indicators from the real APR sample: (indicator start, fiscal year) -> status, progress.
GSA_EXPECTED = {
    ("Percent of vacant space", 2018): ("not met", 0.25),       # 0.033 > 0.030; (0.033-0.034)/(0.030-0.034)
    ("Percent of vacant space", 2017): ("met", 2.5),            # 0.029 <= 0.032
    ("Percent of vacant space", 2019): ("no data", None),
    ("Percent of leased revenue", 2013): ("met", None),         # 0.001 within [0, 0.02]
    ("Percent of leased revenue", 2014): ("not met", None),     # -0.01 below the range
    ("Tenant satisfaction", 2015): ("met", None),               # 0.63 = 0.63, target = baseline
    ("Tenant satisfaction", 2013): ("not met", 0.0),
    ("Customer loyalty", 2016): ("met", 4.0),
    ("Supplier satisfaction", 2018): ("not met", (3.69 - 3.59) / (3.8 - 3.59)),
    ("Number of agencies", 2018): ("no rule", None),            # no direction in the report
}


def _check_gsa(frame: pd.DataFrame) -> None:
    for (start, year), (status, prog) in GSA_EXPECTED.items():
        row = frame[frame["indicator"].str.startswith(start) & (frame["fiscal_year"] == year)]
        assert len(row) == 1, (start, year)
        assert row["status"].iloc[0] == status, (start, year)
        if prog is None:
            assert math.isnan(row["progress"].iloc[0]), (start, year)
        else:
            assert row["progress"].iloc[0] == pytest.approx(prog), (start, year)


def test_gpra_sample_through_the_gpra_kind(tmp_path: Path) -> None:
    db = tmp_path / "gpra.duckdb"
    # The header "2018 Strategic Objective" starts with a digit: staged as a quoted name, it loads as is.
    result = load([reference("gpra_apr_sample.csv")], db=db, kind="gpra-apr")[0]
    assert result.status == "loaded", result.problems[:3]
    frame = goal_progress(db)
    _check_gsa(frame[frame["goal_id"].str.startswith("gsa-")])
    gsa = frame[frame["goal_id"].str.startswith("gsa-") & frame["actual"].notna()]
    assert set(gsa["actual_source"]) == {"GPRA report"}


def test_gpra_sample_rules_directly() -> None:
    """The same expectations with the report's rows read straight from the reference file."""
    from core.declarations import load_declarations

    goals = [g for g in load_declarations(REPO / "data").goals.values() if g.id.startswith("gsa-")]
    with open(reference("gpra_apr_sample.csv"), newline="", encoding="utf-8") as fh:
        actual = {(" ".join(r["KPI"].split()).replace("\u2019", "'"), int(r["Year"])):
                  float(r["Actual"]) if r["Actual"].strip() else None for r in csv.DictReader(fh)}
    rows = []
    for g in goals:
        for t in g.targets:
            a = actual.get((g.indicator, t.fiscal_year))
            rows.append({"indicator": g.indicator, "fiscal_year": t.fiscal_year,
                         "status": gpra_status(t.target, a, t.min_target, t.max_target, g.direction),
                         "progress": progress(a, g.baseline.value, t.target, g.direction)})
    _check_gsa(pd.DataFrame(rows))


def test_acsi_comparison_same_year_and_scale_note(wh: Path) -> None:
    frame = acsi_comparison(wh, data_dir=DECL)
    state = frame[frame["service_id"] == "dos-ca"].iloc[0]
    mean = (415 + 479 + 23) / 215  # FY2024's satisfaction points (Q1, Q2 pooled, Q4) over its answers
    assert state["mean"] == pytest.approx(mean)
    assert state["service_index"] == pytest.approx((mean - 1) / 4 * 100)
    assert state["acsi_federal"] == 69.7
    assert state["gap_federal"] == pytest.approx((mean - 1) / 4 * 100 - 69.7)
    assert state["acsi_national"] == 77.5  # the latest quarter when there is no annual figure
    assert (state["industry"], state["acsi_industry"]) == ("Consumer Shipping", 80.0)
    assert math.isnan(state["acsi_department"])  # only a 2023 figure: never a neighbouring year's
    assert state["comparison_note"] == COMPARISON_NOTE and "(mean" in COMPARISON_NOTE
    assert state["synthetic"]


def test_trends_previous_period_and_year_before() -> None:
    assert quarter_start(2024, 1) == date(2023, 10, 1)
    assert quarter_start(2024, 4) == date(2024, 7, 1)
    frame = pd.DataFrame({"k": ["a"] * 4, "period_start": [date(2023, 1, 1), date(2023, 4, 1),
                                                           date(2024, 1, 1), date(2024, 7, 1)],
                          "v": [1.0, 2.0, 4.0, 8.0]})
    out = add_changes(frame, ["k"], "v", "quarter")
    assert out["change_prev"].tolist()[1] == 1.0
    assert math.isnan(out["change_prev"].tolist()[2])  # 2023-10 missing: no comparison with 2023-04
    assert out["change_yago"].tolist()[2] == 3.0       # 2024-01 against 2023-01
    assert math.isnan(out["change_yago"].tolist()[3])


def test_initiative_milestones_with_the_standards_they_address(wh: Path) -> None:
    frame = initiative_milestones(wh, data_dir=DECL)
    assert frame.to_dict("records") == [{
        "initiative_id": "t-callback", "kind": "action_plan", "service_id": "dos-ca", "title": "Callback",
        "milestone": "Call-back offered", "due": date(2024, 1, 31), "milestone_status": "in_progress",
        "done_on": None, "late": True, "standards": "t-calls-2-minutes", "goals": "t-calls-goal",
        # FY2024: 32 of 39 calls within 2 minutes against 0.90.
        "standards_latest": "t-calls-2-minutes: off track (FY2024)", "basis": "illustrative"}]


def test_a_missed_milestone_is_late_in_a_warehouse_without_standards_figures(tmp_path: Path) -> None:
    """data/initiatives.yaml: IRS 'Callback on all lines', due 2024-12-31, status missed. A fresh
    warehouse has no standards figures (no last day to judge 'overdue' by): missed is late all the same,
    a milestone merely not done yet is not judged late."""
    from ingest.warehouse import initialise

    db = initialise(tmp_path / "empty.duckdb")
    frame = initiative_milestones(db).set_index("milestone")
    assert frame.loc["Callback on all lines", ["milestone_status", "late"]].tolist() == ["missed", True]
    pending = frame[frame["milestone_status"].isin(["planned", "in_progress"]) & frame["done_on"].isna()]
    assert len(pending) and not pending["late"].any()
