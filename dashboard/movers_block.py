"""Movers by agency: the agencies and services whose trust, another driver or share of standards met
changed significantly on the previous quarter, declines first, as a table sortable by any column,
with a sentence naming the largest decline and the test.

Drawing only: the rows, their order, the test, the interval and n come from `metrics.movers.movers`.
Sorting is on the server, as in the exceptions table: each header is a link to the same page with
``msort`` and ``mdir`` added (the page's other filters kept), so a sorted view is a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import html

from dashboard.charts import PALETTE, chart_block
from dashboard.filters import FilterSpec, query_string, read_filters
from dashboard.formatting import fmt_number, fmt_p_value, fmt_percent1, fmt_points, last_updated_text
from dashboard.notices import icon, notices_alert
from dashboard.tables import usa_table
from metrics.movers import DECLINE, TEST, movers

BLOCK_ID = "movers"
#: (sort key in the URL, header, frame column) in reading order.
COLUMNS = (
    ("who", "Agency or service", "who"),
    ("measure", "Measure", "measure"),
    ("direction", "Direction", "direction"),
    ("change", "Change", "change"),
    ("interval", "95% interval of the change", "change_ci_low"),
    ("prev", "Previous quarter", "prev_share"),
    ("share", "This quarter", "share"),
    ("p", "p-value", "p_value"),
    ("n", "n (this quarter)", "n"),
    ("prev_n", "n (previous quarter)", "prev_n"),
)
DIRECTIONS = ("asc", "desc")
DEFINITION = (
    "Agencies and services whose agree share for trust or another A-11 driver, or whose share of standards "
    "met, changed on the previous quarter by more than chance explains. Each change compares like with "
    "like: the same services (or the same standards) in both quarters. The test is the pooled "
    "two-proportion z-test, two-sided, significant below p = 0.05; the interval of the change is the 95% "
    "Newcombe interval built from the two quarters' Wilson intervals; n is the survey answers (or standards "
    "judged) behind each share. Declines first, the largest first, then improvements. A service that is "
    "its agency's only one in the change is listed once, as the agency. Select a column header to sort by "
    "it; select it again to reverse the order.")


def _who(row: pd.Series) -> str:
    return str(row["agency"]) if row["level"] == "agency" else f"{row['service']} ({row['agency']})"


def _interval(row: pd.Series) -> str:
    return f"{fmt_points(row['change_ci_low'])} to {fmt_points(row['change_ci_high'])}"


def sort_rows(frame: pd.DataFrame, key: str, direction: str) -> pd.DataFrame:
    """The rows by one column (missing last); ties keep the metrics layer's order (declines first)."""
    field = next(c[2] for c in COLUMNS if c[0] == key)
    return frame.sort_values(field, ascending=direction == "asc", kind="mergesort", na_position="last",
                             ignore_index=True)


def _header(key: str, header: str, *, path: str, keep: Mapping[str, str], sort: str,
            direction: str) -> html.Th:
    here = key == sort
    new_dir = ("desc" if direction == "asc" else "asc") if here else "asc"
    href = path + query_string({**keep, "msort": key, "mdir": new_dir}) + f"#{BLOCK_ID}"
    children: list[Any] = [header]
    if here:
        children.append(icon("arrow_upward" if direction == "asc" else "arrow_downward"))  # no font glyph
    children.append(html.Span(f" (sort {'ascending' if new_dir == 'asc' else 'descending'})",
                              className="usa-sr-only"))
    props = {"aria-sort": "ascending" if direction == "asc" else "descending"} if here else {}
    style = {"color": PALETTE["ink"]} if here else None
    return html.Th(html.A(children, href=href, className="usa-link", style=style, **{"data-sort": key}),
                   scope="col", **props)


def _summary(rows: pd.DataFrame, period: str) -> str:
    declines = rows[rows["direction"] == DECLINE]
    head = (f"{len(rows)} significant change{'s' if len(rows) != 1 else ''} on the previous quarter in "
            f"{period}: {len(declines)} decline{'s' if len(declines) != 1 else ''}, "
            f"{len(rows) - len(declines)} improvement{'s' if len(rows) - len(declines) != 1 else ''}.")
    top = rows.iloc[0]
    word = "Largest decline" if top["direction"] == DECLINE else "No declines; largest improvement"
    return (f"{head} {word}: {_who(top)}, {top['measure']} {fmt_points(top['change'])} (95% interval "
            f"{_interval(top)}), from {fmt_percent1(top['prev_share'])} to {fmt_percent1(top['share'])}, "
            f"n {fmt_number(top['n'])}; {TEST}, {fmt_p_value(top['p_value'])}.")


def movers_block(db: str | None, *, period: str, query: Mapping[str, Any], path: str,
                 keep: Mapping[str, str], measure: str = "all") -> html.Section:
    """The section for `period` (only `measure` unless "all"), sorted as ``msort``/``mdir`` say."""
    rows = movers(db, period=period)
    rows = rows[~rows["same_as_agency"].astype(bool)]
    if measure != "all":
        rows = rows[rows["measure"] == measure]
    spec = {"msort": FilterSpec("Sort column (movers)", "", [c[0] for c in COLUMNS]),
            "mdir": FilterSpec("Sort direction (movers)", "asc", DIRECTIONS)}
    values, notices = read_filters(query, spec)
    title = f"Movers by agency, {period}"
    notes = [notices_alert(notices)] if notices else None
    which = "" if measure == "all" else f" for {measure}"
    if rows.empty:
        return chart_block(block_id=BLOCK_ID, title=title, summary="", definition=DEFINITION, figure=None,
                           table=None, last_updated=None, notes=notes,
                           empty_message=f"No significant changes on the previous quarter{which} in "
                           f"{period}.")
    summary = _summary(rows.reset_index(drop=True), period)
    shown = rows.reset_index(drop=True)
    if values["msort"]:
        shown = sort_rows(shown.assign(who=[_who(r) for _, r in shown.iterrows()]), values["msort"],
                          values["mdir"])
    shown = shown.assign(who=[_who(r) for _, r in shown.iterrows()],
                         interval=[_interval(r) for _, r in shown.iterrows()])
    table = usa_table(
        shown, caption=f"Significant changes on the previous quarter, {period}, declines first",
        columns=[(c[2] if c[0] != "interval" else "interval", c[1]) for c in COLUMNS],
        formatters={"change": fmt_points, "prev_share": fmt_percent1, "share": fmt_percent1,
                    "p_value": fmt_p_value, "n": fmt_number, "prev_n": fmt_number},
        label_columns=["who", "measure", "direction"], table_id=f"{BLOCK_ID}-table")
    table.children[1] = html.Thead(html.Tr([
        _header(key, header, path=path, keep=keep, sort=values["msort"], direction=values["mdir"])
        for key, header, _ in COLUMNS]))
    return chart_block(block_id=BLOCK_ID, title=title, summary=summary, definition=DEFINITION, figure=None,
                       table=table, last_updated=last_updated_text(rows), notes=notes)
