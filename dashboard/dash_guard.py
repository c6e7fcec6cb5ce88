"""Malformed requests to Dash's own routes answer 4xx with a short message, never a 500.

Dash trusts the body of ``POST /_dash-update-component`` (its renderer wrote it): ``{}``, a list, a
callback that does not exist or inputs of the wrong shape raise ``KeyError``/``TypeError`` deep in
Dash, which Flask answers 500. Before Dash sees the body, `callback_body_problem` checks it against
the registered callback it names; what does not fit is a 400. An unknown file under
``/_dash-component-suites/`` (``../../etc/passwd``) raises Dash's ``DependencyException``: a 404.
"""

from __future__ import annotations

import logging
from typing import Any

import dash
import flask
from dash.exceptions import DependencyException

log = logging.getLogger("servicestat.web")

#: Dash's callback route, relative to the app's routes prefix.
CALLBACK_ROUTE = "_dash-update-component"
#: The page router's input component (Dash pages): its properties are URL parts, always text.
PAGES_LOCATION = "_pages_location"


def _bad_request(message: str, status: int = 400) -> flask.Response:
    response = flask.jsonify(error={"status": status, "message": message})
    response.status_code = status
    return response


def _is_prop(item: Any) -> bool:
    """One input/state/output entry as the renderer sends it: an object with an id and a property."""
    return (isinstance(item, dict) and isinstance(item.get("property"), str)
            and isinstance(item.get("id"), (str, dict)))


def _entries_problem(key: str, sent: Any, expected: list) -> str | None:
    if not isinstance(sent, list) or len(sent) != len(expected):
        return f"'{key}' must be a list of {len(expected)} entries, as the callback declares"
    for item in sent:
        group = item if isinstance(item, list) else [item]  # pattern-matching ids send lists
        if not all(_is_prop(g) for g in group):
            return f"each entry of '{key}' must be an object with 'id' and 'property'"
        for g in group:
            value = g.get("value")
            if g["id"] == PAGES_LOCATION and not (
                    isinstance(value, str) or (value is None and g["property"] != "pathname")):
                return f"'{PAGES_LOCATION}.{g['property']}' must be text"
    return None


def callback_body_problem(body: Any, callback_map: dict[str, dict]) -> str | None:
    """Why ``body`` is not a call of a registered callback (a short message), or None when it is."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "'output' does not name a callback of this site"
    callback = callback_map[output]
    for key in ("inputs", "state"):
        problem = _entries_problem(key, body.get(key, []), callback.get(key) or [])
        if problem:
            return problem
    outputs = body.get("outputs")
    if outputs is not None:
        group = outputs if isinstance(outputs, list) else [outputs]
        flat = [o for item in group for o in (item if isinstance(item, list) else [item])]
        if not all(_is_prop(o) for o in flat):
            return "'outputs' must be objects with 'id' and 'property'"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of text"
    return None


def install(app: dash.Dash) -> None:
    """Check callback bodies before Dash reads them, and answer unknown Dash assets with 404."""
    server = app.server
    callback_path = app.config.routes_pathname_prefix + CALLBACK_ROUTE

    @server.before_request
    def _check_callback_body() -> flask.Response | None:
        request = flask.request
        if request.path != callback_path or request.method != "POST":
            return None
        try:
            body = request.get_json(silent=True)  # cached: Dash reads the same parsed body
        except RecursionError:  # [[[[...]]]] deeper than Python's parser goes
            return _bad_request("the body is nested too deeply")
        if body is None:
            return _bad_request("the body must be JSON (Content-Type: application/json)")
        problem = callback_body_problem(body, app.callback_map)
        if problem:
            log.info("refused a malformed callback request from %s: %s", request.remote_addr, problem)
            return _bad_request(problem)
        return None

    @server.errorhandler(DependencyException)
    def _unknown_asset(_error: DependencyException) -> flask.Response:
        return _bad_request("no such file", 404)
