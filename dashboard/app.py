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
import re
from pathlib import Path

import dash
import flask
from werkzeug.exceptions import NotFound

from dashboard import api, auth, security
from dashboard.auth import account_html
from dashboard.downloads import register_downloads
from metrics.access import PUBLIC, set_default_viewer

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
USWDS_DIST = REPO_ROOT / "node_modules" / "@uswds" / "uswds" / "dist"
#: Subfolders of the USWDS ``dist`` folder that ``/uswds/`` may serve; anything else is a 404.
USWDS_SERVED_FOLDERS = frozenset({"css", "js", "img", "fonts"})

SITE_NAME = "ServiceStat"
NOT_FOUND_TITLE = f"Page not found – {SITE_NAME}"

#: Primary navigation: (label, path).
NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("Overview", "/"),
    ("Benchmarks", "/benchmarks"),
    ("Data", "/data"),
    ("Reporting", "/reporting"),
    ("Methodology", "/methodology"),
    ("Accessibility", "/accessibility"),
)

# Placeholders filled per request by ServiceStatDash.interpolate_index (Dash leaves unknown
# {%...%} keys alone). Kept out of Dash's own key names.
_NAV_KEY = "{%servicestat_primary_nav%}"
#: Who is signed in, and sign-in/sign-out (dashboard.auth.account_html); empty on the public site.
ACCOUNT_KEY = "{%servicestat_account%}"

_LOCK_ICON = (
    '<span class="icon-lock">'
    '<svg xmlns="http://www.w3.org/2000/svg" width="52" height="64" viewBox="0 0 52 64" '
    'class="usa-banner__lock-image" role="img" aria-labelledby="banner-lock-description" '
    'focusable="false"><title id="banner-lock-title">Lock</title>'
    '<desc id="banner-lock-description">Locked padlock icon</desc>'
    '<path fill="#000000" fill-rule="evenodd" d="M26 0c10.493 0 19 8.507 19 19v9h3a4 4 0 0 1 4 '
    "4v28a4 4 0 0 1-4 4H4a4 4 0 0 1-4-4V32a4 4 0 0 1 4-4h3v-9C7 8.507 15.507 0 26 0zm0 8c-5.979 "
    '0-10.843 4.77-10.996 10.712L15 19v9h22v-9c0-6.075-4.925-11-11-11z"/></svg></span>'
)

INDEX_STRING = (
    """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  {%metas%}
  <title>{%title%}</title>
  {%favicon%}
  <script src="/uswds/js/uswds-init.min.js"></script>
  <link rel="stylesheet" href="/uswds/css/uswds.min.css">
  {%css%}
</head>
<body>
  <a class="usa-skipnav" href="#main-content">Skip to main content</a>

  <section class="usa-banner" aria-label="Official website of the United States government">
    <div class="usa-accordion">
      <header class="usa-banner__header">
        <div class="usa-banner__inner">
          <div class="grid-col-auto">
            <img aria-hidden="true" class="usa-banner__header-flag"
                 src="/uswds/img/us_flag_small.png" alt="">
          </div>
          <div class="grid-col-fill tablet:grid-col-auto" aria-hidden="true">
            <p class="usa-banner__header-text">
              An official website of the United States government</p>
            <p class="usa-banner__header-action">Here’s how you know</p>
          </div>
          <button type="button" class="usa-accordion__button usa-banner__button"
                  aria-expanded="false" aria-controls="gov-banner-default">
            <span class="usa-banner__button-text">Here’s how you know</span>
          </button>
        </div>
      </header>
      <div class="usa-banner__content usa-accordion__content" id="gov-banner-default">
        <div class="grid-row grid-gap-lg">
          <div class="usa-banner__guidance tablet:grid-col-6">
            <img class="usa-banner__icon usa-media-block__img" src="/uswds/img/icon-dot-gov.svg"
                 role="img" alt="" aria-hidden="true">
            <div class="usa-media-block__body">
              <p><strong>Official websites use .gov</strong><br>A <strong>.gov</strong> website
                belongs to an official government organization in the United States.</p>
            </div>
          </div>
          <div class="usa-banner__guidance tablet:grid-col-6">
            <img class="usa-banner__icon usa-media-block__img" src="/uswds/img/icon-https.svg"
                 role="img" alt="" aria-hidden="true">
            <div class="usa-media-block__body">
              <p><strong>Secure .gov websites use HTTPS</strong><br>A <strong>lock</strong>
                ("""
    + _LOCK_ICON
    + """) or <strong>https://</strong> means you’ve safely connected to the .gov website.
                Share sensitive information only on official, secure websites.</p>
            </div>
          </div>
        </div>
      </div>
    </div>
  </section>

  <div class="usa-overlay"></div>
  <header class="usa-header usa-header--basic">
    """
    + ACCOUNT_KEY
    + """
    <div class="usa-nav-container">
      <div class="usa-navbar">
        <div class="usa-logo">
          <em class="usa-logo__text"><a href="/">ServiceStat</a></em>
        </div>
        <button type="button" class="usa-menu-btn">Menu</button>
      </div>
      <nav aria-label="Primary navigation" class="usa-nav">
        <button type="button" class="usa-nav__close">
          <img src="/uswds/img/usa-icons/close.svg" role="img" alt="Close">
        </button>
        """
    + _NAV_KEY
    + """
      </nav>
    </div>
  </header>

  <main id="main-content" tabindex="-1">
    <div class="grid-container padding-top-2 padding-bottom-6">
      {%app_entry%}
    </div>
  </main>

  <footer class="usa-footer usa-footer--slim">
    <div class="grid-container usa-footer__return-to-top">
      <a href="#">Return to top</a>
    </div>
    <div class="usa-footer__primary-section">
      <div class="grid-container">
        <nav class="usa-footer__nav" aria-label="Footer navigation">
          <ul class="grid-row grid-gap">
            <li class="mobile-lg:grid-col-6 desktop:grid-col-auto usa-footer__primary-content">
              <a class="usa-footer__primary-link" href="/data">Data</a>
            </li>
            <li class="mobile-lg:grid-col-6 desktop:grid-col-auto usa-footer__primary-content">
              <a class="usa-footer__primary-link" href="/methodology">Methodology</a>
            </li>
            <li class="mobile-lg:grid-col-6 desktop:grid-col-auto usa-footer__primary-content">
              <a class="usa-footer__primary-link" href="/accessibility">Accessibility statement</a>
            </li>
          </ul>
        </nav>
      </div>
    </div>
    <div class="usa-footer__secondary-section">
      <div class="grid-container">
        <div class="usa-footer__logo grid-row grid-gap-2">
          <div class="grid-col-auto">
            <p class="usa-footer__logo-heading">ServiceStat</p>
          </div>
        </div>
        <p>Federal customer-service performance, measured against the standards of
          Executive Order 13571 and OMB Circular A-11 Section 280.</p>
      </div>
    </div>
  </footer>

  {%config%}
  {%scripts%}
  {%renderer%}
  <script src="/uswds/js/uswds.min.js"></script>
</body>
</html>"""
)


def _normalise_path(path: str) -> str:
    """``/accessibility/`` and ``/accessibility`` are one page; the root stays ``/``."""
    stripped = path.rstrip("/")
    return stripped or "/"


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"<[^>]+>", template)
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in parts) + "$")


def find_page(path: str) -> dict | None:
    """The registered Dash page for a request path, or None (the 404 page is never a match)."""
    wanted = _normalise_path(path)
    for module, page in dash.page_registry.items():
        if module.split(".")[-1] == "not_found_404":
            continue
        template = page.get("path_template")
        if template:
            if _template_regex(_normalise_path(template)).match(wanted):
                return page
        elif _normalise_path(page["path"]) == wanted:
            return page
    return None


def _callable_title(page: dict, path: str, fallback: str) -> str:
    """A page's computed title for ``path`` (its path variables as Dash passes them); the site
    title if the page cannot compute one."""
    template = page.get("path_template")
    variables: dict[str, str] = {}
    if template:
        names = re.findall(r"<([^>]+)>", template)
        match = re.match(_template_regex(_normalise_path(template)).pattern.replace("[^/]+", "([^/]+)"),
                         _normalise_path(path))
        if match:
            from urllib.parse import unquote

            variables = {n: unquote(v) for n, v in zip(names, match.groups(), strict=False)}
    try:
        return str(page["title"](**variables))
    except Exception:  # noqa: BLE001 - a title must never break the page
        return fallback


def _not_found_page() -> dict | None:
    for module, page in dash.page_registry.items():
        if module.split(".")[-1] == "not_found_404":
            return page
    return None


def primary_nav_html(current_path: str) -> str:
    """The USWDS primary nav list, marking the link for ``current_path`` as the current page."""
    current = _normalise_path(current_path)
    items = []
    for label, href in NAV_ITEMS:
        if _normalise_path(href) == current:
            attrs = 'class="usa-nav-link usa-current" aria-current="page"'
        else:
            attrs = 'class="usa-nav-link"'
        items.append(
            f'<li class="usa-nav__primary-item"><a href="{href}" {attrs}>'
            f"<span>{html_lib.escape(label)}</span></a></li>"
        )
    return '<ul class="usa-nav__primary usa-accordion">' + "".join(items) + "</ul>"


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
        rendered = super().interpolate_index(**kwargs)
        return rendered.replace(_NAV_KEY, primary_nav_html(path)).replace(ACCOUNT_KEY, account_html())


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
    """Send the Dash page HTML with status 404 for paths that are not a registered page."""
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
            and find_page(request.path) is None
        ):
            response.status_code = 404
        return response


def create_app(db_path: str | None = None, *, public: bool = False) -> dash.Dash:
    """Build the ServiceStat Dash app; ``db_path`` is the DuckDB warehouse the pages will read.

    ``public``: the public site only (``servicestat serve --public``): no sign-in routes, every
    request reads as the public. Otherwise agency and OMB staff may sign in (dashboard.auth).
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
    app.server.config.setdefault("USWDS_DIST", str(USWDS_DIST))
    app.layout = dash.page_container
    _register_uswds_route(app.server)
    _register_not_found_status(app)
    register_downloads(app.server)
    auth.install(app.server, public=public)
    security.install(app)
    app.server.register_blueprint(api.blueprint)
    return app
