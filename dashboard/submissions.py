"""``POST /api/v1/submissions``: the dashboard's one door into ingest.

Files sent with an agency token (``Authorization: Bearer ...``) go to exactly ``ingest.loader.load``
(the same checks, quarantine and atomic load as ``servicestat ingest``), restricted to the token's
agency's services.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import flask

from dashboard.api_errors import db, error
from dashboard.auth import token_agency
from ingest.loader import KINDS, load

log = logging.getLogger("servicestat.api")

SUBMISSION_FIELDS = {"kind", "all_or_nothing"}


def _bearer() -> str | None:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _unauthorised(message: str) -> flask.Response:
    response = error(401, message, "Authorization")
    response.headers["WWW-Authenticate"] = 'Bearer realm="servicestat submissions"'
    return response


def _upload_name(raw: str | None) -> str | None:
    """The uploaded file's own name (no folders) for messages; None when it is unusable."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", "..") or any(ord(c) < 32 for c in name) or len(name) > 255:
        return None
    return name


def receive() -> flask.Response:
    """POST /api/v1/submissions."""
    if flask.current_app.config.get("SERVICESTAT_PUBLIC"):
        return error(404, "submissions are not taken on the public site")
    token = _bearer()
    if token is None:
        return _unauthorised("send an agency token: Authorization: Bearer <token>")
    agency = token_agency(token)
    if agency is None:
        return _unauthorised("the token is not valid")
    if flask.request.args:
        name = next(iter(flask.request.args))
        return error(400, f"unknown query parameter {name!r}; send kind and all_or_nothing as form fields",
                     name)
    unknown = sorted(set(flask.request.form) - SUBMISSION_FIELDS)
    if unknown:
        return error(400, f"unknown form field {unknown[0]!r}; use file, kind, all_or_nothing", unknown[0])
    kind = flask.request.form.get("kind") or None
    if kind is not None and kind not in KINDS:
        return error(400, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", "kind")
    raw_all = (flask.request.form.get("all_or_nothing") or "false").lower()
    if raw_all not in ("true", "false", "1", "0"):
        return error(400, f"all_or_nothing must be true or false, not {raw_all!r}", "all_or_nothing")
    uploads = [f for key in flask.request.files for f in flask.request.files.getlist(key)]
    if not uploads:
        return error(400, "no file: send the file(s) as multipart/form-data field 'file'", "file")
    with tempfile.TemporaryDirectory(prefix="servicestat-upload-") as tmp:
        paths = []
        for i, upload in enumerate(uploads):
            name = _upload_name(upload.filename)
            if name is None:
                return error(400, f"upload {i + 1} has no usable file name", "file")
            folder = Path(tmp) / str(i)
            folder.mkdir()
            upload.save(folder / name)
            paths.append(folder / name)
        results = load(paths, db=db(), kind=kind, all_or_nothing=raw_all in ("true", "1"), agency_id=agency)
    ok = all(r.ok for r in results)
    log.info("submission by %s: %s", agency, ", ".join(f"{r.file_name} {r.status}" for r in results))
    response = flask.jsonify(agency_id=agency, ok=ok, files=[r.as_dict() for r in results])
    response.status_code = 200 if ok else 422
    return response
