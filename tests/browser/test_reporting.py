"""The /reporting page and the sign-in form in Chromium: rendering under the Content-Security-Policy
(no console errors), axe-core, keyboard use, and the header's signed-in line."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "browser password 12345"


@pytest.fixture
def users(dash_app, tmp_path):
    """A users file for the shared app, for this test only."""
    from dashboard.auth import add_user

    path = tmp_path / "users.yaml"
    add_user(path, "passport-manager", "agency", "dos-ca", password=PASSWORD)
    before = dash_app.server.config.get("SERVICESTAT_USERS")
    dash_app.server.config["SERVICESTAT_USERS"] = str(path)
    yield path
    dash_app.server.config["SERVICESTAT_USERS"] = before


def test_reporting_page_renders_with_csp_and_passes_axe(page, dash_ready, axe, axe_report, shot, db_path):
    from metrics.access import PUBLIC, viewing
    from metrics.reporting import reporting_status, today

    response = page.goto("/reporting")
    assert response.status == 200
    assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
    dash_ready(page)
    assert page.title() == "Reporting compliance – ServiceStat"
    assert page.locator("main h1").inner_text().strip() == "Reporting compliance"
    assert page.get_by_test_id("synthetic-notice").is_visible()
    detail = page.locator("#reporting-detail")
    assert detail.is_visible()
    with viewing(PUBLIC):
        frame = reporting_status(db_path, today())
    newest = frame[frame["fiscal_year"] == frame["fiscal_year"].max()]
    assert detail.locator("tbody tr").count() == len(newest)
    # compliance is an icon and a word, never colour alone
    first = detail.locator("[data-compliance]").first
    word = first.get_attribute("data-compliance")
    assert word in set(newest["compliance"]) and word in first.inner_text()
    assert first.locator('[aria-hidden="true"]').count() == 1
    assert "not performance" in page.locator("main").inner_text()
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "reporting-desktop")


def test_reporting_filters_by_keyboard(page, dash_ready):
    page.goto("/reporting")
    dash_ready(page)
    page.locator("#filter-agency").focus()
    page.keyboard.press("End")  # last agency in the native select
    chosen = page.locator("#filter-agency").input_value()
    page.locator("#apply-filters").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reporting?*agency={chosen}*")
    dash_ready(page)
    agencies = set(page.locator("#reporting-detail tbody tr td:nth-child(2)").all_inner_texts())
    assert len(agencies) == 1


def test_sign_in_form_by_keyboard_and_axe(page, page_problems, dash_ready, axe, axe_report, users, shot):
    response = page.goto("/signin")
    assert response.status == 200
    assert page.title() == "Sign in – ServiceStat"
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "signin")
    # Wrong password first: an alert, announced, and the fields marked invalid (401 expected).
    page_problems.allow(r"POST \S+/signin: HTTP 401")
    page_problems.allow(r"status of 401 \(UNAUTHORIZED\) \(\S+/signin\)")
    page.locator("#username").focus()
    page.keyboard.type("passport-manager")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    assert page.get_by_role("alert").inner_text().strip() == "The user name or password is not right."
    violations = axe(page)
    assert violations == [], axe_report(violations)
    page.locator("#password").focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    dash_ready(page)
    assert page.get_by_test_id("signed-in-as").inner_text().strip() == (
        "Signed in as passport-manager (agency manager, dos-ca)")
    violations = axe(page)
    assert violations == [], axe_report(violations)
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "visible focus on the sign-out button"
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    dash_ready(page)
    assert page.get_by_role("link", name="Sign in").is_visible()
