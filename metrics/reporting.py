"""Reporting compliance: has each service reported each fiscal quarter, as A-11 Section 280 asks?

Kept apart from performance status on purpose: whether an agency *reported* a quarter says nothing
about how the service *performed*, so these frames carry `compliance`, never `status`, and no
performance figure. Categories, per service and fiscal quarter (deadline = quarter end plus
`workflow.deadline_days_after_quarter` days; first quarter owed = `reporting.first_quarter`, or the
service's own under `reporting.services`; both from data/publication.yaml):

* `published` - OMB published the quarter (in this workflow, or recorded from the public record);
* `awaiting review` - submitted (or resubmitted), not yet published;
* `change requested` - OMB sent it back to the agency;
* `not reported` - the agency did not report the quarter (declared);
* `no obligation` - nothing submitted, and the quarter is before the service's first quarter owed;
* `overdue` - nothing submitted (no state, or a draft), a report is owed and the deadline has passed;
* `due` - the quarter has ended, nothing submitted yet, the deadline has not passed;
* `open` - the quarter has not ended.

`on_time` says whether the first submission came by the deadline (NA while nothing was submitted, and
for a quarter recorded from the public record, whose report date this workflow does not know);
`submission` says the same in words. The status depends on the day: callers pass `as_of` (today),
and the cache keys on it, so a cached status never outlives a deadline.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from core.fiscal import quarter_bounds
from core.paths import DATA_DIR
from core.publication import PUBLIC_RECORD, obligation, rules
from core.schema import TABLES_BY_NAME
from metrics.access import OMB
from metrics.cache import cached
from metrics.db import reader

COMPLIANCE = ("published", "awaiting review", "change requested", "not reported", "overdue", "due", "open",
              "no obligation")
_BY_STATE = {
    "published": "published",
    "submitted": "awaiting review",
    "change_requested": "change requested",
    "not_reported": "not reported",
}


def today() -> date:
    """The day compliance is judged on by default: today in UTC (callers pass it as `as_of`)."""
    return datetime.now(UTC).date()


def deadline(fiscal_year: int, quarter: int, data_dir: str | os.PathLike[str] = DATA_DIR) -> date:
    """The day by which a quarter is due: its last day plus the declared number of days."""
    return quarter_bounds(fiscal_year, quarter)[1] + timedelta(days=rules(data_dir).deadline_days)


def compliance_rule_text(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """The categories in one paragraph, for the methodology page."""
    days = rules(data_dir).deadline_days
    owed = obligation(data_dir)
    fy, q = owed.first_quarter
    own = f" ({len(owed.services)} service(s) have their own first quarter)" if owed.services else ""
    return (
        f"Each service reports each fiscal quarter from FY{fy} Q{q}{own}; a quarter is due {days} days "
        "after it ends. Published: OMB published it, here or on the public record. Awaiting review: "
        "submitted, not yet published. Change requested: sent back to the agency. Not reported: the "
        "agency did not report it. Overdue: nothing submitted by the deadline of a quarter owed. Due: "
        "the quarter has ended and the deadline has not passed. Open: the quarter has not ended. No "
        "obligation: the quarter is before the service's first quarter owed. Reporting compliance is "
        "separate from performance status."
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
        f" UNION ALL SELECT fiscal_year * 4 + quarter - 1 FROM {_table(db, 'survey_mentions')}"
        " UNION ALL SELECT (year(period_start) * 12 + month(period_start) + 2) // 3 FROM service_period"
        "  WHERE grain = 'quarter')"
    )
    lo, hi = frame["lo"][0], frame["hi"][0]
    return None if pd.isna(lo) else (int(lo), int(hi))


def _public_record(db: str | os.PathLike[str] | None) -> pd.DataFrame:
    """Service-quarters whose submission was recorded from the public record. Read as OMB because
    the reason text is private; only this yes/no leaves here, and it is public knowledge anyway."""
    cur = reader(db).cursor(OMB)
    try:
        return cur.execute(
            "SELECT service_id, fiscal_year, quarter, true AS public_record"
            f" FROM {_table(db, 'reporting_history')} WHERE starts_with(reason, ?) GROUP BY ALL",
            [PUBLIC_RECORD],
        ).df()
    finally:
        cur.close()


def _submission(on_time: object, public_record: bool) -> str:
    if public_record:
        return "public record"
    if on_time is True:
        return "on time"
    return "late" if on_time is False else "not submitted"


@cached
def reporting_status(
    db: str | os.PathLike[str] | None,
    as_of: date,
    data_dir: str | os.PathLike[str] = DATA_DIR,
) -> pd.DataFrame:
    """One row per service x fiscal quarter (from the first to the last with a state or data), as it
    stands on `as_of` (pass today's date; it is part of the cache key)."""
    if not isinstance(as_of, date):
        raise TypeError(f"as_of must be a date (today's, usually), not {as_of!r}")
    today = as_of.date() if isinstance(as_of, datetime) else as_of
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
        "submission",
        "last_published",
        "updated_at",
        "updated_by",
        "reason",
        "synthetic",
    ]
    if span is None:
        return pd.DataFrame(columns=columns)
    days = rules(data_dir).deadline_days
    owed = obligation(data_dir)
    public = _public_record(db)
    grid = pd.DataFrame(
        [(qi // 4, qi % 4 + 1) for qi in range(span[0], span[1] + 1)], columns=["fiscal_year", "quarter"]
    )
    frame = services.merge(grid, how="cross")
    for col in ("fiscal_year", "quarter"):
        for other in (states, firsts, public):
            other[col] = other[col].astype("int64")
        frame[col] = frame[col].astype("int64")
    frame = frame.merge(states, how="left", on=["service_id", "fiscal_year", "quarter"])
    frame = frame.merge(firsts, how="left", on=["service_id", "fiscal_year", "quarter"])
    frame = frame.merge(public, how="left", on=["service_id", "fiscal_year", "quarter"])
    frame["public_record"] = frame["public_record"].astype("boolean").fillna(False).astype(bool)
    ends = {
        (fy, q): quarter_bounds(fy, q)[1] for fy, q in zip(grid["fiscal_year"], grid["quarter"], strict=True)
    }
    frame["period"] = [f"FY{fy} Q{q}" for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)]
    frame["quarter_end"] = [
        ends[(fy, q)] for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)
    ]
    frame["deadline"] = [e + timedelta(days=days) for e in frame["quarter_end"]]

    def category(state: object, service_id: str, fy: int, q: int, end: date, due: date) -> str:
        if isinstance(state, str) and state in _BY_STATE:
            return _BY_STATE[state]
        if (fy, q) < owed.start(service_id):
            return "no obligation"
        if today <= end:
            return "open"
        return "overdue" if today > due else "due"

    frame["compliance"] = [
        category(*row)
        for row in zip(frame["state"], frame["service_id"], frame["fiscal_year"], frame["quarter"],
                       frame["quarter_end"], frame["deadline"], strict=True)
    ]
    submitted = pd.to_datetime(frame["first_submitted"])
    limit = pd.to_datetime(frame["deadline"]) + pd.Timedelta(days=1)
    frame["on_time"] = pd.array(
        [pd.NA if pd.isna(s) or pub else bool(s < lim)
         for s, lim, pub in zip(submitted, limit, frame["public_record"], strict=True)],
        dtype="boolean",
    )
    frame["submission"] = [
        _submission(None if pd.isna(t) else bool(t), pub)
        for t, pub in zip(frame["on_time"], frame["public_record"], strict=True)
    ]
    frame["synthetic"] = synthetic
    return frame[columns].reset_index(drop=True)


def reporting_status_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """As of today (UTC): a download states the compliance of the day it is made."""
    return reporting_status(db, today())


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


def reporting_history_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    return reporting_history(db)
