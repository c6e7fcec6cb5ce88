"""How the API answers a bad request: a JSON error with a status, a short message and the parameter."""

from __future__ import annotations

import flask


def db() -> str | None:
    """The warehouse this app serves."""
    return flask.current_app.config.get("SERVICESTAT_DB")


def error(status: int, message: str, parameter: str | None = None) -> flask.Response:
    body: dict = {"status": status, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    response = flask.jsonify(error=body)
    response.status_code = status
    return response
