"""Read-only access to the warehouse that follows ingest's atomic swaps, scoped to the viewer.

Ingest publishes a new warehouse by replacing the file (a new inode). `query` notices that and
reopens, so long-running readers (the dashboard, the API) show a new load without a restart,
and never hold a lock that would block a writer. Results can be cached per warehouse version:
`version()` changes exactly when a load is published.

Roles are enforced here, where every query of the metrics layer runs, so that no page, export or
future metric can forget them. For a viewer other than OMB the cursor does not `USE warehouse`:
it uses a schema of the in-memory catalog holding one view per warehouse table, with the table's
name and columns, that shows only what the viewer may see (`SCOPES` below says how each table is
filtered; a table without a rule shows no rows). Since one connection serves one warehouse version
(a new file means a new connection), the helper tables of a viewer's schema are built once per
version. The rules:

* a fact row belongs to its service and the fiscal quarter(s) of its date or period; it is visible
  when that service-quarter is `published` (every quarter of a fiscal-year figure must be), or
  when the viewer is the manager of the service's agency; OMB sees everything;
* `rejects` and `load_warnings` (raw rows, operator messages) are shown to OMB and to the manager
  whose agency owns the load (every row it wrote is of the agency's services), to no one else;
  `loads`: a viewer sees a load when a row it wrote is visible to them (so the public sees loads
  that landed something of a published quarter, or reference data; not refused loads, nor loads of
  unpublished quarters), with `file_name`, `sha256` and `message` blanked unless the load is their
  agency's own;
* reporting workflow: every service-quarter's state is visible (reporting compliance is public),
  but who moved it and why only to its own agency and OMB; the history shows others only the
  submission, publishing and not-reported moves (when, not who or why);
* reference tables (agencies, providers, services, service aliases, channels, calendar, ACSI
  benchmarks) pass through, and so do `gpra_indicators`: they are read from agencies' public Annual
  Performance Reports, published documents that are outside the A-11 quarterly workflow.

A fiscal-year figure stored as one row (a `year` rollup) is covered by the views above. But most year
figures are *computed* from quarterly rows (a year's survey answers summed over its quarters, a year's
reported figures added up from months): each of those rows is visible on its own, so the views alone
would let FY2025 be judged on Q1-Q3 while Q4 is unpublished. `withhold_partial_years` is the rule for
those, applied to every published table (metrics.registry): a row that is a fiscal-year figure of a
service (or of an agency, or of several services) is dropped when, for any of its services, a quarter
of that year holds figures the viewer may not see (`partial_years`; a quarter without figures hides
nothing). That set is worked out once per warehouse version and viewer.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core import event_files
from core.fiscal import fiscal_columns
from core.paths import db_path
from core.sqltext import ident, literal
from metrics.access import Viewer, current_viewer


class WarehouseMissing(FileNotFoundError):
    """There is no warehouse file yet: run `servicestat ingest` or `servicestat demo`."""


def quarter_index(date_sql: str) -> str:
    """SQL for the fiscal quarter index fiscal_year * 4 + quarter - 1 of a DATE/TIMESTAMP expression."""
    return f"((year({date_sql}) * 12 + month({date_sql}) + 2) // 3)"


FISCAL_QUARTER = "(t.fiscal_year * 4 + t.quarter - 1)"

#: Quarter indexes an agency manager's own services are visible for (fiscal years 1980-2110).
_QI_RANGE = (1980 * 4, 2111 * 4)


@dataclass(frozen=True)
class Scope:
    """How one table is shown to a viewer who is not OMB.

    kind: `pass` (all rows), `quarter` (rows of visible service-quarters: `first`..`last` are SQL
    quarter indexes of the row, alias t), `own_loads` (rows of loads the viewer's agency owns),
    `mask` (all rows; `masked` columns NULL unless the row is the viewer's own, see `own`),
    `loads` (like `mask`, but only the viewer's own loads and loads that wrote a row they can see),
    `history` (own rows, and others' publishing moves with `masked` columns NULL), `own_or_shown`
    (an agency manager: their agency's rows, by `own`; the public: the rows where `shown` holds whose
    service-quarter, `first`, is visible; `masked` columns NULL in rows not the viewer's own).
    """

    kind: str
    first: str = ""
    last: str = ""
    masked: tuple[str, ...] = ()
    own: str = ""  # SQL: true when the row is the viewer's own (alias t)
    shown: str = ""  # SQL, kind own_or_shown: true when the public may see the row (alias t)


_OWN_SERVICE = "t.service_id IN (SELECT service_id FROM {s}._own_services)"
_OWN_LOAD = "t.load_id IN (SELECT load_id FROM {s}._own_loads)"
_OWN_AGENCY = "t.agency_id IN (SELECT agency_id FROM {s}._agency)"

SCOPES: dict[str, Scope] = {
    **{
        name: Scope("pass")
        for name in (
            "agencies",
            "services",
            "channels",
            "channel_aliases",
            "fiscal_calendar",
            "warehouse_info",
            "benchmarks",
            "gpra_indicators",
            "providers",
            "service_aliases",
        )
    },
    "service_events": Scope("quarter", quarter_index("t.received_at")),
    "metric_observations": Scope("quarter", quarter_index("t.period_start"), quarter_index("t.period_end")),
    "survey_results": Scope("quarter", FISCAL_QUARTER),
    "survey_mentions": Scope("quarter", FISCAL_QUARTER),
    "survey_volumes": Scope("quarter", FISCAL_QUARTER),
    "service_daily": Scope("quarter", quarter_index("t.day")),
    "service_daily_standard": Scope("quarter", quarter_index("t.day")),
    "service_period": Scope("quarter", quarter_index("t.period_start"), quarter_index("t.period_end")),
    "service_period_standard": Scope(
        "quarter",
        quarter_index("t.period_start"),
        quarter_index("t.period_start") + " + CASE WHEN t.grain = 'year' THEN 3 ELSE 0 END",
    ),
    # the events' manifest (core.event_files): storage, read by the reader itself, shown to no viewer
    "event_files": Scope("deny"),
    "event_files_retired": Scope("deny"),
    "loads": Scope("loads", masked=("file_name", "sha256", "message", "submitted_for"), own=_OWN_LOAD),
    "rejects": Scope("own_loads"),
    "load_warnings": Scope("own_loads"),
    "reporting_state": Scope("mask", masked=("updated_by", "reason"), own=_OWN_SERVICE),
    "reporting_history": Scope("history", masked=("moved_by", "reason"), own=_OWN_SERVICE),
    # alerts (publish/alerts.py): a manager their agency's, the public those marked public whose quarter
    # is published; who they were e-mailed to only to their agency
    "alerts": Scope("own_or_shown", FISCAL_QUARTER, masked=("sent_to", "sent_at"), own=_OWN_AGENCY,
                    shown="t.audience IN ('everyone', 'public')"),
}

#: States whose moves (when, not who or why) the history shows to viewers outside the agency.
PUBLIC_MOVES = ("submitted", "published", "not_reported")
#: Fact tables whose service_id says which agency owns a load.
_LOAD_OWNER_TABLES = ("service_events", "metric_observations", "survey_results", "survey_mentions",
                      "survey_volumes")


def schema_name(viewer: Viewer) -> str:
    """The in-memory schema holding a viewer's views (readable prefix, collision-free hash)."""
    return f"v_{viewer.role}_{hashlib.sha1(viewer.key.encode()).hexdigest()[:10]}"


def _build_scope(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> str:
    """Create the viewer's schema of views over the attached warehouse; return its qualified name."""
    s = f"memory.{ident(schema_name(viewer))}"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {s}")
    tables = {
        name: [
            (c, t)
            for c, t in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = 'warehouse'"
                " AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
        ]
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse'"
            " AND schema_name = 'main'"
        ).fetchall()
    }
    tables["service_events"] = list(event_files.EVENT_COLUMNS)  # a view of the Parquet files
    agency = viewer.agency_id if viewer.role == "agency" else None
    con.execute(f"CREATE OR REPLACE TABLE {s}._agency AS SELECT ?::VARCHAR AS agency_id WHERE ? IS NOT NULL",
                [agency, agency])
    con.execute(
        f"CREATE OR REPLACE TABLE {s}._own_services AS SELECT service_id FROM warehouse.main.services"
        " WHERE agency_id = ?",
        [agency],
    )
    published = (
        "SELECT service_id, fiscal_year * 4 + quarter - 1 AS qi FROM warehouse.main.reporting_state"
        " WHERE state = 'published'"
        if "reporting_state" in tables
        else "SELECT NULL::VARCHAR AS service_id, NULL::BIGINT AS qi WHERE false"
    )
    con.execute(
        f"CREATE OR REPLACE TABLE {s}._visible AS SELECT DISTINCT service_id, qi::BIGINT AS qi FROM ("
        f"{published} UNION ALL SELECT o.service_id, r.range FROM {s}._own_services o"
        f" CROSS JOIN range({_QI_RANGE[0]}, {_QI_RANGE[1]}) r)"
    )
    owners = " UNION ALL ".join(
        f"SELECT load_id, service_id FROM {_source(t)}" for t in _LOAD_OWNER_TABLES if t in tables
    )
    if agency is not None and owners:
        # A load is the agency's when every row it wrote is of the agency's services, or when it was
        # sent for the agency (a file that landed no row names no service; one with another agency's
        # rows is refused whole when sent for an agency, so it wrote none of theirs).
        sent = "submitted_for" in {c for c, _ in tables.get("loads", [])}  # older warehouses lack it
        con.execute(
            f"CREATE OR REPLACE TABLE {s}._own_loads AS SELECT load_id FROM ({owners}) GROUP BY load_id"
            f" HAVING bool_and(service_id IN (SELECT service_id FROM {s}._own_services))"
            + (" UNION SELECT load_id FROM warehouse.main.loads WHERE submitted_for = ?" if sent else ""),
            [agency] if sent else [],
        )
    else:
        con.execute(f"CREATE OR REPLACE TABLE {s}._own_loads AS SELECT NULL::BIGINT AS load_id WHERE false")
    deferred = {n for n in tables if SCOPES.get(n, Scope("deny")).kind == "loads"}
    for name, columns in tables.items():
        if name not in deferred:
            con.execute(f"CREATE OR REPLACE VIEW {s}.{ident(name)} AS {_view_sql(s, name, columns)}")
    # The loads that wrote a row this viewer can see, read through the viewer's own views.
    writers = [
        f"SELECT load_id FROM {s}.{ident(name)}"
        for name, columns in tables.items()
        if name not in deferred and SCOPES.get(name, Scope("deny")).kind in ("pass", "quarter")
        and ("load_id", "BIGINT") in columns
    ]
    con.execute(
        f"CREATE OR REPLACE TABLE {s}._shown_loads AS SELECT DISTINCT load_id FROM ("
        + (" UNION ALL ".join(writers) or "SELECT NULL::BIGINT AS load_id WHERE false") + ")"
    )
    for name in deferred:
        con.execute(f"CREATE OR REPLACE VIEW {s}.{ident(name)} AS {_view_sql(s, name, tables[name])}")
    return s


def _source(name: str) -> str:
    """Where a table is read from: the attached warehouse, or for the events the view of its files."""
    return "memory.main.service_events" if name == "service_events" else f"warehouse.main.{ident(name)}"


def _view_sql(s: str, name: str, columns: list[tuple[str, str]]) -> str:
    scope = SCOPES.get(name, Scope("deny"))
    source = f"{_source(name)} t"
    own = scope.own.format(s=s)
    if scope.kind == "pass":
        return f"SELECT t.* FROM {source}"
    if scope.kind == "quarter":
        first, last = scope.first, scope.last or scope.first
        one = f"(t.service_id, {first}) IN (SELECT (service_id, qi) FROM {s}._visible)"
        if not scope.last:
            return f"SELECT t.* FROM {source} WHERE {one}"
        every = (
            f"(SELECT count(*) FROM {s}._visible v WHERE v.service_id = t.service_id"
            f" AND v.qi BETWEEN {first} AND {last}) = {last} - {first} + 1"
        )
        return f"SELECT t.* FROM {source} WHERE CASE WHEN {first} = {last} THEN {one} ELSE {every} END"
    if scope.kind == "own_loads":
        return f"SELECT t.* FROM {source} WHERE {_OWN_LOAD.format(s=s)}"
    if scope.kind in ("mask", "history", "loads", "own_or_shown"):
        cols = ", ".join(
            f"CASE WHEN {own} THEN t.{ident(c)} ELSE NULL END::{t} AS {ident(c)}"
            if c in scope.masked
            else f"t.{ident(c)}"
            for c, t in columns
        )
        where = ""
        if scope.kind == "history":
            states = ", ".join(f"'{state}'" for state in PUBLIC_MOVES)
            where = f" WHERE {own} OR t.to_state IN ({states})"
        elif scope.kind == "loads":
            where = f" WHERE {own} OR t.load_id IN (SELECT load_id FROM {s}._shown_loads)"
        elif scope.kind == "own_or_shown":
            visible = f"(t.service_id, {scope.first}) IN (SELECT (service_id, qi) FROM {s}._visible)"
            public = f"NOT EXISTS (SELECT 1 FROM {s}._agency) AND {scope.shown} AND {visible}"
            where = f" WHERE {own} OR ({public})"
        return f"SELECT {cols} FROM {source}{where}"
    return f"SELECT t.* FROM {source} WHERE false"  # no rule: nothing for anyone but OMB


class Reader:
    """One read-only connection per warehouse version, shared by threads via cursors."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(db_path(path))
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version: tuple[int, int] | None = None
        self._scopes: dict[str, str] = {}

    def _stat_version(self) -> tuple[int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseMissing(
                f"no warehouse at {self.path}: run `servicestat demo` or `servicestat ingest`"
            ) from exc
        return (st.st_ino, st.st_mtime_ns)

    def version(self) -> tuple[int, int]:
        """Changes whenever ingest publishes a new warehouse; use it as a cache key."""
        return self._stat_version()

    def cursor(self, viewer: Viewer | None = None) -> duckdb.DuckDBPyConnection:
        """A cursor that sees what `viewer` (default: the current viewer) may see, by the tables' names."""
        viewer = viewer or current_viewer()
        current = self._stat_version()
        with self._lock:
            if self._con is None or current != self._version:
                # A fresh in-memory instance that attaches the file: duckdb.connect(path) would hand
                # back its cached instance of the *old* file. The old connection is not closed here,
                # since other threads may still be reading through its cursors; it goes with them.
                con = duckdb.connect(":memory:")
                con.execute(f"ATTACH {literal(self.path)} AS warehouse (READ_ONLY)")
                # The events are Parquet files the warehouse's manifest lists (core.event_files).
                event_files.add_view(con, self.path)
                self._con, self._version, self._scopes = con, current, {}
            if viewer.role == "omb":
                schema = "warehouse"
            else:
                if viewer.key not in self._scopes:
                    self._scopes[viewer.key] = _build_scope(self._con, viewer)
                schema = self._scopes[viewer.key]
            cur = self._con.cursor()
        cur.execute(f"USE {schema}")
        if schema == "warehouse":
            cur.execute(event_files.SEARCH_PATH)
        return cur

    def df(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        """Run a parameterised query as the current viewer and return a plain DataFrame."""
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def close(self) -> None:
        with self._lock:
            if self._con is not None:
                self._con.close()
                self._con = None
                self._version = None
                self._scopes = {}


_readers: dict[Path, Reader] = {}
_readers_lock = threading.Lock()


def reader(path: str | os.PathLike[str] | None = None) -> Reader:
    """The shared Reader for a warehouse path."""
    key = Path(db_path(path)).resolve()
    with _readers_lock:
        if key not in _readers:
            _readers[key] = Reader(key)
        return _readers[key]


# --- fiscal-year figures of partly visible years -------------------------------------------------------

#: Columns that place a row in a period finer than a fiscal year.
_FINER = ("quarter", "fiscal_quarter", "month", "day", "week")
_FY_LABEL = re.compile(r"^FY\s?(\d{4})$")


#: Fact tables and the fiscal quarter index of each row: the service-quarters that hold figures.
_HELD_QUARTERS = (
    ("survey_results", FISCAL_QUARTER),
    ("survey_mentions", FISCAL_QUARTER),
    ("survey_volumes", FISCAL_QUARTER),
    ("metric_observations", quarter_index("t.period_start")),
    ("service_daily", quarter_index("t.day")),
)


def partial_years(db: str | os.PathLike[str] | None = None,
                  viewer: Viewer | None = None) -> frozenset[tuple[str, int]]:
    """(service_id, fiscal_year) of which some quarter holds figures that `viewer` may not see (none for
    OMB). A quarter without any figures hides nothing: a year of three published quarters and one that
    was never reported is whole for everyone."""
    viewer = viewer or current_viewer()
    if viewer.role == "omb":
        return frozenset()
    path = str(Path(db_path(db)).resolve())
    return _partial_years(path, reader(path).version(), viewer)


@functools.lru_cache(maxsize=64)
def _partial_years(path: str, version: object, viewer: Viewer) -> frozenset[tuple[str, int]]:
    """`partial_years` of one warehouse version: every table and cached figure of a request asks it."""
    del version  # part of the key only
    cur = reader(path).cursor(viewer)
    try:
        present = {name for (name,) in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'warehouse'").fetchall()}
        held = " UNION ".join(
            f"SELECT DISTINCT service_id, {qi} AS qi FROM warehouse.main.{table} t"
            for table, qi in _HELD_QUARTERS if table in present
        )
        if not held:
            return frozenset()
        rows = cur.execute(
            f"SELECT DISTINCT service_id, qi // 4 FROM ({held}) h"
            " WHERE (service_id, qi) NOT IN (SELECT (service_id, qi) FROM _visible)"
        ).fetchall()
    finally:
        cur.close()
    return frozenset((str(service), int(year)) for service, year in rows)


def _row_years(frame: pd.DataFrame) -> pd.Series | None:
    """Each row's fiscal year when the row is a fiscal-year figure, else NA; None: no year rows."""
    if "grain" in frame.columns:
        is_year = frame["grain"].astype("object").eq("year").fillna(False).astype(bool)
    elif any(c in frame.columns for c in _FINER):
        return None
    elif "period" in frame.columns:
        is_year = frame["period"].astype("string").str.fullmatch(_FY_LABEL).fillna(False).astype(bool)
    elif "fiscal_year" in frame.columns and "period_start" not in frame.columns:
        is_year = pd.Series(True, index=frame.index)
    else:
        return None
    if not is_year.any():
        return None
    if "fiscal_year" in frame.columns:
        years = pd.to_numeric(frame["fiscal_year"], errors="coerce").astype("Int64")
    elif "period_start" in frame.columns:
        years = fiscal_columns(frame["period_start"])[0]
    else:
        years = pd.to_numeric(frame["period"].astype("string").str.extract(_FY_LABEL, expand=False),
                              errors="coerce").astype("Int64")
    return years.where(is_year.to_numpy())


def withhold_partial_years(frame: pd.DataFrame, db: str | os.PathLike[str] | None = None,
                           viewer: Viewer | None = None) -> pd.DataFrame:
    """`frame` without the fiscal-year figures the viewer may not have yet (see the module).

    A row's services: its `service_id`, else its `service` name, else every service of its
    `agency_id`; a row with none of these is a government-wide or declared figure and stays. Rows
    whose figure comes from a published document (`actual_source` of a GPRA report) stay too."""
    viewer = viewer or current_viewer()
    if viewer.role == "omb" or not isinstance(frame, pd.DataFrame) or frame.empty:
        return frame
    years = _row_years(frame)
    if years is None or years.isna().all():
        return frame
    partial = partial_years(db, viewer)
    if not partial:
        return frame
    services = reader(db).cursor(viewer)
    try:
        directory = services.execute("SELECT service_id, name, agency_id FROM services").df()
    finally:
        services.close()
    by_agency = directory.groupby("agency_id")["service_id"].apply(list).to_dict()
    by_name = dict(zip(directory["name"], directory["service_id"], strict=False))
    if "service_id" in frame.columns:
        owners = [[s] for s in frame["service_id"].astype("object")]
    elif "service" in frame.columns:
        owners = [[by_name.get(s, s)] for s in frame["service"].astype("object")]
    elif "agency_id" in frame.columns:
        owners = [by_agency.get(a, []) for a in frame["agency_id"].astype("object")]
    else:
        return frame
    documented = (frame["actual_source"].astype("object").eq("GPRA report").fillna(False).to_numpy()
                  if "actual_source" in frame.columns else [False] * len(frame))
    drop = [pd.notna(y) and not doc and any((str(s), int(y)) in partial for s in who)
            for y, who, doc in zip(years, owners, documented, strict=True)]
    if not any(drop):
        return frame
    return frame[[not d for d in drop]].reset_index(drop=True)
