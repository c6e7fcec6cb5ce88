"""The overview, agency, service and benchmarks pages on a warehouse of real published data only (the
FY2021 A-11 Section 280 results and GSA's APR indicators: no transactions, no standards), every
service-quarter published, seen in Chromium as the public.

The VA Veterans Health Administration FY2021 Q2 email trust figure is the published one: answers 1-5 =
3798 / 5267 / 22026 / 80315 / 209573, n = 320,979, agree (4 or 5) 289,888 = 90.31 %, Wilson 95 %
interval 90.21 %-90.42 %; mean 4.52 as published (4.516 from the counts, 95 % interval 4.513-4.519).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.page_checks import no_horizontal_scroll, table_cells, table_headers
from tests.conftest import REFERENCE, query

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]  # 60 s: pages render cold

VHA_PAGE = "/service/va-vha?period=FY2021+Q2"
PAGES = ["/", "/agency/va-vha", VHA_PAGE, "/benchmarks"]
PHONE_320 = {"width": 320, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def build_real_only(folder: Path) -> Path:
    """A warehouse of the two real reference files, every service-quarter with survey results
    published through the reporting workflow (no public archive: not what these tests look at)."""
    from ingest.loader import load
    from publish.workflow import Move, move_many

    db = folder / "real.duckdb"
    results = load([REFERENCE / "a11_cx_fy2021.csv", REFERENCE / "gpra_apr_sample.csv"], db=db)
    assert [r.status for r in results] == ["loaded", "loaded"]
    quarters = query(db, "SELECT DISTINCT service_id, fiscal_year, quarter FROM survey_results ORDER BY ALL")
    move_many(db, [Move(state, s, fy, q, "test") for s, fy, q in quarters for state in ("submitted",
                                                                                        "published")],
              archive=False)
    return db


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """(base URL, warehouse) of the app serving the real-only warehouse."""

    from tests.web_support import make_app, served

    folder = tmp_path_factory.mktemp("real-pages")
    db = build_real_only(folder)
    app = make_app(db, folder)

    with served(app.server) as url:
        yield url, db


@pytest.fixture(scope="module")
def live_server(real_site) -> str:
    """conftest's `page` opens the real-only site."""
    return real_site[0]


def open_page(page, dash_ready, path: str) -> str:
    response = page.goto(path)
    assert response is not None and response.status == 200
    dash_ready(page)
    return page.locator("main").inner_text()


def row_of(cells: list[list[str]], *labels: str) -> list[str]:
    found = [row for row in cells if row[:len(labels)] == list(labels)]
    assert len(found) == 1, (labels, cells)
    return found[0]


def test_vha_service_page_shows_trust_with_interval_n_and_published_mean(page, dash_ready) -> None:
    open_page(page, dash_ready, VHA_PAGE)
    table = "#service-drivers-table"
    assert table_headers(page, table) == [
        "Driver", "Agree", "95% interval from", "95% interval to", "n", "Mean (1–5)", "Mean 95% interval",
        "Published mean", "Change on the previous period"]
    trust = row_of(table_cells(page, table), "Trust")
    assert trust[1:8] == ["90.3%", "90.2%", "90.4%", "320,979", "4.52", "4.51–4.52", "4.52"]
    summary = page.locator("#service-drivers [data-testid=chart-summary]").inner_text()
    assert "Trust 90.3% (95% interval 90.2%–90.4%, n = 320,979, mean 4.52, published 4.52)" in summary


def _interval(low: float, high: float) -> str:
    """Two decimals, more until the ends differ (so a narrow interval never reads "4.70–4.70")."""
    digits = next((d for d in range(2, 7) if f"{low:.{d}f}" != f"{high:.{d}f}"), 6)
    return f"{low:.{digits}f}–{high:.{digits}f}"


def test_agency_page_shows_survey_results_equal_to_driver_scores(page, dash_ready, real_site) -> None:
    from metrics.access import PUBLIC, viewing
    from metrics.survey import driver_scores

    text = open_page(page, dash_ready, "/agency/va-vha")
    assert "No standards of this agency have figures" not in text
    with viewing(PUBLIC):  # the web app reads as the public
        scores = driver_scores(real_site[1], "quarter")
    latest = scores[scores["service_id"] == "va-vha"].sort_values("period_start")["period"].iloc[-1]
    assert latest == "FY2021 Q4"
    rows = scores[(scores["service_id"] == "va-vha") & (scores["period"] == latest)
                  & (scores["driver"] != "other")]
    order = ["trust", "satisfaction", "effectiveness", "ease", "efficiency", "equity", "employee"]
    rows = rows.assign(_o=rows["driver"].map(order.index)).sort_values("_o")
    expected = [[("Email" if r.channel == "email" else r.channel), r.driver.capitalize(),
                 f"{r.agree_share * 100:.1f}%", f"{r.agree_ci_low * 100:.1f}%",
                 f"{r.agree_ci_high * 100:.1f}%",
                 f"{r.n:,.0f}", f"{r.mean:.2f}", _interval(r.mean_ci_low, r.mean_ci_high),
                 f"{r.published_mean:.2f}"] for r in rows.itertuples()]
    shown = [row[:9] for row in table_cells(page, "#agency-survey-va-vha-table")]
    assert shown == expected and len(shown) == 7
    heading = page.locator("#agency-survey-va-vha h2").inner_text()
    assert heading == f"Survey results: Outpatient Services, {latest}"
    assert page.locator("#agency-survey-va-vha [role=img]").count() == 1
    trend = table_cells(page, "#agency-trust-trend-va-vha-table")
    assert [r[:2] for r in trend] == [["Email", f"FY2021 Q{q}"] for q in (1, 2, 3, 4)]
    assert row_of(trend, "Email", "FY2021 Q2")[2:6] == ["90.3%", "90.2%", "90.4%", "320,979"]


def test_overview_leads_with_trust_and_the_drivers(page, dash_ready, real_site) -> None:
    from metrics.access import PUBLIC, viewing
    from metrics.overview import quarter_headlines

    text = open_page(page, dash_ready, "/")
    assert "No figures yet" not in text and "Standards met" not in text
    with viewing(PUBLIC):
        heads = quarter_headlines(real_site[1])
    latest = heads.sort_values("period_start").iloc[-1]
    tile = page.locator("#tile-trust").inner_text()
    assert f"{latest['trust_share'] * 100:.1f}%" in tile and f"{latest['n']:,.0f} survey answers" in tile
    assert f"{latest['trust_ci_low'] * 100:.1f}%–{latest['trust_ci_high'] * 100:.1f}%" in tile
    drivers = table_cells(page, "#home-survey-drivers-table")
    trust = row_of(drivers, "Trust")
    assert trust[1] == f"{latest['trust_share'] * 100:.1f}%" and trust[4] == f"{latest['n']:,.0f}"
    assert [r[0] for r in drivers][:2] == ["Trust", "Satisfaction"]


def test_benchmarks_never_print_a_blank_year(page, dash_ready) -> None:
    text = open_page(page, dash_ready, "/benchmarks")
    assert not re.search(r"\bFY(?!\d)", text), re.findall(r".{30}\bFY(?!\d).{30}", text)
    assert "Gap per service, FY2021" in text


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing_with_the_toggles_closed_and_open(page, dash_ready, axe, axe_report,
                                                            path) -> None:
    open_page(page, dash_ready, path)
    assert page.locator("h1").count() == 1
    violations = axe(page)
    assert violations == [], axe_report(violations)
    for toggle in page.locator("details").all():
        toggle.locator("summary").first.click()
    violations = axe(page)
    assert violations == [], axe_report(violations)


@pytest.mark.parametrize("viewport", [PHONE_320, DESKTOP], ids=["320", "1280"])
@pytest.mark.parametrize("path", PAGES[:3])
def test_screenshots_and_no_sideways_scroll(page, dash_ready, shot, viewport, path) -> None:
    page.set_viewport_size(viewport)
    open_page(page, dash_ready, path)
    for toggle in page.locator("details.table-toggle").all():
        toggle.locator("summary").click()
    assert no_horizontal_scroll(page), "the page body scrolls sideways"
    name = {"/": "overview"}.get(path, path.strip("/").split("?")[0].replace("/", "_"))
    assert shot(page, f"real-{name}-{viewport['width']}").stat().st_size > 0
