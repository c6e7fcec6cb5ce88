"""Each chart's "Last updated" line, naming where its figures come from.

`chart_block` draws this line for every chart. When its ``last_updated`` text was made by
``last_updated_text`` from the frames the chart shows (an ``UpdatedText`` carries them), the line
also says where the figures come from, for the person reading:

* staff (OMB, an agency manager): the loads behind the figures, newest first - file name, kind of
  data and load time - each linked to the load in the data-quality section (``/quality#load-<id>``
  for OMB, ``/agency/<own agency>#load-<id>`` for a manager, who sees only their own agency's
  files named: other agencies' and shared files are counted, with their kinds and newest time);
* the public: the published source - who published the figures and when, linked to the address the
  public record gives, else to the reporting record (``/reporting``). Never a file name, a load
  number or anything else of the warehouse's internals.

Drawing only: which loads and sources lie behind a frame is `metrics.provenance`'s answer.
"""

from __future__ import annotations

import logging
from typing import Any

import duckdb
import flask
import pandas as pd
from dash import html

from dashboard.formatting import UpdatedText, fmt_date
from metrics.access import Viewer, current_viewer
from metrics.provenance import figure_loads, published_sources

log = logging.getLogger(__name__)

#: Loads named one by one; older ones are counted.
MAX_LOADS = 5
#: Agencies named one by one in a public source; more are counted.
MAX_AGENCIES = 3
NOT_KNOWN = "Last updated: not known (no loads behind these figures)"
KIND_WORDS = {"survey-results": "survey answers", "service-events": "transactions",
              "metric-observations": "reported figures", "a11-cx": "A-11 survey answers",
              "a11-cx-v2": "A-11 survey answers", "gpra-apr": "GPRA indicators"}
SHARED_FILE = "holding other agencies' data"
CLASSES = "font-sans-xs text-base-dark margin-top-1"


def _db() -> str | None:
    """The warehouse the app reads (as ``dashboard.components.current_db``, which imports the charts)."""
    return flask.current_app.config.get("SERVICESTAT_DB") if flask.has_app_context() else None


def _time(value: object) -> str:
    stamp = pd.Timestamp(value)
    return f"{fmt_date(stamp)}, {stamp.strftime('%H:%M')}"


def load_href(load_id: int, viewer: Viewer) -> str:
    """Where a staff reader finds a load: OMB on /quality, a manager in their agency page's quality
    section."""
    if viewer.role == "agency":
        return f"/agency/{viewer.agency_id}#load-{int(load_id)}"
    return f"/quality#load-{int(load_id)}"


def _kind(kind: object) -> str:
    return KIND_WORDS.get(kind, kind) if isinstance(kind, str) and kind else "data"


def loads_line(loads: pd.DataFrame, viewer: Viewer) -> list[Any]:
    """"Loads behind these figures: FILE (survey answers, loaded DATE); ..." for staff: each file the
    reader may see named and linked (newest first, at most MAX_LOADS, older ones counted), then the
    files whose names are withheld from them, counted with their kinds and the newest time."""
    if loads.empty:
        return []
    named = loads[loads["file_name"].map(lambda v: isinstance(v, str) and bool(v))]
    withheld = loads.drop(index=named.index)
    parts: list[Any] = ["Loads behind these figures: "]
    for row in named.head(MAX_LOADS).itertuples(index=False):
        if len(parts) > 1:
            parts.append("; ")
        link = html.A(row.file_name, href=load_href(row.load_id, viewer), className="usa-link")
        parts += [link, f" ({_kind(row.kind)}, loaded {_time(row.finished_at)})"]
    more = len(named) - MAX_LOADS
    if more > 0:
        parts.append(f"; {more} earlier load{'s' if more > 1 else ''}")
    if len(withheld):
        kinds = ", ".join(dict.fromkeys(_kind(k) for k in withheld["kind"]))
        count = len(withheld)
        many = count > 1
        parts.append(("; " if len(parts) > 1 else "")
                     + f"{count} file{'s' if many else ''} {SHARED_FILE} (name{'s' if many else ''} "
                     f"withheld; {kinds}; latest loaded {_time(withheld['finished_at'].max())})")
    parts.append(".")
    return parts


def _agencies(names: list[str]) -> str:
    if len(names) > MAX_AGENCIES:
        return f"{len(names)} agencies"
    return ", ".join(names) if names else "the agencies"


def sources_line(sources: pd.DataFrame) -> list[Any]:
    """"Source: ..." for the public: each published source, linked; no file names."""
    if sources.empty:
        return []
    parts: list[Any] = ["Source: "]
    for i, row in enumerate(sources.itertuples(index=False)):
        if i:
            parts.append("; ")
        if row.public_record:
            text = f"{row.source} (the public record, recorded here {fmt_date(row.last_published)})"
        else:
            text = (f"reports by {_agencies(list(row.agencies))} under OMB Circular A-11 Section 280, "
                    f"published by OMB (latest {fmt_date(row.last_published)})")
        href = row.url if isinstance(row.url, str) and row.url else "/reporting"
        parts.append(html.A(text, href=href, className="usa-link"))
    parts.append(".")
    return parts


def provenance_parts(db: str | None, frames: tuple[pd.DataFrame, ...], viewer: Viewer) -> list[Any]:
    """The loads (staff) or the published source (public) behind the frames, as inline content."""
    shown = [f for f in frames if isinstance(f, pd.DataFrame) and len(f)]
    if db is None or not shown:
        return []
    frame = pd.concat(shown, ignore_index=True) if len(shown) > 1 else shown[0]
    try:
        if viewer.role == "public":
            return sources_line(published_sources(db, frame))
        return loads_line(figure_loads(db, frame), viewer)
    except duckdb.Error as exc:  # a warehouse older than this code: the date alone still stands
        log.warning("provenance unavailable: %s", exc)
        return []


def updated_line(last_updated: str | None) -> html.Div:
    """The "Last updated" line of a chart (``data-testid="last-updated"``), with its provenance."""
    if not last_updated:
        return html.Div(html.P(NOT_KNOWN, className="margin-0"), className=CLASSES,
                        **{"data-testid": "last-updated"})
    children: list[Any] = [html.P(f"Last updated: {last_updated}", className="margin-0")]
    if isinstance(last_updated, UpdatedText):
        parts = provenance_parts(_db(), last_updated.frames, current_viewer())
        if parts:
            children.append(html.P(parts, className="margin-0", **{"data-testid": "provenance"}))
    return html.Div(children, className=CLASSES, **{"data-testid": "last-updated"})
