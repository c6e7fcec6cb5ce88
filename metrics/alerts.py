"""The alerts the viewer may see, as publish/alerts.py keeps them after each load and workflow move.

Scoped where every read is (`metrics.db`, the `alerts` rule): OMB sees every alert; an agency manager
their agency's; the public only alerts of public rules (standard breaches) told from the public's own
figures, in a published quarter (audience `everyone` or `public`); who an alert was e-mailed to only
OMB and the agency. Staff are not shown the public's versions (audience `public`) of conditions they
see told from later figures. `status` says in words whether the condition still holds: `open`, or
`resolved`.
"""

from __future__ import annotations

import os
from datetime import date, datetime

import pandas as pd

from core.check_alerts import SEVERITIES
from core.schema import TABLES_BY_NAME
from metrics.access import current_viewer
from metrics.cache import cached
from metrics.db import reader

Db = str | os.PathLike[str] | None

COLUMNS = ["alert_id", "status", "severity", "rule_id", "kind", "audience", "message", "agency_id", "agency",
           "service_id", "service", "period", "fiscal_year", "quarter", "load_id", "first_seen", "last_seen",
           "resolved_at", "sent_to", "sent_at", "synthetic"]
STATUSES = ("open", "resolved")


def _source(db: Db) -> str:
    """The alerts table, or an empty stand-in with its columns when the warehouse predates it (it is
    created by the next write: a load, a workflow move or `servicestat alerts refresh`)."""
    found = reader(db).df("SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'warehouse'"
                          " AND table_name = 'alerts'")
    if found["n"][0]:
        return "alerts"
    cols = ", ".join(f"NULL::{c.type} AS {c.name}" for c in TABLES_BY_NAME["alerts"].columns)
    return f"(SELECT {cols} WHERE false)"


@cached
def all_alerts(db: Db = None) -> pd.DataFrame:
    """Every alert the viewer may see: open ones first, then by severity and newest last seen."""
    frame = reader(db).df(
        "SELECT a.alert_id, CASE WHEN a.resolved_at IS NULL THEN 'open' ELSE 'resolved' END AS status,"
        " a.severity, a.rule_id, a.kind, a.audience, a.message, a.agency_id,"
        " coalesce(g.bureau, g.department) AS agency,"
        " a.service_id, s.name AS service,"
        " CASE WHEN a.quarter IS NOT NULL THEN 'FY' || a.fiscal_year || ' Q' || a.quarter END AS period,"
        " a.fiscal_year, a.quarter, a.load_id, a.first_seen, a.last_seen, a.resolved_at,"
        " array_to_string(a.sent_to, ', ') AS sent_to, a.sent_at,"
        " (SELECT coalesce(bool_or(synthetic), false) FROM loads) AS synthetic"
        f" FROM {_source(db)} a LEFT JOIN agencies g USING (agency_id)"
        " LEFT JOIN services s USING (service_id)"
    )
    if current_viewer().role != "public":  # staff see their own telling of the same condition
        frame = frame[frame["audience"] != "public"]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    frame = frame.assign(_open=frame["status"].ne("open"), _rank=frame["severity"].map(rank))
    frame = frame.sort_values(["_open", "_rank", "last_seen", "alert_id"],
                              ascending=[True, True, False, False], kind="mergesort")
    return frame[COLUMNS].reset_index(drop=True)


def alerts(db: Db = None, agency: str | None = None, since: date | datetime | None = None,
           status: str | None = None) -> pd.DataFrame:
    """`all_alerts`, of one agency, last seen on or after `since`, of one status (each when given)."""
    frame = all_alerts(db)
    if agency is not None:
        frame = frame[frame["agency_id"] == agency]
    if since is not None:
        frame = frame[pd.to_datetime(frame["last_seen"]) >= pd.Timestamp(since)]
    if status is not None:
        frame = frame[frame["status"] == status]
    return frame.reset_index(drop=True)


def alerts_export(db: Db = None) -> pd.DataFrame:
    """The registered table `alerts` (download, API, `servicestat export alerts`)."""
    return all_alerts(db)
