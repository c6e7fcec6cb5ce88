"""Sessions that end on the server, and throttled sign-in (ServiceStat issue #16, items 4 and 5).

Each attack is replayed: a copy of the cookie taken before sign-out (or before a password change, or
before `servicestat users remove`) must read as the public afterwards; an idle or too old session
must end; 40 wrong passwords must not be followed by a working right one. The clock is moved
(`dashboard.sessions.now`) instead of waited for. The last tests do the same under gunicorn with two
worker processes, so the store is shown to be shared, not one worker's memory.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from dashboard import sessions
from dashboard.accounts import add_user, session_store
from servicestat.cli import main
from tests.conftest import copy_warehouse
from tests.reliability import serving
from tests.web_support import (
    PASSWORDS,
    app_with_viewer_probe,
    csrf_from,
    demo_db,
    make_users,
    signed_in_client,
)

__all__ = ["demo_db"]

T0 = 2_000_000_000.0  # a fixed "now" (2033), moved by the tests


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db: Path):
    return app_with_viewer_probe(demo_db, tmp_path_factory.mktemp("sessions"))


@pytest.fixture
def clock(app, monkeypatch) -> Iterator[list[float]]:
    """A clock the test moves (clock[0] is now), and a fresh store: no sessions, no failures."""
    users = Path(app.server.config["SERVICESTAT_USERS"])
    sessions.store_path(users).unlink(missing_ok=True)
    now = [T0]
    monkeypatch.setattr(sessions, "now", lambda: now[0])
    yield now
    sessions.store_path(users).unlink(missing_ok=True)


def viewer_of(client) -> str:
    return client.get("/_test/viewer").get_json()["viewer"]


def copy_of(app, client):
    """Another client holding a copy of `client`'s session cookie (what a thief would keep)."""
    copy = app.server.test_client()
    copy.set_cookie("servicestat_session", client.get_cookie("servicestat_session").value)
    return copy


def sign_in(client, username: str, password: str, address: str = "127.0.0.1"):
    form = client.get("/signin").get_data(as_text=True)
    return client.post("/signin", data={"username": username, "password": password,
                                        "csrf_token": csrf_from(form), "next": "/"},
                       environ_base={"REMOTE_ADDR": address})


# --- item 4: sessions end on the server --------------------------------------------------------------


def test_a_copied_cookie_stops_working_at_sign_out(app, clock):
    client = signed_in_client(app, "omb-user")
    copy = copy_of(app, client)
    assert viewer_of(copy) == "omb"
    assert copy.get("/api/v1/findings").status_code == 200, "OMB reads the operator tables"
    page = client.get("/signin").get_data(as_text=True)
    assert client.post("/signout", data={"csrf_token": csrf_from(page)}).status_code == 303
    assert viewer_of(client) == "public"
    assert viewer_of(copy) == "public", "the copy taken before sign-out still reads as OMB"
    assert copy.get("/api/v1/findings").status_code == 404


def test_a_new_password_ends_the_users_sessions(app, clock):
    users = Path(app.server.config["SERVICESTAT_USERS"])
    before = users.read_bytes()
    try:
        client = signed_in_client(app, "dos-manager")
        assert viewer_of(client) == "agency:dos-ca"
        other = signed_in_client(app, "va-manager")
        add_user(users, "dos-manager", "agency", "dos-ca", password="a brand new password 1")
        assert viewer_of(client) == "public"
        assert viewer_of(other) == "agency:va-vba", "only the changed user's sessions end"
    finally:
        users.write_bytes(before)


def test_users_remove_ends_the_users_sessions(app, clock, capsys):
    users = Path(app.server.config["SERVICESTAT_USERS"])
    before = users.read_bytes()
    try:
        client = signed_in_client(app, "va-manager")
        assert viewer_of(client) == "agency:va-vba"
        assert main(["users", "remove", "va-manager", "--file", str(users)]) == 0
        assert "1 session(s) ended" in " ".join(capsys.readouterr().err.split())
        users.write_bytes(before)  # even put back, the old session stays ended
        assert viewer_of(client) == "public"
        assert main(["users", "remove", "nobody", "--file", str(users)]) == 2
    finally:
        users.write_bytes(before)


def test_an_idle_session_ends_after_the_idle_timeout(app, clock):
    client = signed_in_client(app, "omb-user")
    clock[0] += 20 * 60
    assert viewer_of(client) == "omb"  # used after 20 minutes: still live, and touched
    clock[0] += 29 * 60
    assert viewer_of(client) == "omb", "idle 29 minutes (of 30) since its last use"
    clock[0] += 31 * 60
    assert viewer_of(client) == "public", "idle 31 minutes"


def test_a_busy_session_ends_after_the_absolute_timeout(app, clock):
    client = signed_in_client(app, "omb-user")
    for _ in range(24):  # used every 20 minutes for 8 hours: never idle
        clock[0] += 20 * 60
        assert viewer_of(client) == "omb"
    clock[0] += 20 * 60  # 8 h 20 min after sign-in
    assert viewer_of(client) == "public"


def test_timeouts_are_settings(app, clock):
    app.server.config["SERVICESTAT_SESSION_IDLE_MINUTES"] = "5"
    try:
        client = signed_in_client(app, "omb-user")
        clock[0] += 6 * 60
        assert viewer_of(client) == "public"
    finally:
        del app.server.config["SERVICESTAT_SESSION_IDLE_MINUTES"]
    assert sessions.DEFAULTS["SERVICESTAT_SESSION_IDLE_MINUTES"] == 30
    assert sessions.DEFAULTS["SERVICESTAT_SESSION_MAX_HOURS"] == 8


def test_a_forged_session_id_is_not_a_session(app, clock):
    client = signed_in_client(app, "omb-user")
    with client.session_transaction() as cookie:
        assert cookie["sid"]
        cookie["sid"] = "forged"
    assert viewer_of(client) == "public"


# --- item 5: sign-in throttling ------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_is_refused(app, clock):
    client = app.server.test_client()
    statuses = [sign_in(client, "omb-user", f"guess number {i:02d}").status_code for i in range(40)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    right = sign_in(client, "omb-user", PASSWORDS["omb-user"])
    assert right.status_code == 429, "locked: the right password does not sign in either"
    assert 0 < int(right.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in right.get_data(as_text=True)
    assert viewer_of(client) == "public"
    # the lock is the account's: another user at another address signs in
    assert sign_in(app.server.test_client(), "dos-manager", PASSWORDS["dos-manager"],
                   "127.0.0.9").status_code == 303
    clock[0] += 15 * 60 + 1  # the window has passed
    assert sign_in(client, "omb-user", PASSWORDS["omb-user"]).status_code == 303


def test_retry_after_counts_down_from_the_oldest_failure(app, clock):
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "va-manager", "not the password").status_code == 401
        clock[0] += 60  # one a minute
    locked = sign_in(client, "va-manager", PASSWORDS["va-manager"])
    # the first failure was 5 minutes ago: it leaves the 15-minute window in 10 minutes
    assert locked.status_code == 429 and locked.headers["Retry-After"] == str(10 * 60)


def test_a_successful_sign_in_resets_the_accounts_count(app, clock):
    client = app.server.test_client()
    for _ in range(4):
        assert sign_in(client, "dos-manager", "not the password").status_code == 401
    assert sign_in(client, "dos-manager", PASSWORDS["dos-manager"]).status_code == 303
    statuses = [sign_in(client, "dos-manager", "not the password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


def test_failures_from_one_address_lock_it_for_every_account(app, clock):
    client = app.server.test_client()
    for i in range(20):  # spread over names, so no account reaches its own limit
        assert sign_in(client, f"guess-{i % 4}", "wrong", "127.0.0.7").status_code == 401
    assert sign_in(client, "omb-user", PASSWORDS["omb-user"], "127.0.0.7").status_code == 429
    assert sign_in(client, "omb-user", PASSWORDS["omb-user"], "127.0.0.8").status_code == 303


# --- item 8: a `next` a Location header cannot carry --------------------------------------------------


@pytest.mark.parametrize("target", ["/\r\nX", "/\nSet-Cookie: a=b", "/\x00x", "/ok\x7f"])
def test_next_with_a_control_character_redirects_home(app, clock, target):
    client = app.server.test_client()
    form = client.get("/signin").get_data(as_text=True)
    response = client.post("/signin", data={"username": "omb-user", "password": PASSWORDS["omb-user"],
                                            "csrf_token": csrf_from(form), "next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get(f"/signin?{urlencode({'next': target})}").status_code == 200


# --- across gunicorn workers ------------------------------------------------------------------------


class Browser:
    """A cookie-keeping HTTP client, one new connection per request (so requests spread over workers)."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            con.request(method, path, body=body, headers=headers)
            answer = con.getresponse()
            text = answer.read().decode("utf-8", "replace")
            found = re.search(r"servicestat_session=([^;]*)", answer.getheader("Set-Cookie") or "")
            if found:
                self.cookie = f"servicestat_session={found.group(1)}"
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, text
        finally:
            con.close()

    def sign_in(self, username: str, password: str) -> tuple[int, dict, str]:
        _, _, page = self.request("GET", "/signin")
        return self.request("POST", "/signin", {"username": username, "password": password,
                                                "csrf_token": csrf_from(page), "next": "/"})


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory, demo_db: Path) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("sessions-gunicorn")
    db = folder / "warehouse.duckdb"
    copy_warehouse(demo_db, db)
    users = make_users(folder / "users.yaml")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SERVICESTAT_USERS", str(users))
        env.setenv("SERVICESTAT_TOKENS", str(folder / "tokens.yaml"))
        env.setenv("SERVICESTAT_SECRET_KEY", "s" * 64)
        with serving(db, log=folder / "serve.log", workers=2) as server:
            yield int(server.url.rsplit(":", 1)[1])


def test_sign_out_holds_in_every_worker(gunicorn_port: int):
    browser = Browser(gunicorn_port)
    assert browser.sign_in("omb-user", PASSWORDS["omb-user"])[0] == 303
    thief = Browser(gunicorn_port)
    thief.cookie = browser.cookie
    assert all(thief.request("GET", "/api/v1/findings")[0] == 200 for _ in range(6))
    _, _, page = browser.request("GET", "/signin")
    assert browser.request("POST", "/signout", {"csrf_token": csrf_from(page)})[0] == 303
    assert [thief.request("GET", "/api/v1/findings")[0] for _ in range(8)] == [404] * 8


def test_throttling_holds_in_every_worker(gunicorn_port: int):
    statuses = [Browser(gunicorn_port).sign_in("va-manager", f"wrong guess {i}")[0] for i in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    status, headers, text = Browser(gunicorn_port).sign_in("va-manager", PASSWORDS["va-manager"])
    assert status == 429 and int(headers["retry-after"]) > 0 and "Too many failed sign-ins" in text


def test_the_store_is_beside_the_users_file_and_private(app, clock):
    signed_in_client(app, "omb-user")
    users = Path(app.server.config["SERVICESTAT_USERS"])
    store = sessions.store_path(users)
    assert store.parent == users.parent and store.exists()
    assert store.stat().st_mode & 0o077 == 0
    assert session_store(users).live_sessions("omb-user") == 1
