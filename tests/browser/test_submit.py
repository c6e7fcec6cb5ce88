"""/submit in Chromium, signed in as dos-ca's manager on a copy of the demo warehouse: the form works by
keyboard alone (Tab reaches every control with a visible focus, Space on the file field opens the file
chooser, Enter sends), a good file lands (its rows are in the warehouse and its load on /quality), a
bad one shows each rejected row's row, field, value and reason on the page, and axe-core finds nothing
on the form or the summary. The public is sent to sign in."""

from __future__ import annotations

import pytest

from tests.browser.page_checks import tab_through_main, table_cells, table_headers
from tests.browser.staff_site import dash_app, db_path, live_server, sign_in
from tests.conftest import query, write
from tests.test_quality_metrics import EVENTS_DOS

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]
__all__ = ["dash_app", "db_path", "live_server"]

GOOD = ("event_id,service_id,channel,received_at,completed_at,wait_minutes,outcome\n"
        "K-1,dos-ca,phone,2026-02-09 09:00:00,2026-02-09 09:20:00,3.5,completed\n"
        "K-2,dos-ca,online,2026-02-09 10:00:00,2026-02-09 10:05:00,1.0,completed\n")


def _open_form(page, axe, axe_report) -> None:
    # A submission writes a new warehouse (copy, load, swap): minutes on a shared, loaded machine.
    page.set_default_timeout(180_000)
    page.set_default_navigation_timeout(180_000)
    sign_in(page, "dos-manager")
    response = page.goto("/submit")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    # USWDS rebuilds the file field around the input when its script runs; focus given before that is
    # lost (on a loaded machine a Space then opened no file chooser). Wait until it has.
    page.wait_for_selector("#file.usa-file-input__input", state="attached")
    assert page.locator("main h1").inner_text().strip() == "Send files"
    violations = axe(page)
    assert violations == [], axe_report(violations)


def test_a_good_file_sent_by_keyboard_lands(page, axe, axe_report, db_path, tmp_path, shot):
    _open_form(page, axe, axe_report)
    tab_through_main(page)  # every control of the form, each with a visible focus indicator
    path = write(tmp_path / "passport-feb-keyboard.csv", GOOD)
    page.locator("#file").focus()
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(path))
    page.locator("#all_or_nothing").focus()
    page.keyboard.press("Space")
    assert page.locator("#all_or_nothing").is_checked()
    page.locator("#submit-button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#submit-summary").inner_text().strip() == "1 file sent: 2 rows loaded, 0 rejected."
    section = page.locator('section[data-file="passport-feb-keyboard.csv"]')
    assert section.locator('[data-status="loaded"]').count() == 1
    assert section.locator('[data-count="rows_loaded"]').inner_text() == "2"
    assert query(db_path, "SELECT count(*) FROM service_events WHERE event_id LIKE 'K-%'")[0][0] == 2
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "submit-good")
    # The load is on the data-quality page, where the summary's link leads.
    link = section.locator('a[href^="/quality#load-"]')
    load_id = link.get_attribute("href").rsplit("-", 1)[1]
    link.click()
    page.wait_for_load_state("networkidle")
    page.locator("main h1").wait_for()
    assert page.locator(f"#load-{load_id}").count() == 1
    row = next(r for r in table_cells(page, "#quality-loads-table") if r[0] == f"Load {load_id}")
    assert row[1] == "passport-feb-keyboard.csv" and row[4:7] == ["2", "2", "0"]


def test_a_bad_file_shows_its_rejects(page, axe, axe_report, tmp_path, shot):
    _open_form(page, axe, axe_report)
    page.set_input_files("#file", str(write(tmp_path / "passport-bad.csv", EVENTS_DOS)))
    with page.expect_navigation():
        page.click("#submit-button")
    page.wait_for_load_state("networkidle")
    assert page.locator("#submit-summary").inner_text().strip() == "1 file sent: 1 row loaded, 4 rejected."
    assert table_headers(page, "#rejects-1") == ["Row", "Field", "Value", "Reason"]
    rows = table_cells(page, "#rejects-1")
    assert [r[:3] for r in rows] == [
        ["1", "completed_at", "2026-03-03 08:00:00"], ["2", "channel", "telepathy"],
        ["3", "service_id", "no-such-service"], ["4", "received_at", "not a date"]]
    assert "completed before it was received" in rows[0][3] and "unknown channel telepathy" in rows[1][3]
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "submit-rejects")


def test_the_public_is_sent_to_sign_in(page):
    page.goto("/submit")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/signin?next=/submit")
    assert page.locator("#signin-form").count() == 1
