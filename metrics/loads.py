"""Load history and quarantine: what came in, when, and what was refused and why.

A load belongs to the agencies whose services its rows name, and to the agency it was sent for with a
token or by a signed-in manager (`loads.submitted_for`), as the viewer scopes read it (`metrics.db`);
so a file sent through the API or /submit that landed no row is still its agency's. A load from the
command line that wrote no row (refused whole, or every row rejected) belongs to no agency: only OMB
sees it, on /quality. Every query runs through the viewer's scope, so a manager gets their
own loads' rejects and warnings and, for a file shared with other agencies, its counts only.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pandas as pd

from core.paths import db_path
from metrics.access import Viewer, current_viewer
from metrics.db import reader

Db = str | os.PathLike[str] | None

#: Fact tables whose rows name a service: they say which agency a load wrote for.
FACT_TABLES = ("service_events", "metric_observations", "survey_results", "survey_mentions", "survey_volumes")


def loads(db: Db = None) -> pd.DataFrame:
    return reader(db).df(
        "SELECT load_id, file_name, sha256, kind, rows_read, rows_loaded, rows_rejected,"
        " rows_replaced, started_at, finished_at, status, synthetic, message"
        " FROM loads ORDER BY load_id"
    )


def rejects(db: Db = None) -> pd.DataFrame:
    return reader(db).df(
        "SELECT r.load_id, l.file_name, r.row_number, r.field, r.value, r.reason, r.raw_row,"
        " l.synthetic FROM rejects r JOIN loads l USING (load_id)"
        " ORDER BY r.load_id, r.row_number NULLS FIRST, r.field"
    )


def load_agencies(db: Db = None) -> pd.DataFrame:
    """(load_id, agency_id) for every agency whose services a load's rows (as the viewer sees them) name.

    Worked out once per warehouse version and viewer: it reads every fact table's (load, service)."""
    path = str(Path(db_path(db)).resolve())
    return _load_agencies(path, reader(path).version(), current_viewer()).copy()


@functools.lru_cache(maxsize=64)
def _load_agencies(path: str, version: object, viewer: Viewer) -> pd.DataFrame:
    del version  # part of the key only
    cur = reader(path).cursor(viewer)
    try:
        present = {name for (name,) in cur.execute(  # the events are a view of their Parquet files
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()").fetchall()}
        if not {"services", "loads"} <= present:  # a warehouse from before there were loads
            return pd.DataFrame({"load_id": pd.Series(dtype="int64"), "agency_id": pd.Series(dtype=object)})
        union = " UNION ".join(f"SELECT DISTINCT load_id, service_id FROM {t}" for t in FACT_TABLES
                               if t in present)
        sent = ("SELECT load_id, submitted_for AS agency_id FROM loads WHERE submitted_for IS NOT NULL"
                if "submitted_for" in cur.execute("SELECT * FROM loads LIMIT 0").df().columns else "")
        return cur.execute(
            f"SELECT DISTINCT load_id, agency_id FROM (SELECT f.load_id, s.agency_id FROM ({union}) f"
            f" JOIN services s USING (service_id){' UNION ' + sent if sent else ''}) ORDER BY ALL").df()
    finally:
        cur.close()


def _of_agency(frame: pd.DataFrame, owners: pd.DataFrame, agency_id: str | None) -> pd.DataFrame:
    if agency_id is None:
        return frame
    mine = set(owners.loc[owners["agency_id"] == agency_id, "load_id"])
    return frame[frame["load_id"].isin(mine)]


def quality_loads(db: Db = None, agency_id: str | None = None) -> pd.DataFrame:
    """The loads the viewer may see (of `agency_id`, when given), newest first: file, when, rows read,
    loaded and rejected, warnings, and the agencies the rows are of.

    `shared`: the viewer sees the load's counts but not its file, rejects or warnings (a manager, for
    a file that also holds other agencies' rows); `warnings` is then missing, not 0."""
    frame = reader(db).df(
        "SELECT l.load_id, l.file_name, l.kind, l.started_at, l.finished_at, l.rows_read, l.rows_loaded,"
        " l.rows_rejected, l.rows_replaced, l.status, l.synthetic,"
        " (SELECT count(*) FROM load_warnings w WHERE w.load_id = l.load_id) AS warnings"
        " FROM loads l ORDER BY l.load_id DESC")
    owners = load_agencies(db)
    frame = _of_agency(frame, owners, agency_id)
    named = owners.groupby("load_id")["agency_id"].agg(lambda ids: ", ".join(sorted(ids)))
    frame = frame.assign(agencies=frame["load_id"].map(named).fillna(""),
                         shared=frame["file_name"].isna())
    frame["warnings"] = frame["warnings"].astype("Int64").mask(frame["shared"].to_numpy())
    return frame.reset_index(drop=True)


def agency_rejects(db: Db = None, agency_id: str | None = None) -> pd.DataFrame:
    """The rejected rows the viewer may see (of `agency_id`'s loads, when given): load, file, row,
    field, value and reason, by load (newest first) and row."""
    frame = rejects(db)
    frame = _of_agency(frame, load_agencies(db), agency_id)
    return frame.sort_values(["load_id", "row_number"], ascending=[False, True], kind="stable",
                             na_position="first").reset_index(drop=True)


def warnings_of(db: Db = None, agency_id: str | None = None) -> pd.DataFrame:
    """The warnings the viewer may see of loads (of `agency_id`, when given): load, row, field, value,
    message."""
    frame = reader(db).df("SELECT load_id, row_number, field, value, message FROM load_warnings"
                          " ORDER BY load_id DESC, row_number NULLS FIRST")
    return _of_agency(frame, load_agencies(db), agency_id).reset_index(drop=True)
