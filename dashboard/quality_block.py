"""Data quality where people work: an agency's loads, rejected rows, findings by severity and how each
changed since the last load, on its agency page and (every agency) on /quality.

Drawing only: every row and count comes from `metrics.loads` and `metrics.quality`, read through the
viewer's scope, so a manager sees their own agency's rejects and warnings and the public nothing
(`quality_section` draws nothing for the public). Each load's row header carries ``id="load-<id>"``,
so other pages link to a load as ``/quality#load-<id>`` (both staff roles may open /quality; a manager
sees their own agency there).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboard.charts import DEFINITION_TOGGLE_TEXT
from dashboard.downloads import download_path
from dashboard.formatting import NO_DATA, fmt_number, is_missing
from dashboard.notices import empty_state
from dashboard.tables import scroll_table, usa_table
from metrics.access import current_viewer
from metrics.loads import agency_rejects, quality_loads
from metrics.quality import agency_findings, findings_by_severity, load_changes

SECTION_ID = "quality"
#: Rejected rows drawn on a page; the download holds them all.
MAX_REJECTS_SHOWN = 200
#: A count the viewer may not have (another agency's rows share the file).
NOT_SHOWN = "not shown"
STATUS_WORDS = {"loaded": "loaded", "loaded_with_rejects": "loaded with rejects", "refused": "refused"}


def load_anchor(load_id: object) -> str:
    """The id of a load's row in the loads table (``/quality#load-<id>``)."""
    return f"load-{int(load_id)}"


def _load_cell(load_id: object) -> Any:
    return html.Span(f"Load {int(load_id)}", id=load_anchor(load_id))


def _when(value: object) -> str:
    return NO_DATA if is_missing(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")


def _file(row: pd.Series) -> str:
    return "(a file with other agencies' rows)" if row["shared"] else str(row["file_name"])


def _signed(value: object) -> str:
    if is_missing(value):
        return NO_DATA
    number = int(value)
    return f"+{number:,}" if number > 0 else (f"−{abs(number):,}" if number < 0 else "no change")


def _table(frame: pd.DataFrame, *, caption: str, columns: list[tuple[str, str]], table_id: str,
           formatters: dict | None = None, labels: list[str] | None = None) -> html.Div:
    table = usa_table(frame, caption=caption, columns=columns, formatters=formatters, table_id=table_id,
                      label_columns=labels)
    return scroll_table(table, label=caption)


def loads_table(frame: pd.DataFrame, *, table_id: str, show_agencies: bool) -> html.Div:
    """The loads, newest first; each row header is the load's anchor."""
    shown = frame.assign(file=[_file(r) for _, r in frame.iterrows()],
                         state=frame["status"].map(lambda s: STATUS_WORDS.get(s, s)),
                         warned=[NOT_SHOWN if r["shared"] else fmt_number(r["warnings"])
                                 for _, r in frame.iterrows()])
    columns = [("load_id", "Load"), ("file", "File"), ("kind", "Kind"), ("finished_at", "Loaded at"),
               ("rows_read", "Rows read"), ("rows_loaded", "Rows loaded"), ("rows_rejected", "Rows rejected"),
               ("warned", "Warnings"), ("state", "Status")]
    if show_agencies:
        columns.append(("agencies", "Agencies"))
    return _table(shown, caption="Loads, newest first", columns=columns, table_id=table_id,
                  formatters={"load_id": _load_cell, "finished_at": _when, "rows_read": fmt_number,
                              "rows_loaded": fmt_number, "rows_rejected": fmt_number,
                              "agencies": lambda v: v or "none (no row loaded)"},
                  labels=["load_id", "file", "kind", "finished_at", "state", "agencies"])


def rejects_table(frame: pd.DataFrame, *, table_id: str) -> html.Div:
    shown = frame.head(MAX_REJECTS_SHOWN).assign(
        load=frame["load_id"].map(lambda v: f"Load {int(v)}"),
        row=frame["row_number"].map(lambda v: "whole file" if is_missing(v) else f"{int(v):,}"),
        field=frame["field"].fillna("whole row"))
    return _table(shown, caption="Rejected rows: row, field, value and reason", table_id=table_id,
                  columns=[("load", "Load"), ("file_name", "File"), ("row", "Row"), ("field", "Field"),
                           ("value", "Value"), ("reason", "Reason")],
                  labels=["load", "file_name", "row", "field", "value", "reason"])


def findings_table(frame: pd.DataFrame, *, table_id: str) -> html.Div:
    return _table(frame, caption="Findings by severity", table_id=table_id,
                  columns=[("severity", "Severity"), ("kind_of_finding", "Kind of finding"),
                           ("findings", "Findings"), ("loads", "Loads"), ("services", "Services")],
                  formatters={"findings": fmt_number, "loads": fmt_number, "services": fmt_number},
                  labels=["severity", "kind_of_finding"])


def changes_table(frame: pd.DataFrame, *, table_id: str, show_agencies: bool) -> html.Div:
    shown = frame.assign(
        latest_load=frame["latest_load_id"].map(lambda v: f"Load {int(v)}"),
        previous_load=frame["previous_load_id"].map(lambda v: NO_DATA if is_missing(v) else f"Load {int(v)}"))
    columns = [("label", "Count"), ("kind", "Kind of file"), ("latest_load", "Latest load"),
               ("latest", "Latest"), ("previous_load", "Previous load"), ("previous", "Previous"),
               ("change", "Change")]
    if show_agencies:
        columns.insert(1, ("agency_id", "Agency"))
    return _table(shown, caption="Since the last load: the latest load of each kind beside the one before",
                  table_id=table_id, columns=columns,
                  formatters={"latest": fmt_number, "previous": fmt_number, "change": _signed},
                  labels=["label", "agency_id", "kind", "latest_load", "previous_load"])


def _summary(loads: pd.DataFrame, rejects: pd.DataFrame, severity: pd.DataFrame) -> str:
    if loads.empty:
        return "No load of this agency's files is in the warehouse."
    latest = loads.iloc[0]
    problems = int(severity.loc[severity["severity"] == "problem", "findings"].sum()) if len(severity) else 0
    info = int(severity.loc[severity["severity"] == "information", "findings"].sum()) if len(severity) else 0
    return (f"{len(loads)} load{'s' if len(loads) != 1 else ''}; the latest, load {int(latest['load_id'])} "
            f"({_file(latest)}, {_when(latest['finished_at'])}), read {int(latest['rows_read']):,} rows, "
            f"loaded {int(latest['rows_loaded']):,} and rejected {int(latest['rows_rejected']):,}. "
            f"{len(rejects):,} rejected row{'s' if len(rejects) != 1 else ''} shown to you in all; "
            f"{problems:,} data-quality problem{'s' if problems != 1 else ''} and {info:,} information "
            f"finding{'s' if info != 1 else ''}.")


DEFINITION = (
    "Each file loaded for the agency: when, rows read, loaded and rejected (rejected rows are kept aside "
    "with the row number, field, value and reason, never loaded), and warnings (things worth a look that "
    "did not stop a row). Findings are loaded figures that look wrong and are flagged, never fixed: "
    "problems first, then information (such as fewer answers to a question than respondents, normal "
    "and expected). A file that also holds other agencies' rows shows its counts only.")


def quality_parts(db: str | None, agency_id: str | None, *, prefix: str, heading: str = "h3") -> list[Any]:
    """The tables of one agency (every agency when None) the viewer may see, under ``heading``s; ids
    start with ``prefix``."""
    loads = quality_loads(db, agency_id)
    rejects = agency_rejects(db, agency_id)
    found = agency_findings(db, agency_id)
    severity = findings_by_severity(found)
    changes = load_changes(db, agency_id, found=found)
    many = agency_id is None
    head = html.H3 if heading == "h3" else html.H2
    parts: list[Any] = [html.P(_summary(loads, rejects, severity), className="measure-5",
                               **{"data-testid": "quality-summary"})]
    parts.append(head("Loads", id=f"{prefix}-loads-title"))
    parts.append(loads_table(loads, table_id=f"{prefix}-loads-table", show_agencies=many) if len(loads)
                 else empty_state("No loads."))
    parts.append(head("Since the last load", id=f"{prefix}-changes-title"))
    parts.append(changes_table(changes, table_id=f"{prefix}-changes-table", show_agencies=many)
                 if len(changes) else empty_state("No load to compare."))
    parts.append(head("Rejected rows", id=f"{prefix}-rejects-title"))
    if len(rejects):
        if len(rejects) > MAX_REJECTS_SHOWN:
            parts.append(html.P(f"The first {MAX_REJECTS_SHOWN} of {len(rejects):,} rejected rows; the "
                                "download holds them all.", className="font-sans-xs"))
        parts.append(rejects_table(rejects, table_id=f"{prefix}-rejects-table"))
    else:
        parts.append(empty_state("No rejected rows you may see."))
    parts.append(head("Findings by severity", id=f"{prefix}-findings-title"))
    parts.append(findings_table(severity, table_id=f"{prefix}-findings-table") if len(severity)
                 else empty_state("No data-quality findings."))
    downloads = [html.A(label, href=download_path(name, "csv"), className="usa-link")
                 for name, label in (("rejects", "rejected rows (CSV)"), ("findings", "findings (CSV)"),
                                     ("loads", "loads (CSV)"))]
    parts.append(html.P(["Download: ", downloads[0], ", ", downloads[1], ", ", downloads[2],
                         " (everything you may see: your agency's, or every agency's for OMB)."],
                        className="font-sans-xs"))
    return parts


def quality_section(db: str | None, agency_id: str) -> list[Any]:
    """The agency page's data-quality section for staff; nothing for the public."""
    viewer = current_viewer()
    if viewer.role == "public" or (viewer.role == "agency" and viewer.agency_id != agency_id):
        return []
    links: list[Any] = ["The same on a page of its own: ",
                        html.A("data quality", href="/quality", className="usa-link"), "."]
    if viewer.role == "agency":
        links = [html.A("Send files", href="/submit", className="usa-link"), " for your agency. ", *links]
    return [html.Section(id=SECTION_ID, className="margin-y-4", **{"aria-labelledby": f"{SECTION_ID}-title"},
                         children=[html.H2("Data quality", id=f"{SECTION_ID}-title"),
                                   html.Details(className="definition margin-y-1", children=[
                                       html.Summary(DEFINITION_TOGGLE_TEXT, className="usa-link text-bold"),
                                       html.P(DEFINITION, className="measure-5 margin-y-1")]),
                                   *quality_parts(db, agency_id, prefix=SECTION_ID),
                                   html.P(links, className="font-sans-xs")])]
