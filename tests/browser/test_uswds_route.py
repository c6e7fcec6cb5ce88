"""The /uswds/ asset route and the server-sent HTML: no browser needed (Flask test client)."""

from __future__ import annotations

import pytest


@pytest.fixture
def client(dash_app):
    return dash_app.server.test_client()


@pytest.mark.parametrize(
    ("path", "mimetype"),
    [
        ("/uswds/css/uswds.min.css", "text/css"),
        ("/uswds/js/uswds-init.min.js", "text/javascript"),
        ("/uswds/js/uswds.min.js", "text/javascript"),
        ("/uswds/img/us_flag_small.png", "image/png"),
        ("/uswds/img/usa-icons/close.svg", "image/svg+xml"),
    ],
)
def test_serves_uswds_dist_files(client, path, mimetype):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.data


def test_serves_the_fonts_the_css_names(client):
    css = client.get("/uswds/css/uswds.min.css").get_data(as_text=True)
    assert "../fonts/" in css
    response = client.get("/uswds/fonts/source-sans-pro/sourcesanspro-regular-webfont.woff2")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/uswds/",
        "/uswds/css",
        "/uswds/css/",
        "/uswds/scss/_uswds-theme.scss",
        "/uswds/components/usa-banner.js.mjs",
        "/uswds/css/no-such-file.css",
        "/uswds/css/../../package.json",
        "/uswds/css/%2e%2e/%2e%2e/package.json",
        "/uswds/css/..%2f..%2fpackage.json",
        "/uswds/js/..%2F..%2F..%2F..%2F..%2F..%2Fpyproject.toml",
        "/uswds/css/%5c..%5c..%5cpackage.json",
        "/uswds//etc/passwd",
        "/uswds/..",
    ],
)
def test_refuses_everything_else(client, path):
    assert client.get(path).status_code == 404


def test_db_path_is_kept_in_config(dash_app, db_path):
    assert dash_app.server.config["SERVICESTAT_DB"] == db_path


def test_create_app_stores_db_path(tmp_path):
    from dashboard.app import create_app

    target = str(tmp_path / "warehouse.duckdb")
    app = create_app(target)
    assert app.server.config["SERVICESTAT_DB"] == target


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/", 200, "Government-wide overview – ServiceStat"),
        ("/accessibility", 200, "Accessibility statement – ServiceStat"),
        ("/accessibility/", 200, "Accessibility statement – ServiceStat"),
        ("/no-such-page", 404, "Page not found – ServiceStat"),
    ],
)
def test_server_sends_status_title_and_lang(client, path, status, title):
    response = client.get(path)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert f"<title>{title}</title>" in html
    assert "An official website of the United States government" in html
    assert 'href="#main-content"' in html and 'id="main-content"' in html
