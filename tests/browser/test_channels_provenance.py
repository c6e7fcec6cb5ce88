"""Channels by performance and provenance per figure, in Chromium, on a service page.

A copy of the demo warehouse gets one more file of Passport Services' own (survey answers at a new
phone touchpoint, FY2024 Q4: a published quarter the public can choose on the page), loaded as a
submission of dos-ca. Then:

* the public reads the channel tables, a summary naming the worst channel exactly as the metrics layer
  picks it, and under every chart a "Source:" line (reports published by OMB, linked to /reporting) -
  never a file name;
* the dos-ca manager reads the same channel figures (their own, unsuppressed) and, under the survey chart,
  the new file by name with its load time, linked to the load in their agency page's quality section,
  where that load's anchor exists;
* axe-core finds nothing on either page.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.browser.page_checks import table_cells
from tests.browser.staff_site import dash_app, live_server, sign_in
from tests.conftest import copy_warehouse

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]
__all__ = ["dash_app", "live_server"]

PERIOD = "FY2024 Q4"
URL = "/service/dos-ca?period=FY2024%20Q4"
OWN_FILE = "passport-kiosk-survey-fy2024q4.csv"
SURVEY = ("service_id,channel,touchpoint,fiscal_year,quarter,question_number,question_text,driver,"
          "count_1,count_2,count_3,count_4,count_5\n"
          "dos-ca,phone,test kiosk,2024,4,2,This interaction increased my confidence in passport services.,"
          "trust,10,10,20,100,160\n")
STANDARDS, SURVEY_BLOCK = "#service-channel-performance-standards", "#service-channel-performance-survey"


@pytest.fixture(scope="module")
def db_path(db_path, tmp_path_factory) -> str:  # noqa: F811 - the session's demo warehouse, copied
    """A copy of the demo warehouse (tests/browser/staff_site.py's `dash_app` serves it)."""
    copy = tmp_path_factory.mktemp("channels-site") / "warehouse.duckdb"
    copy_warehouse(db_path, copy)
    return str(copy)


@pytest.fixture(scope="module")
def own_load(db_path, tmp_path_factory) -> tuple[int, pd.Timestamp]:
    """The dos-ca file, loaded as dos-ca's own submission: (load id, finished at)."""
    from ingest.loader import load
    from tests.conftest import query, write

    path = write(tmp_path_factory.mktemp("own") / OWN_FILE, SURVEY)
    (result,) = load([path], db=db_path, agency_id="dos-ca")
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    ((finished,),) = query(db_path, "SELECT finished_at FROM loads WHERE load_id = ?", [result.load_id])
    return int(result.load_id), pd.Timestamp(finished)


def _expected_summary(db_path: str, viewer) -> str:
    from dashboard.channels_block import worst_sentence
    from metrics.access import viewing
    from metrics.channels import channel_performance, worst_channel

    with viewing(viewer):
        frame = channel_performance(db_path, "quarter")
    worst = worst_channel(frame[(frame["service_id"] == "dos-ca") & (frame["period"] == PERIOD)])
    assert worst is not None
    return worst_sentence(worst, PERIOD)


def _standards_rows(db_path: str, viewer) -> list[list[str]]:
    """(channel, standard, result, target, gap) of the channel standards, as the block formats them."""
    from dashboard.channels_block import gap_text, result_text
    from metrics.access import viewing
    from metrics.channels import channel_performance

    with viewing(viewer):
        frame = channel_performance(db_path, "quarter")
    rows = frame[(frame["service_id"] == "dos-ca") & (frame["period"] == PERIOD)
                 & (frame["kind"] == "standard")]
    return [[r.channel_label, r.measure, result_text(r.result, r.result_unit),
             result_text(r.target, r.result_unit), gap_text(r.gap, r.gap_unit)] for r in rows.itertuples()]


def _check_channels(page, db_path: str, viewer) -> None:
    block = page.locator(STANDARDS)
    assert block.get_by_test_id("chart-summary").inner_text().strip() == _expected_summary(db_path, viewer)
    shown = [row[:5] for row in table_cells(page, f"{STANDARDS}-table")]
    assert shown == _standards_rows(db_path, viewer)
    # Each status by icon and word, never colour alone (the table sits in a closed toggle: textContent).
    badges = block.locator("[data-status]").evaluate_all(
        "els => els.map(e => [e.textContent.trim(), e.getAttribute('data-status'),"
        " e.querySelectorAll('.ss-icon').length])")
    assert badges and all(word == status and status in ("on track", "at risk", "off track",
                                                        "insufficient data", "not reported") and icons == 1
                          for word, status, icons in badges)
    survey = table_cells(page, f"{SURVEY_BLOCK}-table")
    assert {row[0] for row in survey} >= {"Online", "Phone", "All channels"}


def test_public_reads_channels_and_sources_never_files(page, dash_ready, db_path, own_load, axe, axe_report,
                                                       shot):
    from metrics.access import PUBLIC

    page.goto(URL)
    dash_ready(page)
    _check_channels(page, db_path, PUBLIC)
    lines = page.get_by_test_id("provenance").all_inner_texts()
    assert lines and all(line.startswith("Source: ") for line in lines)
    assert any("under OMB Circular A-11 Section 280, published by OMB" in line for line in lines)
    hrefs = page.locator("[data-testid=provenance] a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and set(hrefs) == {"/reporting"}
    body = page.inner_text("main")
    assert ".csv" not in body and OWN_FILE not in body and "#load-" not in page.content()
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "service-channels-public")


def test_manager_reads_own_file_and_load_time_linked(page, dash_ready, db_path, own_load, axe, axe_report,
                                                      shot):
    from metrics.access import agency_manager

    load_id, finished = own_load
    sign_in(page, "dos-manager")
    page.goto(URL)
    dash_ready(page)
    _check_channels(page, db_path, agency_manager("dos-ca"))
    line = page.locator(SURVEY_BLOCK).get_by_test_id("provenance")
    text = line.inner_text()
    stamp = f"{finished.strftime('%B')} {finished.day}, {finished.year}, {finished.strftime('%H:%M')}"
    assert f"{OWN_FILE} (survey answers, loaded {stamp})" in text
    link = line.get_by_role("link", name=OWN_FILE)
    assert link.get_attribute("href") == f"/agency/dos-ca#load-{load_id}"
    assert "Source:" not in text
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "service-channels-manager")
    link.click()  # the link lands on the load in the agency page's quality section
    dash_ready(page)
    assert page.locator(f"#load-{load_id}").count() == 1
