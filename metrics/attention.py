"""What to look at first: the attention list at the top of the overview for the Chief Performance
Officer (every agency) and for an agency manager (their own agency's lines only).

One line per item, each with a link, in this declared order (`KINDS`), most important first:

1. a standard newly off track in the quarter (off track, and off track or at risk since this quarter:
   metrics.exceptions), most customers affected first: customers are being failed now, and a new
   breach is the one nobody is yet acting on;
2. a significant decline on the previous quarter (metrics.movers: trust, a driver or standards met, of
   an agency or of a service that is not its agency's only one), the largest first: a measured drop in
   what customers say, before it shows up as a breach;
3. an overdue report (metrics.reporting: nothing submitted by the deadline), the oldest deadline
   first: without it the quarter cannot be judged, but it says nothing yet about customers;
4. a load with rejected rows (metrics.loads), the newest first: figures that did not land are a data
   problem for the agency to fix, and the load summary already told whoever loaded the file.

Each kind shows at most `PER_KIND` lines and then one line saying how many more there are, linking to
where they all are, so that no kind crowds out the ones after it.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd

from core.paths import DATA_DIR
from metrics.access import current_viewer
from metrics.directory import agencies
from metrics.exceptions import exceptions
from metrics.loads import loads, rejects
from metrics.movers import DECLINE, movers
from metrics.reporting import reporting_status

KINDS = ("new off track", "significant decline", "overdue report", "load with rejects")
PER_KIND = 5
PLURAL = {"new off track": "new off-track standards", "significant decline": "significant declines",
          "overdue report": "overdue reports", "load with rejects": "loads with rejects"}
COLUMNS = ["rank", "kind", "text", "href", "agency_id", "service_id", "period"]


def _own(frame: pd.DataFrame) -> pd.DataFrame:
    """An agency manager's own agency's rows; every row for anyone else."""
    viewer = current_viewer()
    if viewer.role != "agency" or "agency_id" not in frame.columns:
        return frame
    return frame[frame["agency_id"] == viewer.agency_id]


def _points(change: float) -> str:
    value = round(change * 100, 1)
    return f"{'−' if value < 0 else '+'}{abs(value):.1f} points"


Db = str | os.PathLike[str] | None


def _off_track(db: Db, period: str, data_dir: str | os.PathLike[str]) -> list[dict]:
    rows = _own(exceptions(db, "quarter", period=period, data_dir=data_dir))
    rows = rows[(rows["status"] == "off track") & (rows["off_track_since"] == period)]
    out = []
    for r in rows.itertuples():  # already most customers affected first
        affected = ("" if pd.isna(r.customers_affected)
                    else f", {int(r.customers_affected):,} customers affected")
        out.append({"text": f"{r.service}: {r.standard} ({r.channel}) went off track in {period}{affected}.",
                    "href": f"/agency/{r.agency_id}?period={period.replace(' ', '+')}#exceptions",
                    "agency_id": r.agency_id, "service_id": r.service_id, "period": period})
    return out


def _declines(db: str | os.PathLike[str] | None, period: str, data_dir: str | os.PathLike[str]) -> list[dict]:
    rows = _own(movers(db, data_dir=data_dir, period=period))
    rows = rows[(rows["direction"] == DECLINE) & ~rows["same_as_agency"].astype(bool)]
    rows = rows.assign(_size=rows["change"]).sort_values(["_size", "level"], kind="mergesort")
    out = []
    for r in rows.itertuples():
        who = r.agency if r.level == "agency" else f"{r.service} ({r.agency})"
        href = f"/agency/{r.agency_id}" if r.level == "agency" else f"/service/{r.service_id}"
        out.append({"text": f"{who}: {r.measure} fell {_points(r.change)} on {r.prev_period}, to "
                            f"{r.share:.1%} (n {int(r.n):,}; p = {r.p_value:.3g}).",
                    "href": href, "agency_id": r.agency_id,
                    "service_id": None if r.level == "agency" else r.service_id, "period": period})
    return out


def _overdue(db: str | os.PathLike[str] | None, as_of: date, data_dir: str | os.PathLike[str]) -> list[dict]:
    rows = _own(reporting_status(db, as_of, data_dir=data_dir))
    rows = rows[rows["compliance"] == "overdue"].sort_values(["deadline", "agency", "service"])
    return [{"text": f"{r.service} ({r.agency}): the {r.period} report was due {r.deadline:%d %B %Y} and "
                     "has not been submitted.",
             "href": "/reporting", "agency_id": r.agency_id, "service_id": r.service_id, "period": r.period}
            for r in rows.itertuples()]


def _quality_page() -> str:
    """Where the rejects are shown: the agency's quality section for a manager, /quality for OMB."""
    viewer = current_viewer()
    return f"/agency/{viewer.agency_id}#quality" if viewer.role == "agency" else "/quality"


def _rejects(db: str | os.PathLike[str] | None) -> list[dict]:
    """Loads with rejected rows the viewer may see the rejects of (OMB: all; a manager: their own)."""
    held = loads(db)
    mine = set(rejects(db)["load_id"])
    rows = held[(held["rows_rejected"].fillna(0) > 0) & held["load_id"].isin(mine)]
    rows = rows.sort_values("load_id", ascending=False)
    return [{"text": f"{r.file_name} (load {r.load_id}, {pd.Timestamp(r.finished_at):%d %B %Y %H:%M}): "
                     f"{int(r.rows_rejected):,} of {int(r.rows_read):,} rows rejected.",
             "href": _quality_page(), "agency_id": None, "service_id": None, "period": None}
            for r in rows.itertuples()]


def attention_scope(db: Db) -> str | None:
    """Whose list the viewer gets, in words: None for the public (the list is for staff)."""
    viewer = current_viewer()
    if viewer.role == "public":
        return None
    if viewer.role == "omb":
        return "every agency"
    frame = agencies(db)
    row = frame[frame["agency_id"] == viewer.agency_id]
    return str(row["bureau"].fillna(row["department"]).iloc[0]) if len(row) else str(viewer.agency_id)


def attention(db: str | os.PathLike[str] | None, period: str, as_of: date,
              data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The attention list for the current viewer in `period` (new breaches and declines of that
    quarter), reports overdue and loads with rejects as of `as_of`; in the order of `KINDS`."""
    if current_viewer().role == "public":
        return pd.DataFrame(columns=COLUMNS)
    found = {
        KINDS[0]: _off_track(db, period, data_dir),
        KINDS[1]: _declines(db, period, data_dir),
        KINDS[2]: _overdue(db, as_of, data_dir),
        KINDS[3]: _rejects(db),
    }
    more = {KINDS[0]: f"/?quarter={period.replace(' ', '+')}#exceptions",
            KINDS[1]: f"/?quarter={period.replace(' ', '+')}#movers", KINDS[2]: "/reporting",
            KINDS[3]: _quality_page()}
    lines: list[dict] = []
    for kind in KINDS:
        items = found[kind]
        for item in items[:PER_KIND]:
            lines.append({"kind": kind, **item})
        if len(items) > PER_KIND:
            extra = len(items) - PER_KIND
            lines.append({"kind": kind, "text": f"{extra} more {PLURAL[kind] if extra != 1 else kind}.",
                          "href": more[kind], "agency_id": None, "service_id": None, "period": period})
    frame = pd.DataFrame(lines, columns=[c for c in COLUMNS if c != "rank"])
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


__all__ = ["attention", "attention_scope", "KINDS", "PER_KIND"]
