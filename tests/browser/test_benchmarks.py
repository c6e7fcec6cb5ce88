"""/benchmarks in a real browser: gaps against an independent computation (data/benchmarks_acsi.csv
and a direct DuckDB query), filters in the URL with the back button, the comparison note, keyboard
use, axe-core (also with toggles open and after a filter) and screenshots."""

from __future__ import annotations

import csv
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest
import yaml

from core.paths import DATA_DIR
from tests.browser.page_checks import (
    DESKTOP,
    PHONE,
    ZOOM_200,
    check_shell,
    no_horizontal_scroll,
    open_details_with_keyboard,
    tab_through_main,
    table_cells,
    table_headers,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]


PATH = "/benchmarks"
TITLE = "Benchmarks – ServiceStat"
H1 = "Federal services against private-sector benchmarks"
GAP_TABLE = "#benchmarks-gap-table"


def number(text: str) -> float:
    return float(text.replace("−", "-").replace("+", "").replace(",", ""))


def acsi_from_csv(series: str, year: int) -> dict[str, float]:
    """entity -> score, annual figures of `series` for `year`, straight from the shipped CSV."""
    with open(DATA_DIR / "benchmarks_acsi.csv", newline="", encoding="utf-8") as fh:
        return {r["entity"]: float(r["score"]) for r in csv.DictReader(fh)
                if r["series"] == series and int(r["year"]) == year and not r["segment"]
                and r["period"] == "annual"}


def satisfaction_index(db_path: str, fiscal_year: int) -> dict[str, tuple[float, int]]:
    """service name -> (index, n) from the raw survey rows the public may see: a year figure is public
    only when every quarter of the year that holds survey rows is published (issue #16, item 6)."""
    con = duckdb.connect(db_path, read_only=True)
    try:
        rows = con.execute(
            """
            SELECT s.name, sum(r.count_1 + 2 * r.count_2 + 3 * r.count_3 + 4 * r.count_4 + 5 * r.count_5)
                   / sum(r.count_1 + r.count_2 + r.count_3 + r.count_4 + r.count_5) AS mean,
                   sum(r.count_1 + r.count_2 + r.count_3 + r.count_4 + r.count_5) AS n
            FROM survey_results r JOIN services s USING (service_id)
            JOIN reporting_state w ON w.service_id = r.service_id AND w.fiscal_year = r.fiscal_year
                 AND w.quarter = r.quarter AND w.state = 'published'
            WHERE r.driver = 'satisfaction' AND r.fiscal_year = ?
              AND r.service_id NOT IN (
                  SELECT u.service_id FROM survey_results u
                  LEFT JOIN reporting_state p ON p.service_id = u.service_id
                       AND p.fiscal_year = u.fiscal_year AND p.quarter = u.quarter AND p.state = 'published'
                  WHERE u.fiscal_year = ? AND p.service_id IS NULL)
            GROUP BY s.name
            """, [fiscal_year, fiscal_year]).fetchall()
    finally:
        con.close()
    return {name: ((mean - 1) / 4 * 100, int(n)) for name, mean, n in rows}


def open_benchmarks(page, dash_ready, query: str = ""):
    response = page.goto(PATH + query)
    dash_ready(page)
    return response


def gap_rows(page) -> dict[str, dict[str, str]]:
    headers = table_headers(page, GAP_TABLE)
    return {row[0]: dict(zip(headers, row, strict=True)) for row in table_cells(page, GAP_TABLE)}


def test_renders_with_title_note_and_notice(page, dash_ready):
    response = open_benchmarks(page, dash_ready)
    check_shell(page, response, title=TITLE, h1=H1)
    assert page.locator("[data-testid=synthetic-notice]").is_visible()
    note = page.locator("[data-testid=comparison-note]")
    assert note.is_visible()
    assert "(mean answer − 1) ÷ 4 × 100" in note.inner_text()
    assert "different measures" in page.locator(".usa-summary-box").inner_text()
    for block in ("#benchmarks-gap", "#benchmarks-over-time"):
        text = page.locator(block).inner_text()
        assert "What is this?" in text and "Last updated: " in text and "not known" not in text
        assert page.locator(f"{block} [data-testid=chart-summary]").inner_text().strip()


def test_gap_figures_equal_an_independent_computation(page, dash_ready, db_path):
    open_benchmarks(page, dash_ready, "?fiscal_year=2024&agency=all&benchmark=federal")
    federal = acsi_from_csv("federal_government_aggregate", 2024)["Federal Government (Aggregated)"]
    expected = satisfaction_index(db_path, 2024)
    rows = gap_rows(page)
    assert len(expected) >= 20 and set(rows) == set(expected)
    for service, (index, n) in expected.items():
        row = rows[service]
        assert number(row["Answers (n)"]) == n
        assert number(row["Satisfaction index"]) == round(index, 1)
        assert number(row["ACSI federal"]) == federal
        assert number(row["Gap to federal"]) == round(index - federal, 1), service


def _norm(name: str) -> str:
    """Department names as ACSI and agencies.csv spell them: "Department of (the) Treasury"."""
    return " ".join(name.lower().replace("&", "and").replace("the ", "").split())


def test_department_and_industry_gaps_use_the_same_year_only(page, dash_ready, db_path):
    open_benchmarks(page, dash_ready, "?fiscal_year=2024&agency=all&benchmark=department")
    departments = {_norm(k): v for k, v in acsi_from_csv("department", 2024).items()}
    con = duckdb.connect(db_path, read_only=True)
    try:
        dept_of = dict(con.execute(
            "SELECT s.name, a.department FROM services s JOIN agencies a USING (agency_id)").fetchall())
    finally:
        con.close()
    expected = satisfaction_index(db_path, 2024)
    rows = gap_rows(page)
    compared = 0
    for name, row in rows.items():
        score = departments.get(_norm(dept_of[name]))
        if score is None:
            assert row["Gap to department"] == "no data", name
            continue
        compared += 1
        assert number(row["ACSI department"]) == score
        assert number(row["Gap to department"]) == round(expected[name][0] - score, 1), name
    assert compared >= 5
    assert page.locator("#benchmarks-gap h2").inner_text() == (
        "Gap per service, FY2024: against ACSI score of the service's department")

    # The declared industries have ACSI scores for 2013 only: no gap in 2024, never a neighbour year's.
    assert not acsi_from_csv("private_industry", 2024)
    peers = {p["service"]: p["industry"] for p in
             yaml.safe_load((DATA_DIR / "benchmark_peers.yaml").read_text(encoding="utf-8"))["peers"]}
    open_benchmarks(page, dash_ready, "?fiscal_year=2024&agency=all&benchmark=industry")
    rows = gap_rows(page)
    assert rows["Airport Security Checkpoints"]["Nearest industry"] == peers["dhs-tsa"] == "Airlines"
    assert {row["Gap to industry"] for row in rows.values()} == {"no data"}
    empty = page.locator("#benchmarks-gap [data-testid=empty-state]").inner_text()
    assert "no ACSI nearest private industry score for FY2024" in empty


def test_filter_updates_table_and_url_and_back_restores(page, dash_ready, axe, axe_report):
    open_benchmarks(page, dash_ready)
    before = gap_rows(page)
    assert len(before) >= 20
    assert page.input_value("#filter-agency") == "all"
    assert page.input_value("#filter-fiscal_year") == "2024"  # newest year with an ACSI federal score

    page.select_option("#filter-agency", "va-vha")
    page.select_option("#filter-fiscal_year", "2023")
    with page.expect_navigation():
        page.click("#apply-filters")
    dash_ready(page)
    query = parse_qs(urlparse(page.url).query)
    assert query == {"fiscal_year": ["2023"], "agency": ["va-vha"], "benchmark": ["federal"]}
    after = gap_rows(page)
    assert list(after) == ["Outpatient Services"]
    assert page.locator("#benchmarks-gap h2").inner_text().startswith("Gap per service, FY2023")
    violations = axe(page)
    assert violations == [], axe_report(violations)

    page.go_back()
    dash_ready(page)
    assert urlparse(page.url).query == ""
    assert gap_rows(page) == before
    assert page.input_value("#filter-agency") == "all"


def test_invalid_query_values_fall_back_with_a_notice(page, dash_ready):
    open_benchmarks(page, dash_ready, "?fiscal_year=1999&agency=%3Cscript%3E&benchmark=moon")
    notice = page.locator("[data-testid=filter-notice]").inner_text()
    assert "1999" in notice and "<script>" in notice and "moon" in notice
    assert page.input_value("#filter-fiscal_year") == "2024"
    assert page.input_value("#filter-agency") == "all"
    assert len(gap_rows(page)) >= 20


def test_partly_published_year_is_withheld_from_the_public_with_a_notice(page, dash_ready, db_path):
    """FY2025 has an unpublished quarter for every service in the demo, so no FY2025 figure is public
    (issue #16, item 6): the year is not offered, and asking for it falls back with a notice."""
    assert satisfaction_index(db_path, 2025) == {}
    open_benchmarks(page, dash_ready, "?fiscal_year=2025&agency=all&benchmark=federal")
    assert "2025" not in [o.strip() for o in page.locator("#filter-fiscal_year option").all_inner_texts()]
    assert "2025" in page.locator("[data-testid=filter-notice]").inner_text()
    assert page.input_value("#filter-fiscal_year") == "2024"
    assert len(gap_rows(page)) >= 20


def test_keyboard_controls_toggles_and_axe(page, dash_ready, axe, axe_report):
    open_benchmarks(page, dash_ready)
    tab_through_main(page)
    opened = open_details_with_keyboard(page)
    assert opened >= 4  # definition and table toggles of both charts
    assert page.locator(f"{GAP_TABLE}").is_visible()
    violations = axe(page)
    assert violations == [], axe_report(violations)


def test_screenshots_desktop_and_phone(page, dash_ready, shot, axe, axe_report):
    open_benchmarks(page, dash_ready)
    shot(page, "benchmarks-1280x900")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    assert no_horizontal_scroll(page)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "benchmarks-390x844")
    page.set_viewport_size(ZOOM_200)
    page.wait_for_timeout(300)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(DESKTOP)
