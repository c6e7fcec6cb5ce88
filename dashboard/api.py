"""The open API, read-only, at ``/api/v1/`` (plus agencies' file submissions).

Every table comes from a metrics function called in the request, so the viewer the request runs
as (dashboard.auth) limits what it holds exactly as on the pages. Each endpoint declares its
query parameters once (`Endpoint`), and that declaration both validates requests (an unknown
parameter or a bad value is a 400 naming it, never a 500) and writes the OpenAPI 3 description
at ``/api/v1/openapi.json``. JSON by default; ``?format=csv`` for CSV. Paging by ``limit`` and
``offset``, with the total and the next and previous links in ``meta`` (and, for CSV, the
``X-Total-Count`` and ``Link`` headers).

``POST /api/v1/submissions`` is `dashboard.submissions`, the dashboard's one door into ingest.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import flask
import pandas as pd
from werkzeug.exceptions import HTTPException

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_columns
from dashboard import submissions
from dashboard.api_errors import db as _db
from dashboard.api_errors import error
from metrics.db import WarehouseMissing

log = logging.getLogger("servicestat.api")

blueprint = flask.Blueprint("api_v1", __name__, url_prefix="/api/v1")

API_TITLE = "ServiceStat open API"
API_VERSION = "1.0.0"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class BadParameter(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Param:
    """A query parameter: how it is checked, documented and (for filters) which column it filters."""

    name: str
    kind: str  # "string" | "integer"
    description: str
    column: str | None = None
    enum: Callable[[str | None], list[str]] | tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    default: object = None


@dataclass(frozen=True)
class Endpoint:
    name: str
    summary: str
    fetch: Callable[[str | None, dict], pd.DataFrame]
    filters: tuple[Param, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)  # documented columns -> JSON type


# --- the tables ----------------------------------------------------------------------------------


def _agency_ids(db: str | None) -> list[str]:
    from metrics.directory import agencies

    return sorted(agencies(db)["agency_id"].astype(str))


def _service_ids(db: str | None) -> list[str]:
    from metrics.directory import services

    return sorted(services(db)["service_id"].astype(str))


def _agencies(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.directory import agencies

    return agencies(db)


def _services(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.directory import services

    return services(db)


def _standards(_db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.catalogue import standards_catalogue

    return standards_catalogue()


def _fiscal(frame: pd.DataFrame, start_column: str = "period_start") -> pd.DataFrame:
    """Federal fiscal year and quarter of each period's first day (the year starts 1 October)."""
    frame = frame.copy()
    frame["fiscal_year"], frame["fiscal_quarter"] = fiscal_columns(frame[start_column])
    return frame


def _status(db: str | None, args: dict) -> pd.DataFrame:
    from metrics.standards import standards_status

    frame = _fiscal(standards_status(db, args.get("grain") or "quarter"))
    if args.get("grain") == "year":
        frame["fiscal_quarter"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame


def _survey_scores(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.survey import driver_scores

    return driver_scores(db, "quarter")


def _goals(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.goals import goal_status

    return goal_status(db)


def _benchmarks(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.benchmarks import acsi_comparison

    return acsi_comparison(db)


def _reporting(db: str | None, _args: dict) -> pd.DataFrame:
    from metrics.reporting import reporting_status

    return reporting_status(db)


AGENCY = Param("agency", "string", "Agency id (see /api/v1/agencies), e.g. `dos-ca`.", "agency_id",
               enum=_agency_ids)
SERVICE = Param("service", "string", "Service id (see /api/v1/services).", "service_id", enum=_service_ids)
FISCAL_YEAR = Param("fiscal_year", "integer", "Federal fiscal year (starts 1 October).", "fiscal_year",
                    minimum=FIRST_FISCAL_YEAR, maximum=LAST_FISCAL_YEAR)
QUARTER = Param("quarter", "integer", "Fiscal quarter, 1-4.", "quarter", minimum=1, maximum=4)
COMMON = (
    Param("limit", "integer", f"Rows per page (1-{MAX_LIMIT}).", minimum=1, maximum=MAX_LIMIT,
          default=DEFAULT_LIMIT),
    Param("offset", "integer", "Rows to skip before the page.", minimum=0, maximum=10**9, default=0),
    Param("format", "string", "json (default) or csv.", enum=("json", "csv"), default="json"),
)
_ID = {"agency_id": "string", "service_id": "string"}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("agencies", "Agencies: department and bureau.", _agencies, (AGENCY,),
             {"agency_id": "string", "department": "string", "bureau": "string"}),
    Endpoint("services", "Services tracked, with their owning agency.", _services, (AGENCY, SERVICE),
             {**_ID, "name": "string"}),
    Endpoint("standards", "Declared service standards, every version, with sources.", _standards,
             (SERVICE,), {"standard_id": "string", "service_id": "string", "metric": "string"}),
    Endpoint("status", "Standards status per standard and period (month, quarter or fiscal year).", _status,
             (AGENCY, SERVICE, FISCAL_YEAR,
              Param("quarter", "integer", "Fiscal quarter, 1-4.", "fiscal_quarter", minimum=1, maximum=4),
              Param("grain", "string", "Period length.", None, enum=("month", "quarter", "year"),
                    default="quarter"),
              Param("status", "string", "Only rows with this status, e.g. `on track`.", "status")),
             {**_ID, "standard_id": "string", "period": "string", "status": "string", "n": "number"}),
    Endpoint("survey-scores", "Survey driver scores per service, channel and quarter, with 95% intervals.",
             _survey_scores,
             (AGENCY, SERVICE, FISCAL_YEAR, QUARTER,
              Param("driver", "string", "Survey driver, e.g. `trust`.", "driver"),
              Param("channel", "string", "Channel, e.g. `online`.", "channel")),
             {**_ID, "driver": "string", "period": "string", "n": "number"}),
    Endpoint("goals", "GPRA performance indicators per fiscal year, with status.", _goals, (FISCAL_YEAR,),
             {"goal": "string", "indicator": "string", "status": "string"}),
    Endpoint("benchmarks", "Service satisfaction index beside ACSI benchmarks, per fiscal year.", _benchmarks,
             (AGENCY, SERVICE, FISCAL_YEAR), {"service_id": "string", "n": "number"}),
    Endpoint("reporting", "Reporting compliance per service and quarter (not performance).", _reporting,
             (AGENCY, SERVICE, FISCAL_YEAR, QUARTER), _ID),
)
BY_NAME = {e.name: e for e in ENDPOINTS}


# --- requests ---------------------------------------------------------------------------------------


def _choices(param: Param, db: str | None) -> list[str] | None:
    if param.enum is None:
        return None
    return list(param.enum(db)) if callable(param.enum) else list(param.enum)


def parse_args(endpoint: Endpoint, db: str | None) -> dict:
    """Checked query parameters (BadParameter names the first that is wrong)."""
    params = {p.name: p for p in (*endpoint.filters, *COMMON)}
    args = flask.request.args
    for name in args:
        if name not in params:
            raise BadParameter(name, f"unknown parameter {name!r}; {endpoint.name} takes "
                               + ", ".join(sorted(params)))
    out: dict = {}
    for name, param in params.items():
        values = args.getlist(name)
        if not values:
            out[name] = param.default
            continue
        if len(values) > 1:
            raise BadParameter(name, f"parameter {name!r} is given {len(values)} times; give it once")
        raw = values[0]
        if param.kind == "integer":
            if not raw.strip().lstrip("-").isdigit() or len(raw) > 12:
                raise BadParameter(name, f"parameter {name!r} must be a whole number, not {raw!r}")
            value: object = int(raw)
            if (param.minimum is not None and value < param.minimum) or (
                    param.maximum is not None and value > param.maximum):
                raise BadParameter(name, f"parameter {name!r} must be between {param.minimum} and"
                                   f" {param.maximum}, not {value}")
        else:
            value = raw
            choices = _choices(param, db)
            if choices is not None and raw not in choices:
                shown = ", ".join(choices[:30]) + (", …" if len(choices) > 30 else "")
                raise BadParameter(name, f"parameter {name!r}: unknown value {raw!r}; use one of {shown}")
        out[name] = value
    return out


def _filter(frame: pd.DataFrame, endpoint: Endpoint, args: dict, db: str | None) -> pd.DataFrame:
    for param in endpoint.filters:
        value = args.get(param.name)
        if value is None or param.column is None:
            continue
        column = param.column
        if column == "agency_id" and column not in frame.columns and "service_id" in frame.columns:
            from metrics.directory import services

            owned = services(db)
            ids = set(owned.loc[owned["agency_id"] == value, "service_id"])
            frame = frame[frame["service_id"].isin(ids)]
            continue
        if column not in frame.columns:
            continue
        series = frame[column]
        if param.kind == "integer":
            frame = frame[pd.to_numeric(series, errors="coerce") == value]
        else:
            frame = frame[series.astype("string") == value]
    return frame


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


def respond_table(endpoint: Endpoint) -> flask.Response:
    db = _db()
    try:
        args = parse_args(endpoint, db)
        frame = endpoint.fetch(db, args)
    except BadParameter as bad:
        return error(400, bad.message, bad.parameter)
    except WarehouseMissing:
        return error(503, "the warehouse is not loaded yet")
    frame = _filter(frame, endpoint, args, db).reset_index(drop=True)
    total = len(frame)
    limit, offset = args["limit"], args["offset"]
    page = frame.iloc[offset:offset + limit]
    next_url = _page_url(args, offset + limit) if offset + limit < total else None
    prev_url = _page_url(args, max(offset - limit, 0)) if offset > 0 else None
    if args["format"] == "csv":
        from dashboard.downloads import _label_suppressed
        from metrics.exports import write

        response = flask.Response(write(_label_suppressed(page), "csv", None) or "",
                                  mimetype="text/csv")
        response.headers["X-Total-Count"] = str(total)
        links = [f'<{u}>; rel="{rel}"' for u, rel in ((next_url, "next"), (prev_url, "prev")) if u]
        if links:
            response.headers["Link"] = ", ".join(links)
        return response
    return flask.jsonify(data=records(page), meta={
        "endpoint": endpoint.name, "total": total, "count": len(page), "limit": limit, "offset": offset,
        "next": next_url, "previous": prev_url,
    })


def _make_view(endpoint: Endpoint) -> Callable[[], flask.Response]:
    def view() -> flask.Response:
        return respond_table(endpoint)

    view.__name__ = "table_" + endpoint.name.replace("-", "_")
    return view


for _endpoint in ENDPOINTS:
    blueprint.add_url_rule(f"/{_endpoint.name}", view_func=_make_view(_endpoint), methods=["GET"])


@blueprint.get("/")
def index() -> flask.Response:
    base = flask.request.host_url.rstrip("/") + blueprint.url_prefix
    return flask.jsonify(
        title=API_TITLE, version=API_VERSION, openapi=f"{base}/openapi.json",
        endpoints=[{"name": e.name, "url": f"{base}/{e.name}", "summary": e.summary} for e in ENDPOINTS]
        + [{"name": "archive", "url": f"{base}/archive", "summary": "The quarterly archive, read-only."}],
    )


@blueprint.get("/openapi.json")
def openapi_json() -> flask.Response:
    from dashboard.openapi import document

    return flask.jsonify(document(_db(), submissions=not flask.current_app.config.get("SERVICESTAT_PUBLIC")))


# --- the quarterly archive ------------------------------------------------------------------------


def archive_root(db: str | None) -> Path:
    from core.paths import db_path

    path = Path(db_path(db))
    return path.with_name(path.name + ".archive")


@blueprint.get("/archive")
def archive_list() -> flask.Response:
    if flask.request.args:
        name = next(iter(flask.request.args))
        return error(400, f"unknown parameter {name!r}; archive takes none", name)
    root = archive_root(_db())
    files = []
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                rel = path.relative_to(root).as_posix()
                files.append({"path": rel, "bytes": path.stat().st_size,
                              "url": flask.url_for("api_v1.archive_file", path=rel, _external=True)})
    return flask.jsonify(data=files, meta={"total": len(files)})


@blueprint.get("/archive/<path:path>")
def archive_file(path: str) -> flask.Response:
    parts = path.split("/")
    if any(p in ("", ".", "..") or "\\" in p or p.startswith(".") for p in parts):
        return error(404, f"no archive file {path!r}")
    root = archive_root(_db())
    target = root / Path(*parts)
    if not target.is_file() or target.is_symlink():
        return error(404, f"no archive file {path!r}; see /api/v1/archive")
    return flask.send_from_directory(root, "/".join(parts), max_age=3600)


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
