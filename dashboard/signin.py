"""The sign-in pages and routes: user name and password, OpenID Connect, sign-out, the account line.

Server-rendered in the site's shell (they work without JavaScript); every form carries a CSRF
token, a new session starts at each sign-in (and a server-side one, which sign-out ends for every
copy of the cookie: dashboard.sessions), failed sign-ins are throttled per account and address
(429 with `Retry-After`), and `next` only ever leads to a path on this site. None of it exists in
public mode (dashboard.auth.install).
"""

from __future__ import annotations

import hmac
import html
import logging
import math
import secrets
from urllib.parse import urlsplit

import flask

from dashboard.accounts import User, authenticate, load_users, session_store
from dashboard.oidc import OidcSettings, register_client
from dashboard.shell import ACCOUNT_KEY, INDEX_STRING, NAV_KEY, SITE_NAME, primary_nav_html

log = logging.getLogger("servicestat.auth")


def current_user() -> User | None:
    """The signed-in user of this request, or None (also in public mode)."""
    return flask.g.get("servicestat_user")


def csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    sent = flask.request.form.get("csrf_token", "")
    expected = flask.session.get("csrf", "")
    return bool(expected) and hmac.compare_digest(sent, expected)


def _safe_next(target: str | None) -> str:
    """Only a path on this site, never another host (no open redirect), and nothing a Location header
    cannot carry (a control character such as CR or LF would make the redirect itself fail)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or len(target) > 2000:
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def account_html() -> str:
    """The header's account line: who is signed in and a sign-out button, or a sign-in link."""
    if not flask.has_request_context() or flask.current_app.config.get("SERVICESTAT_PUBLIC", True):
        return ""
    user = current_user()
    if user is None:
        inner = ('<a class="usa-link" href="/signin">Sign in</a>'
                 '<span class="margin-left-1 text-base-dark">(agency and OMB staff)</span>')
    else:
        inner = (
            f'<span data-testid="signed-in-as">Signed in as <strong>{html.escape(user.username)}</strong>'
            f" ({html.escape(user.role_label)})</span>"
            '<form method="post" action="/signout" class="display-inline margin-left-2">'
            f'<input type="hidden" name="csrf_token" value="{html.escape(csrf_token())}">'
            '<button type="submit" class="usa-button usa-button--unstyled">Sign out</button></form>'
        )
    return ('<div class="bg-base-lightest"><div class="grid-container padding-y-1 font-sans-2xs'
            f' text-right" data-testid="account">{inner}</div></div>')


def shell_page(title: str, body: str, status: int = 200) -> flask.Response:
    """A server-rendered page in the site's shell (no Dash scripts: it works without JavaScript); also
    the /submit page's (dashboard.submit_page)."""

    text = INDEX_STRING
    for key, value in {"{%metas%}": "", "{%favicon%}": '<link rel="icon" href="data:,">', "{%css%}": "",
                       "{%config%}": "",
                       "{%scripts%}": "", "{%renderer%}": "", "{%app_entry%}": body,
                       "{%title%}": html.escape(f"{title} – {SITE_NAME}"),
                       NAV_KEY: primary_nav_html(flask.request.path), ACCOUNT_KEY: account_html()}.items():
        text = text.replace(key, value)
    response = flask.make_response(text, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _signin_page(error: str | None = None, status: int = 200, username: str = "") -> flask.Response:
    settings: OidcSettings | None = flask.current_app.config.get("SERVICESTAT_OIDC")
    next_path = _safe_next(flask.request.values.get("next"))
    alert = ""
    invalid = ""
    if error:
        alert = ('<div class="usa-alert usa-alert--error usa-alert--slim margin-bottom-3" role="alert"'
                 ' id="signin-error"><div class="usa-alert__body">'
                 f'<p class="usa-alert__text">{html.escape(error)}</p></div></div>')
        invalid = ' aria-invalid="true" aria-describedby="signin-error"'
    oidc = ""
    if settings is not None:
        href = f"/signin/oidc?next={html.escape(next_path)}"
        oidc = (f'<h2>Or sign in with {html.escape(settings.label)}</h2>'
                f'<p><a class="usa-button usa-button--outline" href="{href}">'
                f"Sign in with {html.escape(settings.label)}</a></p>")
    body = f"""
<h1>Sign in</h1>
<p class="measure-5">Agency managers and OMB staff sign in to see figures that are not published yet.
The public pages and the open data need no sign-in.</p>
{alert}
<form class="usa-form" method="post" action="/signin" id="signin-form">
  <input type="hidden" name="csrf_token" value="{html.escape(csrf_token())}">
  <input type="hidden" name="next" value="{html.escape(next_path)}">
  <label class="usa-label" for="username">User name</label>
  <input class="usa-input" id="username" name="username" type="text" autocomplete="username"
         autocapitalize="off" spellcheck="false" required value="{html.escape(username)}"{invalid}>
  <label class="usa-label" for="password">Password</label>
  <input class="usa-input" id="password" name="password" type="password"
         autocomplete="current-password" required{invalid}>
  <button class="usa-button margin-top-3" type="submit">Sign in</button>
</form>
{oidc}"""
    return shell_page("Sign in", body, status)


def _sign_in_session(user: User) -> None:
    flask.session.clear()  # a new session on sign-in: no fixation
    flask.session.permanent = True
    flask.session["user"] = user.username
    flask.session["sid"] = session_store().start(user.username)
    flask.session["csrf"] = secrets.token_urlsafe(32)


def _throttled(retry_after: int, username: str) -> flask.Response:
    minutes = math.ceil(retry_after / 60)
    log.warning("sign-in throttled for user name %r from %s (%d s)", username[:64],
                flask.request.remote_addr, retry_after)
    response = _signin_page(f"Too many failed sign-ins for this account or from this address. Try again"
                            f" in {minutes} minute{'s' if minutes != 1 else ''}.", 429, username)
    response.headers["Retry-After"] = str(retry_after)
    return response


def register_routes(server: flask.Flask) -> None:
    """/signin (form and post), /signout, and with OpenID Connect /signin/oidc and its callback."""

    @server.route("/signin", methods=["GET"])
    def signin_form() -> flask.Response:
        return _signin_page()

    @server.route("/signin", methods=["POST"])
    def signin_submit() -> flask.Response:
        if not _csrf_ok():
            return _signin_page("Your sign-in form had expired. Please try again.", 400)
        username = flask.request.form.get("username", "").strip()
        password = flask.request.form.get("password", "")
        if not (username and password):
            return _signin_page("The user name or password is not right.", 401, username)
        store = session_store()
        attempt = store.attempt(username, flask.request.remote_addr or "unknown")
        if attempt.retry_after:
            return _throttled(attempt.retry_after, username)
        user = authenticate(username, password)
        if user is None:
            log.info("failed sign-in for user name %r", username[:64])
            return _signin_page("The user name or password is not right.", 401, username)
        store.succeeded(username, attempt)
        _sign_in_session(user)
        log.info("signed in: %s (%s)", user.username, user.viewer.key)
        return flask.redirect(_safe_next(flask.request.form.get("next")), code=303)

    @server.route("/signout", methods=["POST"])
    def signout() -> flask.Response:
        if _csrf_ok():
            session_store().end(flask.session.get("sid"))
            flask.session.clear()
        return flask.redirect("/", code=303)

    settings: OidcSettings | None = server.config.get("SERVICESTAT_OIDC")
    if settings is None:
        return
    client = register_client(server, settings)

    @server.route("/signin/oidc")
    def signin_oidc() -> flask.Response:
        flask.session["next"] = _safe_next(flask.request.args.get("next"))
        redirect_uri = settings.redirect_uri or flask.url_for("signin_oidc_callback", _external=True)
        extra = {"acr_values": settings.acr_values} if settings.acr_values else {}
        try:
            return client.authorize_redirect(redirect_uri, **extra)
        except Exception as exc:  # the provider is down or its discovery document is wrong
            log.warning("OpenID Connect discovery failed: %s", exc)
            return _signin_page(f"{settings.label} cannot be reached just now; try again later.", 502)

    @server.route("/signin/oidc/callback")
    def signin_oidc_callback() -> flask.Response:
        if flask.request.args.get("error"):
            return _signin_page(f"{settings.label} did not sign you in: "
                                f"{flask.request.args.get('error')}.", 400)
        try:
            token = client.authorize_access_token()
        except Exception as exc:  # bad state, bad token, provider error: never a 500
            log.warning("OpenID Connect callback refused: %s", exc)
            return _signin_page(f"The sign-in with {settings.label} could not be completed.", 400)
        claims = token.get("userinfo") or {}
        email = str(claims.get("email", "")).lower()
        verified = claims.get("email_verified", True)
        user = next((u for u in load_users().values() if email and u.email == email), None)
        if user is None or verified is False:
            return _signin_page(f"{email or 'This account'} has no ServiceStat role; ask the ServiceStat"
                                " administrator to add it.", 403)
        next_path = flask.session.get("next", "/")
        _sign_in_session(user)
        return flask.redirect(_safe_next(next_path), code=303)
