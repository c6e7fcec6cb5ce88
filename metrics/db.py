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
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

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
    `history` (own rows, and others' publishing moves with `masked` columns NULL).
    """

    kind: str
    first: str = ""
    last: str = ""
    masked: tuple[str, ...] = ()
    own: str = ""  # SQL: true when the row is the viewer's own (alias t)


_OWN_SERVICE = "t.service_id IN (SELECT service_id FROM {s}._own_services)"
_OWN_LOAD = "t.load_id IN (SELECT load_id FROM {s}._own_loads)"

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
    "loads": Scope("loads", masked=("file_name", "sha256", "message"), own=_OWN_LOAD),
    "rejects": Scope("own_loads"),
    "load_warnings": Scope("own_loads"),
    "reporting_state": Scope("mask", masked=("updated_by", "reason"), own=_OWN_SERVICE),
    "reporting_history": Scope("history", masked=("moved_by", "reason"), own=_OWN_SERVICE),
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
    agency = viewer.agency_id if viewer.role == "agency" else None
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
        f"SELECT load_id, service_id FROM warehouse.main.{t}" for t in _LOAD_OWNER_TABLES if t in tables
    )
    if agency is not None and owners:
        con.execute(
            f"CREATE OR REPLACE TABLE {s}._own_loads AS SELECT load_id FROM ({owners}) GROUP BY load_id"
            f" HAVING bool_and(service_id IN (SELECT service_id FROM {s}._own_services))"
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


def _view_sql(s: str, name: str, columns: list[tuple[str, str]]) -> str:
    scope = SCOPES.get(name, Scope("deny"))
    source = f"warehouse.main.{ident(name)} t"
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
    if scope.kind in ("mask", "history", "loads"):
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
                self._con, self._version, self._scopes = con, current, {}
            if viewer.role == "omb":
                schema = "warehouse"
            else:
                if viewer.key not in self._scopes:
                    self._scopes[viewer.key] = _build_scope(self._con, viewer)
                schema = self._scopes[viewer.key]
            cur = self._con.cursor()
        cur.execute(f"USE {schema}")
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
