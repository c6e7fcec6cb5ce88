"""A service page at a glance in a real browser (demo warehouse, as the public): the tiles with their
changes and trend lines read as text, a processing time in days, the answer distribution beside the
agree share, the contact-centre benchmarks with their sources, the agency's words labelled as
demonstration text; axe-core finds nothing at 1280 and 320 px and the page never scrolls sideways."""

from __future__ import annotations

import re

import pytest

from tests.browser.page_checks import DESKTOP, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("patient")]

URL = "/service/dos-ca?period=FY2024%20Q4"
PHONE_320 = {"width": 320, "height": 800}


def test_the_tiles_read_as_text(page, dash_ready) -> None:
    page.goto(URL)
    dash_ready(page)
    tiles = page.get_by_test_id("glance-tile")
    headings = [h.strip() for h in page.locator("#service-glance h3").all_inner_texts()]
    assert headings[:4] == ["Trust", "Standards met", "Wait time (median)", "Processing time (median)"]
    assert {"Cost per transaction", "Digital take-up"} <= set(headings)
    assert tiles.count() == len(headings)
    processing = page.locator("#glance-processing-time")
    assert re.fullmatch(r"[\d,]+\.\d days", processing.locator(".tile-value").inner_text().strip())
    changes = processing.locator(".tile-change").all_inner_texts()
    assert re.match(r"[+−]?[\d,]+\.\d days on FY2024 Q3 \((better|worse|no change)\)\.", changes[0]), changes
    assert "FY2023 Q4, a year before" in changes[1]
    for img in page.get_by_test_id("sparkline").all():  # every trend line has its figures in words
        alt = img.get_attribute("alt") or ""
        assert re.match(r".+ by period: FY20\d\d Q\d .+, FY2024 Q4 .+\.$", alt), alt
    assert page.get_by_test_id("sparkline").count() == tiles.count()


def test_distribution_benchmarks_and_words(page, dash_ready) -> None:
    page.goto(URL)
    dash_ready(page)
    table = page.locator("#service-distribution-table")
    headers = [h.strip() for h in table.locator("thead th").all_text_contents()]  # in a closed toggle
    assert headers == ["Driver", "Agree (4 or 5)", "Answered 1", "Answered 2", "Answered 3", "Answered 4",
                       "Answered 5", "n"]
    trust = [c.strip() for c in table.locator("tbody tr").first.locator("th, td").all_text_contents()]
    assert trust[0] == "Trust"
    shares = [float(c.rstrip("%")) for c in trust[2:7]]
    assert sum(shares) == pytest.approx(100, abs=0.3)  # five rounded shares of one whole
    assert float(trust[1].rstrip("%")) == pytest.approx(shares[3] + shares[4], abs=0.15)
    operational = page.locator("#service-operational")
    assert "First-contact resolution (phone)" in operational.inner_text()
    assert operational.locator("a[href^='https://www.sqmgroup.com/']").count() == 1
    assert "Not like for like: the agency counts calls answered within 2 minutes" in operational.inner_text()
    words = page.locator("#service-narrative")
    assert words.get_by_test_id("narrative-synthetic").count() >= 1
    assert "What customers said" in words.inner_text()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_320], ids=["1280", "320"])
def test_axe_and_no_sideways_scroll(page, dash_ready, axe, axe_report, shot, viewport) -> None:
    page.set_viewport_size(viewport)
    page.goto(URL)
    dash_ready(page)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    assert no_horizontal_scroll(page), "the page body scrolls sideways"
    shot(page, f"service-glance-{viewport['width']}")
