"""The agency's Customer Service Plan progress report in Chromium, on the demo warehouse, as the public:
it shows the metrics layer's figures, axe-core finds nothing, "Print this report" prints, and under
print media at A4 and Letter width no table is cut (each fits its box) and no site chrome is shown;
Chromium's PDF is written; an unknown agency is a 404 with the friendly page; the agency page links
to the report. The screenshot and the PDFs stay in tests/artifacts/ for review."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.page_checks import no_horizontal_scroll, table_cells

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]

AGENCY = "dos-ca"
PATH = f"/agency/{AGENCY}/report"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
#: Printable width in CSS px (96 per inch) of each paper, less print.css's 12 mm margins.
PAPER = {"A4": round((210 - 24) / 25.4 * 96), "Letter": round(8.5 * 96 - 24 / 25.4 * 96)}
SECTIONS = ("report-standards", "report-trends", "report-drivers", "report-initiatives", "report-goals",
            "report-narratives")

_CUT_TABLES = """() => [...document.querySelectorAll('main table')].flatMap(t => {
  const box = t.closest('.usa-table-container--scrollable') || t.parentElement;
  const cut = [];
  if (t.scrollWidth > t.clientWidth + 1) cut.push(`${t.id}: table ${t.scrollWidth} > ${t.clientWidth}`);
  if (box.scrollWidth > box.clientWidth + 1) cut.push(`${t.id}: box ${box.scrollWidth} > ${box.clientWidth}`);
  if (t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    cut.push(`${t.id}: right edge ${t.getBoundingClientRect().right}`);
  return cut;
})"""

_SHOWN = """(selector) => [...document.querySelectorAll(selector)].filter(
  el => el.checkVisibility({checkVisibilityCSS: true})).map(el => el.tagName + '.' + el.className)"""


def _report(db_path: str):
    from metrics.access import PUBLIC, viewing
    from metrics.agency_report import agency_report

    with viewing(PUBLIC):
        return agency_report(db_path, AGENCY)


def test_report_shows_the_metrics_figures_and_passes_axe(page, dash_ready, axe, axe_report, shot, db_path):
    from dashboard.formatting import fmt_percent1

    response = page.goto(PATH)
    assert response is not None and response.status == 200
    dash_ready(page)
    report = _report(db_path)
    assert report is not None and report.period is not None
    assert page.locator("main h1").inner_text().strip() == (
        "Customer Service Plan progress report: Bureau of Consular Affairs")
    for section in SECTIONS:
        assert page.locator(f"#{section}").count() == 1, section
    facts = page.locator(".report-facts").inner_text()
    assert report.period in facts and f"{report.covered} (trends)" in facts and "Report date" in facts
    # The standards table is the metrics frame: one row per standard, its result and status.
    cells = table_cells(page, "#report-standards-table")
    assert [row[0] for row in cells] == report.standards["standard"].tolist()
    for row, expected in zip(cells, report.standards.itertuples(), strict=True):
        assert row[3] == fmt_percent1(expected.result)
        assert row[-1].endswith(expected.status)
    trends = table_cells(page, "#report-trends-table")
    assert len(trends) == report.trends.groupby(["kind", "key"]).ngroups
    headers = page.locator("#report-trends-table thead th").all_inner_texts()
    assert [h.strip() for h in headers] == ["Measure", *report.trend_periods]
    assert page.locator("#report-drivers-table tbody tr").count() == len(report.drivers)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    shot(page, "agency-report-desktop")


def test_print_button_and_print_media(page, dash_ready, shot):
    page.goto(PATH)
    dash_ready(page)
    # The button calls the browser's print (replaced here, so that no dialog opens).
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print this report").click()
    assert page.evaluate("() => window.__printed") == 1
    page.locator("#print-report").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => window.__printed") == 2

    page.emulate_media(media="print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for paper, width in PAPER.items():
        page.set_viewport_size({"width": width, "height": 1100})
        assert page.evaluate(_CUT_TABLES) == [], f"tables cut on {paper}"
        assert no_horizontal_scroll(page), f"the page is wider than {paper} paper"
        assert page.evaluate(_SHOWN, "header, nav, .usa-banner, .usa-footer, .usa-skipnav, button") == []
        assert page.locator("main h1").is_visible()
        assert page.locator("#report-standards-table").is_visible()
        printed = page.evaluate(
            "() => [...document.querySelectorAll('main a[data-print-url]')].map("
            "a => getComputedStyle(a, '::after').content)")
        assert printed and all("http://" in text for text in printed), printed
        pdf = ARTIFACTS / f"agency-report-{AGENCY}-{paper}.pdf"
        page.pdf(path=str(pdf), format=paper, print_background=False)
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 10_000
        print(f"pdf: {pdf}")
    page.set_viewport_size({"width": PAPER["A4"], "height": 1100})
    shot(page, "agency-report-print-a4")


def test_at_320_px_the_report_reads_without_sideways_scrolling(page, dash_ready, shot):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(PATH)
    dash_ready(page)
    assert no_horizontal_scroll(page)
    shot(page, "agency-report-320")


def test_unknown_agency_is_404_with_the_friendly_page(page, page_problems, dash_ready):
    page_problems.allow(r"/agency/nope/report: HTTP 404")
    page_problems.allow(r"status of 404")
    response = page.goto("/agency/nope/report")
    assert response is not None and response.status == 404
    dash_ready(page)
    assert page.locator("main h1").inner_text().strip() == "No such agency"
    assert page.locator(f"main a[href='/agency/{AGENCY}/report']").count() == 1


def test_agency_page_links_to_the_report(page, dash_ready):
    page.set_default_timeout(60_000)
    page.goto(f"/agency/{AGENCY}")
    dash_ready(page)
    assert page.locator("main h1").inner_text().strip() == "Bureau of Consular Affairs"
    page.locator("#agency-report-link").click()
    page.wait_for_url(f"**{PATH}")
    dash_ready(page)
    assert page.locator("main h1").inner_text().strip().startswith("Customer Service Plan progress report")
