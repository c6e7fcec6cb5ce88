"""The alerts table of ``/alerts``: status and severity as words with an icon (never colour alone),
sortable by any column on the server (each header links to the page sorted by it, ``sort``/``dir`` in the
query string with the filters kept; the sorted header carries ``aria-sort``), and a one-line summary.

Drawing only: the rows, their order and their words come from `metrics.alerts`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from dashboard.cells import wrap_text
from dashboard.components import PALETTE, query_string, status_badge, usa_table
from dashboard.formatting import NO_DATA, is_missing
from dashboard.notices import icon
from metrics.access import current_viewer

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
DIRECTIONS = ("asc", "desc")
_WRAP = wrap_text(16, 32)


def _when(value: object) -> str:
    return NO_DATA if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def _resolved(value: object) -> str:
    return "still open" if is_missing(value) else _when(value)


@dataclass(frozen=True)
class Column:
    """A column: its ``sort`` key in the URL, header, frame column, cell, and sort values."""

    key: str
    header: str
    field: str
    fmt: Callable[[Any], Any]
    sort_by: Callable[[pd.DataFrame], pd.Series] | None = None


COLUMNS = (
    Column("alert", "Alert", "message", _WRAP),
    Column("status", "Status", "status", lambda v: status_badge(v, attribute="data-alert-status")),
    Column("severity", "Severity", "severity", lambda v: status_badge(v, attribute="data-severity"),
           lambda f: f["severity"].map(SEVERITY_ORDER)),
    Column("agency", "Agency", "agency", wrap_text(10, 16)),
    Column("period", "Quarter", "period", lambda v: NO_DATA if is_missing(v) else str(v),
           lambda f: f["fiscal_year"] * 4 + f["quarter"]),
    Column("first_seen", "First seen", "first_seen", _when),
    Column("last_seen", "Last seen", "last_seen", _when),
    Column("resolved", "Resolved", "resolved_at", _resolved),
)
#: Open alerts first, most severe first, newest first: the metrics layer's order.
DEFAULT_SORT = ("", "asc")


def sort_rows(frame: pd.DataFrame, key: str, direction: str) -> pd.DataFrame:
    """The rows by one column, missing values last either way; ties keep the metrics layer's order."""
    column = next((c for c in COLUMNS if c.key == key), None)
    if column is None:
        return frame
    values = column.sort_by(frame) if column.sort_by is not None else frame[column.field]
    order = pd.DataFrame({"pos": range(len(frame)), "missing": values.isna().to_numpy(),
                          "v": values.astype("object").where(values.notna(), None).to_numpy()})
    present = order[~order["missing"]].sort_values("v", ascending=direction == "asc", kind="mergesort")
    positions = [*present["pos"], *order.loc[order["missing"], "pos"]]
    return frame.iloc[positions].reset_index(drop=True)


def _header(column: Column, keep: dict[str, str], key: str, direction: str) -> html.Th:
    sorted_here = column.key == key
    new_dir = ("desc" if direction == "asc" else "asc") if sorted_here else "asc"
    href = "/alerts" + query_string({**keep, "sort": column.key, "dir": new_dir}) + "#alerts-table"
    children: list[Any] = [column.header]
    if sorted_here:
        children.append(icon("arrow_upward" if direction == "asc" else "arrow_downward"))  # no font glyph
    children.append(html.Span(f" (sort {'ascending' if new_dir == 'asc' else 'descending'})",
                              className="usa-sr-only"))
    props = {"aria-sort": "ascending" if direction == "asc" else "descending"} if sorted_here else {}
    style = {"color": PALETTE["ink"]} if sorted_here else None  # contrast on USWDS's sorted shade
    link = html.A(children, href=href, className="usa-link", style=style, **{"data-sort": column.key})
    return html.Th(link, scope="col", **props)


def scope_sentence() -> str:
    """Whose alerts the viewer sees, in words."""
    viewer = current_viewer()
    if viewer.role == "omb":
        return "You see every agency's alerts."
    if viewer.role == "agency":
        return f"You see the alerts of your agency ({viewer.agency_id})."
    return ("You see the service standards off track in published quarters. Alerts about unpublished "
            "figures, reporting and loads are for the agencies and OMB.")


def summary(frame: pd.DataFrame) -> str:
    """One sentence: how many open, by severity, and how many resolved."""
    open_ = frame[frame["status"] == "open"]
    counts = open_["severity"].value_counts()
    by = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in SEVERITY_ORDER)
    resolved = int((frame["status"] == "resolved").sum())
    return (f"{len(open_)} open alert{'s' if len(open_) != 1 else ''} ({by}); {resolved} resolved "
            f"(the condition no longer holds).")


def alerts_table(frame: pd.DataFrame, keep: dict[str, str], key: str, direction: str) -> html.Table:
    shown = sort_rows(frame, key, direction)
    cells = shown.assign(**{f"_{c.key}": [c.fmt(v) for v in shown[c.field]] for c in COLUMNS})
    table = usa_table(cells, caption="Alerts, open first, then by severity and when last seen",
                      columns=[(f"_{c.key}", c.header) for c in COLUMNS],
                      label_columns=[f"_{c.key}" for c in COLUMNS],
                      formatters={f"_{c.key}": (lambda v: v) for c in COLUMNS}, table_id="alerts-table")
    table.children[1] = html.Thead(html.Tr([_header(c, keep, key, direction) for c in COLUMNS]))
    return table


