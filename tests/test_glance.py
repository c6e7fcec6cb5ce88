"""A service at a glance, the answer distribution, the operational benchmarks and the narratives.

One small warehouse of planted files for Passport Services (dos-ca), every expected value worked out
by hand below from the rows written:

* mail transactions, 40 a quarter, each taking 20 days (received in FY2023 Q4), 100 days (FY2024 Q3)
  and 7 days (FY2024 Q4): median processing time 20, 100 and 7 days. The routine-processing standard
  of data/standards.yaml (within 8 weeks at the time, 90 % target, at least 30 transactions) is on track
  in FY2023 Q4 and FY2024 Q4 and off track in FY2024 Q3 (0 of 40 within): standards met 1, 0, 1 of 1;
* trust answers (counts 1..5) 10,10,20,30,30 / 5,5,10,40,40 / 2,3,5,30,60 - agree 60 %, 80 %, 90 %;
* cost per transaction by channel (phone $10 x 100 transactions, online $2 x 300 in FY2024 Q4; phone $12
  x 100, online $4 x 100 in FY2024 Q3): all channels (10*100 + 2*300) / 400 = $4.00 and (12*100 +
  4*100) / 200 = $8.00; digital take-up 75 % and 50 %; first-contact resolution 72 % (phone, n 500),
  average speed of answer 45 seconds (phone, n 500);
* a satisfaction row with a published mean only (no counts): no distribution.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from dash import html

from core.declarations import check_declarations
from dashboard.glance_block import fmt_change, glance_block, verdict
from dashboard.survey_blocks import NOT_REPORTED, distribution_block
from ingest.loader import load
from ingest.rollup import refresh
from metrics.glance import metric_display_unit, service_glance
from metrics.narratives import service_narratives
from metrics.operational_benchmarks import operational_benchmarks, operational_comparison
from metrics.survey_distribution import answer_distribution
from tests.conftest import write
from tests.test_declaration_files import copy_data

OBSERVATIONS = """service_id,channel,period,metric,value,unit,n
dos-ca,phone,FY2024 Q4,cost_per_transaction,10,usd,
dos-ca,online,FY2024 Q4,cost_per_transaction,2,usd,
dos-ca,phone,FY2024 Q4,transactions,100,count,
dos-ca,online,FY2024 Q4,transactions,300,count,
dos-ca,phone,FY2024 Q3,cost_per_transaction,12,usd,
dos-ca,online,FY2024 Q3,cost_per_transaction,4,usd,
dos-ca,phone,FY2024 Q3,transactions,100,count,
dos-ca,online,FY2024 Q3,transactions,100,count,
dos-ca,,FY2024 Q4,digital_take_up,75,percent,
dos-ca,,FY2024 Q3,digital_take_up,50,percent,
dos-ca,phone,FY2024 Q4,first_contact_resolution,72,percent,500
dos-ca,phone,FY2024 Q4,average_speed_of_answer,45,seconds,500
"""
QUESTION = "This interaction increased my confidence in passport services."
SURVEY = f"""service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,count_1,\
count_2,count_3,count_4,count_5,published_mean,volume_served,volume_offered,volume_responded
dos-ca,mail,Mail,2023,4,2,{QUESTION},trust,10,10,20,30,30,,,,
dos-ca,mail,Mail,2024,3,2,{QUESTION},trust,5,5,10,40,40,,,,
dos-ca,mail,Mail,2024,4,2,{QUESTION},trust,2,3,5,30,60,,,,
dos-ca,mail,Mail,2024,4,1,I am satisfied with the service I received.,satisfaction,,,,,,4.2,,,
"""


def _events() -> str:
    rows = ["event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome"]
    for tag, start, days in (("A", datetime(2023, 7, 3, 9), 20), ("B", datetime(2024, 4, 1, 9), 100),
                             ("C", datetime(2024, 7, 1, 9), 7)):
        for i in range(40):
            got = start + timedelta(hours=i)
            done = got + timedelta(days=days)
            rows.append(f"{tag}{i:02d},dos-ca,mail,{got:%Y-%m-%d %H:%M:%S},{done:%Y-%m-%d %H:%M:%S},,"
                        "completed")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def wh(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("glance")
    files = [write(folder / "events.csv", _events()), write(folder / "observations.csv", OBSERVATIONS),
             write(folder / "survey.csv", SURVEY)]
    db = folder / "warehouse.duckdb"
    results = load(files, db=db)
    assert [r.status for r in results] == ["loaded"] * 3, [(r.file_name, r.problems[:2]) for r in results]
    assert refresh(db) == []
    return db


def _row(frame: pd.DataFrame, measure: str, period: str = "FY2024 Q4") -> pd.Series:
    found = frame[(frame["service_id"] == "dos-ca") & (frame["measure"] == measure)
                  & (frame["period"] == period)]
    assert len(found) == 1, (measure, period, found)
    return found.iloc[0]


def test_the_tiles_and_both_changes_are_the_hand_computed_values(wh: Path) -> None:
    g = service_glance(wh)
    trust = _row(g, "trust")
    assert (trust["value"], trust["n"]) == pytest.approx((0.90, 100))
    assert trust["change_prev"] == pytest.approx(0.10) and trust["change_yago"] == pytest.approx(0.30)
    met = _row(g, "standards_met")
    assert (met["value"], met["out_of"], met["prev_value"], met["yago_value"]) == (1, 1, 0, 1)
    assert met["change_prev"] == 1 and met["change_yago"] == 0
    cost = _row(g, "cost_per_transaction")
    assert cost["value"] == pytest.approx(4.0) and cost["change_prev"] == pytest.approx(-4.0)
    assert pd.isna(cost["change_yago"])  # no figure for FY2023 Q4: no change claimed
    take_up = _row(g, "digital_take_up")
    assert take_up["value"] == pytest.approx(0.75) and take_up["change_prev"] == pytest.approx(0.25)


def test_a_processing_time_declared_in_days_shows_days(wh: Path) -> None:
    assert metric_display_unit("processing_time_median") == "days"
    assert metric_display_unit("wait_time_median") == "minutes"
    processing = _row(service_glance(wh), "processing_time")
    assert processing["unit"] == "days"
    figures = (processing["value"], processing["prev_value"], processing["yago_value"])
    assert figures == pytest.approx((7, 100, 20))
    assert (processing["change_prev"], processing["change_yago"]) == pytest.approx((-93, -13))
    tile = _text(glance_block(service_glance(wh).query("service_id == 'dos-ca'"), "FY2024 Q4"))
    assert "7.0 days" in tile and "−93.0 days on FY2024 Q3 (better)." in tile
    assert "−13.0 days on FY2023 Q4, a year before (better)." in tile
    assert "minutes" not in tile.split("Processing time")[1].split("Cost per transaction")[0]


def test_the_tiles_read_as_text_with_a_text_equivalent_for_each_trend_line(wh: Path) -> None:
    block = glance_block(service_glance(wh).query("service_id == 'dos-ca'"), "FY2024 Q4")
    text = _text(block)
    assert "90.0%" in text and "+10.0 points on FY2024 Q3 (better)." in text
    assert "+30.0 points on FY2023 Q4, a year before (better)." in text
    assert "1 of 1" in text and "0 of 1 in FY2024 Q3 (better)." in text
    assert "$4.00" in text and "−$4.00 on FY2024 Q3 (better)." in text
    assert "No change to show on FY2023 Q4, a year before: no figure for both periods." in text
    alts = [c.alt for c in _walk(block) if isinstance(c, html.Img)]
    assert "Trust by period: FY2023 Q4 60.0%, FY2024 Q3 80.0%, FY2024 Q4 90.0%." in alts
    assert ("Processing time (median) by period: FY2023 Q4 20.0 days, FY2024 Q3 100.0 days, FY2024 Q4 7.0 "
            "days.") in alts


def test_changes_read_in_the_measures_direction() -> None:
    assert verdict(-93, "lower") == "better" and verdict(0.1, "lower") == "worse"
    assert verdict(0, "higher") == "no change"
    assert fmt_change(-4, "usd") == "−$4.00" and fmt_change(0.1, "share") == "+10.0 points"
    assert fmt_change(17, "seconds") == "+17.0 seconds"


def test_the_answer_distribution_sums_to_one_where_present_and_says_when_not(wh: Path) -> None:
    d = answer_distribution(wh)
    trust = d[(d["driver"] == "trust") & (d["period"] == "FY2024 Q4")].iloc[0]
    shares = [trust[f"share_{a}"] for a in range(1, 6)]
    assert shares == pytest.approx([0.02, 0.03, 0.05, 0.30, 0.60])
    assert sum(shares) == pytest.approx(1.0) and trust["agree_share"] == pytest.approx(0.90)
    present = d[d["distribution_reported"]]
    assert present[[f"share_{a}" for a in range(1, 6)]].sum(axis=1).to_numpy() == pytest.approx(1.0)
    mean_only = d[(d["driver"] == "satisfaction")].iloc[0]
    assert not mean_only["distribution_reported"] and pd.isna(mean_only["share_1"])
    text = _text(distribution_block(d[d["period"] == "FY2024 Q4"], block_id="x", title="t",
                                    period="FY2024 Q4", scope="all channels", empty_message="none"))
    assert NOT_REPORTED in text and "60.0%" in text


def test_the_operational_benchmarks_sit_beside_the_agencys_figure(wh: Path) -> None:
    bench = operational_benchmarks().set_index("measure")
    assert bench.loc["service_level", "value"] == pytest.approx(0.80)
    level = bench.loc["service_level"]
    assert (level["threshold"], level["threshold_unit"]) == (20, "seconds")
    asa = bench.loc["average_speed_of_answer"]
    assert (asa["value"], asa["unit"]) == (28, "seconds")
    assert bench["url"].str.startswith("https://").all() and bench["comparability_note"].str.len().min() > 80
    comp = operational_comparison(wh).set_index("measure")
    assert comp.loc["first_contact_resolution", "agency_value"] == pytest.approx(0.72)
    assert comp.loc["first_contact_resolution", "gap"] == pytest.approx(0.02)
    assert comp.loc["average_speed_of_answer", "gap"] == pytest.approx(45 - 28)


def test_demonstration_narratives_only_beside_synthetic_figures(wh: Path, tmp_path: Path) -> None:
    assert service_narratives(["dos-ca"], wh).empty  # real (not synthetic) figures: no demo words
    demo = tmp_path / "demo.duckdb"
    load([write(tmp_path / "survey.csv", SURVEY)], db=demo, synthetic=True)
    words = service_narratives(["dos-ca"], demo)
    assert len(words) >= 1 and words["synthetic"].all() and words["source_url"].isna().all()
    assert list(words["period_start"]) == sorted(words["period_start"], reverse=True)
    assert {"FY2023 Q3", "FY2025"} <= set(words["period"])


def test_a_synthetic_narrative_with_a_source_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "narratives.yaml"
    source = "    source: {title: T, url: 'https://x.example/'}\n"
    path.write_text(path.read_text().replace("    synthetic: true\n", "    synthetic: true\n" + source, 1))
    problems = [p.message for p in check_declarations(data) if p.file.endswith("narratives.yaml")]
    assert problems == ["dos-ca: entry: a synthetic narrative is not the agency's words: it must not name a "
                        "source"]


def test_an_operational_benchmark_in_a_unit_the_metric_cannot_take_is_refused(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "benchmarks_operational.csv"
    path.write_text(path.read_text().replace(",28,seconds,", ",28,percent,", 1))
    problems = [(p.line, p.message) for p in check_declarations(data) if p.file.endswith("operational.csv")]
    assert problems == [(3, "average_speed_of_answer: unit 'percent' cannot be compared with metric "
                            "'average_speed_of_answer', stored in 'minutes'")]


def _walk(node: object):
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child)
    elif children is not None:
        yield from _walk(children)


def _text(node: object) -> str:
    return " ".join(str(n) for n in _walk(node) if isinstance(n, str))
