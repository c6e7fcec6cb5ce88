"""/methodology in a real browser: definitions, the status rule, k, the survey questions, freshness,
keyboard use, axe-core and screenshots."""

from __future__ import annotations

import pytest

from core import event_files
from metrics.standards import status_rule_text
from metrics.suppression import min_count, suppressed_label, suppression_rule_text
from tests.browser.page_checks import (
    DESKTOP,
    PHONE,
    ZOOM_200,
    check_shell,
    no_horizontal_scroll,
    tab_through_main,
    table_cells,
    table_headers,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]


PATH = "/methodology"
TITLE = "Methodology – ServiceStat"

# The A-11 Section 280 standard wording (../shared/reference/a11_survey.md), written out here.
A11_QUESTIONS = [
    "I am satisfied with the service I received from [service].",
    "This interaction increased my confidence in [service].",
    "I trust [agency] to fulfill our country's commitment to [population].",
    "My need was addressed.",
    "It was easy to complete what I needed to do.",
    "It took a reasonable amount of time to do what I needed to do.",
    "I was treated fairly.",
    "Employees I interacted with were helpful.",
]


@pytest.fixture
def methodology(page, dash_ready):
    response = page.goto(PATH)
    dash_ready(page)
    return response


def test_renders_with_title_and_one_h1(page, methodology):
    check_shell(page, methodology, title=TITLE, h1="Methodology")
    assert page.locator("[data-testid=synthetic-notice]").is_visible()


def test_status_rule_and_k_appear(page, methodology):
    shown = " ".join(page.locator("[data-testid=status-rule]").inner_text().split())
    assert shown == " ".join(status_rule_text().split())
    assert "insufficient data" in shown and "not reported" in shown
    k = min_count()
    assert page.locator("[data-testid=min-count]").inner_text().strip() == str(k) == "10"
    section = page.locator("#suppression").inner_text()
    assert suppressed_label() in section and "fewer than 10" in section
    assert " ".join(suppression_rule_text().split()) in " ".join(section.split())
    assert "totals" in section and "next smallest" in section  # complementary suppression
    # Status words are shown with an icon, never by colour alone.
    badges = page.locator("#status-rule [data-status]")
    assert [b.get_attribute("data-status") for b in badges.all()] == [
        "on track", "at risk", "off track", "insufficient data", "not reported"]


def test_driver_question_texts_and_scale_appear(page, methodology):
    survey = page.locator("#survey").inner_text()
    for text in A11_QUESTIONS:
        assert text in survey, text
    for driver in ("Satisfaction", "Trust / confidence", "Effectiveness / quality", "Ease / simplicity",
                   "Efficiency / speed", "Equity / transparency", "Employee helpfulness"):
        assert driver in survey
    assert "5-point scale" in survey and "4 or 5" in survey
    stats = page.locator("#statistics").inner_text()
    assert "Wilson" in stats and "two-proportion" in stats
    # 90 of 100: Wilson 95 % interval 82.6 % to 94.5 % (metrics/stats.py docstring, by hand).
    assert "82.6% to 94.5%" in stats


def test_definitions_and_standards_from_the_declarations(page, methodology):
    import yaml

    from core.paths import DATA_DIR

    declared = yaml.safe_load((DATA_DIR / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]
    rows = table_cells(page, "#metric-definitions-table")
    assert [r[0] for r in rows] == [m["label"] for m in declared]
    assert [r[1] for r in rows] == [m["definition"] for m in declared]
    standards = yaml.safe_load((DATA_DIR / "standards.yaml").read_text(encoding="utf-8"))["standards"]
    rows = table_cells(page, "#standards-table")
    assert len(rows) == len(standards)
    assert {r[0] for r in rows} == {s["standard"] for s in standards}
    assert any(r[7].startswith("Standard cited") for r in rows)
    assert any(r[7].startswith("Standard illustrative") for r in rows)


def test_freshness_per_service_matches_the_warehouse(page, methodology, db_path):
    # The public sees the transactions of published service-quarters (fiscal quarter of receipt).
    con = event_files.read_only(db_path)  # service_events: the Parquet files it lists
    try:
        found = con.execute(
            "SELECT s.name, max(l.finished_at) FROM service_events e"
            " JOIN services s USING (service_id) JOIN loads l USING (load_id)"
            " JOIN fiscal_calendar c ON c.date = CAST(e.received_at AS DATE)"
            " JOIN reporting_state r ON r.service_id = e.service_id AND r.fiscal_year = c.fiscal_year"
            "  AND r.quarter = c.fiscal_quarter AND r.state = 'published'"
            " GROUP BY 1"
        ).fetchall()
    finally:
        con.close()
    assert len(found) >= 20, "the demo warehouse publishes most service-quarters"
    assert table_headers(page, "#freshness-table") == [
        "Service", "Agency", "Transactions: last loaded", "Reported metrics: last loaded",
        "Survey results: last loaded"]
    rows = {r[0]: r for r in table_cells(page, "#freshness-table")}
    for name, newest in found:
        assert rows[name][2] == f"{newest:%B} {newest.day}, {newest:%Y, %H:%M}", name


def test_keyboard_reaches_every_control_with_visible_focus(page, methodology):
    tab_through_main(page)


def test_axe_clean_and_screenshots(page, methodology, axe, axe_report, shot):
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "methodology-1280x900")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    assert no_horizontal_scroll(page)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "methodology-390x844")
    page.set_viewport_size(ZOOM_200)
    page.wait_for_timeout(200)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)
