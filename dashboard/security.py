"""Hardening of every response: security headers, a Content-Security-Policy that Dash can live
with, and a request size limit that answers 413 in JSON.

The size limit holds on every route: a declared ``Content-Length`` over it is refused before any of
the body is read, and a chunked body (no length) is read up to the limit and refused with the same
413 when more follows; one within the limit is handed on as if it had been sent with its length.
(Werkzeug alone would cut a chunked body at the limit without a word, and Flask's config has
``MAX_CONTENT_LENGTH = None`` from the start, so the limit must be set, not ``setdefault``-ed.)

Dash 4 writes one inline script into each page (``new DashRenderer(...)``) plus any inline
clientside callbacks; rather than allowing every inline script we allow exactly those, by their
SHA-256 hashes (``Dash.csp_hashes()``). The hashes are computed on the first request, after every
page module has registered its callbacks. Plotly and Dash set inline ``style`` attributes, so
``style-src`` keeps ``'unsafe-inline'`` (styles cannot run code). Plotly draws charts without
``eval``, so ``'unsafe-eval'`` is not allowed.
"""

from __future__ import annotations

import io
import os
from typing import IO

import dash
import flask
from werkzeug.exceptions import RequestEntityTooLarge

#: Bytes a request body may have (uploads included); `SERVICESTAT_MAX_UPLOAD_BYTES` overrides.
DEFAULT_MAX_CONTENT_LENGTH = 50 * 1024 * 1024

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy for every response: only this origin, plus Dash's own inline scripts by hash."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def max_content_length() -> int:
    """The request size limit from the environment, else the default; a bad value is an error
    at start-up naming the variable, not a surprise at the first upload."""
    raw = os.environ.get("SERVICESTAT_MAX_UPLOAD_BYTES")
    if raw is None or raw.strip() == "":
        return DEFAULT_MAX_CONTENT_LENGTH
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"SERVICESTAT_MAX_UPLOAD_BYTES must be a whole number of bytes, not {raw!r}"
                         ) from None
    if value <= 0:
        raise ValueError(f"SERVICESTAT_MAX_UPLOAD_BYTES must be positive, not {value}")
    return value


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to `size` bytes of `stream` (a socket stream may hand out fewer than asked per read)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        piece = stream.read(min(1 << 16, size - got))
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def enforce_size_limit(environ: dict, limit: int | None) -> None:
    """Raise 413 for a body over `limit` bytes: at once if its declared length is over, else (a
    chunked body, whose server de-chunks it: ``wsgi.input_terminated``) after reading `limit` + 1
    bytes of it; a chunked body within the limit is replaced by the bytes read, with their length."""
    if limit is None:
        return
    declared = environ.get("CONTENT_LENGTH", "").strip()
    if declared.isascii() and declared.isdigit():  # not "²", which isdigit() alone takes
        if int(declared) > limit:
            raise RequestEntityTooLarge()
        return
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if chunked and environ.get("wsgi.input_terminated"):
        body = _read_at_most(environ["wsgi.input"], limit + 1)
        if len(body) > limit:
            raise RequestEntityTooLarge()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        del environ["HTTP_TRANSFER_ENCODING"]


def install(app: dash.Dash) -> None:
    """Add the headers to every response of ``app.server`` and the JSON 413 for oversize bodies."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_content_length()
    policy: dict[str, str] = {}

    def _size_limit() -> None:
        """Every route (also those that never read a body), before every other before-request hook."""
        enforce_size_limit(flask.request.environ, server.config.get("MAX_CONTENT_LENGTH"))

    server.before_request_funcs.setdefault(None, []).insert(0, _size_limit)

    @server.after_request
    def _security_headers(response: flask.Response) -> flask.Response:
        if "csp" not in policy:
            policy["csp"] = content_security_policy(list(app.csp_hashes()))
        response.headers["Content-Security-Policy"] = policy["csp"]
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        if flask.request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @server.errorhandler(413)
    def _too_large(_error: Exception) -> tuple[flask.Response, int]:
        limit = server.config.get("MAX_CONTENT_LENGTH")
        return flask.jsonify(error={
            "status": 413,
            "parameter": "body",
            "message": f"the request is larger than the limit of {limit} bytes"
                       " (SERVICESTAT_MAX_UPLOAD_BYTES); send smaller files or fewer at a time",
        }), 413
