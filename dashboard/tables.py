"""Figures as ``usa-table`` tables: the numbers behind every chart, readable without seeing it.

Tables print "no data" for a missing value and the suppression label in a row the public may not
see (small numbers), and sit in a keyboard-focusable scroll region so they never widen the page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from dash import html

from dashboard.formatting import NO_DATA, is_missing
from metrics.suppression import suppressed_label


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
    # Only the columns shown (and `suppressed`): a metrics frame carries dozens the table never prints.
    wanted = [c for c in dict.fromkeys([*(column for column, _ in columns), "suppressed"]) if c in df.columns]
    for record in df[wanted].to_dict("records"):
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
