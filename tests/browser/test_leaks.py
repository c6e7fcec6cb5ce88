"""Crawl the site on the planted warehouse (tests/planted.py) as the public, as another agency's
manager and as OMB, and search everything served for the planted values.

* HTTP: every /api/v1/ table (all pages, JSON and CSV), the OpenAPI document, every download
  (/download/<name>.csv and .json) and every archive file.
* Chromium: every registered page (path templates filled with both planted services), then the
  site links found on them, up to a bound; the rendered text AND every response body the browser
  received (Dash's layout and callback JSON included) are searched.

The public must see none of the planted values; the manager of dos-ca none of va-vba's unpublished
figures or text; OMB sees them all (so the crawl is shown able to find them).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pandas as pd
import pytest

from tests.planted import (
    MOVER,
    PLANTED_SMALL,
    PLANTED_UNPUBLISHED,
    REASON,
    REJECT,
    build_planted,
    find_planted,
)
from tests.web_support import PASSWORDS, make_users, served, signed_in_client

pytestmark = pytest.mark.browser

MAX_PAGES = 24
ROLES = {"public": None, "dos-ca": "dos-manager", "omb": "omb-user"}
VA_TEXT = [re.escape(REASON[:21]), re.escape(REJECT)]
#: The unpublished counts as pages print them (thousands separators), beside tests/planted.py's raw forms.
FORMATTED_UNPUBLISHED = [r"(?<![\d.,])" + re.escape(n) + r"(?!\d|,\d|\.\d)"
                         for n in ("4,173", "4,102", "86,421", "24,680")]
UNPUBLISHED = [*PLANTED_UNPUBLISHED, *FORMATTED_UNPUBLISHED]
MUST_FIND_AS_OMB = {"unpublished": UNPUBLISHED, "small": PLANTED_SMALL, "text": VA_TEXT}
FORBIDDEN = {
    "public": {"unpublished": UNPUBLISHED, "small": PLANTED_SMALL,
               "text": [*VA_TEXT, re.escape(MOVER)]},
    "dos-ca": {"unpublished": UNPUBLISHED, "text": VA_TEXT},
    "omb": {},
}


@pytest.fixture(scope="module")
def planted_app(tmp_path_factory):
    from tests.web_support import make_app

    folder = tmp_path_factory.mktemp("leaks")
    db = build_planted(folder / "planted.duckdb", archive=True)
    make_users(folder / "users.yaml")
    return make_app(db, folder)


@pytest.fixture(scope="module")
def planted_server(planted_app) -> Iterator[str]:
    with served(planted_app.server) as url:
        yield url


def http_texts(client) -> dict[str, str]:
    """Everything the API, the downloads and the archive hand this client, by URL (every registered
    table; a staff-only table may answer 404 to the public, and then it hands nothing)."""
    from metrics.registry import TABLES

    out: dict[str, str] = {"/api/v1/openapi.json": client.get("/api/v1/openapi.json").get_data(as_text=True)}
    for name, table in TABLES.items():
        allowed = (200, 404) if table.staff_only else (200,)
        url = f"/api/v1/{name}?limit=1000"
        while url:
            response = client.get(url)
            assert response.status_code in allowed, (url, response.status_code)
            if response.status_code != 200:
                break
            out[url] = response.get_data(as_text=True)
            url = response.get_json()["meta"]["next"]
            url = url and url.replace("http://localhost", "")
        csv_url = f"/api/v1/{name}?limit=1000&format=csv"
        out[csv_url] = client.get(csv_url).get_data(as_text=True)
        for fmt in ("csv", "json", "parquet"):
            response = client.get(f"/download/{name}.{fmt}")
            assert response.status_code in allowed, (name, fmt, response.status_code)
            data = response.get_data()
            out[f"/download/{name}.{fmt}"] = (pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
                                              if fmt == "parquet" and response.status_code == 200
                                              else data.decode("utf-8", "replace"))
    for entry in client.get("/api/v1/archive").get_json()["data"]:
        data = client.get("/api/v1/archive/" + entry["path"]).get_data()
        out[entry["path"]] = (pd.read_parquet(io.BytesIO(data)).to_csv(index=False)
                              if entry["path"].endswith(".parquet") else data.decode("utf-8", "replace"))
    return out


def leaks(texts: dict[str, str], patterns: dict[str, list[str]]) -> list[str]:
    return [f"{kind} in {where}: {hit}" for where, text in texts.items()
            for kind, pats in patterns.items() for hit in find_planted(text, pats)]


@pytest.fixture(scope="module")
def http_by_role(planted_app) -> dict[str, dict[str, str]]:
    return {role: http_texts(signed_in_client(planted_app, user)) for role, user in ROLES.items()}


@pytest.mark.parametrize("role", ["public", "dos-ca"])
def test_http_crawl_leaks_nothing(http_by_role, role):
    texts = http_by_role[role]
    assert any(u.startswith("/download/") for u in texts) and any("archive" not in u for u in texts)
    found = leaks(texts, FORBIDDEN[role])
    assert not found, "\n".join(found[:20])


def test_http_crawl_finds_everything_as_omb(http_by_role):
    joined = {"all": "\n".join(http_by_role["omb"].values())}
    for kind, patterns in MUST_FIND_AS_OMB.items():
        assert leaks(joined, {kind: patterns}), f"OMB should see the planted {kind} values"


# --- the pages, in Chromium ---------------------------------------------------------------------------


def start_paths(app) -> list[str]:
    import dash

    paths = []
    for module, page in dash.page_registry.items():
        if module.endswith("not_found_404"):
            continue
        template = page.get("path_template")
        if template:
            paths += [re.sub(r"<[^>]+>", service, template) for service in ("va-vba", "dos-ca")]
        else:
            paths.append(page["path"])
    return paths


def crawl(browser, base_url: str, user: str | None, paths: list[str]) -> dict[str, str]:
    """Visit `paths`, then same-site links found, up to MAX_PAGES; return text seen, by URL."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    responses = []
    page.on("response", lambda response: responses.append(response))
    if user is not None:
        page.goto("/signin")
        page.fill("#username", user)
        page.fill("#password", PASSWORDS[user])
        page.click("main button[type=submit]")  # not the header's search button
        page.wait_for_load_state("networkidle")
        assert "Signed in as" in page.inner_text("body")
    seen: dict[str, str] = {}
    queue = list(dict.fromkeys(paths))
    visited = 0
    while queue and visited < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        visited += 1
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
        seen[path] = page.inner_text("body")
        read_bodies(responses, seen)  # now: the browser drops bodies once it navigates away
        for href in page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))"):
            href = href.split("#")[0]
            if href and not href.startswith(("/download/", "/api/", "/signin", "/signout", "/uswds/")) \
                    and href not in seen and href not in queue:
                queue.append(href)
    context.close()
    return seen


def read_bodies(responses: list, seen: dict[str, str]) -> None:
    """Move the text of the JSON and HTML responses received so far into `seen`."""
    while responses:
        response = responses.pop(0)
        content_type = response.headers.get("content-type", "")
        if "json" in content_type or "html" in content_type:
            try:
                body = response.text()
            except Exception:  # a body the browser did not keep (redirects)
                continue
            key = f"response {response.request.method} {response.url}"
            seen[key] = seen.get(key, "") + "\n" + body


@pytest.fixture(scope="module")
def pages_by_role(browser, planted_app, planted_server) -> dict[str, dict[str, str]]:
    paths = start_paths(planted_app)
    return {role: crawl(browser, planted_server, user, paths) for role, user in ROLES.items()}


@pytest.mark.parametrize("role", ["public", "dos-ca"])
def test_page_crawl_leaks_nothing(pages_by_role, role):
    texts = pages_by_role[role]
    visited = [u for u in texts if not u.startswith("response ")]
    assert "/reporting" in visited and any(u.startswith("/service/") for u in visited), " ".join(visited)
    found = leaks(texts, FORBIDDEN[role])
    assert not found, "\n".join(found[:20])


def test_page_crawl_finds_unpublished_and_small_values_as_omb(pages_by_role):
    joined = {"all": "\n".join(pages_by_role["omb"].values())}
    found = {kind for kind in ("unpublished", "small") if leaks(joined, {kind: MUST_FIND_AS_OMB[kind]})}
    assert found, "OMB's pages should show at least some of the planted figures"
