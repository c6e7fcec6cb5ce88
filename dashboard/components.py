"""Layout pieces shared by ServiceStat pages: USWDS markup built from Dash html components.

They live in modules by meaning - ``dashboard.formatting`` (numbers and labels),
``dashboard.tables`` (``usa_table``), ``dashboard.charts`` (palette, ``chart_block``, tiles),
``dashboard.filters`` (filters in the URL) and ``dashboard.notices`` (intro, notices, badges, empty
states) - and are re-exported here, so a page may import them from this one place.

Only CSS-only USWDS classes are used here: USWDS's JavaScript components that build markup at
page load do not start inside Dash layouts (see /work/shared/docs/field-notes.md).

Page conventions every page follows (so that B's pages and A's pages look and behave alike):

* one h1 via ``page_intro``; ``synthetic_notice()`` whenever a frame shown has ``synthetic``;
* every chart through ``chart_block``: h2, a one-sentence summary stating the values, a
  "What is this?" definition, the chart (``role="img"`` + the summary as its name), the numbers
  in a ``usa_table`` behind a native "Show the numbers as a table" toggle, and "Last updated";
  an explicit empty state instead of a blank chart;
* status always by icon and word (``status_badge``), never by colour alone;
* filters in the URL: ``filter_form`` (a plain GET form, so a submit loads the page with a new
  query string: shareable, bookmarkable, back button works, no focus loss) built from
  ``select_control`` (native ``<select>`` via ``dbc.Select``: ``dcc.Dropdown`` trips axe's
  ``aria-hidden-focus``), and ``read_filters`` to validate the query string the page's
  ``layout(**kwargs)`` receives: unknown values fall back to the default with a notice.
"""

from __future__ import annotations

from core.vocab import STATUSES
from dashboard.charts import (
    DEFINITION_TOGGLE_TEXT,
    PALETTE,
    SERIES_COLOURS,
    SERIES_DASHES,
    SERIES_SYMBOLS,
    TABLE_TOGGLE_TEXT,
    chart_block,
    figure_layout,
    summary_tile,
)
from dashboard.filters import FilterSpec, filter_form, query_string, read_filters, select_control
from dashboard.formatting import (
    NO_DATA,
    as_date,
    finite,
    fmt_date,
    fmt_decimal,
    fmt_interval,
    fmt_mean,
    fmt_mean_interval,
    fmt_minutes,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_points,
    fmt_signed,
    fmt_value,
    is_missing,
    last_updated_text,
)
from dashboard.notices import (
    NO_WAREHOUSE_TEXT,
    STATUS_STYLE,
    SYNTHETIC_NOTICE_TEXT,
    any_synthetic,
    empty_state,
    link_list,
    no_such_page,
    no_warehouse_page,
    notices_alert,
    page_intro,
    status_badge,
    synthetic_notice,
)
from dashboard.tables import scroll_table, usa_table


def current_db() -> str | None:
    """The warehouse path this app reads (``create_app(db_path)``), from the Flask app config."""
    import flask

    if flask.has_app_context():
        return flask.current_app.config.get("SERVICESTAT_DB")
    return None


__all__ = [
    "DEFINITION_TOGGLE_TEXT", "NO_DATA", "NO_WAREHOUSE_TEXT", "PALETTE", "SERIES_COLOURS", "SERIES_DASHES",
    "SERIES_SYMBOLS", "STATUSES", "STATUS_STYLE", "SYNTHETIC_NOTICE_TEXT", "TABLE_TOGGLE_TEXT", "FilterSpec",
    "any_synthetic", "as_date", "chart_block", "current_db", "empty_state", "figure_layout", "filter_form",
    "finite", "fmt_date", "fmt_decimal", "fmt_interval", "fmt_mean", "fmt_mean_interval", "fmt_minutes",
    "fmt_number", "fmt_percent", "fmt_percent1", "fmt_points", "fmt_signed", "fmt_value", "is_missing",
    "last_updated_text", "link_list", "no_such_page", "no_warehouse_page", "notices_alert", "page_intro",
    "query_string", "read_filters", "scroll_table", "select_control", "status_badge", "summary_tile",
    "synthetic_notice", "usa_table",
]
