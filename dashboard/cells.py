"""Table cells for long text inside a scrollable ``usa-table`` container.

USWDS's ``usa-table-container--scrollable`` sets ``white-space: nowrap`` on every ``td`` so figures
never break; a sentence (a definition, a citation) would then make the table many screens wide and
push the figures out of view. These cells let such text wrap at a readable width instead.
"""

from __future__ import annotations

from dash import html

from dashboard.formatting import NO_DATA, is_missing


def wrap_text(min_rem: float = 14, max_rem: float = 28):  # noqa: ANN201 - a formatter for usa_table
    """A ``usa_table`` formatter: the value as text that wraps between ``min_rem`` and ``max_rem`` wide."""

    def cell(value: object) -> html.Span | str:
        if is_missing(value):
            return NO_DATA
        return html.Span(str(value), className="display-inline-block", style={
            "whiteSpace": "normal", "minWidth": f"{min_rem}rem", "maxWidth": f"{max_rem}rem"})

    return cell
