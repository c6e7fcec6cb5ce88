"""The page shell every page shares: site name, primary navigation, and the USWDS HTML template.

Kept apart from the app so that sign-in pages (dashboard.auth) and Dash pages (dashboard.app) both
render the same banner, header and footer without importing each other.
"""

from __future__ import annotations

import html as html_lib

SITE_NAME = "ServiceStat"
NOT_FOUND_TITLE = f"Page not found – {SITE_NAME}"

#: Primary navigation: (label, path).
NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("Overview", "/"),
    ("Benchmarks", "/benchmarks"),
    ("Data", "/data"),
    ("Reporting", "/reporting"),
    ("Alerts", "/alerts"),
    ("Methodology", "/methodology"),
    ("Accessibility", "/accessibility"),
)

# Placeholders filled per request by ServiceStatDash.interpolate_index (Dash leaves unknown
# {%...%} keys alone). Kept out of Dash's own key names.
NAV_KEY = "{%servicestat_primary_nav%}"
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
    + NAV_KEY
    + """
        <section aria-label="Find a service">
          <form class="usa-search usa-search--small" role="search" method="get" action="/services">
            <label class="usa-sr-only" for="site-search">Search for a service</label>
            <input class="usa-input" id="site-search" type="search" name="q" autocomplete="off">
            <button class="usa-button" type="submit">
              <img src="/uswds/img/usa-icons-bg/search--white.svg" class="usa-search__submit-icon"
                   alt="Search">
            </button>
          </form>
        </section>
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


def normalise_path(path: str) -> str:
    """``/accessibility/`` and ``/accessibility`` are one page; the root stays ``/``."""
    stripped = path.rstrip("/")
    return stripped or "/"


def primary_nav_html(current_path: str) -> str:
    """The USWDS primary nav list, marking the link for ``current_path`` as the current page."""
    current = normalise_path(current_path)
    items = []
    for label, href in NAV_ITEMS:
        if normalise_path(href) == current:
            attrs = 'class="usa-nav-link usa-current" aria-current="page"'
        else:
            attrs = 'class="usa-nav-link"'
        items.append(
            f'<li class="usa-nav__primary-item"><a href="{href}" {attrs}>'
            f"<span>{html_lib.escape(label)}</span></a></li>"
        )
    return '<ul class="usa-nav__primary usa-accordion">' + "".join(items) + "</ul>"
