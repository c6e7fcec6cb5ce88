"""Layout pieces shared by ServiceStat pages: USWDS markup built from Dash html components.

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

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from metrics.suppression import suppressed_label

SYNTHETIC_NOTICE_TEXT = (
    "Demonstration data: the figures on this page are synthetic, generated for the demo, "
    "not agency results."
)
NO_DATA = "no data"
TABLE_TOGGLE_TEXT = "Show the numbers as a table"
DEFINITION_TOGGLE_TEXT = "What is this?"

#: Colour-blind-safe series colours (Okabe–Ito hues, the lighter ones darkened so that every line
#: and bar has at least 3:1 contrast on white, WCAG 1.4.11). Charts never rely on colour alone:
#: series are also named in the legend, the summary and the table.
PALETTE: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#C54E00",
    "green": "#00785A",
    "purple": "#A0467A",
    "sky": "#1F6F9E",
    "orange": "#B06F00",
    "grey": "#565C65",
    "ink": "#1B1B1B",
    "target": "#1B1B1B",
    "band": "rgba(230, 159, 0, 0.22)",
    "interval": "rgba(0, 114, 178, 0.18)",
    "grid": "#DFE1E2",
}
#: Series order for charts with several lines or bars.
SERIES_COLOURS: tuple[str, ...] = (
    PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["purple"],
    PALETTE["orange"], PALETTE["grey"],
)
#: Marker symbols that go with SERIES_COLOURS, so series differ by shape as well as colour.
SERIES_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")
#: Line dashes that go with SERIES_COLOURS.
SERIES_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")

#: status -> (icon character, USWDS tag classes). Text colours are chosen for 4.5:1 contrast.
STATUS_STYLE: dict[str, tuple[str, str]] = {
    "on track": ("✓", "usa-tag bg-success-darker"),
    "at risk": ("!", "usa-tag bg-warning text-ink"),
    "off track": ("✕", "usa-tag bg-error-dark"),
    "insufficient data": ("?", "usa-tag bg-base-lighter text-ink"),
    "not reported": ("–", "usa-tag bg-white text-ink border-1px border-base"),
    # GPRA goal statuses (metrics.goals.gpra_status) and milestone states.
    "met": ("✓", "usa-tag bg-success-darker"),
    "not met": ("✕", "usa-tag bg-error-dark"),
    "no data": ("–", "usa-tag bg-white text-ink border-1px border-base"),
    "no rule": ("?", "usa-tag bg-base-lighter text-ink"),
    "done": ("✓", "usa-tag bg-success-darker"),
    "in progress": ("…", "usa-tag bg-base-lighter text-ink"),
    "planned": ("○", "usa-tag bg-white text-ink border-1px border-base"),
    "late": ("!", "usa-tag bg-warning text-ink"),
    "dropped": ("–", "usa-tag bg-base-lighter text-ink"),
}
#: The five standard statuses, in the order pages list them.
STATUSES: tuple[str, ...] = ("on track", "at risk", "off track", "insufficient data", "not reported")

_FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Arial, sans-serif"


# --------------------------------------------------------------------------- notices and intro


def synthetic_notice() -> html.Div:
    """A slim USWDS warning alert saying the page shows synthetic demonstration data."""
    return html.Div(
        className="usa-alert usa-alert--warning usa-alert--slim margin-y-3",
        **{"data-testid": "synthetic-notice"},
        children=html.Div(
            className="usa-alert__body",
            children=html.P(SYNTHETIC_NOTICE_TEXT, className="usa-alert__text"),
        ),
    )


def page_intro(title: str, *, show_synthetic_notice: bool, lead: str | None = None) -> list:
    """The top of a page: its one h1, the synthetic-data notice when asked for, a lead line."""
    children: list = [html.H1(title)]
    if show_synthetic_notice:
        children.append(synthetic_notice())
    if lead:
        children.append(html.P(lead, className="font-sans-md measure-5"))
    return children


def any_synthetic(*frames: pd.DataFrame | None) -> bool:
    """True when any frame shown on a page holds synthetic rows (its ``synthetic`` column)."""
    for frame in frames:
        if frame is not None and "synthetic" in frame and len(frame) and bool(frame["synthetic"].any()):
            return True
    return False


def empty_state(message: str) -> html.Div:
    """An explicit "nothing to show" message (USWDS info alert), used instead of a blank chart."""
    return html.Div(
        className="usa-alert usa-alert--info usa-alert--slim margin-y-2",
        **{"data-testid": "empty-state"},
        children=html.Div(className="usa-alert__body",
                          children=html.P(message, className="usa-alert__text")),
    )


def notices_alert(notices: Sequence[str]) -> html.Div | None:
    """The notices ``read_filters`` returned (e.g. an unknown value replaced by the default)."""
    if not notices:
        return None
    return html.Div(
        className="usa-alert usa-alert--info usa-alert--slim margin-y-2",
        **{"data-testid": "filter-notice"},
        children=html.Div(
            className="usa-alert__body",
            children=[html.P(text, className="usa-alert__text") for text in notices],
        ),
    )


def status_badge(status: str | None) -> html.Span:
    """A status as icon AND word in a USWDS tag (never colour alone); unknown text shows as is."""
    word = status if isinstance(status, str) and status else NO_DATA
    icon, classes = STATUS_STYLE.get(word.lower(), ("•", "usa-tag bg-base-lighter text-ink"))
    return html.Span(
        className=f"{classes} status-badge",
        **{"data-status": word},
        children=[html.Span(icon, **{"aria-hidden": "true"}, className="margin-right-05"), word],
    )


# --------------------------------------------------------------------------- formatters


def is_missing(value: object) -> bool:
    """None, NaN, NaT and pandas NA are all "no data"."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_percent(value: object, digits: int = 0) -> str:
    """A share 0-1 as a percent: 0.783 -> "78%" (``digits`` decimals)."""
    if is_missing(value):
        return NO_DATA
    return f"{float(value) * 100:.{digits}f}%"


def fmt_percent1(value: object) -> str:
    """A share as a percent with one decimal: 0.7834 -> "78.3%"."""
    return fmt_percent(value, 1)


def fmt_points(value: object, digits: int = 1) -> str:
    """A change in a share as signed percentage points: 0.021 -> "+2.1 points"."""
    if is_missing(value):
        return NO_DATA
    points = round(float(value) * 100, digits)  # the sign of what is printed: never "−0.0"
    sign = "+" if points > 0 else ("−" if points < 0 else "")
    return f"{sign}{abs(points):.{digits}f} points"


def fmt_number(value: object, digits: int = 0) -> str:
    """A count or figure with thousands separators: 12345 -> "12,345"."""
    if is_missing(value):
        return NO_DATA
    return f"{float(value):,.{digits}f}"


def fmt_decimal(value: object) -> str:
    """A figure with one decimal: 76.43 -> "76.4"."""
    return fmt_number(value, 1)


def fmt_signed(value: object, digits: int = 1) -> str:
    """A signed difference: 2.43 -> "+2.4", -1.2 -> "−1.2"."""
    if is_missing(value):
        return NO_DATA
    number = round(float(value), digits)  # the sign of what is printed: never "−0.0"
    sign = "+" if number > 0 else ("−" if number < 0 else "")
    return f"{sign}{abs(number):,.{digits}f}"


def fmt_minutes(value: object) -> str:
    """A duration in minutes in the unit people read best: "4.6 minutes", "3.2 hours", "12.5 days"."""
    if is_missing(value):
        return NO_DATA
    minutes = float(value)
    if abs(minutes) < 120:
        return f"{minutes:,.1f} minutes"
    if abs(minutes) < 48 * 60:
        return f"{minutes / 60:,.1f} hours"
    return f"{minutes / 1440:,.1f} days"


def fmt_date(value: object) -> str:
    """A date as "September 30, 2024"."""
    if is_missing(value):
        return NO_DATA
    stamp = pd.Timestamp(value)
    return f"{stamp.strftime('%B')} {stamp.day}, {stamp.year}"


def fmt_interval(low: object, high: object) -> str:
    """A 95% interval of shares: "77%–80%"."""
    if is_missing(low) or is_missing(high):
        return NO_DATA
    return f"{fmt_percent(low)}–{fmt_percent(high)}"


def fmt_value(value: object, unit: str | None) -> str:
    """A metric value in its catalogue unit (minutes, share, usd, count, ...)."""
    if is_missing(value):
        return NO_DATA
    if unit == "minutes":
        return fmt_minutes(value)
    if unit in ("share", "percent"):
        return fmt_percent1(value)
    if unit == "usd":
        return f"${float(value):,.2f}"
    if unit == "days":
        return f"{float(value):,.1f} days"
    return fmt_decimal(value)


def last_updated_text(*sources: object) -> str | None:
    """"November 26, 2026, 10:44" for the newest load behind the figures shown.

    Each source is a frame (its ``last_loaded`` column), a Series, or a single timestamp/date."""
    stamps: list[pd.Timestamp] = []
    for source in sources:
        if isinstance(source, pd.DataFrame):
            values: Iterable[object] = source.get("last_loaded", [])
        elif isinstance(source, pd.Series):
            values = source
        else:
            values = [source]
        for value in values:
            if not is_missing(value):
                stamps.append(pd.Timestamp(value))
    if not stamps:
        return None
    newest = max(stamps)
    return f"{fmt_date(newest)}, {newest.strftime('%H:%M')}"


# --------------------------------------------------------------------------- tables


def usa_table(
    df: pd.DataFrame,
    *,
    caption: str,
    columns: Sequence[tuple[str, str]],
    formatters: dict[str, Callable[[object], Any]] | None = None,
    table_id: str | None = None,
    label_columns: Sequence[str] | None = None,
) -> html.Table:
    """A ``usa-table``: ``columns`` are (column in df, header text); the first is the row header.

    ``formatters`` maps a column to a function that turns its values into display text (or a
    component, e.g. ``status_badge``). A missing value prints "no data". In a row whose
    ``suppressed`` column is True (small-number suppression for the public) every value cell
    prints ``suppressed_label()``; ``label_columns`` (default: the first column) name the cells
    that are labels, not figures, and still print.
    """
    formatters = formatters or {}
    labels = set(label_columns) if label_columns is not None else {columns[0][0]}
    hidden_text = suppressed_label()

    def cell(column: str, value: object, suppressed: bool) -> Any:
        if suppressed and column not in labels:
            return hidden_text
        if column in formatters:
            return formatters[column](value)
        if is_missing(value):
            return NO_DATA
        return str(value)

    header = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body_rows = []
    for record in df.to_dict("records"):
        suppressed = bool(record.get("suppressed")) if not is_missing(record.get("suppressed")) else False
        cells = []
        for position, (column, _) in enumerate(columns):
            content = cell(column, record.get(column), suppressed)
            if position == 0:
                cells.append(html.Th(content, scope="row"))
            elif column in labels:
                cells.append(html.Td(content))
            else:
                cells.append(html.Td(content, className="text-tabular text-right"))
        body_rows.append(html.Tr(cells, className="is-suppressed" if suppressed else None))
    props = {"id": table_id} if table_id else {}
    return html.Table(
        className="usa-table usa-table--borderless usa-table--compact",
        children=[html.Caption(caption), header, html.Tbody(body_rows)],
        **props,
    )


def scroll_table(table: html.Table, *, label: str) -> html.Div:
    """A table in a keyboard-focusable horizontal scroll region, so it never widens the page."""
    return html.Div(
        className="usa-table-container--scrollable",
        tabIndex="0",
        role="region",
        **{"aria-label": label},
        children=table,
    )


# --------------------------------------------------------------------------- charts


def figure_layout(fig: go.Figure, *, y_title: str, x_title: str, percent: bool = False,
                  height: int = 360) -> go.Figure:
    """The one place chart styling lives: fonts, margins, grid, legend, axis titles, percent axes."""
    fig.update_layout(
        margin={"l": 64, "r": 16, "t": 24, "b": 56},
        font={"family": _FONT, "size": 15, "color": PALETTE["ink"]},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        height=height,
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": _FONT}},
        colorway=list(SERIES_COLOURS),
    )
    fig.update_yaxes(title={"text": y_title}, gridcolor=PALETTE["grid"], zerolinecolor=PALETTE["grid"],
                     automargin=True)
    fig.update_xaxes(title={"text": x_title}, gridcolor=PALETTE["grid"], automargin=True)
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def chart_block(
    *,
    block_id: str,
    title: str,
    summary: str,
    definition: str,
    figure: go.Figure | None,
    table: html.Table | None,
    last_updated: str | None,
    empty_message: str | None = None,
    notes: Sequence[Any] | None = None,
    height_px: int = 360,
) -> html.Section:
    """One chart as a section people can read without seeing it.

    h2 ``title``; ``summary`` (one sentence stating the values, also the chart's accessible name);
    a "What is this?" toggle with ``definition``; a ``<figure>`` holding the summary as its
    caption, the chart (``dcc.Graph`` id ``<block_id>-chart`` inside ``role="img"``) and the
    numbers as a table behind "Show the numbers as a table" (or the table alone when ``figure``
    is None); "Last updated". With ``empty_message`` the message is
    shown instead of chart and table (never a blank chart).
    """
    heading_id = f"{block_id}-title"
    children: list[Any] = [
        html.H2(title, id=heading_id),
        html.Details(
            className="definition margin-y-1",
            children=[html.Summary(DEFINITION_TOGGLE_TEXT, className="usa-link text-bold"),
                      html.P(definition, className="measure-5 margin-y-1")],
        ),
    ]
    if empty_message:
        children.append(empty_state(empty_message))
    else:
        caption = html.Figcaption(summary, className="chart-summary measure-5 margin-bottom-1",
                                  **{"data-testid": "chart-summary"})
        parts: list[Any] = [caption]
        if figure is not None:
            parts.append(html.Div(
                role="img",
                **{"aria-label": summary},
                children=dcc.Graph(
                    id=f"{block_id}-chart",
                    figure=figure,
                    config={"displayModeBar": False, "responsive": True},
                    style={"height": f"{height_px}px"},
                ),
            ))
        if table is not None:
            wrapped = scroll_table(table, label=f"{title}: table")
            if figure is not None:
                parts.append(html.Details(
                    className="table-toggle margin-y-1",
                    children=[html.Summary(TABLE_TOGGLE_TEXT, className="usa-link text-bold"), wrapped],
                ))
            else:
                parts.append(wrapped)
        children.append(html.Figure(className="margin-x-0 margin-y-2", children=parts))
    for note in notes or ():
        children.append(html.P(note, className="font-sans-xs measure-5") if isinstance(note, str) else note)
    children.append(html.P(
        f"Last updated: {last_updated}" if last_updated else "Last updated: not known (no loads behind "
        "these figures)",
        className="font-sans-xs text-base-dark margin-top-1",
        **{"data-testid": "last-updated"},
    ))
    return html.Section(id=block_id, className="chart-block margin-y-5",
                        **{"aria-labelledby": heading_id}, children=children)


def accessible_chart(
    *,
    graph_id: str,
    figure: object,
    summary: str,
    caption: str,
    table: html.Table,
    height_px: int = 360,
) -> html.Figure:
    """A chart people can read without seeing it (the older pattern; new pages use chart_block).

    ``html.Figure`` > ``Div(role="img", aria-label=summary)`` around the ``dcc.Graph``, a
    ``Figcaption``, and a ``usa-table`` with the same numbers. ``summary`` must state the values.
    """
    return html.Figure(
        className="margin-x-0 margin-y-4",
        children=[
            html.Figcaption(caption, className="text-bold font-sans-md margin-bottom-1"),
            html.Div(
                role="img",
                **{"aria-label": summary},
                children=dcc.Graph(
                    id=graph_id,
                    figure=figure,
                    config={"displayModeBar": False, "responsive": True},
                    style={"height": f"{height_px}px"},
                ),
            ),
            scroll_table(table, label=f"{caption}: table"),
        ],
    )


def summary_tile(*, title: str, value: str, detail: str | None = None, change: str | None = None,
                 tile_id: str | None = None) -> html.Div:
    """A headline figure as a USWDS card: title, big value, a detail line and the change."""
    body: list[Any] = [html.P(value, className="font-sans-2xl text-bold margin-y-1 tile-value")]
    if detail:
        body.append(html.P(detail, className="margin-y-05"))
    if change:
        body.append(html.P(change, className="margin-y-05 text-base-dark tile-change"))
    props = {"id": tile_id} if tile_id else {}
    return html.Div(
        className="usa-card tablet:grid-col-4",
        **props,
        children=html.Div(className="usa-card__container", children=[
            html.Div(className="usa-card__header", children=html.H2(title, className="usa-card__heading")),
            html.Div(className="usa-card__body", children=body),
        ]),
    )


# --------------------------------------------------------------------------- filters in the URL


@dataclass(frozen=True)
class FilterSpec:
    """One query parameter: its label (for notices), default, and the values allowed."""

    label: str
    default: str
    allowed: Sequence[str]


def read_filters(kwargs: Mapping[str, Any],
                 spec: Mapping[str, FilterSpec]) -> tuple[dict[str, str], list[str]]:
    """Validate the query parameters a page's ``layout(**kwargs)`` got against ``spec``.

    Returns (values, notices): every name in ``spec`` gets a value; a missing one takes its
    default quietly, an unknown or repeated one takes its default and adds a notice saying so.
    Parameters not in ``spec`` (path variables, unrelated keys) are ignored.
    """
    values: dict[str, str] = {}
    notices: list[str] = []
    for name, filt in spec.items():
        raw = kwargs.get(name)
        if raw is None or raw == "":
            values[name] = filt.default
            continue
        if isinstance(raw, str) and raw in filt.allowed:
            values[name] = raw
            continue
        shown = ", ".join(map(str, raw)) if isinstance(raw, list) else str(raw)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        default_label = filt.default if filt.default else "the default"
        notices.append(f"{filt.label} “{shown}” is not available: showing {default_label} instead.")
        values[name] = filt.default
    return values, notices


def _options(options: Sequence[tuple[str, str]] | Sequence[str]) -> list[dict[str, str]]:
    out = []
    for option in options:
        if isinstance(option, tuple):
            out.append({"label": str(option[1]), "value": str(option[0])})
        else:
            out.append({"label": str(option), "value": str(option)})
    return out


def select_control(name: str, label: str, options: Sequence[tuple[str, str]] | Sequence[str],
                   value: str) -> html.Div:
    """A labelled native ``<select>`` (``dbc.Select``, class usa-select) named for the query string.

    ``options`` are (value, label) pairs or plain values."""
    control_id = f"filter-{name}"
    return html.Div(
        className="usa-form-group margin-top-0 margin-right-2 filter-control",
        children=[
            html.Label(label, htmlFor=control_id, className="usa-label margin-top-1"),
            dbc.Select(id=control_id, name=name, value=value, options=_options(options),
                       className="usa-select"),
        ],
    )


def filter_form(path: str, controls: list) -> html.Form:
    """The page's filters as a GET form to ``path``: submitting loads the page with the new query
    string, so every view is a URL (shareable, bookmarkable, back button restores it) and
    changing a select never moves focus or the page on its own (WCAG 3.2.2)."""
    return html.Form(
        method="get",
        action=path,
        className="filter-form bg-base-lightest padding-2 margin-y-3 radius-md",
        **{"aria-label": "Filters"},
        children=[
            html.Div(className="display-flex flex-row flex-wrap flex-align-end", children=[
                *controls,
                html.Div(className="margin-top-2", children=html.Button(
                    "Apply filters", type="submit", className="usa-button margin-top-1",
                    id="apply-filters")),
            ]),
        ],
    )


def query_string(values: Mapping[str, str]) -> str:
    """``?a=1&b=2`` for links that keep the current filters (empty values left out)."""
    from urllib.parse import urlencode

    kept = {k: v for k, v in values.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def as_date(value: object) -> date | None:
    """A date from a date, datetime or text; None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def finite(value: object) -> bool:
    """A number that is not missing or infinite."""
    return not is_missing(value) and math.isfinite(float(value))


def current_db() -> str | None:
    """The warehouse path this app reads (``create_app(db_path)``), from the Flask app config."""
    import flask

    if flask.has_app_context():
        return flask.current_app.config.get("SERVICESTAT_DB")
    return None


NO_WAREHOUSE_TEXT = ("No data yet: the warehouse has not been built. Run `servicestat demo` or "
                     "`servicestat ingest`.")


def no_warehouse_page(title: str) -> html.Div:
    """What a page shows when there is no warehouse file yet: its heading and an explicit message."""
    return html.Div([*page_intro(title, show_synthetic_notice=False), empty_state(NO_WAREHOUSE_TEXT)])


def link_list(links: Sequence[tuple[str, str]]) -> html.Ul:
    """A USWDS list of (label, href) links."""
    items = [html.Li(html.A(label, href=href, className="usa-link")) for label, href in links]
    return html.Ul(className="usa-list", children=items)


def no_such_page(noun: str, plural: str, wanted: str | None, links: Sequence[tuple[str, str]]) -> html.Div:
    """The page for an address whose id names nothing: say so, and list what there is (label, href)."""
    article = "an" if noun[0] in "aeiou" else "a"
    return html.Div(className="line-height-sans-5", children=[
        html.H1(f"No such {noun}"),
        html.Div(className="usa-alert usa-alert--warning margin-y-3", children=html.Div(
            className="usa-alert__body", children=html.P(
                f"There is no {noun} with the id “{wanted}”. Check the address, or choose {article} "
                f"{noun} below.", className="usa-alert__text"))),
        html.P(["Go to the ", html.A("government-wide overview", href="/", className="usa-link"), "."]),
        html.H2(plural),
        link_list(links),
    ])
