"""Charts people can read without seeing them: the palette, the one chart style, ``chart_block``
(h2, "What is this?", a figure whose caption states the values, the numbers as a table, "Last
updated", or an explicit empty state) and headline tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from core.vocab import channels
from dashboard.figures import PlainFigure, trace_prop
from dashboard.notices import empty_state
from dashboard.provenance_block import updated_line
from dashboard.tables import scroll_table

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
#: Series order for charts with several lines or bars that have no declared series (below).
SERIES_COLOURS: tuple[str, ...] = (
    PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["purple"],
    PALETTE["orange"], PALETTE["grey"],
)
#: Marker symbols that go with SERIES_COLOURS, so series differ by shape as well as colour.
SERIES_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")
#: Line dashes that go with SERIES_COLOURS.
SERIES_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: Bar fill patterns that go with SERIES_COLOURS (Plotly pattern shapes).
SERIES_PATTERNS: tuple[str, ...] = ("", "/", ".", "x", "-", "+")


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn on every chart: colour, line dash, marker symbol and bar pattern."""

    colour: str
    dash: str
    symbol: str
    pattern: str

    def line(self, width: int = 3) -> dict[str, Any]:
        """``line=`` for a go.Scatter."""
        return {"color": self.colour, "dash": self.dash, "width": width}

    def marker(self, size: int = 9) -> dict[str, Any]:
        """``marker=`` for a go.Scatter."""
        return {"color": self.colour, "symbol": self.symbol, "size": size}

    def bar(self) -> dict[str, Any]:
        """``marker=`` for a go.Bar: colour and a white pattern, so bars differ by more than colour."""
        return {"color": self.colour, "pattern": {"shape": self.pattern, "fgcolor": "#ffffff"}}


def _style(position: int) -> SeriesStyle:
    i = position % len(SERIES_COLOURS)
    return SeriesStyle(SERIES_COLOURS[i], SERIES_DASHES[i], SERIES_SYMBOLS[i], SERIES_PATTERNS[i])


#: THE palette of named series: one colour (and dash, symbol, pattern) per series on every page
#: (/, /benchmarks, agency and service pages), so "ACSI national" is the same green wherever it is
#: drawn. Keys: ``ours`` is this dashboard's own figure (federal services pooled, a service, a
#: standard's result); the ACSI series; ``target``; the two duration percentiles; every channel of
#: data/channels.yaml (``all``: channels pooled). Draw a named series with ``series_style(key)``.
SERIES: dict[str, SeriesStyle] = {
    "ours": _style(0),
    "acsi_federal": _style(1),
    "acsi_national": _style(2),
    "acsi_industry": _style(3),
    "median": _style(0),
    "p90": _style(1),
    "target": SeriesStyle(PALETTE["target"], "dash", "line-ew", ""),
    "all": SeriesStyle(PALETTE["ink"], "solid", "hexagram", "|"),
    **{channel: _style(i) for i, channel in enumerate(channels())},  # data/channels.yaml, in its order
}


def series_style(key: str, position: int = 0) -> SeriesStyle:
    """The declared style of series ``key`` (see SERIES); an undeclared series takes the style at
    ``position`` in the default order."""
    return SERIES.get(key) or _style(position)


_FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Arial, sans-serif"


Fig = go.Figure | PlainFigure


def figure_layout(fig: Fig, *, y_title: str, x_title: str, percent: bool = False, height: int = 360) -> Fig:
    """The one place chart styling lives: fonts, margins, grid, legend, axis titles, percent axes.
    ``fig``: a ``go.Figure`` or a ``PlainFigure`` (dashboard.figures), styled alike."""
    fig.update_layout(
        margin={"l": 64, "r": 16, "t": 24, "b": 56},
        font={"family": _FONT, "size": 15, "color": PALETTE["ink"]},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        height=height,
        # Above the plot: a legend below it lands on the x-axis title when the chart is short.
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hoverlabel={"font": {"family": _FONT}},
        colorway=list(SERIES_COLOURS),
    )
    fig.update_yaxes(title={"text": y_title}, gridcolor=PALETTE["grid"], zerolinecolor=PALETTE["grid"],
                     automargin=True)
    fig.update_xaxes(title={"text": x_title}, gridcolor=PALETTE["grid"], automargin=True)
    if percent:
        fig.update_yaxes(tickformat=f".{percent_decimals(fig)}%")
    _wrap_category_ticks(fig)
    return fig


def wrap_name(name: str, width: int = 24) -> str:
    """A long label on two or more lines (Plotly's ``<br>``), never cut: "National Wildlife Refuge
    System Visitor Services" keeps every word, at most ``width`` characters a line."""
    lines: list[str] = []
    for word in str(name).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _wrap_category_ticks(fig: Fig, width: int = 24) -> None:
    """Category tick labels longer than ``width`` wrap onto several lines instead of running off a
    phone's screen ("Financial Aid for Education Beyond High School: Phone"); the data keep their names."""
    for axis in ("x", "y"):
        names: list[str] = []
        for trace in fig.data:
            values = trace_prop(trace, axis)
            for value in (list(values) if values is not None else []):
                if isinstance(value, str) and value not in names:
                    names.append(value)
        if any(len(n) > width and "<br>" not in n for n in names):
            update = fig.update_xaxes if axis == "x" else fig.update_yaxes
            update(tickmode="array", tickvals=names, ticktext=[wrap_name(n, width) for n in names])


def percent_decimals(fig: Fig) -> int:
    """Decimals for a percent axis, so that neighbouring ticks never read alike ("11%, 11%, 10%"):
    none when the values (and zero, for bars) span five points or more, one down to half a point,
    else two."""
    values: list[float] = []
    for trace in fig.data:
        if trace_prop(trace, "type") == "bar":
            values.append(0.0)  # a bar axis starts at zero
        ys = trace_prop(trace, "y")
        for v in (list(ys) if ys is not None else []):
            try:
                number = float(v)
            except (TypeError, ValueError):
                continue
            if number == number:  # not NaN
                values.append(number)
    if len(values) < 2:
        return 0
    span = max(values) - min(values)
    return 0 if span >= 0.05 else (1 if span >= 0.005 else 2)


def chart_block(
    *,
    block_id: str,
    title: str,
    summary: str,
    definition: str,
    figure: Fig | None,
    table: html.Table | None,
    last_updated: str | None,
    empty_message: str | None = None,
    notes: Sequence[Any] | None = None,
    height_px: int = 360,
    narrow: Any | None = None,
) -> html.Section:
    """One chart as a section people can read without seeing it.

    h2 ``title``; ``summary`` (one sentence stating the values, also the chart's accessible name);
    a "What is this?" toggle with ``definition``; a ``<figure>`` holding the summary as its
    caption, the chart (``dcc.Graph`` id ``<block_id>-chart`` inside ``role="img"``) and the
    numbers as a table behind "Show the numbers as a table" (or the table alone when ``figure``
    is None); "Last updated". With ``empty_message`` the message is
    shown instead of chart and table (never a blank chart).

    ``narrow``: what a narrow screen (below 40em) shows instead of the chart, for charts whose
    labels cannot fit there (heatmaps, bars named by long service names): e.g. ``narrow_list``.
    The chart is then hidden on narrow screens (CSS ``wide-only``), the list on wide ones.
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
                className="wide-only" if narrow is not None else None,
                role="img",
                **{"aria-label": summary},
                children=dcc.Graph(
                    id=f"{block_id}-chart",
                    figure=figure,
                    config={"displayModeBar": False, "responsive": True},
                    style={"height": f"{height_px}px"},
                ),
            ))
            if narrow is not None:
                parts.append(html.Div(narrow, className="narrow-only"))
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
    children.append(updated_line(last_updated))  # the date, and the loads or source behind the figures
    return html.Section(id=block_id, className="chart-block margin-y-5",
                        **{"aria-labelledby": heading_id}, children=children)
def narrow_list(items: Sequence[tuple[str, Sequence[tuple[str, Any]]]], *, label: str) -> html.Ul:
    """A chart's figures as a list that reads on a 320 px screen: one item per row of the chart
    (``(heading, [(term, value), ...])``), each a heading and a two-column list of terms and
    values. For ``chart_block(narrow=...)``; ``label`` names the list for screen readers."""
    return html.Ul(className="narrow-list", **{"aria-label": label}, children=[
        html.Li([html.Strong(heading), html.Dl([part for term, value in pairs
                                                for part in (html.Dt(term), html.Dd(value))])])
        for heading, pairs in items])


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
