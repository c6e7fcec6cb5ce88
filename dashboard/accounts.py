"""The users and tokens files: who may sign in, as what, and which agency a submission token speaks for.

- **Users file** (YAML, path `$SERVICESTAT_USERS`, default `data/users.yaml`, see
  `data/users.example.yaml`): user name, role (`agency` with its `agency_id`, or `omb`), a password
  *hash* (werkzeug's scrypt; `servicestat users add` writes it) and/or the e-mail address that an
  OpenID Connect provider vouches for. No password is ever stored or logged in plain text.
- **Agency tokens** for the submission API (YAML, `$SERVICESTAT_TOKENS`, default
  `data/tokens.yaml`): only the SHA-256 of each token is kept (tokens are 256-bit random, so a
  fast hash is enough), one agency per token; `servicestat tokens add AGENCY` prints a new one once.

Both files are read again whenever they change, so a removed user or token loses access at once.
A user's and a token's agency must be one of data/agencies.csv (a typo is refused with the ids
closest to it). Replacing a user's password and removing a user end their sessions
(dashboard.sessions, whose store lives beside the users file).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import flask
import yaml
from werkzeug.security import check_password_hash, generate_password_hash

from core.paths import DATA_DIR, data_file
from dashboard.sessions import SessionStore, store_path
from metrics.access import OMB, Viewer, agency_manager

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


def session_store(users_file: Path | None = None) -> SessionStore:
    """The sessions and sign-in failures of the users file in force (or of `users_file`)."""
    return SessionStore(store_path(users_file or users_path()))


def agency_ids(data_dir: Path = DATA_DIR) -> list[str]:
    """The agencies declared in data/agencies.csv, the only ones a user or token may speak for."""
    with data_file("agencies.csv", data_dir).open(encoding="utf-8", newline="") as handle:
        return sorted({row["agency_id"].strip() for row in csv.DictReader(handle) if row.get("agency_id")})


def check_agency(agency_id: str, data_dir: Path = DATA_DIR) -> None:
    """AuthConfigError unless `agency_id` is declared, naming the closest declared ids."""
    known = agency_ids(data_dir)
    if agency_id in known:
        return
    close = difflib.get_close_matches(agency_id, known, n=5, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"declared: {', '.join(known)}"
    raise AuthConfigError(f"unknown agency {agency_id!r} (not in {data_file('agencies.csv', data_dir)});"
                          f" {hint}")


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
    """Add or replace a user; only the password's hash is written. Replacing a user ends their sessions
    (a new password, role or agency must not leave an old session running)."""
    if agency_id:
        check_agency(agency_id)
    entry: dict = {"username": username, "role": role}
    if agency_id:
        entry["agency_id"] = agency_id
    if password:
        entry["password_hash"] = generate_password_hash(password)
    if email:
        entry["email"] = email
    _parse_users(path, [entry])  # the same checks as reading
    before = _read_entries(path, "users")
    entries = [e for e in before if e.get("username") != username] + [entry]
    _write_entries(path, "users", entries,
                   "# ServiceStat users: hashed passwords only (servicestat users add).\n")
    if len(entries) == len(before):  # replaced
        session_store(path).revoke_user(username)
    return load_users(path)[username]


def remove_user(path: Path, username: str) -> int:
    """Remove a user and end their sessions; how many sessions were live (KeyError: no such user)."""
    before = _read_entries(path, "users")
    entries = [e for e in before if e.get("username") != username]
    if len(entries) == len(before):
        raise KeyError(username)
    _write_entries(path, "users", entries,
                   "# ServiceStat users: hashed passwords only (servicestat users add).\n")
    return session_store(path).revoke_user(username)


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
    check_agency(agency_id)
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
