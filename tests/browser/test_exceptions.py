"""The "What needs attention" table in Chromium, signed in as OMB: its rows are the metrics frame's,
a header click re-sorts on the server (the URL changes, aria-sort moves), axe-core finds nothing, and
at 320 px the page does not scroll sideways (the table scrolls in its own labelled region)."""

from __future__ import annotations

import pytest

from tests.browser.page_checks import no_horizontal_scroll, table_cells, table_headers

pytestmark = pytest.mark.browser

USER, PASSWORD = "omb-exceptions", "exceptions password 12345"
TABLE = "#exceptions-table"
PHONE_320 = {"width": 320, "height": 800}


@pytest.fixture
def omb_page(page, dash_app, dash_ready, tmp_path):
    """The page, signed in as an OMB user of a users file made for this test only."""
    from dashboard.auth import add_user

    path = tmp_path / "users.yaml"
    add_user(path, USER, "omb", password=PASSWORD)
    before = dash_app.server.config.get("SERVICESTAT_USERS")
    dash_app.server.config["SERVICESTAT_USERS"] = str(path)
    page.set_default_timeout(60_000)  # the overview builds every block cold on a shared machine
    page.goto("/signin")
    page.fill("#username", USER)
    page.fill("#password", PASSWORD)
    page.locator("#password").press("Enter")  # the sign-in form's own submit (the header has a search)
    page.wait_for_load_state("networkidle")
    body = page.inner_text("body")
    assert "Signed in as" in body, (page.url, body[:500])
    yield page
    dash_app.server.config["SERVICESTAT_USERS"] = before


def _frame(db_path: str, period: str, key: str | None = None, direction: str = "asc"):
    from dashboard.exceptions_block import sort_rows
    from metrics.access import OMB, viewing
    from metrics.exceptions import exceptions

    with viewing(OMB):
        frame = exceptions(db_path, "quarter", period=period)
    return frame if key is None else sort_rows(frame, key, direction)


def _expected_cells(frame) -> list[list[str]]:
    from dashboard.formatting import fmt_number

    return [[r.service, r.standard, fmt_number(r.customers_affected), r.channel, r.agency]
            for r in frame.itertuples()]


def _shown(page) -> list[list[str]]:
    cells = table_cells(page, TABLE)
    # Service, standard, status, gap, customers affected, ..., channel, agency.
    return [[row[0], row[1], row[4], row[-2], row[-1]] for row in cells]


def test_rows_are_the_metrics_frame_and_headers_sort(omb_page, dash_ready, axe, axe_report, db_path, shot):
    page = omb_page
    period = page.locator("#filter-quarter").input_value()
    frame = _frame(db_path, period)
    assert len(frame) > 0, "the demo has standards off track or at risk in the latest quarter"
    assert page.locator("#exceptions h2").inner_text().strip() == f"What needs attention, {period}"
    assert table_headers(page, TABLE)[0].startswith("Service")
    assert _shown(page) == _expected_cells(frame)  # most customers affected first
    assert page.locator(f"{TABLE} th[aria-sort]").count() == 1
    assert page.locator(f"{TABLE} th[aria-sort]").get_attribute("aria-sort") == "descending"
    worst = frame.iloc[0]
    summary = page.locator("#exceptions [data-testid=chart-summary]").inner_text()
    assert f"Most customers affected: {worst['service']} ({worst['standard']}" in summary
    assert worst["off_track_since"] in summary
    violations = axe(page)
    assert violations == [], axe_report(violations)

    # Sort by the gap: a link, so the sorted view is a URL; the other filters stay in it.
    page.locator(f'{TABLE} thead a[data-sort="gap"]').click()
    page.wait_for_url("**/?*sort=gap*")
    dash_ready(page)
    assert "dir=asc" in page.url and f"quarter={period.replace(' ', '+')}" in page.url
    sorted_th = page.locator(f"{TABLE} th[aria-sort]")
    assert sorted_th.count() == 1 and sorted_th.get_attribute("aria-sort") == "ascending"
    assert sorted_th.inner_text().startswith("Gap")
    assert _shown(page) == _expected_cells(_frame(db_path, period, "gap", "asc"))
    # Again: the other way round.
    page.locator(f'{TABLE} thead a[data-sort="gap"]').click()
    page.wait_for_url("**/?*dir=desc*")
    dash_ready(page)
    assert page.locator(f"{TABLE} th[aria-sort]").get_attribute("aria-sort") == "descending"
    assert _shown(page) == _expected_cells(_frame(db_path, period, "gap", "desc"))
    # By a text column, by keyboard.
    page.locator(f'{TABLE} thead a[data-sort="service"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/?*sort=service*")
    dash_ready(page)
    assert _shown(page) == _expected_cells(_frame(db_path, period, "service", "asc"))
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "exceptions-sorted-desktop")


def test_at_320_px_the_table_scrolls_in_its_own_region(omb_page, dash_ready, shot):
    page = omb_page
    page.set_viewport_size(PHONE_320)
    page.reload()
    dash_ready(page)
    region = page.locator("#exceptions [role=region]")
    assert region.count() == 1
    title = page.locator("#exceptions h2").inner_text().strip()
    assert region.get_attribute("aria-label") == f"{title}: table"
    assert region.get_attribute("tabindex") == "0"
    assert region.locator(TABLE).count() == 1
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the table is wider than 320 px"
    assert no_horizontal_scroll(page), "the page body scrolls sideways"
    shot(page, "exceptions-320")


def test_agency_page_lists_that_agency_only(omb_page, dash_ready, axe, axe_report, db_path):
    from dashboard.formatting import fmt_number
    from metrics.access import OMB, viewing
    from metrics.exceptions import exceptions

    page = omb_page
    page.goto("/agency/va-vba")
    dash_ready(page)
    period = page.locator("#filter-period").input_value()
    with viewing(OMB):
        frame = exceptions(db_path, "quarter" if " Q" in period else "year", period=period, agency="va-vba")
    assert len(frame) > 0 and set(frame["agency_id"]) == {"va-vba"}
    assert not [h for h in table_headers(page, TABLE) if h.startswith("Agency")]  # one agency: no column
    cells = table_cells(page, TABLE)
    assert [[r[0], r[1], r[4], r[-1]] for r in cells] == [
        [r.service, r.standard, fmt_number(r.customers_affected), r.channel] for r in frame.itertuples()]
    page.locator(f'{TABLE} thead a[data-sort="status"]').click()
    page.wait_for_url("**/agency/va-vba?*sort=status*")
    dash_ready(page)
    assert f"period={period.replace(' ', '+')}" in page.url
    assert page.locator(f"{TABLE} th[aria-sort]").get_attribute("aria-sort") == "ascending"
    violations = axe(page)
    assert violations == [], axe_report(violations)
