"""The attention list at the top of the overview for signed-in staff: one line per item with a link,
most important first. The items, their order and their words come from `metrics.attention`; this
module only draws them (the order is explained in the block's "What is this?")."""

from __future__ import annotations

from datetime import date

from dash import html

from dashboard.charts import DEFINITION_TOGGLE_TEXT
from dashboard.notices import empty_state
from metrics.attention import KINDS, PER_KIND, attention, attention_scope

BLOCK_ID = "attention"
DEFINITION = (
    f"One line per item, most important first, in this order: {', '.join(KINDS)}. A standard newly off "
    "track comes first (most customers affected first) because customers are being failed now and nobody "
    "may yet be acting on it; then significant declines on the previous quarter (the largest first), a "
    "measured drop before it becomes a breach; then reports not submitted by their deadline (the oldest "
    "first), without which a quarter cannot be judged; then loads with rejected rows (the newest first), a "
    f"data problem for the agency to fix. Each kind shows at most {PER_KIND} lines and then how many more "
    "there are, with a link to all of them.")


def attention_block(db: str | None, *, period: str, as_of: date) -> html.Section | None:
    """The section for `period` as of `as_of` (None for the public: the list is for staff)."""
    scope = attention_scope(db)
    if scope is None:
        return None
    lines = attention(db, period, as_of)
    heading = html.H2(f"Look at first, {period}", id=f"{BLOCK_ID}-title")
    definition = html.Details(className="definition margin-y-1", children=[
        html.Summary(DEFINITION_TOGGLE_TEXT, className="usa-link text-bold"),
        html.P(DEFINITION, className="measure-5 margin-y-1")])
    intro = html.P(f"For {scope}: new breaches and significant declines in {period}, reports overdue and "
                   "loads with rejected rows today.", className="measure-5")
    if lines.empty:
        body = empty_state(f"Nothing needs attention for {scope}: no standard went off track and nothing "
                           f"declined significantly in {period}, no report is overdue and no load has "
                           "rejected rows.")
    else:
        body = html.Ol(className="usa-list attention-list", **{"data-testid": "attention-list"}, children=[
            html.Li([html.Span(f"{row.kind.capitalize()}: ", className="text-bold"),
                     html.A(row.text, href=row.href, className="usa-link")],
                    **{"data-kind": row.kind})
            for row in lines.itertuples()])
    return html.Section(id=BLOCK_ID, className="margin-y-4", **{"aria-labelledby": f"{BLOCK_ID}-title"},
                        children=[heading, definition, intro, body])
