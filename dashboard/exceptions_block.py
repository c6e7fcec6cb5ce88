"""What needs attention: the standards off track or at risk in the page's period, as a table sortable by
any column, with a sentence naming the exception that affects the most customers.

Drawing only: the rows, their ranking and every figure come from `metrics.exceptions.exceptions`.
Sorting happens on the server: each column header is a link to the same page with ``sort`` and
``dir`` added to the query string (the page's other filters kept), and the sorted column's header
carries ``aria-sort``; so a sorted view is a URL, like every filtered view, and needs no script.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from dash import html

from dashboard.cells import wrap_text
from dashboard.charts import PALETTE, chart_block
from dashboard.filters import FilterSpec, query_string, read_filters
from dashboard.formatting import (
    NO_DATA,
    fmt_gap,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_value,
    is_missing,
    last_updated_text,
)
from dashboard.notices import icon, notices_alert, status_badge
from dashboard.tables import usa_table
from dashboard.views import grain_of
from metrics.exceptions import POINTS, exceptions

BLOCK_ID = "exceptions"
TITLE = "What needs attention"
#: Severity order of the statuses shown (sorting by status ascending puts the worst first).
SEVERITY = {"off track": 0, "at risk": 1}
DIRECTIONS = ("asc", "desc")
UNIT_WORDS = {"minutes": "minutes", "weeks": "weeks", "days": "days", "business_days": "business days",
              "hours": "hours", "percent": "%"}


@dataclass(frozen=True)
class Column:
    """A table column: its ``sort`` value in the URL, header, frame column, cell text, sort key."""

    key: str
    header: str
    field: str
    fmt: Callable[[pd.Series], Any] | None = None  # a row -> cell content
    sort_by: Callable[[pd.DataFrame], pd.Series] | None = None  # default: the field itself


def _share(value: object) -> str:
    """A share as a percent, one decimal unless whole: 0.9 -> "90%", 0.712 -> "71.2%"."""
    if is_missing(value):
        return NO_DATA
    whole = abs(float(value) * 100 - round(float(value) * 100)) < 1e-9
    return fmt_percent(value) if whole else fmt_percent1(value)


def _figure(value: object, unit: str) -> str:
    return _share(value) if unit == "share" else fmt_value(value, unit)


def _signed(value: object, unit: str | None) -> str:
    """A gap or change in its unit (the exceptions table's units: POINTS or a duration)."""
    return fmt_gap(value, unit, POINTS)


def _as_is(value: object) -> Any:
    """Cell content made already (text or a badge); a missing label prints "no data"."""
    return NO_DATA if isinstance(value, float) and is_missing(value) or value is None else value


def _since(row: pd.Series) -> str:
    if is_missing(row["off_track_since"]):
        return NO_DATA
    count = int(row["periods_in_run"])
    noun = {"quarter": "quarter", "year": "year", "month": "month"}.get(row["grain"], "period")
    return f"{row['off_track_since']} ({count} {noun}{'s' if count != 1 else ''})"


_WRAP = wrap_text(12, 20)

#: In reading order: what and how bad first, then the figures behind it, then where.
COLUMNS = (
    Column("service", "Service", "service"),
    Column("standard", "Standard", "standard", lambda r: _WRAP(r["standard"])),
    Column("status", "Status", "status", lambda r: status_badge(r["status"]),
           lambda f: f["status"].map(SEVERITY)),
    Column("gap", "Gap", "gap", lambda r: _signed(r["gap"], r["gap_unit"])),
    Column("affected", "Customers affected", "customers_affected",
           lambda r: fmt_number(r["customers_affected"])),
    Column("since", "Off track since", "off_track_since", _since,
           lambda f: f["off_track_since"].fillna("")),
    Column("result", "Result", "result", lambda r: _figure(r["result"], r["result_unit"])),
    Column("target", "Target", "target", lambda r: _figure(r["target"], r["result_unit"])),
    Column("change_prev", "Change on previous period", "change_prev",
           lambda r: _signed(r["change_prev"], r["gap_unit"])),
    Column("change_yago", "Change on a year before", "change_yago",
           lambda r: _signed(r["change_yago"], r["gap_unit"])),
    Column("n", "n", "n", lambda r: fmt_number(r["n"])),
    Column("channel", "Channel", "channel"),
    Column("agency", "Agency", "agency", lambda r: _WRAP(r["agency"])),
)
#: Sorting figures of different units together would mix points with minutes: group them by unit.
SORT_BY_UNIT = {"result": "result_unit", "target": "result_unit", "gap": "gap_unit",
                "change_prev": "gap_unit", "change_yago": "gap_unit"}
#: The order the rows come in from the metrics layer (most customers affected first).
DEFAULT_SORT = ("affected", "desc")


def sort_rows(frame: pd.DataFrame, key: str, direction: str) -> pd.DataFrame:
    """The rows ordered by one column, missing values last either way; figures of different units
    (points, minutes) are not mixed: one unit after another, percentage points first. Ties keep the
    metrics layer's ranking."""
    column = next(c for c in COLUMNS if c.key == key)
    values = column.sort_by(frame) if column.sort_by is not None else frame[column.field]
    missing = values.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):  # nullable counts (Int64 with NA) as plain floats
        values = pd.Series(values.to_numpy(dtype=float, na_value=float("nan")))
    order = pd.DataFrame({"pos": range(len(frame)), "v": values.to_numpy(), "missing": missing})
    keys, ascending = ["missing"], [True]
    if key in SORT_BY_UNIT:
        unit = frame[SORT_BY_UNIT[key]].astype(str)
        order["unit"] = ((unit != POINTS).astype(int).astype(str) + unit).to_numpy()
        keys.append("unit")
        ascending.append(True)
    order = order.sort_values([*keys, "v"], ascending=[*ascending, direction == "asc"], kind="mergesort")
    return frame.iloc[order["pos"].to_numpy()].reset_index(drop=True)


def _header(column: Column, *, path: str, keep: Mapping[str, str], key: str, direction: str) -> html.Th:
    """A column header linking to the page sorted by it (the other way round if it is the sorted one)."""
    sorted_here = column.key == key
    new_dir = ("desc" if direction == "asc" else "asc") if sorted_here else "asc"
    href = path + query_string({**keep, "sort": column.key, "dir": new_dir}) + f"#{BLOCK_ID}"
    word = "ascending" if new_dir == "asc" else "descending"
    children: list[Any] = [column.header]
    if sorted_here:
        # an SVG icon, not ▲/▼: the served fonts have no such glyphs (dashboard.notices.icon)
        children.append(icon("arrow_upward" if direction == "asc" else "arrow_downward"))
    children.append(html.Span(f" (sort {word})", className="usa-sr-only"))
    props = {"aria-sort": "ascending" if direction == "asc" else "descending"} if sorted_here else {}
    # USWDS shades the sorted header light blue; a link-blue (or visited-purple) word on it falls short
    # of 4.5:1, so the sorted column's link is ink (still underlined, still a link).
    style = {"color": PALETTE["ink"]} if sorted_here else None
    link = html.A(children, href=href, className="usa-link", style=style, **{"data-sort": column.key})
    return html.Th(link, scope="col", **props)


def _summary(rows: pd.DataFrame, period: str) -> str:
    counts = rows["status"].value_counts()
    head = (f"{len(rows)} standard{'s' if len(rows) != 1 else ''} off track or at risk in {period}: "
            f"{int(counts.get('off track', 0))} off track, {int(counts.get('at risk', 0))} at risk.")
    worst = rows.iloc[0]
    unit = worst["result_unit"]
    if worst["judged_on"] == "share":
        unit_word = UNIT_WORDS.get(worst["threshold_unit"], worst["threshold_unit"])
        threshold = f"{worst['threshold']:g} {unit_word}"
        figure = (f"{_figure(worst['result'], unit)} within {threshold} against a "
                  f"{_figure(worst['target'], unit)} target")
    else:
        bound = "at most" if worst["better"] == "lower" else "at least"
        figure = f"{_figure(worst['result'], unit)} against {bound} {_figure(worst['target'], unit)}"
    affected = ("customers affected" if worst["judged_on"] == "share" else "observations behind the value")
    customers = (f"{fmt_number(worst['customers_affected'])} {affected}"
                 if not is_missing(worst["customers_affected"]) else "customers affected not known")
    return (f"{head} Most customers affected: {worst['service']} ({worst['standard']}, {worst['channel']}), "
            f"{worst['period']}: {figure}, {_signed(worst['gap'], worst['gap_unit'])}, {customers}, "
            f"off track or at risk since {worst['off_track_since']}.")


DEFINITION = (
    "Every service standard that was off track or at risk in the period, most customers affected first. "
    "Result and target: the share of transactions served within the standard and its target share (or, "
    "for a standard on a value such as a backlog, the value and its threshold). Gap: result minus target, "
    "in percentage points for shares, otherwise in the value's unit (for a standard where lower is better, "
    "a positive gap is the excess). Off track since: the first period of the current run of consecutive "
    "periods off track or at risk. Changes: the result minus that of the previous period and of the same "
    "period a year before. Customers affected: for a share standard the transactions not served within "
    "it, n × (1 − share); for a value standard, n, every observation behind the value. Select a column "
    "header to sort by it; select it again to reverse the order."
)


def exceptions_block(db: str | None, *, period: str, query: Mapping[str, Any], path: str,
                     keep: Mapping[str, str], agency_id: str | None = None) -> html.Section:
    """The section for `period` (all agencies the viewer may see, or one agency's), sorted as the
    query's ``sort``/``dir`` say; `keep` are the page's filter values its sort links carry."""
    rows = exceptions(db, grain_of(period), period=period, agency=agency_id)
    columns = [c for c in COLUMNS if agency_id is None or c.key != "agency"]
    spec = {"sort": FilterSpec("Sort column", DEFAULT_SORT[0], [c.key for c in columns]),
            "dir": FilterSpec("Sort direction", DEFAULT_SORT[1], DIRECTIONS)}
    values, notices = read_filters(query, spec)
    key, direction = values["sort"], values["dir"]
    title = f"{TITLE}, {period}"
    if rows.empty:
        return chart_block(block_id=BLOCK_ID, title=title, summary="", definition=DEFINITION, figure=None,
                           table=None, last_updated=None, notes=[notices_alert(notices)] if notices else None,
                           empty_message=f"No standard was off track or at risk in {period}.")
    shown = sort_rows(rows, key, direction)
    cells = shown.assign(**{f"_{c.key}": [c.fmt(r) if c.fmt else r[c.field] for _, r in shown.iterrows()]
                            for c in columns})
    table = usa_table(cells, caption=f"Standards off track or at risk, {period}",
                      columns=[(f"_{c.key}", c.header) for c in columns],
                      label_columns=["_service", "_agency", "_standard", "_channel", "_status"],
                      formatters={f"_{c.key}": _as_is for c in columns},
                      table_id=f"{BLOCK_ID}-table")
    table.children[1] = html.Thead(html.Tr([
        _header(c, path=path, keep=keep, key=key, direction=direction) for c in columns]))
    notes = [notices_alert(notices)] if notices else None
    return chart_block(block_id=BLOCK_ID, title=title, summary=_summary(rows, period), definition=DEFINITION,
                       figure=None, table=table, last_updated=last_updated_text(rows), notes=notes)
