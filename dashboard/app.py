"""The ServiceStat Dash application: USWDS page shell, Dash pages, and the USWDS asset route.

The banner, header, skip link and footer live in the HTML template (``index_string``), not in the
Dash layout: USWDS's JavaScript starts its components (banner accordion, mobile menu, skip link)
on markup that exists at page load, and these landmarks never change between pages. Each page in
``dashboard/pages`` renders only what goes inside ``<main>``.

USWDS is served from ``node_modules/@uswds/uswds/dist`` (installed by ``npm ci``) at ``/uswds/``,
so its CSS finds its fonts and images by their relative paths and nothing is copied into the repo.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import dash
import flask
from werkzeug.exceptions import NotFound

from core.paths import NODE_MODULES
from dashboard import api, auth, dash_guard, page_cache, security, submit_page
from dashboard.auth import account_html
from dashboard.downloads import register_downloads
from dashboard.server_html import to_html
from dashboard.shell import (
    ACCOUNT_KEY,
    INDEX_STRING,
    NAV_KEY,
    NOT_FOUND_TITLE,
    SITE_NAME,
    normalise_path,
    primary_nav_html,
)
from metrics.access import PUBLIC, set_default_viewer

log = logging.getLogger("servicestat.web")
PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
USWDS_DIST = NODE_MODULES / "@uswds" / "uswds" / "dist"
#: Subfolders of the USWDS ``dist`` folder that ``/uswds/`` may serve; anything else is a 404.
USWDS_SERVED_FOLDERS = frozenset({"css", "js", "img", "fonts"})

def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]+>", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def find_page(path: str) -> dict | None:
    """The registered Dash page for a request path, or None (the 404 page is never a match)."""
    wanted = normalise_path(path)
    for module, page in dash.page_registry.items():
        if module.split(".")[-1] == "not_found_404":
            continue
        template = page.get("path_template")
        if template:
            if _template_regex(normalise_path(template)).match(wanted):
                return page
        elif normalise_path(page["path"]) == wanted:
            return page
    return None


def path_variables(page: dict, path: str) -> dict[str, str]:
    """The page's path variables in ``path`` as Dash passes them (``{"service_id": "dos-ca"}``)."""
    template = page.get("path_template")
    if not template:
        return {}
    names = re.findall(r"<([^>]+)>", template)
    match = re.match(_template_regex(normalise_path(template)).pattern.replace("[^/]+", "([^/]+)"),
                     normalise_path(path))
    if not match:
        return {}
    return {n: unquote(v) for n, v in zip(names, match.groups(), strict=False)}


def names_nothing(page: dict, path: str) -> bool:
    """True when ``path`` fits the page's template but its id names nothing (``/agency/nope``): the
    page registered a ``known(**path variables)`` test and it says no. If the test itself fails (no
    warehouse yet), the page is answered as usual."""
    known = page.get("known")
    if known is None:
        return False
    try:
        return not known(**path_variables(page, path))
    except Exception:  # noqa: BLE001 - the page explains a missing warehouse itself
        return False


def server_rendered_entry(page: dict | None, path: str) -> str | None:
    """For a page registered ``server_rendered=True``, and for an id that names nothing (its "no
    such ..." page): Dash's entry point with the page's layout for this request already written in
    (dashboard.server_html), so it reads without JavaScript. None for other pages, or when the
    layout cannot be written (Dash then draws it as usual)."""
    if page is None or not flask.has_request_context():
        return None
    if not page.get("server_rendered") and not names_nothing(page, path):
        return None
    query = {k: (v[0] if len(v) == 1 else v) for k, v in flask.request.args.lists()}
    try:
        variables = path_variables(page, path)
        if variables.keys() & query.keys():
            raise TypeError(f"a query argument repeats a path variable of {path}")
        arguments = {**variables, **query}
        body = page_cache.kept_html(page, arguments, lambda: to_html(page["layout"](**arguments)))
    except Exception:  # noqa: BLE001 - without the copy the page still works with JavaScript
        log.exception("could not write %s as HTML; it is left to Dash", path)
        return None
    return f'<div id="react-entry-point">{body}</div>'


def _callable_title(page: dict, path: str, fallback: str) -> str:
    """A page's computed title for ``path`` (its path variables as Dash passes them); the site
    title if the page cannot compute one."""
    variables = path_variables(page, path)
    try:
        return str(page["title"](**variables))
    except Exception:  # noqa: BLE001 - a title must never break the page
        return fallback


def _not_found_page() -> dict | None:
    for module, page in dash.page_registry.items():
        if module.split(".")[-1] == "not_found_404":
            return page
    return None


class ServiceStatDash(dash.Dash):
    """Dash with a per-request page title and current-page marking in the server-sent HTML.

    Dash pages set ``document.title`` only after the app has loaded; writing the page's title
    into the first HTML means screen readers, tabs and history show the right title at once.
    """

    def interpolate_index(self, **kwargs: str) -> str:
        path = flask.request.path if flask.has_request_context() else "/"
        page = find_page(path)
        if page is None:
            not_found = _not_found_page()
            title = not_found["title"] if not_found else NOT_FOUND_TITLE
        else:
            title = page["title"]
        if callable(title):  # Dash allows titles computed from path variables
            title = _callable_title(page, path, self.title)
        kwargs["title"] = html_lib.escape(str(title))
        entry = server_rendered_entry(page, path)
        if entry is not None:
            kwargs["app_entry"] = entry
        rendered = super().interpolate_index(**kwargs)
        return rendered.replace(NAV_KEY, primary_nav_html(path)).replace(ACCOUNT_KEY, account_html())


def _register_uswds_route(server: flask.Flask) -> None:
    @server.route("/uswds/<path:path>")
    def uswds_asset(path: str) -> flask.Response:
        dist = Path(server.config["USWDS_DIST"])
        parts = path.split("/")
        if (
            len(parts) < 2
            or parts[0] not in USWDS_SERVED_FOLDERS
            or any(part in ("", ".", "..") or "\\" in part for part in parts)
        ):
            raise NotFound()
        # send_from_directory also refuses anything that resolves outside its folder.
        return flask.send_from_directory(dist / parts[0], "/".join(parts[1:]), max_age=3600)


def _register_not_found_status(app: dash.Dash) -> None:
    """Send the Dash page HTML with status 404 for paths that are not a registered page, and for a
    page's path whose id names nothing (``/service/nope``: the page body still says so, kindly)."""
    index_endpoints = {
        app.config.routes_pathname_prefix,
        app.config.routes_pathname_prefix + "<path:path>",
    }

    @app.server.after_request
    def _not_found_status(response: flask.Response) -> flask.Response:
        request = flask.request
        if (
            request.endpoint in index_endpoints
            and response.status_code == 200
            and response.mimetype == "text/html"
        ):
            page = find_page(request.path)
            if page is None or names_nothing(page, request.path):
                response.status_code = 404
        return response


def create_app(db_path: str | None = None, *, public: bool = False,
               after_load: Callable[[str | None], object] | None = None) -> dash.Dash:
    """Build the ServiceStat Dash app; ``db_path`` is the DuckDB warehouse the pages will read.

    ``public``: the public site only (``servicestat serve --public``): no sign-in routes, every
    request reads as the public. Otherwise agency and OMB staff may sign in (dashboard.auth).
    ``after_load(db_path)``: run after a submission loaded files (the command line hands in the alert
    rules' refresh, publish.alerts.refresh, which the dashboard may not import: it draws, it does not
    decide what a load means).
    """
    # Anything read outside a request (or before the viewer is set) reads as the public: fail safe.
    set_default_viewer(PUBLIC)
    app = ServiceStatDash(
        "dashboard",
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        title=SITE_NAME,
        update_title=None,
        # Pages draw from the URL alone and define no callbacks of their own. Without this, Dash's
        # first request calls every page's layout with no arguments to build a validation layout
        # (seconds of queries, and every page's content shipped inside each page's HTML config).
        suppress_callback_exceptions=True,
        index_string=INDEX_STRING,
    )
    app.server.config["SERVICESTAT_DB"] = db_path
    app.server.config["SERVICESTAT_AFTER_LOAD"] = after_load
    app.server.config.setdefault("USWDS_DIST", str(USWDS_DIST))
    app.layout = dash.page_container
    _register_uswds_route(app.server)
    _register_not_found_status(app)
    register_downloads(app.server)
    auth.install(app.server, public=public)
    security.install(app)
    dash_guard.install(app)
    # After the body check: a page drawn once is served again until its data or viewer changes.
    page_cache.install(app, find_page, path_variables)
    app.server.register_blueprint(api.blueprint)
    submit_page.install(app.server)  # /submit: agency managers send files in the browser
    return app
