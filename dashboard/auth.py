"""Sign-in and the viewer of each request: who may see which figures.

The pieces, one module each:

- dashboard.accounts: the users file (hashed passwords and/or e-mail addresses for OpenID Connect,
  role `agency` with its `agency_id` or `omb`) and the agency tokens of the submission API (only
  their SHA-256 kept); `servicestat users add` / `servicestat tokens add` write them;
- dashboard.oidc: OpenID Connect (Login.gov in production) settings and the provider's client;
- dashboard.signin: the sign-in and sign-out pages and routes, and the header's account line;
- dashboard.sessions: the server-side sessions (revocable; idle and absolute timeouts) and the
  throttling of failed sign-ins, in a store beside the users file shared by every worker;
- here: `install`, which sets up the session and, **per request** (`before_request`), the viewer for
  the metrics layer, which enforces the roles: PUBLIC when nobody is signed in, and always PUBLIC in
  public mode (`servicestat serve --public`), where the sign-in routes do not exist at all. A
  session counts only while its server-side row is live: signed out, revoked, idle or too old, the
  request reads as the public and the cookie is cleared.

The names the rest of the code uses are importable from here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from datetime import timedelta

import flask

from dashboard.accounts import (
    AuthConfigError,
    User,
    add_token,
    add_user,
    authenticate,
    load_users,
    remove_user,
    session_store,
    token_agency,
    tokens_path,
    users_path,
)
from dashboard.oidc import oidc_settings
from dashboard.sessions import DEFAULTS, setting
from dashboard.signin import account_html, current_user, register_routes
from metrics.access import PUBLIC, ROLES, reset_viewer, set_viewer

log = logging.getLogger("servicestat.auth")


def secret_key() -> str:
    """The session secret from `SERVICESTAT_SECRET_KEY`; generated (with a warning) when absent."""
    key = os.environ.get("SERVICESTAT_SECRET_KEY", "")
    if key:
        return key
    log.warning("SERVICESTAT_SECRET_KEY is not set: generated a secret for this process; sessions end"
                " when it stops and are not shared with other processes")
    return secrets.token_hex(32)


def install(server: flask.Flask, *, public: bool) -> None:
    """Sessions, the per-request viewer and (unless public) the sign-in routes on ``server``."""
    server.config["SERVICESTAT_PUBLIC"] = public
    if not server.config.get("SECRET_KEY"):
        server.config["SECRET_KEY"] = secret_key()
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SERVICESTAT_SECURE_COOKIES", "") in ("1", "true", "yes"),
        SESSION_COOKIE_NAME="servicestat_session",
        # The cookie's own life; the server-side session (dashboard.sessions) is what is checked.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=setting("SERVICESTAT_SESSION_MAX_HOURS")),
    )
    if not public:
        server.config.setdefault("SERVICESTAT_OIDC", oidc_settings())
        load_users()  # a broken users file stops the start, naming the file and entry
        for name in DEFAULTS:  # so does a session or throttling setting that is not a positive number
            setting(name)
        register_routes(server)

    @server.before_request
    def _set_viewer() -> None:
        viewer = PUBLIC
        flask.g.servicestat_user = None
        if not public and "user" in flask.session:
            user = load_users().get(flask.session["user"])
            if user is None or not session_store().check(flask.session.get("sid"), user.username):
                flask.session.clear()  # removed, signed out elsewhere, revoked, idle or too old
            else:
                flask.g.servicestat_user = user
                viewer = user.viewer
        flask.g.servicestat_viewer_token = set_viewer(viewer)

    @server.teardown_request
    def _reset_viewer(_exc: BaseException | None) -> None:
        token = flask.g.pop("servicestat_viewer_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):  # another context (should not happen): default PUBLIC
                reset_viewer(token)


__all__ = ["ROLES", "AuthConfigError", "User", "account_html", "add_token", "add_user", "authenticate",
           "current_user", "install", "load_users", "oidc_settings", "remove_user", "secret_key",
           "session_store", "token_agency",
           "tokens_path", "users_path"]
