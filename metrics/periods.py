"""Which fiscal quarters are published and which are drafts, for the viewer; and the scope a pooled
figure is compared in.

A service-quarter is *published* when its reporting state is `published` (data/publication.yaml);
any other service-quarter that holds figures is a *draft* (drafted, submitted, sent back or never
moved). The public sees published service-quarters only (metrics.db); an agency manager also sees
their own agency's drafts, and OMB sees every draft. So a quarter is a draft *for a viewer* when some
figure the viewer sees in it is of a draft service-quarter, and published otherwise.

Two rules follow, kept here so that every page and table applies them alike:

* signed-in pages open on the latest quarter that is published for the viewer (`default_quarter`);
  a draft quarter can be chosen, and its figures are labelled draft (`DRAFT`);
* like with like (`in_scope`): a figure pooled over several services compares the same scope in both
  periods. Government-wide figures pool published service-quarters only for anyone but OMB: an
  agency manager's own drafts are theirs, not the government's, and would otherwise be compared with
  the government-wide published quarter before them. OMB sees every service-quarter in both periods
  (drafts labelled). An agency's figures pool every service-quarter of that agency the viewer sees,
  so a manager's draft is compared with their own agency's previous quarter.
"""

from __future__ import annotations

import os

import duckdb
import pandas as pd

from core.fiscal import quarter_label, quarter_start
from metrics.access import current_viewer
from metrics.cache import memo
from metrics.db import FISCAL_QUARTER, quarter_index, reader

PUBLISHED = "published"
DRAFT = "draft"
#: Tables holding figures, and the fiscal quarter index of each row (alias t).
_FIGURES = (
    ("survey_results", FISCAL_QUARTER),
    ("metric_observations", quarter_index("t.period_start")),
    ("service_daily", quarter_index("t.day")),
)
SERVICE_QUARTER_COLUMNS = ["service_id", "agency_id", "fiscal_year", "quarter", "period", "period_start",
                           "published"]
QUARTER_COLUMNS = ["period", "period_start", "fiscal_year", "quarter", "services", "draft_services", "status"]


@memo  # not `cached`: no counts to suppress, no fiscal-year rows to withhold; one entry, deferred or not
def service_quarters(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every service-quarter holding figures the viewer sees, with its agency and whether it is
    published. Read through the viewer's scoped views, so it never names a hidden draft."""
    r = reader(db)
    parts = []
    for table, qi in _FIGURES:
        try:
            r.df(f"SELECT 1 FROM {table} LIMIT 0")
        except duckdb.CatalogException:  # a warehouse from before the table existed
            continue
        parts.append(f"SELECT DISTINCT service_id, {qi} AS qi FROM {table} t")
    if not parts:
        return pd.DataFrame(columns=SERVICE_QUARTER_COLUMNS)
    frame = r.df(
        "SELECT h.service_id, s.agency_id, h.qi // 4 AS fiscal_year, h.qi % 4 + 1 AS quarter,"
        " coalesce(bool_or(p.state = 'published'), false) AS published"
        f" FROM ({' UNION '.join(parts)}) h LEFT JOIN services s USING (service_id)"
        " LEFT JOIN reporting_state p ON p.service_id = h.service_id"
        " AND p.fiscal_year * 4 + p.quarter - 1 = h.qi"
        " GROUP BY ALL ORDER BY fiscal_year, quarter, h.service_id"
    )
    frame["fiscal_year"] = frame["fiscal_year"].astype("int64")
    frame["quarter"] = frame["quarter"].astype("int64")
    frame["period"] = [quarter_label(fy, q) for fy, q in zip(frame["fiscal_year"], frame["quarter"],
                                                                  strict=True)]
    frame["period_start"] = [quarter_start(fy, q) for fy, q in zip(frame["fiscal_year"], frame["quarter"],
                                                                       strict=True)]
    frame["published"] = frame["published"].astype(bool)
    return frame[SERVICE_QUARTER_COLUMNS]


@memo  # every page asks (the period filter, the draft labels)
def quarter_status(db: str | os.PathLike[str] | None = None, agency: str | None = None,
                   service: str | None = None) -> pd.DataFrame:
    """One row per fiscal quarter with figures the viewer sees (of `agency` or `service` when given),
    oldest first: how many services hold figures, how many of them are drafts, and the status."""
    frame = service_quarters(db)
    if agency is not None:
        frame = frame[frame["agency_id"] == agency]
    if service is not None:
        frame = frame[frame["service_id"] == service]
    if frame.empty:
        return pd.DataFrame(columns=QUARTER_COLUMNS)
    out = frame.assign(draft=~frame["published"]).groupby(
        ["period", "period_start", "fiscal_year", "quarter"], as_index=False).agg(
        services=("service_id", "nunique"), draft_services=("draft", "sum"))
    out["draft_services"] = out["draft_services"].astype("int64")
    out["status"] = [DRAFT if d else PUBLISHED for d in out["draft_services"]]
    return out.sort_values("period_start", ignore_index=True)[QUARTER_COLUMNS]


def default_quarter(status: pd.DataFrame) -> str | None:
    """The latest published quarter of a `quarter_status` frame; the latest quarter when none is
    published (a new warehouse whose first quarter is still being drafted); None when empty."""
    if status.empty:
        return None
    published = status[status["status"] == PUBLISHED]
    chosen = published if len(published) else status
    return str(chosen.sort_values("period_start")["period"].iloc[-1])


def draft_periods(status: pd.DataFrame) -> set[str]:
    """The quarters of a `quarter_status` frame that are drafts, and the fiscal years holding one
    (a year figure that adds up a draft quarter is a draft too)."""
    drafts = status[status["status"] == DRAFT]
    return set(drafts["period"]) | {f"FY{fy}" for fy in drafts["fiscal_year"]}


def default_period(status: pd.DataFrame, options: list[str]) -> str:
    """The period a page opens on among its `options` (quarters and years, newest first): the latest
    published quarter when it is an option, else the first option that is not a draft, else the
    first option ('' when there is none)."""
    if not options:
        return ""
    wanted = default_quarter(status)
    if wanted in options and wanted not in draft_periods(status):
        return wanted
    drafts = draft_periods(status)
    return next((o for o in options if " Q" in o and o not in drafts),
                next((o for o in options if o not in drafts), options[0]))


def mark_drafts(frame: pd.DataFrame, db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """A per-service, per-quarter frame (`service_id`, `period`) with `draft`: the row is of a
    service-quarter that holds figures and is not published (one without figures is no draft)."""
    known = service_quarters(db)[["service_id", "period", "published"]]
    if frame.empty:  # an empty frame's columns may be typed float; nothing to mark
        return frame.drop(columns=["draft"], errors="ignore").assign(draft=pd.Series(dtype=bool))
    out = frame.drop(columns=["draft"], errors="ignore").merge(known, on=["service_id", "period"], how="left")
    out["draft"] = out.pop("published").astype("boolean").eq(False).fillna(False).astype(bool)
    return out


def in_scope(frame: pd.DataFrame, db: str | os.PathLike[str] | None = None,
             agency: str | None = None) -> pd.DataFrame:
    """The rows of a per-service, per-quarter frame that a pooled figure of the scope takes (see the
    module), marked as `mark_drafts` does: `agency`'s rows, or government-wide all but the draft
    service-quarters (every row for OMB)."""
    out = mark_drafts(frame, db)
    if agency is not None:
        return out[out["agency_id"] == agency].reset_index(drop=True)
    if current_viewer().role == "omb":
        return out
    return out[~out["draft"]].reset_index(drop=True)


__all__ = ["PUBLISHED", "DRAFT", "service_quarters", "quarter_status", "default_quarter", "default_period",
           "draft_periods", "mark_drafts", "in_scope"]
