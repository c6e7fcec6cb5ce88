"""The open API, read-only, at ``/api/v1/`` (plus agencies' file submissions).

One address per table of the registry (`metrics.registry`), under its name and any former name.
Every table is built in the request through `Table.frame`, so the viewer the request runs as
(dashboard.auth) limits what it holds exactly as on the pages and in the downloads, and the rows
are the download's rows. Each table declares its query parameters once, and that declaration both
validates requests (an unknown parameter or a bad value is a 400 naming it, never a 500) and writes
the OpenAPI 3 description at ``/api/v1/openapi.json`` (dashboard.openapi). JSON by default;
``?format=csv`` for CSV. Paging by ``limit`` and ``offset``, with the total and the next and
previous links in ``meta`` (and, for CSV, the ``X-Total-Count`` and ``Link`` headers).

Staff-only tables (operator data: loads, rejects, findings) do not exist for the public: their
addresses answer 404 and neither the index nor the OpenAPI document lists them. Caching: an answer
to a signed-in viewer or a bearer token is ``Cache-Control: private, no-store`` (it holds what only
they may see); any other answer is ``no-cache`` (a cache must ask again, since a publication changes
it), except archive files, which never change once written.

``POST /api/v1/submissions`` is `dashboard.submissions`, the dashboard's one door into ingest.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import flask
import pandas as pd
from werkzeug.exceptions import HTTPException

from dashboard import submissions
from dashboard.api_errors import db as _db
from dashboard.api_errors import error
from dashboard.downloads import label_suppressed
from dashboard.openapi import API_TITLE, API_VERSION, PAGING, document
from metrics.access import current_viewer
from metrics.db import WarehouseMissing
from metrics.exports import write
from metrics.registry import TABLES, BadParameter, Table, open_tables, table

log = logging.getLogger("servicestat.api")

blueprint = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")


def parse_args(entry: Table, name: str, db: str | None) -> dict:
    """Checked query parameters (BadParameter names the first that is wrong)."""
    params = {p.name: p for p in (*entry.params, *PAGING)}
    args = flask.request.args
    for key in args:
        if key not in params:
            raise BadParameter(key, f"unknown parameter {key!r}; {name} takes " + ", ".join(sorted(params)))
    out: dict = {}
    for key, param in params.items():
        values = args.getlist(key)
        if len(values) > 1:
            raise BadParameter(key, f"parameter {key!r} is given {len(values)} times; give it once")
        out[key] = param.parse(values[0], db) if values else param.default
    return out


def _page_url(args: dict, offset: int) -> str:
    query = {k: v for k, v in flask.request.args.items() if k != "offset"}
    query["offset"] = str(offset)
    return flask.request.base_url + "?" + urlencode(query)


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: missing values as null, dates as ISO text."""
    if frame.empty:
        return []
    text = frame.to_json(orient="records", date_format="iso", default_handler=str)
    rows = json.loads(text)
    for row in rows:  # to_json writes NaN as null already; guard infinities all the same
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                row[k] = None
    return rows


def respond_table(name: str) -> flask.Response:
    db = _db()
    entry = table(name)
    if not entry.open_to():
        return error(404, f"no endpoint {name!r}; see /api/v1/ for the list")
    try:
        args = parse_args(entry, name, db)
        frame = entry.frame(db, args)
    except BadParameter as bad:
        return error(400, bad.message, bad.parameter)
    except WarehouseMissing:
        return error(503, "the warehouse is not loaded yet")
    except duckdb.Error as exc:
        log.warning("table %s cannot be read from %s: %s", name, db, exc)
        return error(503, f"the table {name!r} cannot be read from this warehouse (it may predate the table)")
    total = len(frame)
    limit, offset = args["limit"], args["offset"]
    next_url = _page_url(args, offset + limit) if offset + limit < total else None
    prev_url = _page_url(args, max(offset - limit, 0)) if offset > 0 else None
    if args["format"] == "csv":
        # Labelled as a whole, as the download is, so that the pages add up to the download.
        page = label_suppressed(frame).iloc[offset:offset + limit]
        response = flask.Response(write(page, "csv", None) or "", mimetype="text/csv")
        response.headers["X-Total-Count"] = str(total)
        links = [f'<{u}>; rel="{rel}"' for u, rel in ((next_url, "next"), (prev_url, "prev")) if u]
        if links:
            response.headers["Link"] = ", ".join(links)
        return response
    page = frame.iloc[offset:offset + limit]
    return flask.jsonify(data=records(page), meta={
        "endpoint": name, "total": total, "count": len(page), "limit": limit, "offset": offset,
        "next": next_url, "previous": prev_url,
    })


def _make_view(name: str) -> Callable[[], flask.Response]:
    def view() -> flask.Response:
        return respond_table(name)

    view.__name__ = "table_" + name.replace("-", "_")
    return view


for _entry in TABLES.values():
    for _name in (_entry.name, *_entry.aliases):
        blueprint.add_url_rule(f"/{_name}", view_func=_make_view(_name), methods=["GET"])


@blueprint.get("/")
def index() -> flask.Response:
    base = flask.request.host_url.rstrip("/") + blueprint.url_prefix
    return flask.jsonify(
        title=API_TITLE, version=API_VERSION, openapi=f"{base}/openapi.json",
        endpoints=[{"name": t.name, "url": f"{base}/{t.name}", "summary": t.description}
                   for t in open_tables().values()]
        + [{"name": "archive", "url": f"{base}/archive", "summary": "The quarterly archive, read-only."}],
    )


@blueprint.get("/openapi.json")
def openapi_json() -> flask.Response:
    return flask.jsonify(document(_db(), submissions=not flask.current_app.config.get("SERVICESTAT_PUBLIC")))


# --- the quarterly archive ------------------------------------------------------------------------


def archive_root(db: str | None) -> Path:
    from core.paths import db_path

    path = Path(db_path(db))
    return path.with_name(path.name + ".archive")


#: An archive file: FY2025-Q3/v1/NAME (publish.archive's layout); never a lock, staging or hidden file.
_ARCHIVE_FILE = re.compile(r"FY\d{4}-Q[1-4]/v\d+/[A-Za-z0-9][A-Za-z0-9_.-]*")


def _archive_path_ok(rel: str) -> bool:
    return bool(_ARCHIVE_FILE.fullmatch(rel)) and ".." not in rel


@blueprint.get("/archive")
def archive_list() -> flask.Response:
    if flask.request.args:
        name = next(iter(flask.request.args))
        return error(400, f"unknown parameter {name!r}; archive takes none", name)
    root = archive_root(_db())
    files = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not path.is_symlink() and _archive_path_ok(rel):
                files.append({"path": rel, "bytes": path.stat().st_size,
                              "url": flask.url_for("api_v1.archive_file", path=rel, _external=True)})
    return flask.jsonify(data=files, meta={"total": len(files)})


@blueprint.get("/archive/<path:path>")
def archive_file(path: str) -> flask.Response:
    parts = path.split("/")
    if not _archive_path_ok(path) or any("\\" in p for p in parts):
        return error(404, f"no archive file {path!r}")
    root = archive_root(_db())
    target = root / Path(*parts)
    if not target.is_file() or target.is_symlink():
        return error(404, f"no archive file {path!r}; see /api/v1/archive")
    return flask.send_from_directory(root, "/".join(parts), max_age=3600)


@blueprint.after_request
def _cache_control(response: flask.Response) -> flask.Response:
    """Signed-in (or token) answers are never stored; public ones are revalidated (see the module)."""
    if current_viewer().role != "public" or "Authorization" in flask.request.headers:
        response.headers["Cache-Control"] = "private, no-store"
    elif not (flask.request.endpoint == "api_v1.archive_file" and response.status_code == 200):
        response.headers["Cache-Control"] = "no-cache"
    return response


# --- submissions ----------------------------------------------------------------------------------

blueprint.add_url_rule("/submissions", view_func=submissions.receive, methods=["POST"])


@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str) -> flask.Response:
    """Any other address under /api/v1/ is a JSON 404 (not the site's HTML 404 page)."""
    return error(404, f"no endpoint {rest!r}; see /api/v1/ for the list")


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception) -> flask.Response:
    """A fault of ours: logged with its traceback, answered in JSON without internals."""
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("API error on %s", flask.request.path)
    return error(500, "internal error; it has been logged")


@blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> flask.Response:
    """Errors under /api/v1/ are JSON too (404 unknown endpoint, 405 wrong method, 413 too large)."""
    if exc.code == 413:
        limit = flask.current_app.config.get("MAX_CONTENT_LENGTH")
        return error(413, f"the request is larger than the limit of {limit} bytes"
                          " (SERVICESTAT_MAX_UPLOAD_BYTES)", "body")
    return error(exc.code or 500, exc.description or exc.name)
