"""The OpenAPI 3 description of ``/api/v1/``, written from the table registry (`metrics.registry`) and
the paging parameters below, the same declarations that check the requests (dashboard.api), so the
description cannot drift from what the API does: one path per registered table name, and one marked
deprecated per former name that still answers.

Agency and service ids are listed as enums from the warehouse, because the API refuses any other.
The document describes the API as the reader of it may use it: staff-only tables (operator data) are
left out for the public, whose requests for them are 404s.
"""

from __future__ import annotations

from metrics.registry import Param, Table, open_tables

API_TITLE = "ServiceStat open API"
API_VERSION = "1.0.0"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: What every table takes besides its own filters: paging and the format.
PAGING = (
    Param("limit", "integer", f"Rows per page (1-{MAX_LIMIT}).", minimum=1, maximum=MAX_LIMIT,
          default=DEFAULT_LIMIT),
    Param("offset", "integer", "Rows to skip before the page.", minimum=0, maximum=10**9, default=0),
    Param("format", "string", "json (default) or csv.", enum=("json", "csv"), default="json"),
)

NULLABLE = {"string": ["string", "null"], "number": ["number", "null"], "integer": ["integer", "null"],
            "boolean": ["boolean", "null"]}

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"},
                       "parameter": {"type": "string"}},
    }},
}
META = {
    "type": "object",
    "required": ["endpoint", "total", "count", "limit", "offset", "next", "previous"],
    "properties": {
        "endpoint": {"type": "string"}, "total": {"type": "integer", "minimum": 0},
        "count": {"type": "integer", "minimum": 0}, "limit": {"type": "integer"},
        "offset": {"type": "integer"}, "next": {"type": ["string", "null"]},
        "previous": {"type": ["string", "null"]},
    },
}


def _error_response(text: str) -> dict:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def _parameter(param: Param, db: str | None) -> dict:
    schema: dict = {"type": param.kind}
    choices = param.choices(db)
    if choices is not None:
        schema["enum"] = choices
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    if param.default is not None:
        schema["default"] = param.default
    return {"name": param.name, "in": "query", "required": False, "description": param.description,
            "schema": schema}


def _operation(table: Table, db: str | None, name: str) -> dict:
    item = {"type": "object", "additionalProperties": True,
            "properties": {k: {"type": NULLABLE[v]} for k, v in table.columns.items()}}
    former = name != table.name
    return {"get": {
        "operationId": "get_" + name.replace("-", "_"),
        "summary": f"Former name of /api/v1/{table.name}: the same table." if former else table.description,
        **({"deprecated": True} if former else {}),
        "parameters": [_parameter(p, db) for p in (*table.params, *PAGING)],
        "responses": {
            "200": {"description": "One page of rows (JSON), or the page as CSV with format=csv.",
                    "content": {
                        "application/json": {"schema": {
                            "type": "object", "required": ["data", "meta"],
                            "properties": {"data": {"type": "array", "items": item},
                                           "meta": {"$ref": "#/components/schemas/Meta"}}}},
                        "text/csv": {"schema": {"type": "string"}}}},
            "400": _error_response("A parameter is unknown or its value is not allowed;"
                                   " `parameter` names it."),
            "503": _error_response("The warehouse is not loaded yet, or predates this table."),
        },
    }}


SUBMISSION = {"post": {
    "operationId": "post_submission",
    "summary": "Submit agency files: the same checks and atomic load as `servicestat ingest`.",
    "security": [{"agencyToken": []}],
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {
            "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
            "kind": {"type": "string", "description": "File kind; detected from the columns when omitted."},
            "all_or_nothing": {"type": "string", "enum": ["true", "false"],
                               "description": "Refuse the whole file when any row is rejected."},
        }}}}},
    "responses": {
        "200": {"description": "Every file loaded (or had been loaded before).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}}},
        "422": {"description": "Some rows or files were rejected or refused; `files` says which and why.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}}},
        "400": _error_response("The request is malformed (no file, unknown field or kind)."),
        "401": _error_response("No agency token, or a token that is not valid; nothing was written."),
        "413": _error_response("The request is larger than the size limit."),
    },
}}

SUBMISSION_SCHEMA = {
    "type": "object", "required": ["agency_id", "ok", "files"],
    "properties": {
        "agency_id": {"type": "string"}, "ok": {"type": "boolean"},
        "files": {"type": "array", "items": {"type": "object", "properties": {
            "file_name": {"type": "string"}, "status": {"type": "string"},
            "rows_read": {"type": "integer"}, "rows_loaded": {"type": "integer"},
            "rows_rejected": {"type": "integer"},
            "problems": {"type": "array", "items": {"type": "object"}}}}},
    },
}


def document(db: str | None, *, submissions: bool = True) -> dict:
    """The OpenAPI 3.1 document of the API as this server runs it."""
    paths: dict = {f"/api/v1/{name}": _operation(t, db, name) for t in open_tables().values()
                   for name in (t.name, *t.aliases)}
    paths["/api/v1/archive"] = {"get": {
        "operationId": "get_archive", "summary": "Files of the quarterly archive (read-only).",
        "responses": {"200": {"description": "Every archive file with its size and URL.", "content": {
            "application/json": {"schema": {"type": "object", "required": ["data", "meta"], "properties": {
                "data": {"type": "array", "items": {"type": "object", "required": ["path", "bytes", "url"],
                                                    "properties": {"path": {"type": "string"},
                                                                   "bytes": {"type": "integer"},
                                                                   "url": {"type": "string"}}}},
                "meta": {"type": "object"}}}}}},
            "400": _error_response("The archive listing takes no parameters.")}}}
    components: dict = {"schemas": {"Error": ERROR, "Meta": META}}
    if submissions:
        paths["/api/v1/submissions"] = SUBMISSION
        components["schemas"]["Submission"] = SUBMISSION_SCHEMA
        components["securitySchemes"] = {"agencyToken": {
            "type": "http", "scheme": "bearer",
            "description": "An agency submission token (`servicestat tokens add AGENCY`)."}}
    return {
        "openapi": "3.1.0",
        "info": {"title": API_TITLE, "version": API_VERSION,
                 "description": "Read-only ServiceStat tables. What a request returns depends on who is"
                                " signed in: the public sees published figures only, with small numbers"
                                " suppressed."},
        "paths": paths,
        "components": components,
    }
