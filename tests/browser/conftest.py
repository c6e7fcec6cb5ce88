"""Browser-test fixtures: the Dash app in a real HTTP server, Debian's Chromium via Playwright,
a page that fails its test on console errors or failed requests, axe-core and screenshots.

Chromium is the Debian package (/usr/bin/chromium), never a Playwright download; axe-core comes
from ``node_modules`` (``npm ci``, see ``.ci/setup``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.web_support import served

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

_screenshots_taken: list[Path] = []


# --- the app in a real HTTP server -------------------------------------------------------------


@pytest.fixture(scope="session")
def db_path(tmp_path_factory) -> str:
    """The warehouse the app reads: the shipped demo data, built once per test session (~5 s).

    Override in a test module to point the app at another warehouse."""
    from publish.demo import build_demo

    path = tmp_path_factory.mktemp("browser-warehouse") / "demo.duckdb"
    build_demo(path)
    return str(path)


@pytest.fixture(scope="session")
def dash_app(db_path):
    from dashboard.app import create_app

    return create_app(db_path)


@pytest.fixture(scope="session")
def live_server(dash_app) -> Iterator[str]:
    """Base URL (no trailing slash) of the app served by werkzeug on a free loopback port."""
    with served(dash_app.server) as url:
        yield url


# --- Chromium through Playwright --------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} not found: install Debian's Chromium (`apt-get install -y chromium`, "
            "done by .ci/setup). Playwright-downloaded browsers are not used."
        )
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} missing: run `npm ci` at the repo root (done by .ci/setup).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageProblems:
    """What went wrong in the page: console errors, uncaught exceptions, failed requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    _allowed: list[re.Pattern[str]] = field(default_factory=list)
    reported: bool = False

    def allow(self, pattern: str) -> None:
        """Expect problems whose text matches ``pattern`` (regex), e.g. a deliberate 404."""
        self._allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        problems = (
            [f"console error: {m}" for m in self.console_errors]
            + [f"uncaught exception: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
        )
        return [p for p in problems if not any(a.search(p) for a in self._allowed)]


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser, live_server, page_problems):
    """A fresh desktop-size page. The test fails if the page logged a console error, threw, or
    had a request fail (network error or HTTP status >= 400), unless ``page_problems.allow``
    expected it."""
    # bypass_csp: the app's Content-Security-Policy forbids inline scripts; axe-core is injected
    # by the test, not served by the app.
    context = browser.new_context(viewport=DESKTOP, base_url=live_server, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15_000)

    def on_console(msg) -> None:
        if msg.type == "error":
            source = (msg.location or {}).get("url")
            page_problems.console_errors.append(f"{msg.text} ({source})" if source else msg.text)

    def on_request_failed(request) -> None:
        # Playwright's `failure` is a property (a string) in the Python API.
        page_problems.failed_requests.append(
            f"{request.method} {request.url}: {request.failure}"
        )

    def on_response(response) -> None:
        if response.status >= 400:
            page_problems.failed_requests.append(
                f"{response.request.method} {response.url}: HTTP {response.status}"
            )

    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: page_problems.page_errors.append(str(exc)))
    pg.on("requestfailed", on_request_failed)
    pg.on("response", on_response)
    yield pg
    context.close()
    # Normally reported as the test's own failure by pytest_runtest_call below; this catches
    # what it did not see (the test failed first, or problems came during teardown).
    problems = page_problems.unexpected()
    if problems and not page_problems.reported:
        pytest.fail(_problem_report(problems), pytrace=False)


@pytest.fixture
def patient(page):
    """The page, waiting up to 60 s instead of 15 before giving up: for modules whose pages build
    every export or chart cold on a shared machine (no assertion is about time). Opt in with
    ``pytest.mark.usefixtures("patient")``."""
    page.set_default_timeout(60_000)
    return page


def _problem_report(problems: list[str]) -> str:
    return "page problems:\n  " + "\n  ".join(problems)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a test that passed but whose page logged console errors or had failed requests."""
    result = yield
    problems: PageProblems | None = getattr(item, "funcargs", {}).get("page_problems")
    if problems is not None:
        unexpected = problems.unexpected()
        if unexpected:
            problems.reported = True
            pytest.fail(_problem_report(unexpected), pytrace=False)
    return result


# --- helpers ----------------------------------------------------------------------------------


def wait_for_dash(page, *, h1: bool = True) -> None:
    """Wait until Dash has rendered the page and nothing is loading."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector('._dash-loading')"
        " && !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && !document.documentElement.classList.contains('usa-js-loading')"
    )
    if h1:
        page.locator("main h1").first.wait_for(state="visible")
    # Charts draw after their component renders: wait until every graph has an SVG.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dash-graph')]"
        ".every(g => g.querySelector('.js-plotly-plot .main-svg'))"
    )


def run_axe(page, tags: list[str] | None = None) -> list[dict]:
    """Inject axe-core from node_modules and return its WCAG 2.0/2.1 A and AA violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        tags or AXE_TAGS,
    )
    return result["violations"]


def format_violations(violations: list[dict]) -> str:
    """Readable violations for an assertion message: rule, impact, help, offending nodes."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG to tests/artifacts/screenshots/ (git-ignored) and print where it went."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=full_page)
    _screenshots_taken.append(path)
    print(f"screenshot: {path} (folder {SCREENSHOT_DIR})")
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if _screenshots_taken:
        terminalreporter.write_line(
            f"browser screenshots ({len(_screenshots_taken)}): {SCREENSHOT_DIR}"
        )


# The helpers as fixtures, so test modules need not import conftest (which pytest loads under
# a module name that depends on the rootdir and import mode).


@pytest.fixture
def axe():
    """``axe(page) -> violations``: see run_axe."""
    return run_axe


@pytest.fixture
def dash_ready():
    """``dash_ready(page)``: see wait_for_dash."""
    return wait_for_dash


@pytest.fixture
def shot():
    """``shot(page, name) -> Path``: see screenshot."""
    return screenshot


@pytest.fixture
def axe_report():
    """``axe_report(violations) -> str``: see format_violations."""
    return format_violations
