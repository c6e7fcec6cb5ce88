"""Layout pieces shared by ServiceStat pages: USWDS markup built from Dash html components.

Only CSS-only USWDS classes are used here: USWDS's JavaScript components that build markup at
page load do not start inside Dash layouts (see /work/shared/docs/field-notes.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from dash import dcc, html

SYNTHETIC_NOTICE_TEXT = (
    "Demonstration data: the figures on this page are synthetic, generated for the demo, "
    "not agency results."
)


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
        children.append(html.P(lead, className="font-sans-md"))
    return children


def usa_table(
    df: pd.DataFrame,
    *,
    caption: str,
    columns: Sequence[tuple[str, str]],
    formatters: dict[str, Callable[[object], str]] | None = None,
    table_id: str | None = None,
) -> html.Table:
    """A ``usa-table``: ``columns`` are (column in df, header text); the first is the row header.

    ``formatters`` maps a column to a function that turns its values into display text.
    """
    formatters = formatters or {}

    def cell_text(column: str, value: object) -> str:
        return formatters[column](value) if column in formatters else str(value)

    header = html.Thead(html.Tr([html.Th(label, scope="col") for _, label in columns]))
    body_rows = []
    for record in df.to_dict("records"):
        cells = []
        for position, (column, _) in enumerate(columns):
            text = cell_text(column, record[column])
            if position == 0:
                cells.append(html.Th(text, scope="row"))
            else:
                cells.append(html.Td(text, className="text-tabular text-right"))
        body_rows.append(html.Tr(cells))
    props = {"id": table_id} if table_id else {}
    return html.Table(
        className="usa-table usa-table--borderless",
        children=[html.Caption(caption), header, html.Tbody(body_rows)],
        **props,
    )


def accessible_chart(
    *,
    graph_id: str,
    figure: object,
    summary: str,
    caption: str,
    table: html.Table,
    height_px: int = 360,
) -> html.Figure:
    """A chart people can read without seeing it.

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
            table,
        ],
    )
