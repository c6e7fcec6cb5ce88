"""Crawl a real-only warehouse in Chromium as the public, VA's Veterans Health Administration manager
and OMB: no page, page callback, download or API answer may fail, no console error, no "nothing here"
notice where data exist, and the published VHA trust figure must be on its service page.

The warehouse holds only real public data (data/public/: the FY2021 A-11 Section 280 results and GSA's
APR indicators, built by `publish.real_demo` as `servicestat demo --real` builds it) plus the A-11 v2
sample of tests/fixtures, every service-quarter published. Nothing is synthetic, so no synthetic banner.

The VHA figure is the published one: VA, Veterans Health Administration, email, FY2021 Q2, "I trust VA
to fulfill our country's commitment to Veterans": answers 1-5 = 3798 / 5267 / 22026 / 80315 / 209573,
n = 320,979, agree (4 or 5) 289,888 = 90.31 %, Wilson 95 % interval 90.21 %-90.42 %, mean 4.52 (the
published point scale; 4.516 from the counts).

One server, one browser context per role (signed in through the real form); every response the page
gets (the HTML, Dash's `/_dash-update-component` callbacks, assets) is watched for status >= 400.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, query
from tests.web_support import PASSWORDS, make_app, make_users

pytestmark = pytest.mark.browser

VHA_USER, VHA_PASSWORD, VHA_AGENCY = "vha-manager", "vha password 12345", "va-vha"
ROLES = {"public": None, "va-vha manager": VHA_USER, "omb": "omb-user"}
V2_SOURCE = "tests/fixtures/a11_v2_sample.csv (an A-11 v2 sample, not published data)"
VHA_PAGE = "/service/va-vha?period=FY2021+Q2"
#: Notices that say there is nothing to show; wrong on any page of this warehouse (data exist for all).
EMPTY_NOTICES = ("No figures yet", "has no figures in the warehouse yet", "No data have been loaded yet",
                 "No data yet", "No quarter has been reported yet")
#: Each table row of the page as "cell | cell | ...", tables folded away in <details> included.
_ROWS = "els => els.map(tr => [...tr.cells].map(c => c.textContent.trim()).join(' | '))"
#: A figure on a page: a share with one or two decimals (e.g. "90.3%").
FIGURE = re.compile(r"\d{1,3}\.\d{1,2}\s?%")


@dataclass
class Visit:
    text: str = ""
    synthetic_banner: bool = False
    vha_rows: list[str] = field(default_factory=list)


@dataclass
class Crawl:
    """What one role met: page texts, every failed response or console error, HTTP answers."""

    pages: dict[str, Visit] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    http: dict[str, int] = field(default_factory=dict)
    archive: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Iterator[tuple[str, Path, list[tuple[str, int, int]]]]:
    """(base URL, warehouse, published service-quarters) of the app serving the real-only warehouse."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from dashboard.auth import add_user
    from publish.real_demo import build_real_demo, read_sources, shipped_files

    folder = tmp_path_factory.mktemp("real-crawl")
    v2 = FIXTURES / "a11_v2_sample.csv"
    built = build_real_demo(folder / "real.duckdb", files=[*shipped_files(), v2],
                            sources={**read_sources(), v2.name: V2_SOURCE})
    assert [r.status for r in built.results] == ["loaded"] * 3
    make_users(folder / "users.yaml")
    add_user(folder / "users.yaml", VHA_USER, "agency", VHA_AGENCY, password=VHA_PASSWORD)
    app = make_app(built.db, folder)

    class Quiet(WSGIRequestHandler):
        def log_request(self, code="-", size="-") -> None:
            pass

    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", built.db, built.quarters
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def pages_with_data(db: Path) -> list[str]:
    """/agency/<id> and /service/<id> of every agency and service with data in the warehouse."""
    services = [s for (s,) in query(db, "SELECT service_id FROM survey_results UNION SELECT service_id"
                                        " FROM survey_mentions ORDER BY 1")]
    agencies = [a for (a,) in query(db, "SELECT DISTINCT agency_id FROM services WHERE service_id IN"
                                        f" ({', '.join('?' * len(services))}) ORDER BY 1", services)]
    return [f"/agency/{a}" for a in agencies] + [f"/service/{s}" for s in services]


def http_paths() -> list[str]:
    """Every registered table's download and API address (metrics.registry), the API index and OpenAPI."""
    from metrics.registry import TABLES

    return ([f"/download/{name}.csv" for name in sorted(TABLES)] + ["/api/v1/", "/api/v1/openapi.json"]
            + [f"/api/v1/{name}" for name in sorted(TABLES)])


def _sign_in(page, user: str) -> None:
    page.goto("/signin")
    page.fill("#username", user)
    page.fill("#password", VHA_PASSWORD if user == VHA_USER else PASSWORDS[user])
    page.click("main button[type=submit]")  # not the header's search button
    page.wait_for_load_state("networkidle")
    assert "Signed in as" in page.inner_text("body"), f"{user} could not sign in"


def _settle(page) -> None:
    """Wait until Dash has drawn the page (its h1 is there) and nothing is loading any more."""
    page.wait_for_load_state("networkidle")
    page.locator("main h1").first.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')"
                           " && !document.querySelector('._dash-loading')")
    page.wait_for_load_state("networkidle")


def crawl(browser, base_url: str, user: str | None, paths: list[str]) -> Crawl:
    out = Crawl()
    addresses = http_paths()
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(60_000)  # pages build exports cold on a shared machine
    where = {"path": "(sign-in)"}
    page.on("response", lambda r: out.problems.append(f"{where['path']}: {r.request.method} {r.url}: HTTP"
                                                       f" {r.status}") if r.status >= 400 else None)
    # net::ERR_ABORTED is the browser cancelling a request when the crawl navigates on, not an answer
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
            else out.problems.append(f"{where['path']}: {r.method} {r.url}: {r.failure}"))
    page.on("console", lambda m: out.problems.append(f"{where['path']}: console error: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda exc: out.problems.append(f"{where['path']}: uncaught exception: {exc}"))
    try:
        if user is not None:
            _sign_in(page, user)
        page.goto("/")
        _settle(page)
        nav = page.eval_on_selector_all("nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
        assert len(nav) >= 5, f"the primary navigation has too few links: {nav}"
        for path in dict.fromkeys([*nav, *paths, VHA_PAGE]):
            where["path"] = path
            try:
                page.goto(path)
                _settle(page)
            except Exception as exc:  # a page that never settles is a finding, not the end of the crawl
                out.problems.append(f"{path}: did not finish rendering: {type(exc).__name__}: {exc}"[:400])
            main = page.locator("main")
            out.pages[path] = Visit(
                text=main.inner_text() if main.count() else page.inner_text("body"),
                synthetic_banner=page.locator("[data-testid=synthetic-notice]").count() > 0,
                vha_rows=page.eval_on_selector_all("main tr", _ROWS) if path == VHA_PAGE else [])
        if user is not None and "Signed in as" not in page.inner_text("body"):
            out.problems.append(f"{user} was no longer signed in at the end of the crawl")
        where["path"] = "(http)"
        for path in addresses:
            out.http[path] = context.request.get(path).status
        listing = context.request.get("/api/v1/archive")
        out.http["/api/v1/archive"] = listing.status
        if listing.ok:
            out.archive = [f["path"] for f in listing.json()["data"]]
            for path in [p for p in out.archive if p.endswith("manifest.json")]:
                out.http[f"/api/v1/archive/{path}"] = context.request.get(f"/api/v1/archive/{path}").status
    finally:
        context.close()
    return out


@pytest.fixture(scope="module")
def crawls(browser, real_site) -> dict[str, Crawl]:
    base_url, db, _ = real_site
    paths = pages_with_data(db)
    return {role: crawl(browser, base_url, user, paths) for role, user in ROLES.items()}


def test_the_warehouse_is_real_only(real_site) -> None:
    _, db, quarters = real_site
    assert query(db, "SELECT file_name, synthetic FROM loads ORDER BY load_id") == [
        ("a11_cx_fy2021.csv", False), ("gpra_apr_sample.csv", False), ("a11_v2_sample.csv", False)]
    assert query(db, "SELECT count(*) FROM reporting_state WHERE state <> 'published'") == [(0,)]
    assert len(quarters) == query(db, "SELECT count(*) FROM (SELECT service_id, fiscal_year, quarter FROM"
                                      " survey_results UNION SELECT service_id, fiscal_year, quarter FROM"
                                      " survey_mentions)")[0][0]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_callback_fails_and_no_console_error(crawls, role) -> None:
    crawl = crawls[role]
    assert len(crawl.pages) >= 40, sorted(crawl.pages)
    assert not crawl.problems, f"{len(crawl.problems)} problem(s):\n" + "\n".join(crawl.problems[:40])


def _table_of(path: str) -> str:
    """The registered table a download or API path asks for (`/download/findings.csv` -> findings)."""
    last = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    return last.split(".")[0]


@pytest.mark.parametrize("role", ROLES)
def test_every_download_api_endpoint_and_archive_answers(crawls, real_site, role) -> None:
    crawl = crawls[role]
    from metrics.registry import TABLES

    staff_only = {name for name, table in TABLES.items() if table.staff_only}
    failed = {path: status for path, status in crawl.http.items() if status >= 400
              and not (role == "public" and status == 404 and _table_of(path) in staff_only)}
    assert len(crawl.http) >= 30 and not failed, failed
    published = sorted({(fy, q) for _, fy, q in real_site[2]})
    manifests = sorted(p for p in crawl.archive if p.endswith("/manifest.json"))
    assert [m.split("/")[0] for m in manifests] == [f"FY{fy}-Q{q}" for fy, q in published]


@pytest.mark.parametrize("role", ROLES)
def test_no_nothing_here_notice_where_data_exist_and_no_synthetic_banner(crawls, role) -> None:
    crawl = crawls[role]
    wrong = [f"{path}: {notice!r}" for path, visit in crawl.pages.items() for notice in EMPTY_NOTICES
             if notice in visit.text]
    # an agency or service with data shows some of its figures, whatever it says about standards
    bare = [f"{path}: no figure shown; it says: "
            + " | ".join(line for line in visit.text.splitlines() if re.search(r"\bNo\b|\bno\b", line))[:300]
            for path, visit in crawl.pages.items()
            if path.startswith(("/agency/", "/service/")) and not FIGURE.search(visit.text)]
    banners = [path for path, visit in crawl.pages.items() if visit.synthetic_banner]
    assert not (wrong or bare or banners), "\n".join(
        [*wrong, *bare, *(f"{p}: synthetic banner on real data" for p in banners)])


@pytest.mark.parametrize("role", ROLES)
def test_vha_email_trust_fy2021_q2_is_on_its_service_page_with_interval_and_mean(crawls, role) -> None:
    """Its row (channel Email or driver Trust: VHA reported FY2021 Q2 by email only) holds n, the agree
    share, both ends of the interval and the mean."""
    rows = [r for r in crawls[role].pages[VHA_PAGE].vha_rows if "320,979" in r]
    trust = [r for r in rows if re.search(r"(?<![\d.])90\.31?\s?%", r)]
    assert trust, f"no row with n = 320,979 and agree 90.31 % on {VHA_PAGE}; rows with the n: {rows}"
    complete = [r for r in trust if re.search(r"(?<![\d.])90\.2\d?\s?%", r)
                and re.search(r"(?<![\d.])90\.4\d?\s?%", r) and re.search(r"(?<![\d.])4\.52(?!\d)", r)]
    assert complete, f"the trust figure lacks its 95% interval (90.21 %-90.42 %) or its mean 4.52: {trust}"
