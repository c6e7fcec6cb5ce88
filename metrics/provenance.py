"""Where each figure comes from: the loads behind it, when they landed, and the published source.

Rollup and fact rows carry the ids of the loads behind them; `attach_freshness` joins those to
`loads` so every figure shows its data freshness (`last_loaded`, the newest `loads.finished_at`) and
a `synthetic` flag (true when any contributing load is the generated demo data). A row no load fed
(a period nobody reported) is flagged synthetic when the warehouse holds synthetic loads, since the
absence is then a fact about demo data.

Per chart, two more questions, answered for the viewer reading it (every query runs through the
viewer's scoped views, `metrics.db`):

* `figure_loads` - staff: which loads (file, kind, time) hold the figures a frame shows. The frame's
  scope is its services (`service_id`, else the services of its `agency_id`, else all) and its
  periods (`period_start`/`period_end`, or `grain`, or the period label); the kinds of data it draws
  on come from its columns (`families_of`: survey answers, transactions, reported figures, GPRA
  indicators). A manager sees the file name of their own agency's loads only (`metrics.db` blanks
  the others); the public gets no file names at all.
* `published_sources` - the public: who published the figures of that scope and where. A
  service-quarter recorded from the public record names its source (the text after
  `core.publication.PUBLIC_RECORD` in its publishing move, with the web address in it, if any);
  any other published quarter was reported by its agency under OMB Circular A-11 Section 280 and
  published by OMB through this site's workflow, on the date of its publishing move.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from core.fiscal import fiscal_quarter_of, fiscal_year_start, quarter_bounds
from core.paths import db_path
from core.publication import PUBLIC_RECORD
from metrics.access import OMB, Viewer, current_viewer, viewing
from metrics.cache import memo
from metrics.db import Reader, reader
from metrics.trends import GRAIN_MONTHS

#: The kinds of data a figure can draw on, and the columns that say a frame draws on each.
FAMILY_COLUMNS: dict[str, tuple[str, ...]] = {
    "survey": ("driver", "agree", "agree_share", "trust_share", "trust_agree", "response_rate",
               "service_index", "mean"),
    "events": ("events", "wait_median", "processing_median", "n_wait", "n_processing"),
    "standards": ("standard_id",),
    "gpra": ("indicator",),
}
#: Which fact tables hold each kind (standards are judged from transactions or reported figures).
FAMILY_TABLES: dict[str, tuple[str, ...]] = {
    "survey": ("survey",), "events": ("events",), "standards": ("events", "observations"),
    "gpra": ("gpra",),
}
LOAD_COLUMNS = ["load_id", "file_name", "kind", "finished_at", "synthetic"]
SOURCE_COLUMNS = ["source", "url", "public_record", "agencies", "quarters", "first_published",
                  "last_published"]
#: What a published quarter not recorded from the public record was published as.
A11_SOURCE = "agency reports under OMB Circular A-11 Section 280, published by OMB"
_URL = re.compile(r"https?://[^\s<>()\"'`]+[^\s<>()\"'`.,;:]")
_QUARTER_LABEL = re.compile(r"^FY(\d{4}) Q([1-4])$")
_YEAR_LABEL = re.compile(r"^FY(\d{4})$")
_MONTH_LABEL = re.compile(r"^(\d{4})-(\d{2})$")


def loads_table(r: Reader) -> pd.DataFrame:
    """The loads the current viewer may see (`attach_freshness`'s `loads`): once per warehouse version
    and viewer, since every table a page builds asks for them."""
    return _loads(str(r.path))


@memo
def _loads(db: str) -> pd.DataFrame:
    return reader(db).df("SELECT load_id, finished_at, synthetic FROM loads WHERE status <> 'refused'")


def attach_freshness(frame: pd.DataFrame, loads: pd.DataFrame, ids_col: str = "load_ids") -> pd.DataFrame:
    """Add `last_loaded` and `synthetic` from a column holding lists of load ids; drop that column."""
    any_synthetic = bool(loads["synthetic"].any()) if len(loads) else False
    if frame.empty:
        out = frame.drop(columns=[ids_col], errors="ignore")
        out["last_loaded"] = pd.Series(dtype="datetime64[us]")
        out["synthetic"] = pd.Series(dtype=bool)
        return out
    # A row's freshness depends on its list of load ids alone, and thousands of rows share a few dozen
    # lists: worked out once per distinct list, then given to each row by the list's position.
    position: dict[tuple, int] = {}
    codes = np.fromiter((position.setdefault(_id_tuple(v), len(position)) for v in frame[ids_col]),
                        dtype=np.int64, count=len(frame))
    known = dict(zip(loads["load_id"].astype("int64"), zip(loads["finished_at"], loads["synthetic"],
                                                          strict=True), strict=True))
    newest, flagged = [], []
    for ids in position:
        valid = [int(i) for i in ids if not pd.isna(i)]
        found = [known[i] for i in valid if i in known]
        times = [t for t, _ in found if not pd.isna(t)]
        newest.append(max(times) if times else pd.NaT)  # the newest of its loads still listed
        # Synthetic when any of its known loads is; a row no load fed: when the warehouse has any.
        flagged.append(any(bool(f) for _, f in found if not pd.isna(f)) if valid else any_synthetic)
    out = frame.drop(columns=[ids_col]).reset_index(drop=True)
    newest_of = pd.Series(newest, dtype=loads["finished_at"].dtype)
    out["last_loaded"] = newest_of.take(codes).reset_index(drop=True)
    out["synthetic"] = pd.Series(np.array(flagged, dtype=bool)[codes])
    return out


def _id_tuple(ids: object) -> tuple:
    """A cell of load ids as a tuple (a dictionary key): a list, tuple or array; anything else is none.
    A DuckDB list arrives as a numpy array, whose `tolist` is many times faster than iterating it."""
    if type(ids) is np.ndarray:
        return tuple(ids.tolist())
    return tuple(ids) if isinstance(ids, (list, tuple)) or hasattr(ids, "tolist") else ()


# --------------------------------------------------------------------------- a frame's scope


@functools.lru_cache(maxsize=1024)
def _cached_df(path: str, version: object, viewer: Viewer, sql: str, params: tuple) -> pd.DataFrame:
    del version  # part of the key only
    with viewing(viewer):
        return reader(path).df(sql, [list(p) if isinstance(p, tuple) else p for p in params])


def _df(db: str | os.PathLike[str] | None, sql: str, params: list) -> pd.DataFrame:
    """A query of this module as the current viewer, cached per warehouse version and viewer: every
    chart of a page asks, most of them about the same service and periods."""
    path = str(Path(db_path(db)).resolve())
    key = tuple(tuple(p) if isinstance(p, list) else p for p in params)
    return _cached_df(path, reader(path).version(), current_viewer(), sql, key).copy()


def families_of(frame: pd.DataFrame) -> tuple[str, ...]:
    """The kinds of data a frame draws on, by its columns that hold anything (FAMILY_COLUMNS). A
    standards frame's own `source` column then says whether transactions, reported figures or both
    are behind it."""
    found = [f for f, cols in FAMILY_COLUMNS.items()
             if any(c in frame.columns and frame[c].notna().any() for c in cols)]
    return tuple(found)


def _tables(frame: pd.DataFrame, families: Iterable[str]) -> set[str]:
    tables: set[str] = set()
    for family in families:
        if family == "standards" and "source" in frame.columns:
            used = set(frame["source"].dropna().astype(str))
            tables |= {"events"} if "events" in used else set()
            tables |= {"observations"} if "reported" in used else set()
        else:
            tables |= set(FAMILY_TABLES.get(family, ()))
    return tables


def _end(start: date, grain: str) -> date:
    months = GRAIN_MONTHS[grain]
    return (pd.Timestamp(start) + pd.DateOffset(months=months)).date() - timedelta(days=1)


def _label_bounds(label: str) -> tuple[date, date] | None:
    """First and last day of 'FY2025 Q3', 'FY2025' or '2025-03'."""
    if m := _QUARTER_LABEL.match(label):
        return quarter_bounds(int(m[1]), int(m[2]))
    if m := _YEAR_LABEL.match(label):
        start = fiscal_year_start(int(m[1]))
        return start, _end(start, "year")
    if m := _MONTH_LABEL.match(label):
        start = date(int(m[1]), int(m[2]), 1)
        return start, _end(start, "month")
    return None


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or missing values when the frame has none."""
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index)


def window(frame: pd.DataFrame) -> tuple[date, date] | None:
    """First and last day of the periods a frame's rows cover (None: no period columns, or none)."""
    bounds: list[tuple[date, date]] = []
    if "period_start" in frame.columns:
        columns = (_column(frame, c) for c in ("grain", "period", "period_end"))
        for start, grain, label, end in zip(frame["period_start"], *columns, strict=True):
            if pd.isna(start):
                continue
            first = pd.Timestamp(start).date()
            if not pd.isna(end):
                bounds.append((first, pd.Timestamp(end).date()))
            elif isinstance(grain, str) and grain in GRAIN_MONTHS:
                bounds.append((first, _end(first, grain)))
            elif isinstance(label, str) and (found := _label_bounds(label)):
                bounds.append((first, found[1]))
    elif "period" in frame.columns:
        bounds = [b for b in (_label_bounds(str(p)) for p in frame["period"].dropna()) if b]
    elif "fiscal_year" in frame.columns:
        for fy, q in zip(frame["fiscal_year"], _column(frame, "quarter"), strict=True):
            if pd.isna(fy):
                continue
            if pd.isna(q):
                start = fiscal_year_start(int(fy))
                bounds.append((start, _end(start, "year")))
            else:
                bounds.append(quarter_bounds(int(fy), int(q)))
    if not bounds:
        return None
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def _services(db: str | os.PathLike[str] | None, frame: pd.DataFrame) -> list[str] | None:
    """The services a frame's rows are about (None: every service)."""
    if "service_id" in frame.columns:
        return sorted(set(frame["service_id"].dropna().astype(str)))
    if "agency_id" in frame.columns:
        agencies = sorted(set(frame["agency_id"].dropna().astype(str)))
        found = _df(db, "SELECT service_id FROM services WHERE agency_id IN (SELECT unnest(?::VARCHAR[]))",
                    [agencies])
        return sorted(found["service_id"].astype(str))
    return None


def _quarter_index(day: date) -> int:
    fy, q = fiscal_quarter_of(day)
    return fy * 4 + q - 1


# --------------------------------------------------------------------------- loads behind a figure


def _load_ids_sql(tables: set[str], services: list[str] | None, span: tuple[date, date] | None
                  ) -> tuple[list[str], list]:
    """One SELECT of load ids per fact table, with their parameters."""
    parts: list[str] = []
    params: list = []

    def scoped(sql: str, service_col: bool = True) -> None:
        where = []
        if services is not None and service_col:
            where.append("service_id IN (SELECT unnest(?::VARCHAR[]))")
            params.append(services)
        parts.append(sql.format(where=(" AND " + " AND ".join(where)) if where else ""))

    if "survey" in tables:
        if span:
            params += [_quarter_index(span[0]), _quarter_index(span[1])]
        scoped("SELECT load_id FROM survey_results WHERE "
               + ("fiscal_year * 4 + quarter - 1 BETWEEN ? AND ?" if span else "true") + "{where}")
    if "events" in tables:
        if span:
            params += [span[0], span[1]]
        scoped("SELECT unnest(load_ids) AS load_id FROM service_period WHERE grain = 'month'"
               + (" AND period_start BETWEEN ? AND ?" if span else "") + "{where}")
    if "observations" in tables:
        if span:
            params += [span[1], span[0]]
        scoped("SELECT load_id FROM metric_observations WHERE "
               + ("period_start <= ? AND period_end >= ?" if span else "true") + "{where}")
    if "gpra" in tables:
        scoped("SELECT load_id FROM gpra_indicators WHERE true{where}", service_col=False)
    return parts, params


def figure_loads(db: str | os.PathLike[str] | None, frame: pd.DataFrame,
                 families: Iterable[str] | None = None) -> pd.DataFrame:
    """The loads that hold the figures `frame` shows, newest first (`LOAD_COLUMNS`), as the current
    viewer may see them: `file_name` is missing where the viewer may not see it (another agency's or
    a shared file for a manager; every file for the public)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=LOAD_COLUMNS)
    tables = _tables(frame, families_of(frame) if families is None else families)
    if not tables:
        return pd.DataFrame(columns=LOAD_COLUMNS)
    parts, params = _load_ids_sql(tables, _services(db, frame), window(frame))
    sql = (f"WITH ids AS ({' UNION '.join(parts)}) SELECT l.load_id, l.file_name, l.kind, l.finished_at,"
           " l.synthetic FROM loads l WHERE l.status <> 'refused' AND l.load_id IN (SELECT load_id FROM ids)"
           " ORDER BY l.finished_at DESC, l.load_id DESC")
    return _df(db, sql, params)[LOAD_COLUMNS]


# --------------------------------------------------------------------------- the published source


def source_url(text: object) -> str | None:
    """The first web address in a recorded source text, if any."""
    found = _URL.search(str(text)) if isinstance(text, str) else None
    return found.group(0) if found else None


def published_sources(db: str | os.PathLike[str] | None, frame: pd.DataFrame) -> pd.DataFrame:
    """Who published the figures of `frame`'s services and periods (`SOURCE_COLUMNS`), one row per
    source: a public-record source as recorded, else the A-11 reports published by OMB here.

    The publishing moves are read as the current viewer sees them (everyone sees when a quarter was
    published); the public-record source text of those moves is read as OMB, since it is the public
    record itself (as `metrics.reporting` reads it)."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    services = _services(db, frame)
    return _published_sources(db, tuple(services) if services is not None else None, window(frame))


@memo  # every chart of a page asks, most about the same services and periods
def _published_sources(db: str, services: tuple[str, ...] | None,
                       span: tuple[date, date] | None) -> pd.DataFrame:
    # Every published service-quarter in one query (cached for the page's other charts), then this
    # scope's services and quarters: the filters are on the groups' keys, so the rows are the same.
    moves = _df(db, "SELECT h.service_id, h.fiscal_year, h.quarter, max(h.moved_at) AS published_at,"
                 " coalesce(a.bureau, a.department) AS agency FROM reporting_history h"
                 " LEFT JOIN services s USING (service_id) LEFT JOIN agencies a ON a.agency_id = s.agency_id"
                 " WHERE h.to_state = 'published' GROUP BY ALL", [])
    if services is not None:
        moves = moves[moves["service_id"].isin(list(services))]
    if span:
        index = moves["fiscal_year"] * 4 + moves["quarter"] - 1
        moves = moves[index.between(_quarter_index(span[0]), _quarter_index(span[1]))]
    moves = moves.reset_index(drop=True)
    if moves.empty:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    with viewing(OMB):
        record = _df(db,
            "SELECT service_id, fiscal_year, quarter, arg_max(reason, moved_at) AS reason"
            " FROM reporting_history WHERE to_state = 'published' AND starts_with(reason, ?) GROUP BY ALL",
            [PUBLIC_RECORD])
    moves = moves.merge(record, on=["service_id", "fiscal_year", "quarter"], how="left")
    moves["public_record"] = moves["reason"].notna()
    moves["source"] = [str(t)[len(PUBLIC_RECORD):].strip() if pd.notna(t) else A11_SOURCE
                       for t in moves["reason"]]
    out = moves.groupby(["source", "public_record"], as_index=False).agg(
        agencies=("agency", lambda s: sorted(set(s.dropna()))), quarters=("quarter", "size"),
        first_published=("published_at", "min"), last_published=("published_at", "max"))
    out["url"] = out["source"].map(source_url)
    return out.sort_values("last_published", ascending=False, ignore_index=True)[SOURCE_COLUMNS]
