"""Benchmark: metrics functions (reading ingest's rollups) against hand-written queries on raw events.

    .venv/bin/python bench/metrics.py [--events 10000000] [--keep DIR]

Generates N service events on the spot with DuckDB SQL (a Parquet file, 25 HISP services, four
channels, FY2023-FY2025), loads them the honest way - through ingest.loader.load, so the rollups are
ingest's - and then, in one run, times each metrics function (uncached) against a DuckDB query that
computes the same numbers straight from service_events, checks the numbers agree, and prints a table
with the ratio metrics / raw (the aim is <= 1.3x). Also prints the load time and the time to
refresh the rollups for all services.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import event_files  # noqa: E402
from core.declarations import load_declarations  # noqa: E402
from core.paths import DATA_DIR  # noqa: E402
from core.units import convert  # noqa: E402
from ingest.loader import load  # noqa: E402
from ingest.rollup import refresh  # noqa: E402
from metrics.scorecard import standards_scorecard  # noqa: E402
from metrics.standards import GRAIN_COLUMNS, standards_status  # noqa: E402
from metrics.survey import driver_scores  # noqa: E402

GENERATE = """
COPY (
    WITH s AS (SELECT row_number() OVER () - 1 AS si, service_id FROM read_csv('{services}')),
    base AS (
        SELECT i, i % 25 AS si, ['online', 'phone', 'in-person', 'mail'][1 + (i // 25) % 4] AS channel,
               TIMESTAMP '2022-10-01 06:00:00' + to_seconds((random() * 94000000)::BIGINT) AS received_at,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2, random() AS u
        FROM range({n}) t(i)
    )
    SELECT 'B' || i AS event_id, s.service_id, channel,
           strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at,
           CASE WHEN outcome IN ('abandoned', 'pending', 'withdrawn') THEN NULL
                ELSE strftime(received_at + to_seconds((proc * 60)::BIGINT), '%Y-%m-%d %H:%M:%S') END
             AS completed_at,
           CASE WHEN channel IN ('phone', 'in-person') THEN round(exp(ln(6) + 0.9 * z1), 1) END
             AS wait_minutes,
           outcome
    FROM (
        SELECT *, CASE channel WHEN 'online' THEN exp(ln(10) + 0.8 * z2)
                               WHEN 'phone' THEN exp(ln(9) + 0.5 * z2)
                               WHEN 'in-person' THEN exp(ln(25) + 0.5 * z2)
                               ELSE exp(ln(40 * 1440) + 0.35 * z2) END AS proc,
               CASE WHEN channel = 'phone' AND u < 0.08 THEN 'abandoned'
                    WHEN channel = 'mail' AND u < 0.01 THEN 'pending'
                    WHEN channel = 'in-person' AND u < 0.02 THEN 'withdrawn'
                    WHEN channel = 'phone' AND u < 0.7 THEN 'resolved_first_contact'
                    ELSE 'completed' END AS outcome
        FROM base
    ) JOIN s USING (si)
) TO '{out}' (FORMAT parquet)
"""


def generate(path: Path, n: int) -> None:
    con = duckdb.connect()
    con.execute("SELECT setseed(0.13571)")
    con.execute(GENERATE.format(services=DATA_DIR / "services.csv", n=n, out=path))
    con.close()


def raw_standards_sql(grain: str) -> tuple[str, list]:
    """Per standard x period from raw events: n, within, median and p90 of the measure, by hand.

    The judging version of each period (in force on its last day) is listed inline, exactly as a
    person writing the query from data/standards.yaml would.
    """
    decl = load_declarations()
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    col = GRAIN_COLUMNS[grain]
    con = duckdb.connect()
    periods = con.execute(
        f"SELECT DISTINCT {col}, ({col} + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE FROM ("
        "SELECT d::DATE AS date, date_trunc('month', d)::DATE AS month_start,"
        " (date_trunc('quarter', d + INTERVAL 3 MONTH) - INTERVAL 3 MONTH)::DATE AS quarter_start,"
        " make_date(year(d + INTERVAL 3 MONTH) - 1, 10, 1) AS fiscal_year_start"
        " FROM range(DATE '2022-10-01', DATE '2025-10-01', INTERVAL 1 DAY) t(d)) ORDER BY 1").fetchall()
    con.close()
    values, params = [], []
    for sid in decl.standard_ids:
        for start, end in periods:
            v = decl.version_for(sid, start, end)
            measure = v and decl.event_measure(v)
            if measure:
                values.append("(?, ?, ?, ?, ?::DOUBLE, ?::DATE, ?::DATE)")
                params += [sid, v.service, v.channel, measure, convert(v.threshold.value, v.threshold.unit,
                                                                       "minutes"), start, end]
    sql = f"""
        WITH v(standard_id, service_id, channel, measure, thr, p0, p1) AS (VALUES {', '.join(values)}),
        as_of AS (SELECT service_id, max(greatest(received_at, coalesce(completed_at, received_at))) AS t
                  FROM service_events GROUP BY ALL)
        SELECT v.standard_id, v.p0 AS period_start,
               count(*) FILTER (WHERE CASE v.measure WHEN 'wait_minutes' THEN e.wait_minutes IS NOT NULL
                   ELSE e.processing_minutes IS NOT NULL OR (e.completed_at IS NULL
                        AND coalesce(e.outcome, 'pending') = 'pending'
                        AND date_diff('second', e.received_at, a.t) / 60.0 > v.thr) END) AS n,
               count(*) FILTER (WHERE CASE v.measure
                   WHEN 'wait_minutes' THEN e.wait_minutes <= v.thr AND coalesce(e.outcome, '') <> 'abandoned'
                   ELSE e.processing_minutes <= v.thr END) AS within,
               quantile_cont(CASE v.measure WHEN 'wait_minutes' THEN e.wait_minutes
                             ELSE e.processing_minutes END, 0.5) AS median
        FROM service_events e JOIN as_of a USING (service_id)
        JOIN v ON v.service_id = e.service_id AND (v.channel IS NULL OR v.channel = e.channel)
         AND CAST(e.received_at AS DATE) BETWEEN v.p0 AND v.p1
        GROUP BY ALL ORDER BY 1, 2
    """
    return sql, params


def best_of(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def check_standards(ours: pd.DataFrame, raw: pd.DataFrame) -> bool:
    ev = ours[ours["source"] == "events"][["standard_id", "period_start", "n", "within"]]
    raw = raw.assign(period_start=pd.to_datetime(raw["period_start"]).dt.date)
    merged = ev.merge(raw, on=["standard_id", "period_start"], suffixes=("", "_raw"))
    return len(merged) == len(ev) == len(raw) and bool(
        (merged["n"] == merged["n_raw"]).all() and (merged["within"] == merged["within_raw"]).all())


def uncached(fn: Callable[..., pd.DataFrame], *args: object) -> Callable[[], pd.DataFrame]:
    """Call a metrics function with every metrics cache emptied first: no result is reused."""
    def run() -> pd.DataFrame:
        for cached_fn in (standards_status, standards_scorecard, driver_scores):
            cached_fn.cache_clear()
        return fn(*args)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="servicestat-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    parquet, db = work / "bench_events.parquet", work / "bench.duckdb"
    for p in (db, parquet):
        p.unlink(missing_ok=True)
    shutil.rmtree(event_files.dataset_dir(db), ignore_errors=True)

    t0 = time.perf_counter()
    generate(parquet, args.events)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = load([parquet], db=db, kind="service-events")[0]
    t_load = time.perf_counter() - t0
    assert result.status == "loaded", (result.status, result.problems[:3])
    con = duckdb.connect(str(db), read_only=True)
    wired = con.execute("SELECT count(*) FROM service_daily").fetchall()[0][0] > 0 if con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'service_daily'").fetchall()[0][0] else False
    con.close()
    t0 = time.perf_counter()
    refresh(db)
    t_refresh = time.perf_counter() - t0
    print(f"{args.events:,} events: generated in {t_gen:.1f} s, loaded through ingest.loader.load in "
          f"{t_load:.1f} s ({'rollups built by the loader' if wired else 'loader not yet wired to rollups'}),"
          f" full rollup refresh {t_refresh:.1f} s")

    raw_con = event_files.read_only(db)  # the events as stored: Parquet files the manifest lists

    def raw(sql: str, params: list | None = None) -> Callable[[], pd.DataFrame]:
        return lambda: raw_con.execute(sql, params or []).df()

    cases = []
    for grain in ("month", "quarter", "year"):
        sql, params = raw_standards_sql(grain)
        cases.append((f"standards_status({grain})", uncached(standards_status, str(db), grain),
                      raw(sql, params), check_standards))
    cases.append(("standards_scorecard(year)", uncached(standards_scorecard, str(db), "year"),
                  raw(*raw_standards_sql("year")), None))
    rows = []
    for name, ours, theirs, check in cases:
        t_raw, raw_result = best_of(theirs, args.repeat)
        t_ours, our_result = best_of(ours, args.repeat)
        agree = "" if check is None else ("yes" if check(our_result, raw_result) else "NO")
        rows.append((name, t_ours, t_raw, t_ours / t_raw, agree))
    raw_con.close()
    width = max(len(r[0]) for r in rows)
    print(f"\n{'function':<{width}}  {'metrics s':>9}  {'raw SQL s':>9}  {'ratio':>6}  same numbers")
    for name, a, b, ratio, agree in rows:
        print(f"{name:<{width}}  {a:9.3f}  {b:9.3f}  {ratio:5.2f}x  {agree}")
    print(f"\nmedian ratio {statistics.median(r[3] for r in rows):.2f}x; files in {work}")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
