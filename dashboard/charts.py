"""Charts people can read without seeing them: the palette, the one chart style, ``chart_block``
(h2, "What is this?", a figure whose caption states the values, the numbers as a table, "Last
updated", or an explicit empty state) and headline tiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboard.notices import empty_state
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
#: Series order for charts with several lines or bars.
SERIES_COLOURS: tuple[str, ...] = (
    PALETTE["blue"], PALETTE["vermillion"], PALETTE["green"], PALETTE["purple"],
    PALETTE["orange"], PALETTE["grey"],
)
#: Marker symbols that go with SERIES_COLOURS, so series differ by shape as well as colour.
SERIES_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "x", "star")
#: Line dashes that go with SERIES_COLOURS.
SERIES_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")

_FONT = "Source Sans Pro Web, Helvetica Neue, Helvetica, Arial, sans-serif"


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
