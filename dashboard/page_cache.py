"""The rendered-page cache: a page drawn once is served again, as is, until what it was drawn from changes.

A page's layout depends only on the page, its path and query arguments, the viewer's scope, the
warehouse version and the declaration files (and the day, for pages that judge lateness on today's
date, and the site's address, printed in links). Those make up the key (`page_key`). What is kept is
what the server sent: the body of Dash's answer to the pages router's call (the layout and title
as JSON bytes), so a repeat visit costs neither the tables, nor the components, nor Dash's
serialisation (measured: a warm visit of /agency/ID spent half its time writing JSON once the
metrics layer's own caches made the tables a lookup); and, for a server-rendered page, the HTML
written into its first answer.

* The viewer is part of every key: `metrics.access.Viewer` (public, the manager of agency X, OMB),
  and for a page whose layout shows one user's own things (`USER` in `POLICY`) the user name too,
  so one viewer's page is never shown to another.
* Which pages may be kept is an explicit list, `POLICY`; a page not in it is never kept (and
  tests/test_page_cache.py fails until it is classified). Pages with per-session material (the CSRF
  token of a form: /submit, /signin, the account pages) are Flask routes, not Dash pages, and never
  pass through here; as a second guard, an answer that carries a CSRF field is never kept.
* Invalidation reuses the versions the metrics cache keys on (metrics.cache): `reader(db).version()`
  (ingest publishes a load by swapping the file, so the version changes exactly then; so does a
  workflow move) and the declarations' stamps (`core.declarations.fingerprint`,
  `metrics.suppression.rules_stamp`), widened to every declaration file, since pages also read the
  site, narrative and alert files directly. No warehouse yet: the page is drawn, not kept.
* Bounded: an LRU of at most `MAX_ENTRIES` pages and `SERVICESTAT_PAGE_CACHE_MB` (default 64) MB;
  0 switches the cache off. Each gunicorn worker has its own.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import dash
import flask
from dash._pages import _parse_query_string

from core.declarations import CHECKERS, fingerprint
from core.paths import DATA_DIR, db_path
from metrics.access import current_viewer
from metrics.db import WarehouseMissing, reader
from metrics.reporting import today

log = logging.getLogger("servicestat.web")

#: Kept once per viewer scope (public, the manager of one agency, OMB).
SCOPE = "scope"
#: Kept once per signed-in user: the layout shows that user's own things.
USER = "user"
#: Drawn for every request.
NEVER = "never"

#: Every Dash page (the last part of its module name) and how its rendered layout may be kept.
POLICY: dict[str, str] = {
    "home": SCOPE,
    "services": SCOPE,
    "reporting": SCOPE,  # judged on today's date: the day is part of every key
    "alerts": SCOPE,  # the alerts of the viewer's scope; no per-user subscriptions on the page
    "agency": SCOPE,
    "agency_report": SCOPE,  # prints the site's address in links: part of every key
    "service": SCOPE,
    "benchmarks": SCOPE,
    "data": SCOPE,
    "methodology": SCOPE,
    "accessibility": SCOPE,
    "quality": SCOPE,  # staff only: the public's entry is the sign-in prompt
    # Any unknown address: a few static lines, cheaper to draw than to key; the 404 status and the
    # "no such agency" pages are decided per request by dashboard.app, not here.
    "not_found_404": NEVER,
}

MAX_ENTRIES = 1024
DEFAULT_MB = 64
#: Text that marks per-session material in a layout: such a layout is never kept.
SESSION_MARKERS = ("csrf_token", "csrf-token")


def max_bytes() -> int:
    """The cache's size cap from `SERVICESTAT_PAGE_CACHE_MB` (0 turns it off); a bad value is an error."""
    raw = os.environ.get("SERVICESTAT_PAGE_CACHE_MB", str(DEFAULT_MB)).strip()
    try:
        mb = float(raw)
    except ValueError:
        raise ValueError(f"SERVICESTAT_PAGE_CACHE_MB must be a number of megabytes, not {raw!r}") from None
    if mb < 0:
        raise ValueError(f"SERVICESTAT_PAGE_CACHE_MB must not be negative, not {raw!r}")
    return int(mb * 1024 * 1024)


@dataclass(frozen=True)
class Kept:
    """A kept page: the body Dash answered the pages router's call with (the layout and the title, as
    JSON bytes), or the HTML of a server-rendered page's layout (dashboard.server_html)."""

    body: bytes | str

    @property
    def size(self) -> int:
        return len(self.body)


def has_session_material(text: str) -> bool:
    return any(marker in text for marker in SESSION_MARKERS)


@dataclass
class PageCache:
    """A thread-safe LRU of rendered pages, bounded by count and by JSON size, with counters."""

    max_entries: int = MAX_ENTRIES
    max_bytes: int = DEFAULT_MB * 1024 * 1024
    hits: int = 0
    misses: int = 0
    uncached: int = 0  # requests of a page that is never kept (or could not be keyed)
    _entries: OrderedDict[Hashable, Kept] = field(default_factory=OrderedDict)
    _bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: Hashable) -> Kept | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: Kept) -> None:
        if value.size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = value
            self._bytes += value.size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size

    def skipped(self) -> None:
        with self._lock:
            self.uncached += 1

    def clear(self) -> None:
        """Forget every page and reset the counters (bench.dashboard's cold runs, tests)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self.hits = self.misses = self.uncached = 0

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "uncached": self.uncached,
                    "entries": len(self._entries), "bytes": self._bytes}


#: Dash's callback route (relative to the routes prefix), and the pages router's input component and
#: outputs (the page's content, and the store its title is set from) as a callback body names them.
CALLBACK_ROUTE = "_dash-update-component"
ROUTER_INPUT = "_pages_location"
ROUTER_OUTPUT = ".._pages_content.children..._pages_store.data.."

#: The process's cache (each gunicorn worker has its own).
CACHE = PageCache()


def page_name(page: dict) -> str:
    return str(page.get("module", "")).split(".")[-1]


def policy(page: dict) -> str:
    """How `page` may be kept: its `POLICY` entry; a page nobody classified is never kept."""
    return POLICY.get(page_name(page), NEVER)


def declarations_stamp(data_dir: str | os.PathLike[str] = DATA_DIR) -> tuple:
    """`core.declarations.fingerprint` - the stamps the metrics cache keys on - over every declaration
    file in `CHECKERS`, since pages also read the site, narrative and alert files directly."""
    return fingerprint(data_dir, [name for name, _check in CHECKERS])


@functools.lru_cache(maxsize=8)
def _warehouse(configured: str | None, environment: str | None) -> str:
    """The resolved warehouse path of the app's setting (and of $SERVICESTAT_DB, its fallback)."""
    del environment  # part of the key only: db_path reads it
    return os.path.realpath(db_path(configured))


def _hashable(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


def page_key(page: dict, kwargs: dict[str, Any]) -> tuple | None:
    """The key of `page` drawn with `kwargs` for this request, or None when it must not be kept."""
    kind = policy(page)
    if kind == NEVER or not flask.has_request_context():
        return None
    user = None
    if kind == USER:
        who = flask.g.get("servicestat_user")
        if who is None:  # a per-user page for someone not signed in: drawn as it is
            return None
        user = who.username
    config = flask.current_app.config
    path = _warehouse(config.get("SERVICESTAT_DB"), os.environ.get("SERVICESTAT_DB"))
    try:
        version = reader(path).version()
    except WarehouseMissing:
        return None
    args = tuple(sorted((str(k), _hashable(v)) for k, v in kwargs.items()))
    request = flask.request
    site = (request.scheme, request.host, request.script_root)  # printed in links (agency report)
    return (page_name(page), args, current_viewer(), user, path, version, declarations_stamp(), today(),
            site, bool(config.get("SERVICESTAT_PUBLIC")))


def _key_or_none(page: dict, kwargs: dict[str, Any], cache: PageCache) -> tuple | None:
    """`page_key`, counting a page that is not kept; a key that cannot be made means: draw, keep nothing."""
    try:
        key = page_key(page, kwargs)
    except Exception:  # noqa: BLE001 - the page is still drawn, as without the cache
        log.exception("page cache: could not key %s", page_name(page))
        key = None
    if key is None:
        cache.skipped()
    return key


def kept_html(page: dict, kwargs: dict[str, Any], draw: Callable[[], str], cache: PageCache = CACHE) -> str:
    """The HTML of `page` drawn with `kwargs` (`draw()`), kept like the router's answers: for pages
    that are written into their first HTML (``server_rendered``, dashboard.app)."""
    key = _key_or_none(page, kwargs, cache) if cache.max_bytes > 0 else None
    if key is None:
        return draw()
    key = ("html", key)
    found = cache.get(key)
    if found is not None:
        return str(found.body)
    html = draw()
    if not has_session_material(html):
        cache.put(key, Kept(html))
    return html


def router_call(body: Any) -> tuple[str, str] | None:
    """(pathname, search) when `body` is a call of Dash's pages router (a browser navigating), else None."""
    if (not isinstance(body, dict) or body.get("output") != ROUTER_OUTPUT or body.get("state")
            or not isinstance(body.get("inputs"), list)):
        return None
    inputs = body["inputs"]
    if not all(isinstance(i, dict) and i.get("id") == ROUTER_INPUT for i in inputs):
        return None  # the answer would depend on something the key does not hold
    values = {i.get("property"): i.get("value") for i in inputs}
    pathname, search = values.get("pathname"), values.get("search") or ""
    if not isinstance(pathname, str) or not isinstance(search, str):
        return None
    return pathname, search


def install(app: dash.Dash, find_page: Callable[[str], dict | None],
            path_variables: Callable[[dict, str], dict[str, str]], cache: PageCache = CACHE) -> None:
    """Answer a repeat call of `app`'s pages router (a browser navigating) with the body Dash answered
    it with before, for the same key. `find_page` and `path_variables` (dashboard.app) say which page a
    path is; the path and query as sent are part of the key too. Install after Dash's own request hooks
    (it sets the router up on the first request) and after the viewer and the body check are set."""
    cache.max_bytes = max_bytes()
    server = app.server
    callback_path = app.config.routes_pathname_prefix + CALLBACK_ROUTE

    @server.before_request
    def _cached_answer() -> flask.Response | None:
        request = flask.request
        if cache.max_bytes <= 0 or request.path != callback_path or request.method != "POST":
            return None
        body = request.get_json(silent=True)
        call = router_call(body)
        if call is None:
            return None
        pathname, search = call
        page = find_page(pathname)
        if page is None:
            return None
        key = _key_or_none(page, {**path_variables(page, pathname), **_parse_query_string(search)}, cache)
        if key is None:
            return None
        key = ("answer", pathname, search, key)
        found = cache.get(key)
        if found is not None:
            return flask.Response(found.body, status=200, mimetype="application/json")
        flask.g.page_cache_answer_key = key
        return None

    @server.after_request
    def _keep_answer(response: flask.Response) -> flask.Response:
        key = flask.g.pop("page_cache_answer_key", None)
        if key is not None and response.status_code == 200 and response.mimetype == "application/json":
            body = response.get_data()
            if not has_session_material(body.decode("utf-8", "replace")):
                cache.put(key, Kept(body))
        return response
