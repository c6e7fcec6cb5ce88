"""/alerts in Chromium, on a copy of the demo warehouse served with the after-load hook the command line
hands the app: an agency manager's file that breaks a standard, sent through the submission route,
raises an alert the manager sees on /alerts and that is e-mailed once to a local SMTP server (a second
run sends nothing); OMB sees every agency's alerts, sorted by any column; the public only published
standard breaches. axe-core finds nothing, and the page reads at 320 px without scrolling sideways."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from tests.browser.conftest import format_violations, run_axe, wait_for_dash
from tests.browser.page_checks import no_horizontal_scroll
from tests.conftest import copy_warehouse
from tests.test_alerts_mail import Inbox, _free_port
from tests.web_support import served

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]  # 60 s: pages render cold

PASSWORD = "alerts password 12345"
#: The demo's Retirement Services backlog is on track in FY2025 Q4 (about 8,600 claims, at most 13,000
#: promised); 20,000 in each month of the quarter is 54 % over: off track (data/standards.yaml).
BREACH = ("service_id,period,metric,value,unit\nopm-rs,2025-07,backlog,20000,count\n"
          "opm-rs,2025-08,backlog,20000,count\nopm-rs,2025-09,backlog,20000,count\n")
BREACH_TEXT = ("Retirement Services: Retirement claims inventory at or below the steady state of 13,000 (all "
               "channels) is off track in FY2025 Q4: 20000 count against a target of 13000 count (+7000 "
               "count); off track since FY2025 Q4.")


@pytest.fixture(scope="module")
def site(tmp_path_factory, db_path) -> Iterator[dict]:
    """A copy of the session's demo warehouse, served with `after_load=publish.alerts.refresh`."""

    from dashboard.accounts import add_token
    from dashboard.app import create_app
    from dashboard.auth import add_user
    from publish.alerts import refresh

    folder = tmp_path_factory.mktemp("alerts-site")
    db = folder / "demo.duckdb"
    copy_warehouse(db_path, db)
    for name, role, agency in (("opm-manager", "agency", "opm-rs"), ("omb-chief", "omb", None)):
        add_user(folder / "users.yaml", name, role, agency, password=PASSWORD)
    token = add_token(folder / "tokens.yaml", "opm-rs")
    app = create_app(str(db), after_load=refresh)
    app.server.config.update(SERVICESTAT_USERS=str(folder / "users.yaml"),
                             SERVICESTAT_TOKENS=str(folder / "tokens.yaml"))

    with served(app.server) as url:
        yield {"url": url, "db": db, "app": app, "token": token, "folder": folder}


@pytest.fixture(scope="module")
def live_server(site) -> str:
    """conftest's `page` opens this module's site."""
    return site["url"]


def _sign_in(page, user: str) -> None:
    page.goto("/signin")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Signed in as" in page.inner_text("body")


def _rows(page) -> list[dict[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('#alerts-table tbody tr')].map(tr => {
        const cells = [...tr.children].map(c => c.textContent.trim());
        return {alert: cells[0], status: cells[1], severity: cells[2], agency: cells[3]};
    })""")


def test_a_submitted_breach_shows_on_alerts_for_its_manager_and_is_mailed_once(page, site, tmp_path):
    from aiosmtpd.controller import Controller

    from publish.alert_mail import SmtpSettings, send_new

    client = site["app"].server.test_client()
    sent = client.post("/api/v1/submissions", headers={"Authorization": f"Bearer {site['token']}"},
                       data={"file": (io.BytesIO(BREACH.encode()), "opm_backlog.csv")},
                       content_type="multipart/form-data")
    assert sent.status_code == 200, sent.get_json()
    _sign_in(page, "opm-manager")
    page.goto("/alerts")
    wait_for_dash(page)
    rows = _rows(page)
    assert BREACH_TEXT in [r["alert"] for r in rows]
    assert {r["agency"] for r in rows} == {"Retirement Services"}  # the manager's agency, no other
    breach = page.locator("#alerts-table tbody tr", has_text="steady state of 13,000")
    assert breach.locator("[data-alert-status]").get_attribute("data-alert-status") == "open"
    assert "open" in breach.locator("[data-alert-status]").inner_text()  # a word, not a colour
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    wait_for_dash(page)
    assert no_horizontal_scroll(page), "the page scrolls sideways at 320 px"
    # e-mailed once to the agency's subscriber, and a second run sends nothing new
    data = tmp_path / "data"
    data.mkdir()
    (data / "subscriptions.yaml").write_text("subscriptions:\n  opm-rs: [retirement@opm.example]\n")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    try:
        settings = SmtpSettings("127.0.0.1", smtp.port, "alerts@servicestat.example")
        first = send_new(site["db"], settings, data_dir=data)
        assert len(first) == len([r for r in rows if r["status"] == "open"])  # each open alert once
        assert [o.address for o in first if BREACH_TEXT in o.message.get_content()] == [
            "retirement@opm.example"]
        assert send_new(site["db"], settings, data_dir=data) == []
        assert len(inbox.messages) == len(first)
    finally:
        smtp.stop()


def test_omb_sees_every_agency_and_sorts_by_any_column(page, site):
    _sign_in(page, "omb-chief")
    page.goto("/alerts")
    wait_for_dash(page)
    assert "every agency" in page.get_by_test_id("alerts-scope").inner_text()
    rows = _rows(page)
    assert len({r["agency"] for r in rows}) > 1
    assert any("has not been submitted" in r["alert"] for r in rows)  # overdue reports: staff only
    header = page.locator("#alerts-table thead a[data-sort=severity]")
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/alerts?*sort=severity*")
    wait_for_dash(page)
    assert page.locator("#alerts-table thead th[aria-sort=ascending]").inner_text().startswith("Severity")
    order = {"high": 0, "medium": 1, "low": 2}
    severities = [order[r["severity"]] for r in _rows(page)]
    assert severities == sorted(severities)
    violations = run_axe(page)
    assert violations == [], format_violations(violations)


def test_the_public_sees_only_breaches_of_published_quarters(page, site):
    from metrics.access import PUBLIC, viewing
    from metrics.alerts import alerts

    page.goto("/alerts")
    wait_for_dash(page)
    with viewing(PUBLIC):
        expected = alerts(str(site["db"]), status="open")
    rows = _rows(page)
    assert sorted(r["alert"] for r in rows) == sorted(expected["message"])
    assert rows and not any("submitted" in r["alert"] or "rejected" in r["alert"] for r in rows)
    assert all("FY2025 Q4" not in r["alert"] for r in rows)  # the demo's last quarter is not published
    violations = run_axe(page)
    assert violations == [], format_violations(violations)
