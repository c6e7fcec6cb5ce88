"""Server-side sessions and sign-in throttling, shared by every worker process.

The session cookie alone cannot be revoked: a copy taken before sign-out would read OMB figures
until it expired. So each sign-in also starts a row here, and the cookie carries only its random id
(`sid`); every request checks the row (`SessionStore.check`): it must exist, belong to the cookie's
user, have been used within the idle timeout and be younger than the absolute one. Sign-out deletes
the row; a password change and `servicestat users remove` delete every row of the user.

Failed sign-ins are counted here too, per account and per client address (the direct peer: put no
proxy in front without telling the app). When either count reaches its limit within the window, the
sign-in answers 429 with `Retry-After`, even for the right password; a successful sign-in clears the
account's count. An attempt is counted *before* its password is checked (and uncounted when it
succeeds), so parallel guesses cannot slip past the limit.

The store is one SQLite file next to the users file (`users.yaml` -> `users.sessions.sqlite3`, owner
read/write only): SQLite's file locking makes it safe across gunicorn workers, and writes are
transactions. Settings (environment, or the app's config of the same name; defaults in `DEFAULTS`):
`SERVICESTAT_SESSION_IDLE_MINUTES`, `SERVICESTAT_SESSION_MAX_HOURS`,
`SERVICESTAT_SIGNIN_MAX_FAILURES` (per account), `SERVICESTAT_SIGNIN_MAX_FAILURES_PER_ADDRESS`,
`SERVICESTAT_SIGNIN_WINDOW_MINUTES`.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask

DEFAULTS: dict[str, float] = {
    "SERVICESTAT_SESSION_IDLE_MINUTES": 30,
    "SERVICESTAT_SESSION_MAX_HOURS": 8,
    "SERVICESTAT_SIGNIN_MAX_FAILURES": 5,
    "SERVICESTAT_SIGNIN_MAX_FAILURES_PER_ADDRESS": 20,
    "SERVICESTAT_SIGNIN_WINDOW_MINUTES": 15,
}
#: A session's last use is written again only after this many seconds (fewer writes per request).
TOUCH_EVERY = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, username TEXT NOT NULL, created REAL NOT NULL,
                                     last_seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
CREATE TABLE IF NOT EXISTS failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures (key, at);
"""


def now() -> float:
    """The clock (seconds); tests move it instead of waiting."""
    return time.time()


def setting(name: str) -> float:
    """A positive number from the app's config, else the environment, else `DEFAULTS`."""
    raw: object = None
    if flask.has_app_context():
        raw = flask.current_app.config.get(name)
    if raw is None:
        raw = os.environ.get(name) or None
    if raw is None:
        return float(DEFAULTS[name])
    try:
        value = float(raw)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, not {raw!r}")
    return value


def store_path(users_file: Path) -> Path:
    """The session store of a users file: `users.yaml` -> `users.sessions.sqlite3` beside it."""
    return users_file.with_name(users_file.stem + ".sessions.sqlite3")


def _account(username: str) -> str:
    """The failure-count key of a user name (case-blind; a huge name cannot bloat the store)."""
    return "user:" + username.casefold()[:200]


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt counted in advance: `retry_after` seconds when refused, else its rows."""

    retry_after: int
    rows: tuple[int, ...] = ()


class SessionStore:
    """The sessions and failure counts of one users file (see the module)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextlib.contextmanager
    def _db(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection, closed after; with `write`, in one transaction (BEGIN IMMEDIATE: one writer at
        a time), else each statement on its own (reads take no write lock)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        con = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        try:
            if new:
                with contextlib.suppress(OSError):
                    os.chmod(self.path, 0o600)
            con.executescript(_SCHEMA)
            if not write:
                yield con
                return
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    # --- sessions ----------------------------------------------------------------------------------

    def start(self, username: str) -> str:
        """A new session of `username`; its id goes in the cookie."""
        sid = secrets.token_urlsafe(32)
        t = now()
        with self._db() as con:
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (sid, username, t, t))
            # Expired sessions of anyone are dropped as new ones start: the file stays small.
            con.execute("DELETE FROM sessions WHERE created < ? OR last_seen < ?",
                        (t - setting("SERVICESTAT_SESSION_MAX_HOURS") * 3600,
                         t - setting("SERVICESTAT_SESSION_IDLE_MINUTES") * 60))
        return sid

    def check(self, sid: object, username: str) -> bool:
        """Whether the session is live for `username` (not revoked, idle or too old); touches it."""
        if not isinstance(sid, str) or not sid:
            return False
        t = now()
        idle = setting("SERVICESTAT_SESSION_IDLE_MINUTES") * 60
        oldest = setting("SERVICESTAT_SESSION_MAX_HOURS") * 3600
        with self._db(write=False) as con:
            row = con.execute("SELECT username, created, last_seen FROM sessions WHERE sid = ?",
                              (sid,)).fetchone()
            if row is None or row[0] != username:
                return False
            if t - row[2] > idle or t - row[1] > oldest:
                con.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
                return False
            if t - row[2] >= TOUCH_EVERY:
                con.execute("UPDATE sessions SET last_seen = ? WHERE sid = ?", (t, sid))
        return True

    def end(self, sid: object) -> None:
        """Sign-out: the session is gone for every copy of the cookie."""
        if isinstance(sid, str) and sid:
            with self._db() as con:
                con.execute("DELETE FROM sessions WHERE sid = ?", (sid,))

    def revoke_user(self, username: str) -> int:
        """End every session of a user (password changed, user removed); how many were live."""
        with self._db() as con:
            return con.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount

    def live_sessions(self, username: str) -> int:
        with self._db(write=False) as con:
            return con.execute("SELECT count(*) FROM sessions WHERE username = ?", (username,)).fetchone()[0]

    # --- throttling --------------------------------------------------------------------------------

    def attempt(self, username: str, address: str) -> Attempt:
        """Count a sign-in attempt against the account and the address, unless either is locked.

        Locked: `max` failures within the window; `retry_after` is when the oldest of the last `max`
        leaves the window."""
        t = now()
        window = setting("SERVICESTAT_SIGNIN_WINDOW_MINUTES") * 60
        limits = {_account(username): int(setting("SERVICESTAT_SIGNIN_MAX_FAILURES")),
                  f"addr:{address}": int(setting("SERVICESTAT_SIGNIN_MAX_FAILURES_PER_ADDRESS"))}
        with self._db() as con:
            con.execute("DELETE FROM failures WHERE at < ?", (t - window,))
            wait = 0.0
            for key, limit in limits.items():
                times = [r[0] for r in con.execute("SELECT at FROM failures WHERE key = ? ORDER BY at DESC"
                                                   " LIMIT ?", (key, limit))]
                if len(times) >= limit:
                    wait = max(wait, times[-1] + window - t)
            if wait > 0:
                return Attempt(max(1, math.ceil(wait)))
            rows = tuple(con.execute("INSERT INTO failures VALUES (?, ?)", (key, t)).lastrowid or 0
                         for key in limits)
        return Attempt(0, rows)

    def succeeded(self, username: str, attempt: Attempt) -> None:
        """The right password: the account's count starts again, and this attempt is not a failure."""
        with self._db() as con:
            con.execute("DELETE FROM failures WHERE key = ?", (_account(username),))
            con.executemany("DELETE FROM failures WHERE rowid = ?", [(r,) for r in attempt.rows])
