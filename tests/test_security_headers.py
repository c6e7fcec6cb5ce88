"""Security headers on every kind of response: pages, sign-in, API, errors, USWDS and Dash assets."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest

from dashboard.security import max_content_length
from tests.web_support import demo_db, make_app

__all__ = ["demo_db"]


@pytest.fixture(scope="module")
def client(tmp_path_factory, demo_db: Path):
    return make_app(demo_db, tmp_path_factory.mktemp("headers")).server.test_client()


def dash_asset(client) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.search(r'src="(/_dash-component-suites/[^"]+\.js[^"]*)"', html).group(1)


URLS = ["/", "/signin", "/no-such-page", "/api/v1/", "/api/v1/agencies", "/api/v1/status?bad=1",
        "/api/v1/openapi.json", "/uswds/css/uswds.min.css", "/uswds/js/uswds.min.js", "/_dash-layout",
        "/_dash-component-suites/dash/../../../../etc/passwd"]


@pytest.mark.parametrize("url", [*URLS, "dash-asset"])
def test_headers_on_every_response(client, url):
    if url == "dash-asset":
        url = dash_asset(client)
    response = client.get(url)
    assert response.status_code < 500
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    scripts = csp["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts


def test_csp_allows_exactly_the_inline_scripts_of_the_page(client):
    """Every inline script Dash writes is allowed by its hash, and nothing else inline is."""
    response = client.get("/")
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    allowed = set(re.search(r"script-src ([^;]+)", policy).group(1).split())
    inline = [m.group(2) for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
              if "application/json" not in m.group(1)]
    assert inline, "Dash writes its renderer inline"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed


def test_upload_limit_from_environment(monkeypatch):
    monkeypatch.setenv("SERVICESTAT_MAX_UPLOAD_BYTES", "1234")
    assert max_content_length() == 1234
    monkeypatch.setenv("SERVICESTAT_MAX_UPLOAD_BYTES", "lots")
    with pytest.raises(ValueError, match="SERVICESTAT_MAX_UPLOAD_BYTES"):
        max_content_length()


def test_session_cookie_is_httponly_and_samesite(tmp_path, demo_db):
    from tests.web_support import make_users, signed_in_client

    app = make_app(demo_db, tmp_path)
    make_users(tmp_path / "users.yaml")
    client = signed_in_client(app, "omb-user")
    cookie = client.get_cookie("servicestat_session")
    assert cookie.http_only and cookie.same_site == "Lax"
