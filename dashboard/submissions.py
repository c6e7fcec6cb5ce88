"""``POST /api/v1/submissions``: the dashboard's one door into ingest.

Files sent with an agency token (``Authorization: Bearer ...``) go to exactly ``ingest.loader.load``
(the same checks, quarantine and atomic load as ``servicestat ingest``), restricted to the token's
agency's services. The browser's /submit page (dashboard.submit_page) goes through the same two steps,
`read_submission` and `ingest_submission`, with the signed-in manager's agency.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import flask
from werkzeug.datastructures import FileStorage

from dashboard.api_errors import db, error
from dashboard.auth import token_agency
from ingest.loader import KINDS, LoadResult, load

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


class SubmissionError(ValueError):
    """A submission the door refuses before loading: a short 4xx message naming the parameter."""

    def __init__(self, status: int, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


@dataclass(frozen=True)
class Submission:
    """A checked request: the files and how to load them."""

    kind: str | None
    all_or_nothing: bool
    uploads: list[FileStorage]


def kind_names() -> list[str]:
    """The kinds of file a submission may name (else ingest detects the kind)."""
    return list(KINDS)


def read_submission(extra_fields: frozenset[str] = frozenset()) -> Submission:
    """The request's form checked as the API checks it (`extra_fields`: fields of the caller's own,
    such as the browser form's CSRF token); SubmissionError says what is wrong."""
    if flask.request.args:
        name = next(iter(flask.request.args))
        raise SubmissionError(400, f"unknown query parameter {name!r}; send kind and all_or_nothing as form"
                              " fields", name)
    unknown = sorted(set(flask.request.form) - SUBMISSION_FIELDS - extra_fields)
    if unknown:
        raise SubmissionError(400, f"unknown form field {unknown[0]!r}; use file, kind, all_or_nothing",
                              unknown[0])
    kind = flask.request.form.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise SubmissionError(400, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}", "kind")
    raw_all = (flask.request.form.get("all_or_nothing") or "false").lower()
    if raw_all not in ("true", "false", "1", "0"):
        raise SubmissionError(400, f"all_or_nothing must be true or false, not {raw_all!r}", "all_or_nothing")
    uploads = [f for key in flask.request.files for f in flask.request.files.getlist(key)]
    if not uploads:
        raise SubmissionError(400, "no file: send the file(s) as multipart/form-data field 'file'", "file")
    return Submission(kind, raw_all in ("true", "1"), uploads)


def ingest_submission(agency: str, submission: Submission) -> list[LoadResult]:
    """Load the submitted files for `agency` exactly as `servicestat ingest` does (`ingest.loader.load`),
    restricted to the agency's services: the one path of the API and the /submit page."""
    with tempfile.TemporaryDirectory(prefix="servicestat-upload-") as tmp:
        paths = []
        for i, upload in enumerate(submission.uploads):
            name = _upload_name(upload.filename)
            if name is None:
                raise SubmissionError(400, f"upload {i + 1} has no usable file name", "file")
            folder = Path(tmp) / str(i)
            folder.mkdir()
            upload.save(folder / name)
            paths.append(folder / name)
        results = load(paths, db=db(), kind=submission.kind, all_or_nothing=submission.all_or_nothing,
                       agency_id=agency)
    log.info("submission by %s: %s", agency, ", ".join(f"{r.file_name} {r.status}" for r in results))
    after = flask.current_app.config.get("SERVICESTAT_AFTER_LOAD")  # create_app(after_load=...)
    if after is not None and any(r.status != "duplicate" for r in results):
        try:
            after(db())  # the alert rules (publish.alerts.refresh), handed in by whoever serves the app
        except Exception:  # noqa: BLE001 - the load has landed; `servicestat alerts refresh` catches up
            log.exception("after the submission by %s, the after-load step failed", agency)
    return results


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
    try:
        results = ingest_submission(agency, read_submission())
    except SubmissionError as refused:
        return error(refused.status, refused.message, refused.parameter)
    ok = all(r.ok for r in results)
    response = flask.jsonify(agency_id=agency, ok=ok, files=[r.as_dict() for r in results])
    response.status_code = 200 if ok else 422
    return response
