"""Rollups of the service events, so that dashboard queries never scan raw transactions.

Built by ingest (the only writer) after a service-events load, inside the same transaction:

* `service_daily` - per day x service x channel: counts and exact median / p90 of waits and
  processing times (`quantile_cont`); this and `service_daily_standard` are defined once in Ibis
  (`ingest.ibis_rollup`, which also runs on Spark) and compiled to DuckDB SQL here;
* `service_daily_standard` - per day x service x channel x standard version in force that day:
  events judged and events within the threshold (additive, so any range of days can be summed);
* `service_period` / `service_period_standard` - the same per calendar month, federal fiscal
  quarter and fiscal year, with channel 'all' for the service as a whole. Medians of days cannot be
  combined into a month's median, so each period's quantiles are recomputed from its events here,
  at refresh time, and each period is counted against the standard version that judges it (the one
  in force on the period's last day, see `Declarations.version_for`).

Which events count against a threshold, and which are within it, is defined once in `core.rules`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from core.declarations import load_declarations
from core.models import Declarations
from core.paths import DATA_DIR
from core.rules import COUNTED_SQL, DAILY_COLUMNS, WITHIN_SQL, daily_versions, event_standards, events_sql
from core.schema import TABLES_BY_NAME
from core.units import convert
from core.yamlio import DeclarationError
from ingest.ibis_rollup import daily_sql, daily_standard_sql

ROLLUP_TABLES = ("service_daily", "service_daily_standard", "service_period", "service_period_standard")
GRAINS = {"month": ("month_start", 1), "quarter": ("quarter_start", 3), "year": ("fiscal_year_start", 12)}
PERIOD_COLUMNS = ["grain", "period_start", "standard_id", "service_id", "channel", "measure", "version_from",
                  "threshold_minutes"]

_MEASURES = """count(*) AS events,
    count(*) FILTER (WHERE is_completed) AS completed,
    count(*) FILTER (WHERE is_open) AS pending,
    count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
    count(*) FILTER (WHERE outcome = 'resolved_first_contact') AS resolved_first_contact,
    count(wait_minutes) AS n_wait, quantile_cont(wait_minutes, [0.5, 0.9]) AS wq,
    count(processing_minutes) AS n_processing, quantile_cont(processing_minutes, [0.5, 0.9]) AS pq,
    list(DISTINCT load_id ORDER BY load_id) AS load_ids"""
_OUT = ("events, completed, pending, abandoned, resolved_first_contact, n_wait, wq[1], wq[2],"
        " n_processing, pq[1], pq[2], load_ids")


def _period_versions(con: duckdb.DuckDBPyConnection, decl: Declarations, services: set[str] | None,
                     first: date, last: date) -> pd.DataFrame:
    """For each grain and period touching [first, last], the version of each standard that judges it."""
    rows = []
    for grain, (col, months) in GRAINS.items():
        periods = con.execute(
            f"SELECT DISTINCT {col}, ({col} + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE"
            f" FROM fiscal_calendar WHERE date BETWEEN ? AND ? ORDER BY 1", [first, last]
        ).fetchall()
        for sid, service, channel, measure in event_standards(decl):
            if services is not None and service not in services:
                continue
            for start, end in periods:
                v = decl.version_for(sid, start, end)
                if v is not None:
                    rows.append((grain, start, sid, service, channel, measure, v.effective_from,
                                 convert(v.threshold.value, v.threshold.unit, "minutes")))
    return pd.DataFrame(rows, columns=PERIOD_COLUMNS)


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame, date_col: str) -> None:
    """A typed temp table from a (possibly empty) frame of standard versions."""
    con.register(f"{name}_df", frame)
    typed = ", ".join(
        f"{c}::DATE AS {c}" if c in ("version_from", date_col) else
        f"{c}::DOUBLE AS {c}" if c == "threshold_minutes" else f"{c}::VARCHAR AS {c}"
        for c in frame.columns
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {typed} FROM {name}_df")
    con.unregister(f"{name}_df")


def _prepare_events(con: duckdb.DuckDBPyConnection, where: str) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _rollup_events AS {events_sql(where)}")


def _insert_daily(con: duckdb.DuckDBPyConnection, events: str = "_rollup_events") -> None:
    """The daily tables come from the one Ibis definition (ingest.ibis_rollup), compiled to DuckDB SQL."""
    con.execute(f"INSERT INTO service_daily BY NAME {daily_sql(events)}")
    con.execute("INSERT INTO service_daily_standard BY NAME "
                + daily_standard_sql(events, "_rollup_daily_versions"))


def _insert_periods(con: duckdb.DuckDBPyConnection, only_touched: bool = False) -> None:
    """Period rows from `_rollup_events`; with `only_touched`, only the periods in `_rollup_periods`."""
    for grain, (col, months) in GRAINS.items():
        restrict = (f"JOIN _rollup_periods rp ON rp.grain = '{grain}' AND rp.service_id = e.service_id"
                    f" AND rp.period_start = c.{col}") if only_touched else ""
        end = f"(p + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE"
        con.execute(
            f"""
            INSERT INTO service_period
            SELECT '{grain}', p, {end}, service_id, coalesce(channel, 'all'), first_day, last_day, {_OUT}
            FROM (
                SELECT c.{col} AS p, e.service_id, e.channel, min(e.day) AS first_day, max(e.day) AS last_day,
                       {_MEASURES}
                FROM _rollup_events e JOIN fiscal_calendar c ON c.date = e.day {restrict}
                GROUP BY GROUPING SETS ((p, e.service_id, e.channel), (p, e.service_id))
            )
            """
        )
        con.execute(
            f"""
            INSERT INTO service_period_standard
            SELECT '{grain}', v.period_start, e.service_id, coalesce(v.channel, 'all'), v.standard_id,
                   v.version_from, v.threshold_minutes, v.measure,
                   count(*) FILTER (WHERE {COUNTED_SQL}), count(*) FILTER (WHERE {WITHIN_SQL})
            FROM _rollup_events e
            JOIN fiscal_calendar c ON c.date = e.day {restrict}
            JOIN _rollup_period_versions v
              ON v.grain = '{grain}' AND v.period_start = c.{col} AND v.service_id = e.service_id
             AND (v.channel IS NULL OR v.channel = e.channel)
            GROUP BY ALL
            """
        )


def _touched_periods(con: duckdb.DuckDBPyConnection, touched: str) -> None:
    """`_rollup_days` (service-days to rebuild) and `_rollup_periods` (grain, service, period) from
    `touched`, widened by the days of the same services that hold open events: an open event's age
    is counted to its service's latest timestamp, which the load may have moved."""
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_days AS SELECT DISTINCT service_id, day::DATE AS day"
                f" FROM ({touched}) WHERE service_id IS NOT NULL AND day IS NOT NULL")
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_services AS"
                " SELECT DISTINCT service_id FROM _rollup_days")
    con.execute(
        "INSERT INTO _rollup_days SELECT DISTINCT service_id, received_at::DATE FROM service_events"
        " WHERE service_id IN (SELECT service_id FROM _rollup_services) AND completed_at IS NULL"
        " AND coalesce(outcome, 'pending') = 'pending'"
        " EXCEPT SELECT service_id, day FROM _rollup_days")
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_periods AS " + " UNION ".join(
        f"SELECT DISTINCT '{grain}' AS grain, d.service_id, c.{col} AS period_start"
        " FROM _rollup_days d JOIN fiscal_calendar c ON c.date = d.day"
        for grain, (col, _) in GRAINS.items()))


def _refresh_touched(con: duckdb.DuckDBPyConnection, decl: Declarations | None, touched: str,
                     latest_elsewhere: str | None = None) -> None:
    """Rebuild only the touched service-days and the months, quarters and years that hold them.

    A period's quantiles are recomputed from all its events (medians do not add up), so a load
    costs the events of the periods it touched, never the whole warehouse.
    """
    _touched_periods(con, touched)
    for name in ("service_daily", "service_daily_standard"):
        con.execute(f"DELETE FROM {name} t USING _rollup_days d"
                    " WHERE t.service_id = d.service_id AND t.day = d.day")
    for name in ("service_period", "service_period_standard"):
        con.execute(f"DELETE FROM {name} t USING _rollup_periods p WHERE t.grain = p.grain"
                    " AND t.service_id = p.service_id AND t.period_start = p.period_start")
    # Each touched year holds its quarters and months, so its events are all the periods need.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rollup_events AS SELECT e.*"
        f" FROM ({events_sql('service_id IN (SELECT service_id FROM _rollup_services)', latest_elsewhere)}) e"
        " JOIN fiscal_calendar c ON c.date = e.day"
        " JOIN _rollup_periods y ON y.grain = 'year' AND y.service_id = e.service_id"
        " AND y.period_start = c.fiscal_year_start")
    con.execute("CREATE OR REPLACE TEMP VIEW _rollup_events_daily AS SELECT e.* FROM _rollup_events e"
                " JOIN _rollup_days d ON d.service_id = e.service_id AND d.day = e.day")
    first, last = con.execute("SELECT min(day), max(day) FROM _rollup_events").fetchall()[0]
    if first is None:
        return
    wanted = {r[0] for r in con.execute("SELECT service_id FROM _rollup_services").fetchall()}
    daily = daily_versions(decl, wanted) if decl else pd.DataFrame(columns=DAILY_COLUMNS)
    periods = (_period_versions(con, decl, wanted, first, last) if decl
               else pd.DataFrame(columns=PERIOD_COLUMNS))
    _temp_table(con, "_rollup_daily_versions", daily, "version_to")
    _temp_table(con, "_rollup_period_versions", periods, "period_start")
    _insert_daily(con, "_rollup_events_daily")
    _insert_periods(con, only_touched=True)


def refresh_rollups(con: duckdb.DuckDBPyConnection, service_ids: Iterable[str] | None = None,
                    data_dir: str | os.PathLike[str] = DATA_DIR, touched: str | None = None,
                    latest_elsewhere: str | None = None) -> list[str]:
    """(Re)build the rollups for `service_ids` (all services when None) on a writer connection.

    With `touched` (SQL selecting `service_id, day`: the service-days whose events changed, as a
    load knows them) only those days and the periods holding them are rebuilt; the result is the
    same as a rebuild of the services (tests/test_rollup_incremental.py checks it). When
    `service_events` holds only part of the events (a load's working table, `ingest.events_dataset`),
    `latest_elsewhere` gives the services' latest times in the rest.
    Runs inside the caller's transaction when there is one. Returns warnings (e.g. the standards
    could not be read, so no within-standard counts were built) rather than failing the load.
    """
    warnings: list[str] = []
    for name in ROLLUP_TABLES:
        con.execute(TABLES_BY_NAME[name].ddl())
    try:
        decl: Declarations | None = load_declarations(Path(data_dir))
    except DeclarationError as exc:
        decl = None
        warnings.append(f"rollups built without standards: the declarations have {len(exc.problems)} "
                        f"problem(s); run `servicestat check` ({exc.problems[0]})")
    if touched is not None:
        try:
            _refresh_touched(con, decl, touched, latest_elsewhere)
        finally:
            con.execute("DROP VIEW IF EXISTS temp._rollup_events_daily")
            for temp in ("_rollup_events", "_rollup_daily_versions", "_rollup_period_versions",
                         "_rollup_services", "_rollup_days", "_rollup_periods"):
                con.execute(f"DROP TABLE IF EXISTS temp.{temp}")
        return warnings
    services = None if service_ids is None else sorted(set(service_ids))
    if services is None:
        where = "true"
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _rollup_services (service_id VARCHAR)")
        if services:
            con.executemany("INSERT INTO _rollup_services VALUES (?)", [[s] for s in services])
        where = "service_id IN (SELECT service_id FROM _rollup_services)"
    for name in ROLLUP_TABLES:
        con.execute(f"DELETE FROM {name} WHERE {where}")
    try:
        _prepare_events(con, where)
        first, last = con.execute("SELECT min(day), max(day) FROM _rollup_events").fetchall()[0]
        if first is None:
            return warnings
        wanted = None if services is None else set(services)
        daily = daily_versions(decl, wanted) if decl else pd.DataFrame(columns=DAILY_COLUMNS)
        periods = (_period_versions(con, decl, wanted, first, last) if decl
                   else pd.DataFrame(columns=PERIOD_COLUMNS))
        _temp_table(con, "_rollup_daily_versions", daily, "version_to")
        _temp_table(con, "_rollup_period_versions", periods, "period_start")
        _insert_daily(con)
        _insert_periods(con)
    finally:
        for temp in ("_rollup_events", "_rollup_daily_versions", "_rollup_period_versions",
                     "_rollup_services"):
            con.execute(f"DROP TABLE IF EXISTS temp.{temp}")
    return warnings


def refresh(db: str | os.PathLike[str] | None = None, service_ids: Iterable[str] | None = None,
            data_dir: str | os.PathLike[str] = DATA_DIR) -> list[str]:
    """Rebuild the rollups of a published warehouse (after the standards changed, say)."""
    from core.paths import db_path
    from ingest.warehouse import writer

    with writer(db_path(db)) as con:
        return refresh_rollups(con, service_ids, data_dir)
