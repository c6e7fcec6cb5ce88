"""Data quality in Chromium: a load of dos-ca with four rejected rows is planted in a copy of the demo
warehouse; its manager sees the rejects (row, field, value, reason) in the agency page's quality section
and on /quality, another agency's manager and the public never; /quality has zero axe violations, works
by keyboard, and ``/quality#load-<id>`` lands on the load's row."""

from __future__ import annotations

import pytest

from tests.browser.page_checks import tab_through_main, table_cells
from tests.browser.staff_site import dash_app, db_path, live_server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]
__all__ = ["dash_app", "db_path", "live_server"]

REJECTS = [["1", "completed_at", "2026-03-03 08:00:00"], ["2", "channel", "telepathy"],
           ["3", "service_id", "no-such-service"], ["4", "received_at", "not a date"]]


@pytest.fixture(scope="module")
def planted_load(db_path, tmp_path_factory) -> int:
    """dos-ca's file with four rejected rows (and one good), loaded as a submission of dos-ca."""
    from ingest.loader import load
    from tests.conftest import write
    from tests.test_quality_metrics import EVENTS_DOS

    path = write(tmp_path_factory.mktemp("plant") / "passport-march.csv", EVENTS_DOS)
    (result,) = load([path], db=db_path, agency_id="dos-ca")
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded_with_rejects", 1, 4)
    return int(result.load_id)


def _rejects_shown(page, table: str) -> list[list[str]]:
    """(row, field, value) of the planted load's rows in a rejects table."""
    return [row[2:5] for row in table_cells(page, table) if row[1] == "passport-march.csv"]


def test_the_manager_sees_the_planted_rejects_on_the_agency_page(page, dash_ready, planted_load, shot):
    sign_in(page, "dos-manager")
    page.goto("/agency/dos-ca")
    dash_ready(page)
    section = page.locator("section#quality")
    assert section.locator("h2").inner_text().strip() == "Data quality"
    assert _rejects_shown(page, "#quality-rejects-table") == REJECTS
    reasons = [row[5] for row in table_cells(page, "#quality-rejects-table")]
    assert all(reasons) and any("telepathy" in r for r in reasons)
    loads = table_cells(page, "#quality-loads-table")
    assert loads[0][:2] == [f"Load {planted_load}", "passport-march.csv"]
    assert loads[0][4:7] == ["5", "1", "4"]  # rows read, loaded, rejected
    assert section.locator(f"#load-{planted_load}").count() == 1
    shot(page, "quality-agency-section")


def test_quality_page_as_the_manager_links_to_the_load(page, dash_ready, planted_load, axe, axe_report, shot):
    sign_in(page, "dos-manager")
    page.goto(f"/quality#load-{planted_load}")
    dash_ready(page)
    assert page.locator("main h1").inner_text().strip() == "Data quality"
    anchor = page.locator(f"#load-{planted_load}")
    assert anchor.count() == 1
    assert _rejects_shown(page, "#quality-rejects-table") == REJECTS
    anchor.scroll_into_view_if_needed()
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "quality-manager")


def test_another_agencys_manager_never_sees_them(page, dash_ready, planted_load):
    sign_in(page, "va-manager")
    page.goto("/agency/dos-ca")
    dash_ready(page)
    assert page.locator("section#quality").count() == 0
    assert "telepathy" not in page.inner_text("main")
    page.goto("/quality")
    dash_ready(page)
    assert page.locator(f"#load-{planted_load}").count() == 0
    assert "telepathy" not in page.inner_text("main") and "passport-march" not in page.inner_text("main")


def test_the_public_never_sees_them(page, dash_ready, page_problems, planted_load, axe, axe_report):
    page.goto("/agency/dos-ca")
    dash_ready(page)
    assert page.locator("section#quality").count() == 0
    assert "telepathy" not in page.inner_text("main")
    page_problems.allow(r"/quality: HTTP 404")  # the page's own answer: no such page for the public
    page_problems.allow(r"status of 404 \(NOT FOUND\) \(http://127\.0\.0\.1:\d+/quality\)")
    response = page.goto("/quality")
    assert response is not None and response.status == 404
    dash_ready(page)
    assert "telepathy" not in page.content()
    assert page.locator('main a[href="/signin?next=/quality"]').count() == 1
    violations = axe(page)
    assert violations == [], axe_report(violations)


def test_quality_page_as_omb_by_keyboard(page, dash_ready, page_problems, planted_load, axe, axe_report,
                                         shot):
    # Leaving a page while Dash still asks for its layout cancels that request: not an answer.
    page_problems.allow(r"_dash-update-component.*net::ERR_ABORTED")
    sign_in(page, "omb-user")
    page.goto("/quality")
    dash_ready(page)
    assert _rejects_shown(page, "#quality-rejects-table") == REJECTS
    violations = axe(page)
    assert violations == [], axe_report(violations)
    tab_through_main(page)
    # The agency choice is a link: by keyboard to dos-ca's loads only.
    page.locator('main nav[aria-label="Agency"] a[href="/quality?agency=dos-ca"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/quality?agency=dos-ca")
    dash_ready(page)
    assert page.locator('main nav[aria-label="Agency"] a[aria-current="page"]').get_attribute(
        "href") == "/quality?agency=dos-ca"
    assert _rejects_shown(page, "#quality-rejects-table") == REJECTS
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "quality-omb")
