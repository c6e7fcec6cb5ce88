"""/services (find a service) in a real browser: everyday words find their service, the page works
without JavaScript, the header's search box works by keyboard, axe-core at desktop and 320 px, no
sideways scroll; and unknown agency and service ids answer HTTP 404 with their friendly page."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import quote_plus

import pytest

from tests.browser.page_checks import DESKTOP, no_horizontal_scroll, table_headers

pytestmark = pytest.mark.browser

PHONE_320 = {"width": 320, "height": 800}
TITLE = "Find a service – ServiceStat"
#: Words a member of the public uses -> the service they mean (data/service_keywords.csv and names).
COMMON_WORDS = {
    "passport": "dos-ca",
    "veterans benefits": "va-vba",
    "tax return": "treas-irs",
    "social security card": "ssa-oo",
    "student aid": "ed-fsa",
}
HEADERS = ["Service", "Service provider", "Agency", "Trust (agree share)", "Standards"]


def services_url(q: str | None = None) -> str:
    return "/services" if q is None else f"/services?q={quote_plus(q)}"


def service_links(page) -> list[str]:
    return page.eval_on_selector_all("#services-table tbody th a",
                                     "as => as.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize(("q", "service_id"), list(COMMON_WORDS.items()), ids=list(COMMON_WORDS))
def test_common_words_find_their_service(page, dash_ready, q, service_id) -> None:
    response = page.goto(services_url(q))
    dash_ready(page)
    assert response is not None and response.status == 200
    assert page.title() == TITLE
    assert f"/service/{service_id}" in service_links(page)
    assert page.input_value("#services-q") == q
    assert page.locator("#services-count").inner_text().startswith("1 service matches")


def test_every_service_is_listed_in_an_accessible_table(page, dash_ready) -> None:
    page.goto(services_url())
    dash_ready(page)
    assert table_headers(page, "#services-table") == HEADERS
    assert page.locator("#services-table thead th[scope=col]").count() == len(HEADERS)
    assert page.locator("#services-table caption").inner_text().startswith("Services: ")
    links = service_links(page)
    assert len(links) == 25 and "/service/dos-ca" in links and "/service/multi-rec" in links
    passport_row = page.locator("#services-table tbody tr", has=page.locator('a[href="/service/dos-ca"]'))
    cells = [c.strip() for c in passport_row.locator("th, td").all_inner_texts()]
    assert cells[:3] == ["Passport Services", "Bureau of Consular Affairs", "Bureau of Consular Affairs"]


def test_the_search_works_without_javascript(browser, live_server) -> None:
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        response = page.goto(services_url("passport"))
        assert response is not None and response.status == 200
        # The results are in the HTML the server sent; nothing here ran a script.
        assert 'href="/service/dos-ca"' in response.text()
        assert page.locator("main h1").inner_text().strip() == "Find a service"
        assert service_links(page) == ["/service/dos-ca"]
        assert page.locator("._dash-loading").count() == 0
        # The page's own form submits as a plain GET.
        page.fill("#services-q", "tax return")
        page.press("#services-q", "Enter")
        page.wait_for_url("**/services?q=tax+return")
        assert service_links(page) == ["/service/treas-irs"]
        # ... and so does the header's box.
        page.fill("#site-search", "student aid")
        page.press("#site-search", "Enter")
        page.wait_for_url("**/services?q=student+aid")
        assert service_links(page) == ["/service/ed-fsa"]
    finally:
        context.close()


def test_header_search_box_works_by_keyboard(page, dash_ready) -> None:
    page.goto("/")
    dash_ready(page)
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "site-search":
            break
    else:
        pytest.fail("Tab never reached the header's search box")
    page.keyboard.type("veterans benefits")
    page.keyboard.press("Enter")
    page.wait_for_url("**/services?q=veterans+benefits")
    dash_ready(page)
    assert service_links(page) == ["/service/va-vba"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE_320], ids=["1280", "320"])
@pytest.mark.parametrize("q", [None, "passport", "zzzz"], ids=["all", "passport", "nothing"])
def test_axe_and_no_sideways_scroll(page, dash_ready, axe, axe_report, shot, viewport, q) -> None:
    page.set_viewport_size(viewport)
    page.goto(services_url(q))
    dash_ready(page)
    violations = axe(page)
    assert violations == [], axe_report(violations)
    assert no_horizontal_scroll(page), "the page body scrolls sideways"
    if q == "zzzz":
        assert page.get_by_test_id("empty-state").inner_text().startswith("No service matches “zzzz”")
    shot(page, f"services-{q or 'all'}-{viewport['width']}")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the test's own server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.parametrize(("path", "text", "status"), [
    ("/agency/nope", "No such agency", 404),
    ("/service/nope", "No such service", 404),
    ("/agency/dos-ca", "Bureau of Consular Affairs – ServiceStat", 200),
    ("/service/dos-ca", "Passport Services – ServiceStat", 200),
])
def test_unknown_ids_answer_404_with_their_friendly_page(live_server, path, text, status) -> None:
    code, body = _get(live_server + path)
    assert code == status
    assert text in body
    if status == 404:  # the friendly page itself is in the HTML, not only its title
        assert f"<h1>{text}</h1>" in body
        assert "There is no" in body and 'class="usa-link"' in body


def test_the_dash_client_still_draws_the_not_found_page(page, page_problems, dash_ready) -> None:
    page_problems.allow(r"/service/nope")  # the 404 the server answers, as the browser logs it
    response = page.goto("/service/nope")
    dash_ready(page)
    assert response is not None and response.status == 404
    assert page.locator("main h1").inner_text().strip() == "No such service"
    assert page.locator('main a[href="/service/dos-ca"]').count() == 1
