"""The overview, agency and service pages in a real browser: rendering, titles, one h1, axe-core
(also with the table toggles open), keyboard use with visible focus, phone width, screenshots, and
a chart table whose numbers equal the metrics function's frame."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    pytest.param("/", "Government-wide overview – ServiceStat", "Government-wide overview", id="home"),
    pytest.param("/agency/dos-ca", "Bureau of Consular Affairs – ServiceStat", "Bureau of Consular Affairs",
                 id="agency"),
    pytest.param("/service/dos-ca", "Passport Services – ServiceStat", "Passport Services", id="service"),
    pytest.param("/agency/no-such-agency", "No such agency – ServiceStat", "No such agency",
                 id="unknown-agency"),
    pytest.param("/service/no-such-service", "No such service – ServiceStat", "No such service",
                 id="unknown-service"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FOCUS_STYLE = """() => {
    const s = getComputedStyle(document.activeElement);
    return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
            shadow: s.boxShadow !== 'none', tag: document.activeElement.tagName,
            text: (document.activeElement.textContent || '').trim().slice(0, 60)};
}"""


def open_page(page, dash_ready, path: str):
    response = page.goto(path)
    dash_ready(page)
    return response


@pytest.mark.parametrize(("path", "title", "h1"), PAGES)
def test_page_renders_and_passes_axe(page, page_problems, dash_ready, axe, axe_report, path, title, h1):
    unknown = "/no-such-" in path  # an id that names nothing answers HTTP 404 (dashboard.app)
    if unknown:
        page_problems.allow(path)
    response = open_page(page, dash_ready, path)
    assert response is not None and response.status == (404 if unknown else 200)
    assert f"<title>{title}</title>" in response.text(), "the title is in the server-sent HTML"
    assert page.title() == title
    assert page.locator("h1").count() == 1
    assert page.locator("main h1").inner_text().strip() == h1
    violations = axe(page)
    assert violations == [], axe_report(violations)
    toggles = page.locator("details.table-toggle, details.definition")
    for i in range(toggles.count()):
        toggles.nth(i).locator("summary").click()
    violations = axe(page)
    assert violations == [], axe_report(violations)


@pytest.mark.parametrize(("path", "title", "h1"), PAGES[:3])
def test_pages_label_synthetic_data_and_never_show_colour_alone(page, dash_ready, path, title, h1):
    open_page(page, dash_ready, path)
    assert page.get_by_test_id("synthetic-notice").count() == 1
    for badge in page.locator(".status-badge").all()[:20]:
        # Icon (aria-hidden; a USWDS SVG drawn by CSS, not a font glyph) plus the status word.
        icon = badge.locator('[aria-hidden="true"]')
        assert "ss-icon" in (icon.get_attribute("class") or "")
        assert icon.evaluate("i => getComputedStyle(i).maskImage").startswith("url(")
        assert badge.get_attribute("data-status") in badge.text_content()
    for block in page.locator("section.chart-block").all():
        assert block.locator("h2").count() == 1
        assert block.locator("details.definition summary").inner_text().strip() == "What is this?"
        assert block.get_by_test_id("last-updated").inner_text().startswith("Last updated")
        has_chart = block.locator(".dash-graph").count() > 0
        if has_chart:
            label = block.locator('[role="img"]').get_attribute("aria-label")
            assert label and label == block.get_by_test_id("chart-summary").inner_text().strip()
            assert block.locator("details.table-toggle table.usa-table").count() == 1
        else:
            assert (block.locator("table.usa-table").count() == 1
                    or block.get_by_test_id("empty-state").count() == 1)


def test_table_toggle_opens_by_keyboard_with_the_metrics_numbers(page, dash_ready, axe, axe_report, db_path):
    from metrics.access import PUBLIC, viewing
    from metrics.channels import government_channels
    from metrics.overview import quarter_headlines

    open_page(page, dash_ready, "/")
    toggle = page.locator("#home-channels details.table-toggle")
    summary = toggle.locator("summary")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('#home-channels details.table-toggle')"):
            break
    else:
        pytest.fail("Tab never reached the table toggle")
    focus = page.evaluate(FOCUS_STYLE)
    assert focus["outline"] or focus["shadow"], focus
    assert summary.inner_text().strip() == "Show the numbers as a table"
    assert toggle.get_attribute("open") is None
    page.keyboard.press("Enter")
    assert toggle.get_attribute("open") is not None
    violations = axe(page)
    assert violations == [], axe_report(violations)

    with viewing(PUBLIC):  # the web app reads as the public
        heads = quarter_headlines(db_path)
        latest = heads.sort_values("period_start")["period"].iloc[-1]
        rows = government_channels(db_path, "quarter")
    rows = rows[(rows["period"] == latest) & (rows["channel"] != "all") & rows["trust_share"].notna()]
    expected = [(r.channel_label, f"{round(r.trust_share * 100)}%", f"{r.n:,.0f}") for r in rows.itertuples()]
    table = page.locator("#home-channels-table")
    shown = [(tr.locator("th").inner_text().strip(), tr.locator("td").nth(0).inner_text().strip(),
              tr.locator("td").nth(3).inner_text().strip()) for tr in table.locator("tbody tr").all()]
    assert shown == expected and len(shown) > 0


@pytest.mark.parametrize(("path", "title", "h1"), PAGES[:3])
def test_keyboard_reaches_every_control_with_visible_focus(page, dash_ready, path, title, h1):
    open_page(page, dash_ready, path)
    wanted = page.evaluate("""() => [...document.querySelectorAll(
        'main select, main button, main summary, main a[href]')].length""")
    assert wanted > 0
    reached = set()
    for _ in range(wanted + 80):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
            const el = document.activeElement;
            const main = document.getElementById('main-content');
            if (!main.contains(el) || el === main) return null;
            const all = [...main.querySelectorAll('select, button, summary, a[href]')];
            return all.indexOf(el);
        }""")
        if info is None:
            if reached:
                break
            continue
        if info >= 0:
            focus = page.evaluate(FOCUS_STYLE)
            assert focus["outline"] or focus["shadow"], focus
            reached.add(info)
    assert len(reached) == wanted, f"reached {len(reached)} of {wanted} controls by Tab"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(("path", "title", "h1"), PAGES[:3])
def test_screenshots_and_no_sideways_scroll(page, dash_ready, shot, viewport, path, title, h1):
    page.set_viewport_size(viewport)
    open_page(page, dash_ready, path)
    for toggle in page.locator("details.table-toggle").all():
        toggle.locator("summary").click()
    fits = page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth + 1")
    assert fits, "the page body scrolls sideways (tables must scroll inside their container)"
    name = {"/": "overview"}.get(path, path.strip("/").replace("/", "_"))
    assert shot(page, f"{name}-{viewport['width']}").stat().st_size > 0
