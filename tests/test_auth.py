"""Sign-in: hashed users file, sessions, the per-request viewer, public mode, OpenID Connect set-up."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask
import pytest
import yaml
from werkzeug.security import check_password_hash

from dashboard.auth import AuthConfigError, add_token, add_user, load_users, oidc_settings, token_agency
from metrics.access import PUBLIC, current_viewer, set_default_viewer
from tests.web_support import (
    PASSWORDS,
    app_with_viewer_probe,
    csrf_from,
    demo_db,
    make_app,
    make_users,
    signed_in_client,
)

__all__ = ["demo_db"]  # the fixture, imported for pytest


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db: Path):
    return app_with_viewer_probe(demo_db, tmp_path_factory.mktemp("auth"))


def viewer_of(client) -> str:
    return client.get("/_test/viewer").get_json()["viewer"]


# --- the users and tokens files ---------------------------------------------------------------------


def test_users_file_holds_only_hashes(tmp_path):
    path = make_users(tmp_path / "users.yaml")
    text = path.read_text()
    for password in PASSWORDS.values():
        assert password not in text
    entries = {e["username"]: e for e in yaml.safe_load(text)["users"]}
    assert check_password_hash(entries["dos-manager"]["password_hash"], PASSWORDS["dos-manager"])
    assert not check_password_hash(entries["dos-manager"]["password_hash"], PASSWORDS["va-manager"])
    assert entries["dos-manager"]["agency_id"] == "dos-ca" and entries["omb-user"]["role"] == "omb"
    assert path.stat().st_mode & 0o077 == 0, "the users file is readable by its owner only"


@pytest.mark.parametrize(("entry", "words"), [
    ({"username": "x", "role": "agency", "agency_id": "dos-ca", "password": "plain"},
     ["entry 1", "'password'"]),
    ({"username": "x", "role": "admin", "password_hash": "a$b"}, ["entry 1 (x)", "'role'"]),
    ({"username": "x", "role": "agency", "password_hash": "a$b"}, ["entry 1 (x)", "'agency_id'"]),
    ({"username": "x", "role": "omb"}, ["entry 1 (x)", "password_hash"]),
])
def test_bad_users_file_names_file_entry_and_field(tmp_path, entry, words):
    path = tmp_path / "users.yaml"
    path.write_text(yaml.safe_dump({"users": [entry]}))
    with pytest.raises(AuthConfigError) as err:
        load_users(path)
    message = str(err.value)
    assert str(path) in message
    for word in words:
        assert word in message


def test_tokens_are_stored_hashed_one_agency_each(tmp_path):
    path = tmp_path / "tokens.yaml"
    dos, va = add_token(path, "dos-ca"), add_token(path, "va-vba")
    text = path.read_text()
    assert dos not in text and va not in text
    assert token_agency(dos, path) == "dos-ca" and token_agency(va, path) == "va-vba"
    assert token_agency(dos + "x", path) is None and token_agency("", path) is None


# --- signing in and out -------------------------------------------------------------------------------


def test_anonymous_request_reads_as_public(app):
    client = app.server.test_client()
    assert viewer_of(client) == "public"
    page = client.get("/signin").get_data(as_text=True)
    assert 'href="/signin">Sign in</a>' in page and "Signed in as" not in page


@pytest.mark.parametrize(("user", "key", "label"), [
    ("dos-manager", "agency:dos-ca", "(agency manager, dos-ca)"),
    ("omb-user", "omb", "(OMB)"),
])
def test_sign_in_sets_viewer_and_header(app, user, key, label):
    set_default_viewer(PUBLIC)  # as create_app leaves a web process
    client = signed_in_client(app, user)
    assert viewer_of(client) == key
    page = client.get("/signin").get_data(as_text=True)
    assert f"Signed in as <strong>{user}</strong> {label}" in page
    # the viewer is per request: it does not leak into the process outside requests
    assert current_viewer() == PUBLIC


def test_wrong_password_is_refused_with_a_message(app):
    client = app.server.test_client()
    form = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={"username": "dos-manager", "password": "wrong password 1",
                                            "csrf_token": csrf_from(form)})
    assert response.status_code == 401
    text = response.get_data(as_text=True)
    assert 'role="alert"' in text and "The user name or password is not right." in text
    assert 'aria-invalid="true"' in text
    assert viewer_of(client) == "public"


def test_sign_in_without_csrf_token_is_refused(app):
    client = app.server.test_client()
    client.get("/signin")
    response = client.post("/signin", data={"username": "omb-user", "password": PASSWORDS["omb-user"]})
    assert response.status_code == 400
    assert viewer_of(client) == "public"


def test_next_never_leaves_the_site(app):
    client = app.server.test_client()
    form = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={"username": "omb-user", "password": PASSWORDS["omb-user"],
                                            "csrf_token": csrf_from(form), "next": "//evil.example/x"})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_sign_out(app):
    client = signed_in_client(app, "va-manager")
    page = client.get("/signin").get_data(as_text=True)
    assert client.post("/signout", data={"csrf_token": "forged"}).status_code == 303
    assert viewer_of(client) == "agency:va-vba", "a forged sign-out form does nothing"
    assert client.post("/signout", data={"csrf_token": csrf_from(page)}).status_code == 303
    assert viewer_of(client) == "public"


def test_removed_user_loses_access_at_once(app):
    path = Path(app.server.config["SERVICESTAT_USERS"])
    before = path.read_bytes()
    PASSWORDS["short-lived"] = "short lived 12345"
    add_user(path, "short-lived", "agency", "va-vba", password=PASSWORDS["short-lived"])
    try:
        client = signed_in_client(app, "short-lived")
        assert viewer_of(client) == "agency:va-vba"
        doc = yaml.safe_load(path.read_text())
        doc["users"] = [u for u in doc["users"] if u["username"] != "short-lived"]
        path.write_text(yaml.safe_dump(doc))
        assert viewer_of(client) == "public"
    finally:
        path.write_bytes(before)
        del PASSWORDS["short-lived"]


def test_secret_key_from_environment_else_generated_with_warning(demo_db, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SERVICESTAT_SECRET_KEY", "k" * 40)
    assert make_app(demo_db, tmp_path).server.config["SECRET_KEY"] == "k" * 40
    monkeypatch.delenv("SERVICESTAT_SECRET_KEY")
    with caplog.at_level(logging.WARNING, logger="servicestat.auth"):
        key = make_app(demo_db, tmp_path).server.config["SECRET_KEY"]
    assert len(key) >= 32 and "SERVICESTAT_SECRET_KEY is not set" in caplog.text


# --- public mode -----------------------------------------------------------------------------------


def test_public_site_has_no_sign_in_and_ignores_sessions(demo_db, tmp_path):
    make_users(tmp_path / "users.yaml")
    full = make_app(demo_db, tmp_path)
    public = make_app(demo_db, tmp_path, public=True)
    public.server.config["SECRET_KEY"] = full.server.config["SECRET_KEY"]  # even a valid session cookie

    @public.server.get("/_test/viewer")
    def _viewer() -> flask.Response:
        return flask.jsonify(viewer=current_viewer().key)

    signed = signed_in_client(full, "omb-user")
    cookie = signed.get_cookie("servicestat_session")
    assert cookie is not None
    client = public.server.test_client()
    client.set_cookie("servicestat_session", cookie.value)
    assert viewer_of(client) == "public"
    assert client.get("/signin").status_code == 404
    assert client.post("/signin", data={"username": "omb-user"}).status_code in (404, 405)
    assert client.post("/signout").status_code in (404, 405)
    assert "Sign in" not in client.get("/").get_data(as_text=True)


# --- OpenID Connect ----------------------------------------------------------------------------------


@pytest.fixture
def fake_provider():
    """A local server answering the OpenID Connect discovery request, as Login.gov's would."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path != "/.well-known/openid-configuration":
                self.send_error(404)
                return
            body = json.dumps({
                "issuer": base, "authorization_endpoint": f"{base}/openid_connect/authorize",
                "token_endpoint": f"{base}/api/openid_connect/token",
                "jwks_uri": f"{base}/api/openid_connect/certs",
                "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_oidc_settings_from_environment():
    assert oidc_settings({}) is None
    with pytest.raises(AuthConfigError, match="SERVICESTAT_OIDC_CLIENT_ID"):
        oidc_settings({"SERVICESTAT_OIDC_DISCOVERY_URL": "https://idp.int.identitysandbox.gov/.well-known/x"})
    with pytest.raises(AuthConfigError, match="http"):
        oidc_settings({"SERVICESTAT_OIDC_DISCOVERY_URL": "file:///etc/passwd",
                       "SERVICESTAT_OIDC_CLIENT_ID": "c"})


def test_oidc_sign_in_redirects_to_the_provider(demo_db, tmp_path, monkeypatch, fake_provider):
    monkeypatch.setenv("SERVICESTAT_OIDC_DISCOVERY_URL", f"{fake_provider}/.well-known/openid-configuration")
    client_id = "urn:gov:gsa:openidconnect.profiles:sp:sso:omb:servicestat"
    monkeypatch.setenv("SERVICESTAT_OIDC_CLIENT_ID", client_id)
    monkeypatch.setenv("SERVICESTAT_OIDC_ACR_VALUES", "urn:acr.login.gov:auth-only")
    make_users(tmp_path / "users.yaml")
    app = make_app(demo_db, tmp_path)
    client = app.server.test_client()
    assert "Sign in with Login.gov" in client.get("/signin").get_data(as_text=True)
    response = client.get("/signin/oidc?next=/reporting")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{fake_provider}/openid_connect/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["client_id"] == client_id
    assert query["response_type"] == "code" and query["scope"] == "openid email"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
    assert query["acr_values"] == "urn:acr.login.gov:auth-only"
    assert query["redirect_uri"].endswith("/signin/oidc/callback")
    assert query["state"] and query["nonce"]
    # A callback that does not carry the state we sent (or carries an error) is refused, never a 500.
    assert client.get("/signin/oidc/callback?code=abc&state=forged").status_code == 400
    assert client.get("/signin/oidc/callback?error=access_denied").status_code == 400
    assert client.get("/_nonexistent").status_code == 404


def test_oidc_provider_unreachable_is_not_a_500(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SERVICESTAT_OIDC_DISCOVERY_URL", "http://127.0.0.1:9/.well-known/openid-configuration")
    monkeypatch.setenv("SERVICESTAT_OIDC_CLIENT_ID", "client")
    app = make_app(demo_db, tmp_path)
    response = app.server.test_client().get("/signin/oidc")
    assert response.status_code == 502
    assert "cannot be reached" in response.get_data(as_text=True)


def test_users_add_command_never_takes_a_password_argument(tmp_path):
    from servicestat.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["users", "add", "x", "--role", "omb", "--password", "secret"])
    path = tmp_path / "u.yaml"
    add_user(path, "x", "omb", email="Person@OMB.example.gov")
    assert load_users(path)["x"].email == "person@omb.example.gov"
