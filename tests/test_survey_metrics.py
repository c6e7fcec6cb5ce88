"""Survey drivers per service x channel x quarter, by hand from tests/fixtures/metrics_survey.csv."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from metrics.exports import available
from metrics.survey import driver_scores
from tests.conftest import REPO
from tests.metrics_warehouse import SURVEY, build

DATA = REPO / "data"  # the project's min_n (30)


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("survey") / "w.duckdb", [SURVEY])


def cell(db: Path, service: str, channel: str, period: str, driver: str) -> dict:
    frame = driver_scores(db, "quarter", data_dir=DATA)
    found = frame[(frame["service_id"] == service) & (frame["channel"] == channel)
                  & (frame["period"] == period) & (frame["driver"] == driver)]
    assert len(found) == 1
    return found.iloc[0].to_dict()


def test_agree_share_interval_mean_and_response_rate(wh: Path) -> None:
    c = cell(wh, "dos-ca", "phone", "FY2024 Q1", "satisfaction")
    # Counts 5, 5, 10, 30, 50: agree 80 of 100; mean (5 + 10 + 30 + 120 + 250) / 100 = 4.15.
    assert (c["n"], c["agree"], c["agree_share"], c["mean"]) == (100, 80, 0.8, pytest.approx(4.15))
    assert (c["agree_ci_low"], c["agree_ci_high"]) == pytest.approx((0.7112, 0.8666), abs=1e-4)
    assert c["response_rate"] == pytest.approx(100 / 1000)
    assert math.isnan(c["change_prev"]) and not c["significant_prev"]
    assert c["synthetic"] is False or c["synthetic"] == 0


def test_mean_interval_and_published_mean(wh: Path) -> None:
    c = cell(wh, "dos-ca", "phone", "FY2024 Q1", "satisfaction")
    # Counts 5, 5, 10, 30, 50: sum of squares 5 + 20 + 90 + 480 + 1250 = 1845; sample variance
    # (1845 - 100 * 4.15^2) / 99 = 1.239899; se = sqrt(1.239899 / 100) = 0.111351; 1.96 se = 0.218244.
    assert (c["mean_ci_low"], c["mean_ci_high"]) == pytest.approx((3.931756, 4.368244), abs=1e-5)
    assert c["published_mean"] == pytest.approx(4.15)
    # Two touchpoints pooled: IVR 4.43 on 100 answers, web callback 3.60 on 10: (443 + 36) / 110.
    pooled = cell(wh, "dos-ca", "phone", "FY2024 Q2", "satisfaction")
    assert pooled["published_mean"] == pytest.approx(479 / 110)
    # No answer counts, only a published mean: that mean, and no interval.
    osha = cell(wh, "dol-osha", "mail", "FY2024 Q1", "satisfaction")
    assert osha["published_mean"] == pytest.approx(4.1) and math.isnan(osha["mean_ci_low"])


def test_real_va_health_email_trust_matches_performance_gov(tmp_path: Path) -> None:
    """VA Veterans Health Administration, FY2021 Q2, email, trust: the published A-11 file gives
    counts 3798 / 5267 / 22026 / 80315 / 209573 (n 320,979, 90.31 % agree) and a mean of 4.52."""
    from ingest.loader import load
    from tests.conftest import reference

    db = tmp_path / "real.duckdb"
    load([reference("a11_cx_fy2021.csv")], db=db)
    frame = driver_scores(db, "quarter")
    row = frame[(frame["service_id"] == "va-vha") & (frame["channel"] == "email")
                & (frame["period"] == "FY2021 Q2") & (frame["driver"] == "trust")].iloc[0]
    assert (row["n"], row["agree"]) == (320_979, 289_888)
    assert round(row["agree_share"] * 100, 2) == 90.31
    assert row["published_mean"] == pytest.approx(4.52)
    points = 3798 + 2 * 5267 + 3 * 22026 + 4 * 80315 + 5 * 209573
    assert row["mean"] == pytest.approx(points / 320_979) and round(row["mean"], 2) == 4.52
    assert row["mean_ci_low"] < row["mean"] < row["mean_ci_high"]
    assert row["mean_ci_high"] - row["mean_ci_low"] == pytest.approx(0.00548, abs=5e-5)


def test_touchpoints_pooled_and_change_not_significant(wh: Path) -> None:
    c = cell(wh, "dos-ca", "phone", "FY2024 Q2", "satisfaction")
    # IVR 2,3,5,30,60 plus web callback 1,1,2,3,3: agree 96 of 110; points (2+6+15+120+300) + 36 = 479.
    assert (c["n"], c["agree"]) == (110, 96)
    assert c["mean"] == pytest.approx(479 / 110)
    assert c["response_rate"] == pytest.approx((120 + 10) / (1200 + 100))
    # 80/100 -> 96/110: pooled 176/210, se 0.050897, z = 0.072727 / se = 1.429, p = 0.153.
    assert c["change_prev"] == pytest.approx(96 / 110 - 0.8)
    assert c["p_value_prev"] == pytest.approx(0.153, abs=1e-3)
    assert not c["significant_prev"]


def test_significant_change(wh: Path) -> None:
    c = cell(wh, "dos-ca", "phone", "FY2024 Q2", "trust")
    # 60/100 -> 90/100: pooled 0.75, se 0.061237, z = 4.899, p < 0.001.
    assert c["change_prev"] == pytest.approx(0.3)
    assert c["p_value_prev"] < 1e-5
    assert c["significant_prev"]


def test_a_gap_quarter_is_not_compared_and_small_n_is_flagged(wh: Path) -> None:
    c = cell(wh, "dos-ca", "phone", "FY2024 Q4", "satisfaction")
    assert (c["n"], c["agree_share"], c["low_n"]) == (5, 1.0, True)
    assert math.isnan(c["prev_agree_share"]) and math.isnan(c["change_prev"])  # Q3 has no report


def test_blank_channel_and_published_mean_only(wh: Path) -> None:
    c = cell(wh, "va-vba", "unspecified", "FY2024 Q1", "satisfaction")
    assert (c["n"], c["agree"]) == (100, 90)
    osha = cell(wh, "dol-osha", "mail", "FY2024 Q1", "satisfaction")
    assert osha["n"] == 0 and math.isnan(osha["agree_share"])
    assert (osha["mean"], osha["mean_source"]) == (pytest.approx(4.1), "published")


def test_fiscal_year_all_channels(wh: Path) -> None:
    frame = driver_scores(wh, "year", by_channel=False, data_dir=DATA)
    row = frame[(frame["service_id"] == "dos-ca") & (frame["driver"] == "satisfaction")].iloc[0]
    assert (row["channel"], row["period"], row["n"], row["agree"]) == ("all", "FY2024", 215, 181)


def test_survey_trends_export(wh: Path) -> None:
    frame = available()["survey-trends"](wh)
    for col in ("driver", "agree_share", "agree_ci_low", "agree_ci_high", "n", "change", "significant",
                "synthetic"):
        assert col in frame.columns
    assert len(frame) == 9
