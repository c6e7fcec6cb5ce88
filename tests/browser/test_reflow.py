"""Every page reads on any screen (issue #15.5-#15.7), in Debian's Chromium on the demo warehouse.

* At 320 CSS px (WCAG 2.1 1.4.10, reflow) on every page of the app - every registered page, every
  agency, service and agency-report page of the demo, as the public and signed in as OMB: the page
  never scrolls sideways (``scrollWidth <= innerWidth``) and no text box reaches beyond the viewport,
  nor beyond the chart it is drawn in (a cut axis label, "FY202:"). Text inside a labelled scroll
  region is judged by the region, which must have a name and be reachable by Tab and scroll by the
  arrow keys.
* Every character on every page is one the served USWDS fonts draw (tests/browser/glyphs.py).
* Screenshots at 320, 390 and 1280 px of the main pages go to tests/artifacts/screenshots/reflow-*.
* A table and its download show the same suppressed cells, in the same words.
* axe finds no WCAG 2.1 A/AA violation at 320 px on the main pages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.glyphs import missing
from tests.conftest import query
from tests.web_support import PASSWORDS, make_app, make_users, served

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 720}
SHOT_WIDTHS = (320, 390, 1280)
#: Pages photographed at every width (the rest are checked at 320 px only).
SHOT_PAGES = ("/", "/services", "/benchmarks", "/reporting", "/methodology", "/data", "/accessibility",
              "/agency/dos-ca", "/agency/dos-ca/report", "/service/dos-ca")
SUPPRESSED_LABEL = "suppressed (fewer than 10)"
#: Pages only staff may open; the public gets "not found" there.
STAFF_PAGES = frozenset({"/quality", "/submit", "/alerts/manage"})

#: What the page check measures, in the browser. Text is judged by its own boxes (Range rects), so a
#: long word in a narrow cell counts even when its element does not. Skipped: text in a labelled
#: scroll region (the region scrolls, the page does not), text hidden off-screen for screen readers
#: (usa-sr-only: entirely left of the page) and text not rendered.
_MEASURE = r"""() => {
  const W = window.innerWidth;
  const cut = [];
  const fonts = {};
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent;
    if (!text.trim()) continue;
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template')) continue;
    if (!el.checkVisibility({checkVisibilityCSS: true})) continue;
    const family = getComputedStyle(el).fontFamily.split(',')[0].replace(/["']/g, '').trim();
    fonts[family] = (fonts[family] || '') + text;
    if (el.closest('[role=region][tabindex="0"]')) continue;
    const svg = el.closest('svg');
    const box = svg ? svg.getBoundingClientRect() : {left: 0, right: W};
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (!r.width || r.right <= 0) continue;  // off-screen on purpose (visually hidden)
      const right = Math.min(W, box.right), left = Math.max(0, box.left);
      if (r.right > right + 1 || r.left < left - 1) {
        cut.push(`${el.tagName.toLowerCase()} "${text.trim().slice(0, 60)}" spans ${Math.round(r.left)}-` +
                 `${Math.round(r.right)} px, room ${Math.round(left)}-${Math.round(right)}`);
        break;
      }
    }
  }
  const regions = [...document.querySelectorAll('.usa-table-container--scrollable, [role=region]')]
    .filter(r => r.checkVisibility({checkVisibilityCSS: true}))
    .map(r => ({
      label: r.getAttribute('aria-label') || (r.getAttribute('aria-labelledby') &&
             document.getElementById(r.getAttribute('aria-labelledby'))?.textContent) || '',
      role: r.getAttribute('role'), tabindex: r.getAttribute('tabindex'),
      scrolls: r.scrollWidth > r.clientWidth + 1, table: Boolean(r.querySelector('table')),
    }));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: W, cut: cut.slice(0, 12),
          fonts, regions};
}"""


# --- the app, with staff accounts, in a real HTTP server --------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory, db_path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("reflow")
    make_users(folder / "users.yaml")
    app = make_app(db_path, folder)

    with served(app.server) as url:
        yield url


def every_page(db: str | Path) -> list[str]:
    """Every registered page: plain paths as registered, path templates once per agency or service of
    the warehouse (the 404 page and sign-in forms are not Dash pages)."""
    import dash

    agencies = [a for (a,) in query(Path(db), "SELECT agency_id FROM agencies ORDER BY 1")]
    services = [s for (s,) in query(Path(db), "SELECT service_id FROM services ORDER BY 1")]
    paths: list[str] = []
    for module, page in dash.page_registry.items():
        if module.endswith("not_found_404"):
            continue
        template = page.get("path_template")
        if not template:
            paths.append(page["path"])
        elif "<agency_id>" in template:
            paths += [template.replace("<agency_id>", a) for a in agencies]
        elif "<service_id>" in template:
            paths += [template.replace("<service_id>", s) for s in services]
    return sorted(set(paths), key=lambda p: (p.count("/"), p))


def settle(page) -> None:
    """Wait until Dash has drawn the page: its h1, nothing loading, every chart's SVG."""
    page.wait_for_load_state("networkidle")
    page.locator("main h1").first.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')"
                           " && !document.querySelector('._dash-loading')"
                           " && [...document.querySelectorAll('.dash-graph')]"
                           ".every(g => g.querySelector('.main-svg'))")
    page.wait_for_timeout(150)  # Plotly's responsive relayout after the first draw


def sign_in(page, user: str) -> None:
    page.goto("/signin")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Signed in as" in page.inner_text("body"), f"{user} could not sign in"


def check_region_keyboard(page) -> str | None:
    """The first scroll region that overflows: Tab reaches it (Shift+Tab away and Tab back) and the
    right arrow scrolls it. A problem in words, or None."""
    handle = page.evaluate_handle("() => [...document.querySelectorAll('[role=region][tabindex=\"0\"]')]"
                                  ".find(r => r.checkVisibility() && r.scrollWidth > r.clientWidth + 1)"
                                  " || null")
    if page.evaluate("(r) => r === null", handle):
        return None
    page.evaluate("(r) => { r.focus(); r.scrollLeft = 0; }", handle)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    if not page.evaluate("(r) => document.activeElement === r", handle):
        return "a scroll region is not in the Tab order"
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(150)
    if page.evaluate("(r) => r.scrollLeft", handle) <= 0:
        return "the right arrow does not scroll a focused scroll region"
    return None


def problems_at_320(page, path: str) -> list[str]:
    """Everything wrong with one page at 320 px, in words (an empty list when it reflows)."""
    found = page.evaluate(_MEASURE)
    out: list[str] = []
    if found["scrollWidth"] > found["innerWidth"]:
        out.append(f"scrolls sideways: {found['scrollWidth']} px wide in a {found['innerWidth']} px window")
    out += [f"text beyond the screen: {c}" for c in found["cut"]]
    for region in found["regions"]:
        if region["table"] and (region["role"] != "region" or region["tabindex"] != "0"):
            out.append(f"a table's scroll container is not a focusable region: {region}")
        elif region["role"] == "region" and region["tabindex"] == "0" and not region["label"].strip():
            out.append("a scroll region has no label")
    keyboard = check_region_keyboard(page)
    if keyboard:
        out.append(keyboard)
    out += [f"characters the served font {family} lacks: {chars!r}"
            for family, chars in missing(found["fonts"]).items()]
    return [f"{path}: {p}" for p in out]


def crawl(browser, base: str, paths: list[str], user: str | None) -> list[str]:
    context = browser.new_context(viewport=NARROW, base_url=base)
    page = context.new_page()
    page.set_default_timeout(60_000)  # pages build cold on a shared machine
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(f"uncaught exception: {exc}"))
    try:
        if user:
            sign_in(page, user)
        for path in paths:
            response = page.goto(path)
            status = response.status if response is not None else None
            if user is None and status in (401, 403, 404) and path in STAFF_PAGES:
                continue  # a staff page: not for the public (test_staff_pages_reflow_at_320 reads it)
            assert status == 200, f"{path}: HTTP {status}"
            settle(page)
            failures += problems_at_320(page, path)
    finally:
        context.close()
    return failures


# --- the tests -------------------------------------------------------------------------------------


def test_every_public_page_reflows_at_320(browser, site, db_path) -> None:
    paths = every_page(db_path)
    assert {"/", "/benchmarks", "/reporting", "/methodology", "/agency/dos-ca", "/service/dos-ca"} <= set(
        paths)
    failures = crawl(browser, site, paths, None)
    assert failures == [], "\n".join(failures)


def test_staff_pages_reflow_at_320(browser, site, db_path) -> None:
    """Signed in as OMB: every page that is not per agency or service, and one of each of those."""
    paths = [p for p in every_page(db_path) if p.count("/") == 1] + ["/agency/va-vba", "/service/va-vba",
                                                                      "/agency/va-vba/report"]
    failures = crawl(browser, site, paths, "omb-user")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("width", SHOT_WIDTHS)
def test_screenshots_for_review(browser, site, shot, width: int) -> None:
    """The main pages at 320, 390 and 1280 px, for a person to look at; each still fits its width."""
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=site)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        for path in SHOT_PAGES:
            page.goto(path)
            settle(page)
            width_now = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width_now[0] <= width_now[1], f"{path} at {width} px: {width_now}"
            name = "home" if path == "/" else path.strip("/").replace("/", "-")
            shot(page, f"reflow-{name}-{width}")
    finally:
        context.close()


def test_axe_at_320(browser, site, axe, axe_report) -> None:
    context = browser.new_context(viewport=NARROW, base_url=site, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        for path in ("/", "/benchmarks", "/reporting", "/methodology", "/service/dos-ca"):
            page.goto(path)
            settle(page)
            violations = axe(page)
            assert violations == [], f"{path}:\n{axe_report(violations)}"
    finally:
        context.close()


def test_heatmaps_become_a_list_on_a_narrow_screen(browser, site) -> None:
    context = browser.new_context(viewport=NARROW, base_url=site)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto("/")
        settle(page)
        block = page.locator("#home-standards")
        assert not block.locator(".dash-graph").is_visible()  # the grid gives way to the list
        listing = block.locator(".narrow-list")
        assert listing.is_visible() and listing.get_attribute("aria-label")
        first = listing.locator("li").first.inner_text()
        assert re.search(r"FY\d{4} Q\d", first) and re.search(r"\d+ of \d+ \((none|under|half|all)", first)
        legend = block.locator(".heat-legend").inner_text()
        assert "no data (hatched)" in legend and "all on track" in legend
        page.set_viewport_size({"width": 1280, "height": 900})
        assert block.locator(".dash-graph").is_visible() and not listing.is_visible()
    finally:
        context.close()


def test_status_badges_differ_in_colour_and_icon(browser, site) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto("/reporting")
        settle(page)
        badges = page.locator("#reporting-detail [data-compliance]")
        seen: dict[str, tuple[str, str]] = {}
        for badge in badges.all():
            word = badge.get_attribute("data-compliance")
            if word in seen:
                continue
            colour = badge.evaluate("b => getComputedStyle(b).backgroundColor")
            icon = badge.locator(".ss-icon").evaluate("i => getComputedStyle(i).maskImage")
            assert icon.startswith("url("), f"{word}: no icon"
            seen[word] = (colour, icon)
        assert len(seen) >= 3, seen  # the demo's FY has published, awaiting review, change requested, ...
        assert len({c for c, _ in seen.values()}) == len(seen), f"two categories share a colour: {seen}"
        assert len({i for _, i in seen.values()}) == len(seen), f"two categories share an icon: {seen}"
    finally:
        context.close()


def test_page_and_download_show_the_same_suppressed_cells(browser, site) -> None:
    """OSHA's online and mail channels in FY2024 Q1 have fewer than 10 trust answers: the download
    withholds the whole row (transactions too), so the page's channel table must print the same label
    in every figure cell of those rows and no count; the pooled row is shown in both."""
    import urllib.request

    with urllib.request.urlopen(f"{site}/api/v1/channel-breakdown?service=dol-osha&format=csv") as answer:
        rows = [r for r in csv.DictReader(io.StringIO(answer.read().decode("utf-8")))
                if r["period"] == "FY2024 Q1"]
    hidden = {r["channel_label"] for r in rows if r["suppressed"] == "True"}
    shown = {r["channel_label"] for r in rows if r["suppressed"] == "False"}
    assert hidden == {"Online", "Mail"} and shown == {"All channels"}
    assert all(r["events"] == SUPPRESSED_LABEL for r in rows if r["channel_label"] in hidden)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto("/service/dol-osha?period=FY2024+Q1")
        settle(page)
        table = page.locator("#service-channels-table")
        cells = table.evaluate("t => [...t.tBodies[0].rows]"
                               ".map(r => [...r.cells].map(c => c.textContent.trim()))")
    finally:
        context.close()
    by_label = {row[0]: row[1:] for row in cells}
    assert set(by_label) == hidden | shown
    for label in hidden:
        assert by_label[label] and all(cell == SUPPRESSED_LABEL for cell in by_label[label]), by_label[label]
    assert SUPPRESSED_LABEL not in by_label["All channels"]
    pooled = next(r for r in rows if r["channel_label"] == "All channels")
    assert f"{int(float(pooled['events'])):,}" in by_label["All channels"]
