"""What needs attention: each standard off track or at risk in a period, by how much, since when and for
how many customers, worst first.

Built from `metrics.standards.standards_status` alone (its status, figures, target and n per
standard and period; no other query), so an exception is always a row of the standards table with
the same status. The standards table is suppressed for the viewer first, as a whole (its channel
groups intact), and the exceptions taken from what is left: a standard-period whose status a viewer
may not see is not an exception for them, and a change from a hidden period is not given either.

Columns (`COLUMNS`), for one standard in one period:
  result, target, result_unit   the share served within the standard and its target share (for a
                                standard judged on a share), else the value and the threshold in the
                                value's unit (a median wait in minutes, a backlog in cases)
  gap, gap_unit                 result minus target: in percentage points for a share (or a value that
                                is a share, an abandonment rate), else in the value's unit. Negative:
                                short of a higher-is-better standard; for a lower-is-better standard
                                (`better` = "lower": a wait, a backlog) a positive gap is the excess
  off_track_since               the first period of the current run of consecutive periods off track
                                or at risk (any other status, or a period the standard was not in
                                force, ends a run); `periods_in_run` counts them
  change_prev, change_yago      result minus the result of the previous period / the same period a year
                                before, in `gap_unit`; missing when that period has no visible figure
                                or was judged on another basis
  customers_affected            a standard judged on a share: the transactions not served within the
                                standard, n x (1 - share); otherwise n, every transaction or observation
                                behind the value (`affected_basis` says which)
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.fiscal import fiscal_columns, fiscal_year_start, period_label, quarter_start
from core.paths import DATA_DIR
from metrics.cache import cached
from metrics.standards import GRAIN_COLUMNS, POINTS, result_and_target, standards_status
from metrics.suppression import for_viewer, is_deferred

#: Statuses that need attention; the order is the severity (worst first).
NEEDS_ATTENTION = ("off track", "at risk")
#: Statuses a standard is judged to (the rest: insufficient data, not reported).
JUDGED = ("on track", "at risk", "off track")
AFFECTED_NOT_WITHIN = "transactions not within the standard"
AFFECTED_ALL = "all observations behind the value"

COLUMNS = [
    "agency_id", "agency", "service_id", "service", "channel", "standard_id", "standard", "grain", "period",
    "period_start", "fiscal_year", "quarter", "status", "judged_on", "result", "target", "result_unit",
    "better", "threshold", "threshold_unit", "gap", "gap_unit", "off_track_since", "periods_in_run",
    "change_prev", "change_yago", "n", "customers_affected", "affected_basis", "source", "last_loaded",
    "synthetic",
]


def _scale(judged_on: str, unit: str) -> tuple[float, str]:
    """Factor from the result's unit to the gap's, and the gap's unit."""
    if judged_on == "share" or unit == "share":
        return 100.0, POINTS
    if unit == "percent":
        return 1.0, POINTS
    return 1.0, unit


def _year_before(day: date) -> date:
    """The same first-of-month a year earlier (periods always start on the first of a month)."""
    return day.replace(year=day.year - 1)


def _change(rec: dict, earlier: dict | None) -> float:
    """Result minus an earlier period's, in the gap's unit; NaN unless both were judged alike."""
    if earlier is None or earlier["row"].judged_on != rec["row"].judged_on or earlier["unit"] != rec["unit"]:
        return np.nan
    if pd.isna(rec["result"]) or pd.isna(earlier["result"]):
        return np.nan
    return (float(rec["result"]) - float(earlier["result"])) * rec["scale"]


def _by_standard(status: pd.DataFrame) -> list[list[Any]]:
    """Each standard's rows (named tuples) by period start, standards in order: the frame is walked once
    (a walk per standard's slice rebuilt every column for each). Rows without a standard id are left out,
    as a groupby leaves them."""
    groups: dict[Any, list[Any]] = {}
    for row in status.sort_values(["standard_id", "period_start"]).itertuples(index=False):
        if not pd.isna(row.standard_id):
            groups.setdefault(row.standard_id, []).append(row)
    return list(groups.values())


def _series(rows: list[Any], directions: dict[str, str]) -> list[dict]:
    """One standard's periods (rows of `_by_standard`) with result, gap, run and changes, every period."""
    out: list[dict] = []
    by_start: dict[date, dict] = {}
    prev: dict | None = None
    for row in rows:
        unit, result, target = result_and_target(row)
        on_share = row.judged_on == "share"
        scale, gap_unit = _scale(row.judged_on, unit)
        start = pd.Timestamp(row.period_start).date()
        contiguous = prev is not None and prev["end"] + timedelta(days=1) == start
        bad = isinstance(row.status, str) and row.status in NEEDS_ATTENTION  # NA: suppressed
        if bad and contiguous and prev["bad"]:
            since, run = prev["since"], prev["run"] + 1
        else:
            since, run = (row.period, 1) if bad else (None, 0)
        rec = {
            "row": row, "start": start, "end": pd.Timestamp(row.period_end).date(), "bad": bad,
            "since": since, "run": run, "result": result, "target": target, "unit": unit,
            "scale": scale, "gap_unit": gap_unit,
            "better": "higher" if on_share else directions.get(row.value_metric, "higher"),
        }
        rec["change_prev"] = _change(rec, prev if contiguous else None)
        rec["change_yago"] = _change(rec, by_start.get(_year_before(start)))
        out.append(rec)
        by_start[start] = rec
        prev = rec
    return out


def _record(rec: dict) -> dict:
    row = rec["row"]
    on_share = row.judged_on == "share"
    result, target = rec["result"], rec["target"]
    gap = (float(result) - float(target)) * rec["scale"] if pd.notna(result) and pd.notna(target) else np.nan
    if on_share:
        known = pd.notna(row.n) and pd.notna(result)
        affected = round(float(row.n) * (1 - float(result))) if known else np.nan
    else:
        affected = float(row.n) if pd.notna(row.n) else np.nan
    return {
        "agency_id": row.agency_id, "agency": row.agency, "service_id": row.service_id,
        "service": row.service, "channel": row.channel, "standard_id": row.standard_id,
        "standard": row.standard, "grain": row.grain,
        "period": row.period, "period_start": row.period_start, "status": row.status,
        "judged_on": row.judged_on, "result": result, "target": target, "result_unit": rec["unit"],
        "better": rec["better"], "threshold": row.threshold, "threshold_unit": row.threshold_unit,
        "gap": gap, "gap_unit": rec["gap_unit"], "off_track_since": rec["since"],
        "periods_in_run": rec["run"], "change_prev": rec["change_prev"], "change_yago": rec["change_yago"],
        "n": row.n, "customers_affected": affected,
        "affected_basis": AFFECTED_NOT_WITHIN if on_share else AFFECTED_ALL,
        "source": row.source, "last_loaded": row.last_loaded, "synthetic": row.synthetic,
    }


def _declared(data_dir: str | os.PathLike[str]) -> dict[str, str | os.PathLike[str]]:
    """No keyword for the shipped declarations, so that a cached table called from here and from the
    pages (which pass none) is one cache entry, not two."""
    return {} if Path(data_dir).resolve() == Path(DATA_DIR).resolve() else {"data_dir": data_dir}


def standard_results(status: pd.DataFrame, data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Every row of a `standards_status` frame (whatever its status) with the columns of `COLUMNS`:
    result, target and gap in their units, the run off track and the changes, by the rules above.
    For pages that show a standard's record over time, not only its bad periods (the agency report)."""
    if status.empty:
        return pd.DataFrame(columns=COLUMNS)
    directions = {k: m.direction for k, m in load_declarations(Path(data_dir)).metrics.items()}
    records: list[dict] = []
    for rows in _by_standard(status):
        records += [_record(rec) for rec in _series(rows, directions)]
    frame = pd.DataFrame(records)
    frame["fiscal_year"], quarter = fiscal_columns(frame["period_start"])
    frame["quarter"] = quarter.mask(frame["grain"].eq("year").to_numpy())
    frame["periods_in_run"] = frame["periods_in_run"].astype("Int64")
    return frame[COLUMNS]


RANK_KEYS = ["customers_affected", "gap", "service", "standard", "channel"]
RANK_ASCENDING = [False, True, True, True, True]


def rank(frame: pd.DataFrame) -> pd.DataFrame:
    """Most customers affected first (unknown last); then the widest shortfall, then by name."""
    return frame.sort_values(RANK_KEYS, ascending=RANK_ASCENDING, na_position="last", kind="mergesort",
                             ignore_index=True)


@cached
def exceptions_history(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                       data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Every standard-period off track or at risk, of one grain: newest period first, then ranked."""
    if grain not in GRAIN_COLUMNS:
        raise ValueError(f"grain must be one of {', '.join(GRAIN_COLUMNS)}")
    # The standards table as the viewer sees it, suppressed as a whole; an export defers suppression
    # (its cached functions return frames unsuppressed), so it is applied here for that case.
    status = standards_status(db, grain, **_declared(data_dir))
    if is_deferred():
        status = for_viewer(status, data_dir=data_dir)
    if status.empty:
        return pd.DataFrame(columns=COLUMNS)
    directions = {k: m.direction for k, m in load_declarations(Path(data_dir)).metrics.items()}
    records: list[dict] = []
    for rows in _by_standard(status):
        records += [_record(rec) for rec in _series(rows, directions) if rec["bad"]]
    if not records:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(records)
    frame["fiscal_year"], quarter = fiscal_columns(frame["period_start"])
    frame["quarter"] = quarter.mask(frame["grain"].eq("year").to_numpy())
    frame["periods_in_run"] = frame["periods_in_run"].astype("Int64")
    # Newest period first, each period as `rank` orders it: one stable sort, not a sort per period.
    frame = frame.sort_values(["period_start", *RANK_KEYS], ascending=[False, *RANK_ASCENDING],
                              na_position="last", kind="mergesort", ignore_index=True)
    return frame[COLUMNS]


def exceptions_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Exceptions by month, fiscal quarter and fiscal year (the registry filters one grain at a time)."""
    return pd.concat([exceptions_history(db, grain) for grain in GRAIN_COLUMNS], ignore_index=True)


def period_of(grain: str, fiscal_year: int | None = None, quarter: int | None = None,
              period: str | None = None) -> str | None:
    """The period label that `fiscal_year`/`quarter` or `period` name (None: none named)."""
    if period is not None:
        return period
    if fiscal_year is None:
        if quarter is not None:
            raise ValueError("a quarter needs its fiscal_year")
        return None
    if grain == "year":
        if quarter is not None:
            raise ValueError("a fiscal year has no quarter: use grain='quarter'")
        return period_label("year", fiscal_year_start(fiscal_year))
    if grain == "quarter":
        if quarter is None:
            raise ValueError("grain='quarter' needs the quarter as well as the fiscal_year")
        return period_label("quarter", quarter_start(fiscal_year, quarter))
    raise ValueError("name a month by `period` (e.g. '2025-03')")


def latest_judged_period(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                         agency: str | None = None,
                         data_dir: str | os.PathLike[str] = DATA_DIR) -> str | None:
    """The newest period of the grain in which any standard (of `agency`) was judged, for this viewer."""
    status = standards_status(db, grain, **_declared(data_dir))
    judged = status[status["status"].isin(JUDGED)]
    if agency is not None:
        judged = judged[judged["agency_id"] == agency]
    if judged.empty:
        return None
    return str(judged.loc[pd.to_datetime(judged["period_start"]).idxmax(), "period"])


def exceptions(db: str | os.PathLike[str] | None = None, grain: str = "quarter", *,
               fiscal_year: int | None = None, quarter: int | None = None, period: str | None = None,
               agency: str | None = None, data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The exceptions of one period, most customers affected first.

    The period is `period` (a label: "FY2025 Q3", "FY2025", "2025-03"), or `fiscal_year` and `quarter`,
    else the latest period of the grain in which a standard (of `agency`, when given) was judged.
    """
    wanted = period_of(grain, fiscal_year, quarter, period)
    if wanted is None:
        wanted = latest_judged_period(db, grain, agency, data_dir=data_dir)
    frame = exceptions_history(db, grain, **_declared(data_dir))
    keep = frame["period"].eq(wanted)
    if agency is not None:
        keep &= frame["agency_id"].eq(agency)
    return rank(frame[keep])
