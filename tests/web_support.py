"""Helpers for the web-side tests (auth, API, submissions, headers): an app on a given warehouse
with its own users and tokens files, and signed-in test clients."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORDS = {"omb-user": "omb password 12345", "dos-manager": "dos password 12345",
             "va-manager": "va password 12345"}
AGENCIES = {"dos-manager": "dos-ca", "va-manager": "va-vba"}


def make_users(path: Path) -> Path:
    from dashboard.auth import add_user

    add_user(path, "omb-user", "omb", password=PASSWORDS["omb-user"])
    for name, agency in AGENCIES.items():
        add_user(path, name, "agency", agency, password=PASSWORDS[name])
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The demo warehouse (synthetic), built once per test module (~5 s)."""
    from publish.demo import build_demo

    path = tmp_path_factory.mktemp("web-demo") / "demo.duckdb"
    build_demo(path)
    return path


def make_app(db: str | Path, folder: Path, *, public: bool = False):
    """The Dash app on `db`, with users in `folder/users.yaml` and tokens in `folder/tokens.yaml`."""
    from dashboard.app import create_app

    app = create_app(str(db), public=public)
    app.server.config.update(SERVICESTAT_USERS=str(folder / "users.yaml"),
                             SERVICESTAT_TOKENS=str(folder / "tokens.yaml"), TESTING=True)
    return app


def app_with_viewer_probe(db: str | Path, folder: Path):
    """An app with sign-in users in `folder` and a `/_test/viewer` route that says who a request reads as."""
    import flask

    from metrics.access import current_viewer

    make_users(folder / "users.yaml")
    application = make_app(db, folder)

    @application.server.get("/_test/viewer")
    def _viewer() -> flask.Response:
        return flask.jsonify(viewer=current_viewer().key)

    return application


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def signed_in_client(app, username: str | None):
    """A Flask test client signed in as `username` through the real sign-in form (None: anonymous)."""
    client = app.server.test_client()
    if username is None:
        return client
    form = client.get("/signin")
    assert form.status_code == 200
    response = client.post("/signin", data={"username": username, "password": PASSWORDS[username],
                                            "csrf_token": csrf_from(form.get_data(as_text=True)),
                                            "next": "/"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


@contextmanager
def served(wsgi_app) -> Iterator[str]:
    """The base URL (no trailing slash) of `wsgi_app` served by werkzeug on a free loopback port (port 0:
    the kernel picks, so parallel runs never collide), quiet per request (errors still log)."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, code="-", size="-") -> None:
            pass

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

