"""Reporting compliance: has each service reported each fiscal quarter, as A-11 Section 280 asks?

Kept apart from performance status on purpose: whether an agency *reported* a quarter says nothing
about how the service *performed*, so these frames carry `compliance`, never `status`, and no
performance figure. Categories, per service and fiscal quarter (deadline = quarter end plus
`workflow.deadline_days_after_quarter` days from data/publication.yaml):

* `published` - OMB published the quarter;
* `awaiting review` - submitted (or resubmitted), not yet published;
* `change requested` - OMB sent it back to the agency;
* `not reported` - the agency did not report the quarter (declared);
* `overdue` - nothing submitted (no state, or a draft) and the deadline has passed;
* `due` - the quarter has ended, nothing submitted yet, the deadline has not passed;
* `open` - the quarter has not ended.

`on_time` says whether the first submission came by the deadline (NA while nothing was submitted).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from core.fiscal import quarter_bounds
from core.paths import DATA_DIR
from core.publication import rules
from core.schema import TABLES_BY_NAME
from metrics.cache import cached
from metrics.db import reader
from metrics.exports import export

COMPLIANCE = ("published", "awaiting review", "change requested", "not reported", "overdue", "due", "open")
_BY_STATE = {
    "published": "published",
    "submitted": "awaiting review",
    "change_requested": "change requested",
    "not_reported": "not reported",
}


def deadline(fiscal_year: int, quarter: int, data_dir: str | os.PathLike[str] = DATA_DIR) -> date:
    """The day by which a quarter is due: its last day plus the declared number of days."""
    return quarter_bounds(fiscal_year, quarter)[1] + timedelta(days=rules(data_dir).deadline_days)


def compliance_rule_text(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """The categories in one paragraph, for the methodology page."""
    days = rules(data_dir).deadline_days
    return (
        f"Each service reports each fiscal quarter; a quarter is due {days} days after it ends. Published: "
        "OMB published it. Awaiting review: submitted, not yet published. Change requested: sent back "
        "to the agency. Not reported: the agency did not report it. Overdue: nothing submitted by the "
        "deadline. Due: the quarter has ended and the deadline has not passed. Open: the quarter has "
        "not ended. Reporting compliance is separate from performance status."
    )


def _table(db: str | os.PathLike[str] | None, name: str) -> str:
    """`name`, or an empty stand-in with its columns when the warehouse predates the table (it is
    created by the next write: `servicestat init`, a load or a workflow move)."""
    found = reader(db).df(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE database_name = 'warehouse' AND table_name = ?",
        [name],
    )
    if found["n"][0]:
        return name
    cols = ", ".join(f"NULL::{c.type} AS {c.name}" for c in TABLES_BY_NAME[name].columns)
    return f"(SELECT {cols} WHERE false)"


def _quarters(db: str | os.PathLike[str] | None) -> tuple[int, int] | None:
    """First and last quarter index with a state or any data the viewer can see."""
    frame = reader(db).df(
        "SELECT min(qi) AS lo, max(qi) AS hi FROM ("
        f" SELECT fiscal_year * 4 + quarter - 1 AS qi FROM {_table(db, 'reporting_state')}"
        " UNION ALL SELECT fiscal_year * 4 + quarter - 1 FROM survey_results"
        " UNION ALL SELECT (year(period_start) * 12 + month(period_start) + 2) // 3 FROM service_period"
        "  WHERE grain = 'quarter')"
    )
    lo, hi = frame["lo"][0], frame["hi"][0]
    return None if pd.isna(lo) else (int(lo), int(hi))


@cached
def reporting_status(
    db: str | os.PathLike[str] | None = None,
    as_of: date | None = None,
    data_dir: str | os.PathLike[str] = DATA_DIR,
) -> pd.DataFrame:
    """One row per service x fiscal quarter (from the first to the last with a state or data)."""
    today = as_of or datetime.now(UTC).date()
    r = reader(db)
    services = r.df(
        "SELECT s.service_id, s.name AS service, s.agency_id, coalesce(a.bureau, a.department)"
        " AS agency FROM services s LEFT JOIN agencies a USING (agency_id) ORDER BY s.service_id"
    )
    states = r.df(
        "SELECT service_id, fiscal_year, quarter, state, updated_at, updated_by, reason"
        f" FROM {_table(db, 'reporting_state')}"
    )
    firsts = r.df(
        "SELECT service_id, fiscal_year, quarter,"
        " min(moved_at) FILTER (WHERE to_state = 'submitted') AS first_submitted,"
        " max(moved_at) FILTER (WHERE to_state = 'published') AS last_published"
        f" FROM {_table(db, 'reporting_history')} GROUP BY ALL"
    )
    synthetic = bool(r.df("SELECT coalesce(bool_or(synthetic), false) AS s FROM loads")["s"][0])
    span = _quarters(db)
    columns = [
        "service_id",
        "service",
        "agency_id",
        "agency",
        "fiscal_year",
        "quarter",
        "period",
        "quarter_end",
        "deadline",
        "state",
        "compliance",
        "first_submitted",
        "on_time",
        "last_published",
        "updated_at",
        "updated_by",
        "reason",
        "synthetic",
    ]
    if span is None:
        return pd.DataFrame(columns=columns)
    days = rules(data_dir).deadline_days
    grid = pd.DataFrame(
        [(qi // 4, qi % 4 + 1) for qi in range(span[0], span[1] + 1)], columns=["fiscal_year", "quarter"]
    )
    frame = services.merge(grid, how="cross")
    for col in ("fiscal_year", "quarter"):
        for other in (states, firsts):
            other[col] = other[col].astype("int64")
        frame[col] = frame[col].astype("int64")
    frame = frame.merge(states, how="left", on=["service_id", "fiscal_year", "quarter"])
    frame = frame.merge(firsts, how="left", on=["service_id", "fiscal_year", "quarter"])
    ends = {
        (fy, q): quarter_bounds(fy, q)[1] for fy, q in zip(grid["fiscal_year"], grid["quarter"], strict=True)
    }
    frame["period"] = [f"FY{fy} Q{q}" for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)]
    frame["quarter_end"] = [
        ends[(fy, q)] for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)
    ]
    frame["deadline"] = [e + timedelta(days=days) for e in frame["quarter_end"]]

    def category(state: object, end: date, due: date) -> str:
        if isinstance(state, str) and state in _BY_STATE:
            return _BY_STATE[state]
        if today <= end:
            return "open"
        return "overdue" if today > due else "due"

    frame["compliance"] = [
        category(s, e, d)
        for s, e, d in zip(frame["state"], frame["quarter_end"], frame["deadline"], strict=True)
    ]
    submitted = pd.to_datetime(frame["first_submitted"])
    limit = pd.to_datetime(frame["deadline"]) + pd.Timedelta(days=1)
    frame["on_time"] = pd.array(
        [pd.NA if pd.isna(s) else bool(s < lim) for s, lim in zip(submitted, limit, strict=True)],
        dtype="boolean",
    )
    frame["synthetic"] = synthetic
    return frame[columns].reset_index(drop=True)


@export("reporting-status")
def reporting_status_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    return reporting_status(db)


@cached
def reporting_history(
    db: str | os.PathLike[str] | None = None, service_id: str | None = None
) -> pd.DataFrame:
    """Every workflow move the viewer may see, oldest first (names and reasons only for its own agency)."""
    where, params = ("WHERE h.service_id = ?", [service_id]) if service_id else ("", [])
    return reader(db).df(
        "SELECT h.seq, h.service_id, s.name AS service, s.agency_id, h.fiscal_year, h.quarter,"
        " 'FY' || h.fiscal_year || ' Q' || h.quarter AS period, h.from_state, h.to_state, h.moved_at,"
        " h.moved_by, h.reason, (SELECT coalesce(bool_or(synthetic), false) FROM loads) AS synthetic"
        f" FROM {_table(db, 'reporting_history')} h LEFT JOIN services s USING (service_id) {where}"
        " ORDER BY h.seq",
        params,
    )


@export("reporting-history")
def reporting_history_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    return reporting_history(db)
