"""Filters live in the URL: select + "Apply filters" reloads the view with a new query string, the
back button restores the earlier view, a copied URL opens the same view, and an unknown value
falls back to the default with a notice (never an error)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser


def table_text(page, table_id: str) -> str:
    return page.locator(f"#{table_id}").text_content()


def test_filter_change_updates_url_back_restores_and_url_reopens(page, dash_ready, axe, axe_report,
                                                                 browser, live_server):
    page.goto("/service/dos-ca")
    dash_ready(page)
    before = table_text(page, "service-drivers-table")
    heading_before = page.locator("#service-drivers-title").inner_text()
    select = page.locator("#filter-period")
    options = select.locator("option").evaluate_all("(os) => os.map(o => o.value)")
    target = next(v for v in options if v != select.input_value() and " Q" in v)
    select.select_option(target)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "period=" in url)
    dash_ready(page)
    assert parse_qs(urlparse(page.url).query)["period"] == [target]
    after = table_text(page, "service-drivers-table")
    assert target in page.locator("#service-drivers-title").inner_text()
    assert after != before
    assert page.locator("#filter-period").input_value() == target
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shared_url = page.url

    page.go_back()
    dash_ready(page)
    assert "period=" not in page.url
    assert page.locator("#service-drivers-title").inner_text() == heading_before
    assert table_text(page, "service-drivers-table") == before

    other = page.context.new_page()
    other.goto(shared_url)
    dash_ready(other)
    assert table_text(other, "service-drivers-table") == after
    other.close()


def test_home_quarter_filter_and_unknown_value_notice(page, dash_ready, axe, axe_report):
    page.goto("/?quarter=FY1999%20Q9&driver=nonsense")
    dash_ready(page)
    notice = page.get_by_test_id("filter-notice")
    assert notice.count() == 1
    text = notice.inner_text()
    assert "FY1999 Q9" in text and "nonsense" in text
    assert page.locator("#filter-driver").input_value() == "all"
    violations = axe(page)
    assert violations == [], axe_report(violations)
    page.locator("#filter-driver").select_option("trust")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "driver=trust" in url)
    dash_ready(page)
    assert page.get_by_test_id("filter-notice").count() == 0
    # The movers block (#14.3): the measure is the first cell after the agency or service.
    drivers = page.locator("#movers-table tbody tr td:nth-child(2)").all_text_contents()
    assert set(drivers) <= {"trust"}


def test_agency_filter_by_standard_and_year(page, dash_ready, db_path):
    from metrics.access import PUBLIC, viewing
    from metrics.standards import standards_status

    page.goto("/agency/dos-ca")
    dash_ready(page)
    standards = page.locator("#filter-standard option").evaluate_all("(os) => os.map(o => o.value)")
    assert len(standards) >= 2
    page.locator("#filter-standard").select_option(standards[1])
    page.locator("#filter-period").select_option("FY2024")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(lambda url: "standard=" in url)
    dash_ready(page)
    with viewing(PUBLIC):
        frame = standards_status(db_path, "year")
    rows = frame[frame["standard_id"] == standards[1]].sort_values("period_start")
    shown = page.locator("#agency-trend-table tbody tr th").all_text_contents()
    assert shown == rows["period"].tolist()
    statuses = [s.strip().lstrip("✓!✕?–").strip() for s in
                page.locator("#agency-trend-table tbody tr td:last-child").all_text_contents()]
    assert statuses == rows["status"].tolist()
