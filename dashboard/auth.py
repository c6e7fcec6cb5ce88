"""Sign-in and the viewer of each request: who may see which figures.

- **Users file** (YAML, path `$SERVICESTAT_USERS`, default `data/users.yaml`, see
  `data/users.example.yaml`): user name, role (`agency` with its `agency_id`, or `omb`), a password
  *hash* (werkzeug's scrypt; `servicestat users add` writes it) and/or the e-mail address that an
  OpenID Connect provider vouches for. No password is ever stored or logged in plain text.
- **OpenID Connect** (Login.gov in production) through authlib, when
  `SERVICESTAT_OIDC_DISCOVERY_URL` and `SERVICESTAT_OIDC_CLIENT_ID` are set; a signed-in identity
  gets the role of the users-file entry with its e-mail address, and nothing without one.
- **Agency tokens** for the submission API (YAML, `$SERVICESTAT_TOKENS`, default
  `data/tokens.yaml`): only the SHA-256 of each token is kept (tokens are 256-bit random, so a
  fast hash is enough), one agency per token; `servicestat tokens add AGENCY` prints a new one once.
- **Per request** (`before_request`) the viewer is set from the session for the metrics layer,
  which enforces the roles; PUBLIC when nobody is signed in, and always PUBLIC in public mode
  (`servicestat serve --public`), where the sign-in routes do not exist at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import flask
import yaml
from werkzeug.security import check_password_hash, generate_password_hash

from core.paths import DATA_DIR
from dashboard.shell import ACCOUNT_KEY, INDEX_STRING, NAV_KEY, SITE_NAME, primary_nav_html
from metrics.access import OMB, PUBLIC, ROLES, Viewer, agency_manager, reset_viewer, set_viewer

log = logging.getLogger("servicestat.auth")

SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "sst_"
SIGNED_IN_ROLES = ("agency", "omb")
# Compared against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class AuthConfigError(ValueError):
    """A users or tokens file (or an auth setting) is wrong; the message names the file and entry."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    agency_id: str | None = None
    password_hash: str | None = None
    email: str | None = None

    @property
    def viewer(self) -> Viewer:
        return OMB if self.role == "omb" else agency_manager(str(self.agency_id))

    @property
    def role_label(self) -> str:
        return "OMB" if self.role == "omb" else f"agency manager, {self.agency_id}"


def _configured(name: str, default: Path) -> Path:
    """The app's setting (tests, several apps in one process), else the environment, else default."""
    if flask.has_app_context() and flask.current_app.config.get(name):
        return Path(flask.current_app.config[name])
    return Path(os.environ.get(name) or default)


def users_path() -> Path:
    return _configured("SERVICESTAT_USERS", DATA_DIR / "users.yaml")


def tokens_path() -> Path:
    return _configured("SERVICESTAT_TOKENS", DATA_DIR / "tokens.yaml")


# --- files -----------------------------------------------------------------------------------------

_file_cache: dict[tuple[str, str], tuple[tuple[int, int], object]] = {}
_file_lock = threading.Lock()


def _read_entries(path: Path, key: str) -> list[dict]:
    if not path.exists():
        return []
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise AuthConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get(key, []), list):
        raise AuthConfigError(f"{path}: expected a mapping with a list '{key}:'")
    entries = doc.get(key) or []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise AuthConfigError(f"{path}: {key} entry {i}: expected a mapping of fields")
    return entries


def _cached(path: Path, key: str, parse: Callable[[Path, list[dict]], object]) -> object:
    """Parse a file again only when it changed, so a removed user loses access at once."""
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_mtime_ns)
    except FileNotFoundError:
        stamp = (0, 0)
    with _file_lock:
        hit = _file_cache.get((str(path), key))
        if hit and hit[0] == stamp:
            return hit[1]
    value = parse(path, _read_entries(path, key))
    with _file_lock:
        _file_cache[(str(path), key)] = (stamp, value)
    return value


def _parse_users(path: Path, entries: list[dict]) -> dict[str, User]:
    users: dict[str, User] = {}
    for i, e in enumerate(entries, start=1):
        where = f"{path}: users entry {i}"
        name = e.get("username")
        if not isinstance(name, str) or not name.strip():
            raise AuthConfigError(f"{where}: field 'username' is missing")
        where += f" ({name})"
        role = e.get("role")
        if role not in SIGNED_IN_ROLES:
            raise AuthConfigError(f"{where}: field 'role' must be one of {', '.join(SIGNED_IN_ROLES)},"
                                  f" not {role!r}")
        agency = e.get("agency_id")
        if role == "agency" and not agency:
            raise AuthConfigError(f"{where}: field 'agency_id' is required for role agency")
        if role == "omb" and agency:
            raise AuthConfigError(f"{where}: field 'agency_id' is only for role agency")
        if "password" in e:
            raise AuthConfigError(f"{where}: field 'password' is not allowed: store 'password_hash'"
                                  " (servicestat users add writes it)")
        pw_hash = e.get("password_hash")
        if pw_hash is not None and (not isinstance(pw_hash, str) or "$" not in pw_hash):
            raise AuthConfigError(f"{where}: field 'password_hash' is not a werkzeug password hash")
        email = e.get("email")
        if pw_hash is None and not email:
            raise AuthConfigError(f"{where}: needs 'password_hash' or 'email' (for OpenID Connect)")
        if name in users:
            raise AuthConfigError(f"{where}: field 'username' repeats an earlier entry")
        users[name] = User(name, role, agency or None, pw_hash, email.lower() if email else None)
    return users


def load_users(path: Path | None = None) -> dict[str, User]:
    """The users file as {username: User}; a missing file means no users."""
    return _cached(path or users_path(), "users", _parse_users)  # type: ignore[return-value]


def _write_entries(path: Path, key: str, entries: list[dict], header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + yaml.safe_dump({key: entries}, sort_keys=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def add_user(path: Path, username: str, role: str, agency_id: str | None = None,
             password: str | None = None, email: str | None = None) -> User:
    """Add or replace a user; only the password's hash is written."""
    entry: dict = {"username": username, "role": role}
    if agency_id:
        entry["agency_id"] = agency_id
    if password:
        entry["password_hash"] = generate_password_hash(password)
    if email:
        entry["email"] = email
    _parse_users(path, [entry])  # the same checks as reading
    entries = [e for e in _read_entries(path, "users") if e.get("username") != username] + [entry]
    _write_entries(path, "users", entries,
                   "# ServiceStat users: hashed passwords only (servicestat users add).\n")
    return load_users(path)[username]


def authenticate(username: str, password: str, path: Path | None = None) -> User | None:
    """The user when the password matches its hash, else None (same work for unknown names)."""
    user = load_users(path).get(username)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _parse_tokens(path: Path, entries: list[dict]) -> list[tuple[str, str]]:
    tokens = []
    for i, e in enumerate(entries, start=1):
        digest, agency = e.get("sha256"), e.get("agency_id")
        if not isinstance(digest, str) or len(digest) != 64:
            raise AuthConfigError(f"{path}: tokens entry {i}: field 'sha256' must be 64 hex digits")
        if not isinstance(agency, str) or not agency:
            raise AuthConfigError(f"{path}: tokens entry {i}: field 'agency_id' is missing")
        tokens.append((digest, agency))
    return tokens


def add_token(path: Path, agency_id: str, label: str | None = None) -> str:
    """Create a submission token for one agency; the token is returned once, only its hash kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    entry = {"agency_id": agency_id, "sha256": _token_digest(token),
             "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    if label:
        entry["label"] = label
    entries = _read_entries(path, "tokens") + [entry]
    _write_entries(path, "tokens", entries,
                   "# ServiceStat submission tokens: SHA-256 of each token, one agency each.\n")
    return token


def token_agency(token: str, path: Path | None = None) -> str | None:
    """The agency a submission token belongs to, or None for an unknown token."""
    digest = _token_digest(token)
    found = None
    for known, agency in _cached(path or tokens_path(), "tokens", _parse_tokens):  # type: ignore[union-attr]
        if hmac.compare_digest(known, digest):
            found = agency
    return found


# --- OpenID Connect -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OidcSettings:
    discovery_url: str
    client_id: str
    client_secret: str | None
    scope: str
    acr_values: str | None
    redirect_uri: str | None
    label: str


def oidc_settings(environ: dict[str, str] | None = None) -> OidcSettings | None:
    """OpenID Connect settings from the environment, or None when it is not configured."""
    env = os.environ if environ is None else environ
    discovery = env.get("SERVICESTAT_OIDC_DISCOVERY_URL", "").strip()
    client_id = env.get("SERVICESTAT_OIDC_CLIENT_ID", "").strip()
    if not discovery and not client_id:
        return None
    if not discovery or not client_id:
        missing = "SERVICESTAT_OIDC_DISCOVERY_URL" if not discovery else "SERVICESTAT_OIDC_CLIENT_ID"
        raise AuthConfigError(f"OpenID Connect is half configured: set {missing} too")
    if urlsplit(discovery).scheme not in ("https", "http"):
        raise AuthConfigError(f"SERVICESTAT_OIDC_DISCOVERY_URL must be an http(s) URL, not {discovery!r}")
    return OidcSettings(
        discovery_url=discovery,
        client_id=client_id,
        client_secret=env.get("SERVICESTAT_OIDC_CLIENT_SECRET") or None,
        scope=env.get("SERVICESTAT_OIDC_SCOPE") or "openid email",
        acr_values=env.get("SERVICESTAT_OIDC_ACR_VALUES") or None,
        redirect_uri=env.get("SERVICESTAT_OIDC_REDIRECT_URI") or None,
        label=env.get("SERVICESTAT_OIDC_LABEL") or "Login.gov",
    )


def _register_oidc(server: flask.Flask, settings: OidcSettings):  # noqa: ANN202 - authlib client
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(server)
    client_kwargs = {"scope": settings.scope, "code_challenge_method": "S256"}
    if settings.client_secret is None:
        client_kwargs["token_endpoint_auth_method"] = "none"  # a public client: PKCE only
    return oauth.register(
        "oidc",
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs=client_kwargs,
    )


# --- the web side -----------------------------------------------------------------------------------


def secret_key() -> str:
    """The session secret from `SERVICESTAT_SECRET_KEY`; generated (with a warning) when absent."""
    key = os.environ.get("SERVICESTAT_SECRET_KEY", "")
    if key:
        return key
    log.warning("SERVICESTAT_SECRET_KEY is not set: generated a secret for this process; sessions end"
                " when it stops and are not shared with other processes")
    return secrets.token_hex(32)


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
    """Only a path on this site, never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
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


def _page(title: str, body: str, status: int = 200) -> flask.Response:
    """A server-rendered page in the site's shell (no Dash scripts: it works without JavaScript)."""

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
    return _page("Sign in", body, status)


def _sign_in_session(user: User) -> None:
    flask.session.clear()  # a new session on sign-in: no fixation
    flask.session.permanent = True
    flask.session["user"] = user.username
    flask.session["csrf"] = secrets.token_urlsafe(32)


def _register_routes(server: flask.Flask) -> None:
    @server.route("/signin", methods=["GET"])
    def signin_form() -> flask.Response:
        return _signin_page()

    @server.route("/signin", methods=["POST"])
    def signin_submit() -> flask.Response:
        if not _csrf_ok():
            return _signin_page("Your sign-in form had expired. Please try again.", 400)
        username = flask.request.form.get("username", "").strip()
        password = flask.request.form.get("password", "")
        user = authenticate(username, password) if username and password else None
        if user is None:
            log.info("failed sign-in for user name %r", username[:64])
            return _signin_page("The user name or password is not right.", 401, username)
        _sign_in_session(user)
        log.info("signed in: %s (%s)", user.username, user.viewer.key)
        return flask.redirect(_safe_next(flask.request.form.get("next")), code=303)

    @server.route("/signout", methods=["POST"])
    def signout() -> flask.Response:
        if _csrf_ok():
            flask.session.clear()
        return flask.redirect("/", code=303)

    settings: OidcSettings | None = server.config.get("SERVICESTAT_OIDC")
    if settings is None:
        return
    client = _register_oidc(server, settings)

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
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    if not public:
        server.config.setdefault("SERVICESTAT_OIDC", oidc_settings())
        load_users()  # a broken users file stops the start, naming the file and entry
        _register_routes(server)

    @server.before_request
    def _set_viewer() -> None:
        viewer = PUBLIC
        flask.g.servicestat_user = None
        if not public and "user" in flask.session:
            user = load_users().get(flask.session["user"])
            if user is None:  # removed from the users file since: signed out
                flask.session.clear()
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
           "current_user", "install", "load_users", "oidc_settings", "token_agency"]
