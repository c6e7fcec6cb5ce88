"""The dashboard shell in a real browser: rendering, titles, language, keyboard use, axe-core,
the accessible chart pattern, the 404 page, and screenshots at desktop and phone sizes."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    pytest.param("/", "Government-wide overview – ServiceStat", "Government-wide overview",
                 "Overview", id="home"),
    pytest.param("/accessibility", "Accessibility statement – ServiceStat",
                 "Accessibility statement", "Accessibility", id="accessibility"),
]
BANNER_BUTTON = ".usa-banner__button"
HOW_YOU_KNOW = re.compile(r"Here[’']s how you know")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

FOCUSED_CLASSES = "() => document.activeElement ? document.activeElement.className : ''"


def open_page(page, dash_ready, path: str):
    response = page.goto(path)
    dash_ready(page)
    return response


@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_page_renders(page, dash_ready, path, title, h1, nav_label):
    response = open_page(page, dash_ready, path)
    assert response is not None and response.status == 200
    # The title is in the HTML the server sends, not only set later by Dash's JavaScript.
    assert f"<title>{title}</title>" in response.text()
    assert page.title() == title
    assert page.get_attribute("html", "lang") == "en"
    headings = page.locator("h1")
    assert headings.count() == 1, "exactly one h1 per page"
    assert headings.first.is_visible()
    assert headings.first.inner_text().strip() == h1
    assert page.locator("main#main-content h1").count() == 1, "the h1 is inside <main>"
    # Shell: banner, header with site name and primary nav, footer.
    assert page.get_by_text("An official website of the United States government").is_visible()
    assert page.locator(".usa-logo").inner_text().strip() == "ServiceStat"
    nav = page.get_by_role("navigation", name="Primary navigation")
    links = {a.inner_text().strip(): a.get_attribute("href") for a in nav.locator("a").all()}
    assert links == {
        "Overview": "/",
        "Benchmarks": "/benchmarks",
        "Data": "/data",
        "Reporting": "/reporting",
        "Alerts": "/alerts",
        "Methodology": "/methodology",
        "Accessibility": "/accessibility",
    }
    current = nav.locator('[aria-current="page"]')
    assert current.count() == 1 and current.inner_text().strip() == nav_label
    assert page.locator("footer.usa-footer").is_visible()


def test_titles_are_unique(dash_app):
    import dash

    titles = [page["title"] for page in dash.page_registry.values()]
    assert len(titles) == len(set(titles)), titles


def test_home_shows_synthetic_notice(page, dash_ready):
    open_page(page, dash_ready, "/")
    notice = page.locator(".usa-alert.usa-alert--warning.usa-alert--slim")
    assert notice.count() == 1 and notice.is_visible()
    assert notice.inner_text().strip() == (
        "Demonstration data: the figures on this page are synthetic, generated for the demo, "
        "not agency results."
    )


@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_axe_banner_closed(page, dash_ready, axe, axe_report, path, title, h1, nav_label):
    open_page(page, dash_ready, path)
    assert page.get_attribute(BANNER_BUTTON, "aria-expanded") == "false"
    assert not page.locator("#gov-banner-default").is_visible()
    violations = axe(page)
    assert violations == [], axe_report(violations)


@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_axe_banner_opened_with_keyboard(page, dash_ready, axe, axe_report, path, title, h1,
                                         nav_label):
    open_page(page, dash_ready, path)
    for _ in range(5):
        page.keyboard.press("Tab")
        if "usa-banner__button" in page.evaluate(FOCUSED_CLASSES):
            break
    else:
        pytest.fail("Tab never reached the “Here’s how you know” button")
    focused_name = page.evaluate("() => document.activeElement.textContent.trim()")
    assert HOW_YOU_KNOW.fullmatch(focused_name)
    page.keyboard.press("Enter")
    assert page.get_attribute(BANNER_BUTTON, "aria-expanded") == "true"
    content = page.locator("#gov-banner-default")
    content.wait_for(state="visible")
    assert "Official websites use .gov" in content.inner_text()
    violations = axe(page)
    assert violations == [], axe_report(violations)
    # And it closes again with the keyboard.
    page.keyboard.press("Enter")
    assert page.get_attribute(BANNER_BUTTON, "aria-expanded") == "false"
    content.wait_for(state="hidden")


@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_first_tab_shows_skip_link_with_visible_focus(page, dash_ready, path, title, h1,
                                                      nav_label):
    open_page(page, dash_ready, path)
    page.keyboard.press("Tab")
    # USWDS slides the skip link in from above the viewport (a short CSS transition).
    page.wait_for_function(
        "() => document.activeElement.getBoundingClientRect().top >= 0", timeout=2_000
    )
    focused = page.evaluate(
        """() => {
            const el = document.activeElement;
            const s = getComputedStyle(el);
            const r = el.getBoundingClientRect();
            return {cls: el.className, text: el.textContent.trim(), href: el.getAttribute('href'),
                    outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth,
                    boxShadow: s.boxShadow, top: r.top, left: r.left,
                    width: r.width, height: r.height};
        }"""
    )
    assert "usa-skipnav" in focused["cls"], focused
    assert focused["text"] == "Skip to main content"
    assert focused["href"] == "#main-content"
    outline = focused["outlineStyle"] != "none" and focused["outlineWidth"] not in ("0px", "")
    shadow = focused["boxShadow"] not in ("none", "")
    assert outline or shadow, f"no visible focus indicator on the skip link: {focused}"
    # Shown on screen when focused (USWDS keeps it off-screen otherwise).
    assert focused["top"] >= 0 and focused["left"] >= 0, focused
    assert focused["width"] > 0 and focused["height"] > 0, focused


@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_skip_link_moves_focus_to_main(page, dash_ready, path, title, h1, nav_label):
    open_page(page, dash_ready, path)
    page.keyboard.press("Tab")
    assert "usa-skipnav" in page.evaluate(FOCUSED_CLASSES)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'main-content'")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    # The next Tab goes on from the main content, not back into the banner or header.
    page.keyboard.press("Tab")
    after_main = page.evaluate(
        """() => {
            const main = document.getElementById('main-content');
            const el = document.activeElement;
            return main.contains(el)
                || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
        }"""
    )
    assert after_main


def test_chart_table_holds_the_figure_numbers(page, dash_ready):
    open_page(page, dash_ready, "/")
    figure = page.evaluate(
        """() => {
            const gd = document.querySelector('#home-channels-chart .js-plotly-plot');
            return gd.data.map(t => ({type: t.type, x: Array.from(t.x), y: Array.from(t.y)}));
        }"""
    )
    assert len(figure) == 1 and figure[0]["type"] == "bar"
    from_figure = list(zip(figure[0]["x"], figure[0]["y"], strict=True))

    page.locator("#home-channels details.table-toggle summary").click()  # the numbers-as-table toggle
    table = page.locator("#home-channels-table")
    assert table.locator("caption").inner_text().strip()
    rows = table.locator("tbody tr")
    from_table = [
        (row.locator("th").inner_text().strip(), row.locator("td").first.inner_text().strip())
        for row in rows.all()
    ]
    assert len(from_table) == len(from_figure) > 0
    for (fig_label, fig_value), (tab_label, tab_value) in zip(from_figure, from_table,
                                                              strict=True):
        assert tab_label == fig_label
        assert tab_value == f"{fig_value}%"

    # The chart's accessible name states the same numbers, and sits in a <figure>.
    wrapper = page.locator('figure [role="img"]').filter(has=page.locator("#home-channels-chart"))
    assert wrapper.count() == 1
    summary = wrapper.get_attribute("aria-label")
    for label, value in from_figure:
        assert f"{label} {value}%" in summary
    assert page.locator("figure figcaption").first.inner_text().strip()
    assert page.locator("figure").filter(has=table).count() == 1


def test_404_page(page, page_problems, dash_ready, axe, axe_report):
    # The server answers 404 for a path that is no page; the browser logs that. Expected here.
    page_problems.allow(r"/no-such-page")
    response = open_page(page, dash_ready, "/no-such-page")
    assert response is not None and response.status == 404
    assert page.title() == "Page not found – ServiceStat"
    assert page.locator("h1").inner_text().strip() == "Page not found"
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator('main a[href="/"]').count() == 1
    violations = axe(page)
    assert violations == [], axe_report(violations)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(("path", "title", "h1", "nav_label"), PAGES)
def test_screenshots(page, dash_ready, shot, axe, axe_report, viewport, path, title, h1,
                     nav_label):
    page.set_viewport_size(viewport)
    open_page(page, dash_ready, path)
    no_horizontal_scroll = page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert no_horizontal_scroll, "page scrolls sideways at this width"
    name = "home" if path == "/" else path.strip("/").replace("/", "_")
    path_png = shot(page, f"{name}-{viewport['width']}x{viewport['height']}")
    assert path_png.stat().st_size > 0
    violations = axe(page)
    assert violations == [], axe_report(violations)


def test_phone_menu_opens_and_closes(page, dash_ready, shot, axe, axe_report):
    page.set_viewport_size(PHONE)
    open_page(page, dash_ready, "/")
    nav = page.get_by_role("navigation", name="Primary navigation")
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible()
    assert not nav.get_by_role("link", name="Methodology").is_visible()
    menu.focus()
    page.keyboard.press("Enter")
    nav.get_by_role("link", name="Methodology").wait_for(state="visible")
    shot(page, "home-390x844-menu-open", full_page=False)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    page.keyboard.press("Escape")
    nav.get_by_role("link", name="Methodology").wait_for(state="hidden")
