"""Serve the dashboard under gunicorn: several worker processes, each reading the warehouse
read-only, so a load published by ingest shows in every worker without a restart.

Hardening that only gunicorn can do (the Flask app does the rest, see `dashboard.security`):

* every answer says ``Server: ServiceStat``, not ``gunicorn``: gunicorn has no setting for it, so
  `_harden_gunicorn` sets the module constant its responses read;
* gunicorn's own error pages (400 bad request line, 414 request line too long, 431 headers too
  large: written before the app is called) carry the security headers and only the reason, not
  the request line echoed back: `_error_page` replaces ``gunicorn.util.write_error``;
* a body the app refused unread (413) is not drained to keep the connection alive: the
  ``pre_request`` hook closes the connection after answering when a body is over the limit or
  chunked (size unknown).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from typing import Any

import gunicorn.http.wsgi
import gunicorn.util
from gunicorn.app.base import BaseApplication

from dashboard.security import STATIC_HEADERS, max_content_length

#: What the ``Server`` header of every answer says.
SERVER_NAME = "ServiceStat"
#: Policy of gunicorn's own error pages: plain HTML with nothing to load or run.
ERROR_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def _error_page(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error page (same signature as ``gunicorn.util.write_error``), with the security
    headers and the reason only: the detail (often the offending request line) goes to the log."""
    body = (f"<!doctype html><html lang=\"en\"><head><title>{html.escape(reason)}</title></head>"
            f"<body><h1>{int(status_int)} {html.escape(reason)}</h1></body></html>").encode()
    headers = {"Server": SERVER_NAME, "Connection": "close", "Content-Type": "text/html; charset=utf-8",
               "Content-Length": str(len(body)), "Content-Security-Policy": ERROR_PAGE_CSP,
               "Cache-Control": "no-store", **STATIC_HEADERS}
    head = f"HTTP/1.1 {int(status_int)} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + b"\r\n" + body)


def _close_after_unread_body(worker: Any, req: Any) -> None:
    """gunicorn's ``pre_request`` hook: gunicorn reads (and drops) whatever the app left of a body
    before the next request on a kept-alive connection; for a body over the size limit, or a
    chunked one, close the connection after the answer instead of draining it."""
    worker.log.debug("%s %s", req.method, req.path)
    limit = max_content_length()
    for name, value in req.headers:
        oversize = name == "CONTENT-LENGTH" and value.isascii() and value.isdigit() and int(value) > limit
        if oversize or name == "TRANSFER-ENCODING":
            req.force_close()


def _harden_gunicorn() -> None:
    """Set what gunicorn has no setting for (see the module docstring); workers inherit it."""
    gunicorn.http.wsgi.SERVER = SERVER_NAME
    gunicorn.util.write_error = _error_page


class _Gunicorn(BaseApplication):
    def __init__(self, db_path: str, options: dict[str, Any], public: bool = False,
                 after_load: Callable[[str | None], object] | None = None):
        self.db_path = db_path
        self.options = options
        self.public = public
        self.after_load = after_load
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - gunicorn's WSGI callable
        from dashboard.app import create_app

        return create_app(self.db_path, public=self.public, after_load=self.after_load).server


def run_gunicorn(db_path: str, host: str, port: int, workers: int, public: bool = False,
                 after_load: Callable[[str | None], object] | None = None) -> int:
    if not public and not os.environ.get("SERVICESTAT_SECRET_KEY"):
        # One secret for all workers (they inherit the environment), so a session signed by one
        # worker is honoured by the others; sessions still end when the server stops.
        from dashboard.auth import secret_key

        os.environ["SERVICESTAT_SECRET_KEY"] = secret_key()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "accesslog": "-",
        "pre_request": _close_after_unread_body,
        "preload_app": False,  # each worker opens its own read-only connection
    }
    max_content_length()  # a bad SERVICESTAT_MAX_UPLOAD_BYTES stops the start, naming the variable
    _harden_gunicorn()
    _Gunicorn(db_path, options, public=public, after_load=after_load).run()
    return 0
