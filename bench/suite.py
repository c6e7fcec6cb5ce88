"""The benchmark suite: every figure of issue #7 measured side by side in one run, printed as one table.

Sections (each generates its own data in a temporary folder):
  ingest     the loader on a generated CSV vs DuckDB's own read_csv into a table, its peak memory, and
             a weekly file of 10,000 rows into the warehouse it built vs into an empty warehouse;
  rollup     the Ibis daily rollup on DuckDB vs a hand-written DuckDB query of the same aggregates, on
             a small and a 10x larger hive-partitioned Parquet event set (and the growth between them);
  spark      the same Ibis rollup on Spark local mode vs on DuckDB (reported, not a goal);
  dashboard  every registered page's render callback (cold caches), median and p95, on a small and a
             large warehouse;
  memory     peak RSS of `servicestat serve` after every page, small vs large warehouse;
  load       50 concurrent locust users vs one user against `servicestat serve` (p95 and errors).

Sizes: full (default) 10M ingest rows, 10M/100M rollup events, 1M/10M dashboard events (see --help);
--quick runs everything small in about two minutes.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Sizes:
    ingest_rows: int
    rollup_small: int
    rollup_large: int
    spark_events: int
    dash_small: int
    dash_large: int
    dash_repeat: int
    load_users: int
    load_seconds: float
    baseline_seconds: float
    rollup_repeat: int = 3
    weekly_rows: int = 10_000


FULL = Sizes(10_000_000, 10_000_000, 100_000_000, 10_000_000, 1_000_000, 10_000_000, 10, 50, 60, 15)
QUICK = Sizes(100_000, 200_000, 2_000_000, 20_000, 5_000, 50_000, 2, 50, 6, 3, rollup_repeat=2)


@dataclass
class Row:
    section: str
    measure: str
    ours: str
    reference: str
    ratio: float | None
    aim: str
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    def add(self, *args: object, **kwargs: object) -> None:
        self.rows.append(Row(*args, **kwargs))  # type: ignore[arg-type]

    def table(self) -> str:
        head = ("section", "measure", "ServiceStat", "reference", "ratio", "aim", "note")
        body = [(r.section, r.measure, r.ours, r.reference, "-" if r.ratio is None else f"{r.ratio:.2f}x",
                 r.aim, r.note) for r in self.rows]
        widths = [max(len(str(x)) for x in col) for col in zip(head, *body, strict=True)]
        lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
                 for line in (head, *body)]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 ** 2
    return (f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {cpu}; Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best of `repeat` wall-clock runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# --- data ---------------------------------------------------------------------------------------

SERVICES_SQL = "SELECT service_id, agency_id FROM read_csv('{services}') ORDER BY service_id"


def generate_events_parquet(root: Path, n: int, by_month: bool = True) -> Path:
    """`n` service events as a hive-partitioned Parquet dataset (agency_id=/month=), written by DuckDB.

    Pseudo-random from hashes of the row number, so the same n always gives the same events.
    """
    from core.paths import DATA_DIR

    con = duckdb.connect()
    services = SERVICES_SQL.format(services=DATA_DIR / "services.csv")
    con.execute(f"CREATE TEMP TABLE s AS SELECT row_number() OVER () - 1 AS si, * FROM ({services})")
    k = con.execute("SELECT count(*) FROM s").fetchone()[0]
    con.execute(
        f"""
        COPY (
          WITH base AS (
            SELECT i, hash(i) AS h1, hash(i + 1000000007) AS h2,
                   TIMESTAMP '2022-10-01 06:00:00' + to_seconds((hash(i * 7) % 94000000)::BIGINT)
                     AS received_at,
                   ['online', 'phone', 'in-person', 'mail'][1 + (i // 25) % 4] AS channel, i % {k} AS si
            FROM range({n}) t(i)
          ), ev AS (
            SELECT *, CASE WHEN channel = 'phone' AND h1 % 100 < 8 THEN 'abandoned'
                           WHEN channel = 'mail' AND h1 % 100 < 1 THEN 'pending'
                           WHEN channel = 'phone' AND h1 % 100 < 70 THEN 'resolved_first_contact'
                           ELSE 'completed' END AS outcome,
                      CASE channel WHEN 'mail' THEN 1440 * (10 + (h2 % 5000) / 100.0)
                                   ELSE 1 + (h2 % 6000) / 100.0 END AS proc
            FROM base
          )
          SELECT s.service_id, ev.channel, ev.received_at,
                 CASE WHEN outcome IN ('abandoned', 'pending') THEN NULL
                      ELSE ev.received_at + to_seconds((proc * 60)::BIGINT) END AS completed_at,
                 CASE WHEN ev.channel IN ('phone', 'in-person') THEN ((h1 // 100) % 3000) / 100.0 END
                   AS wait_minutes,
                 CASE WHEN outcome IN ('abandoned', 'pending') THEN NULL ELSE round(proc, 2) END
                   AS processing_minutes,
                 outcome, 1::BIGINT AS load_id, s.agency_id, strftime(ev.received_at, '%Y-%m') AS month
          FROM ev JOIN s USING (si)
        ) TO '{root}' (FORMAT parquet, PARTITION_BY (agency_id{", month" if by_month else ""}),
                       OVERWRITE_OR_IGNORE true)
        """
    )
    con.close()
    return root


HAND_ROLLUP = """
WITH ev AS (SELECT * FROM read_parquet('{glob}', hive_partitioning = true)),
as_of AS (SELECT service_id, max(greatest(received_at, coalesce(completed_at, received_at))) AS a
          FROM ev GROUP BY service_id),
e AS (SELECT ev.*, received_at::DATE AS day, completed_at IS NULL AND coalesce(outcome, 'pending') = 'pending'
             AS is_open, date_diff('second', received_at, as_of.a) / 60.0 AS age_minutes
      FROM ev JOIN as_of USING (service_id))
SELECT day, service_id, channel, count(*) AS events, count(completed_at) AS completed,
       count(*) FILTER (WHERE is_open) AS pending, count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
       count(*) FILTER (WHERE outcome = 'resolved_first_contact') AS resolved_first_contact,
       count(wait_minutes) AS n_wait, quantile_cont(wait_minutes, 0.5) AS wait_median,
       quantile_cont(wait_minutes, 0.9) AS wait_p90, count(processing_minutes) AS n_processing,
       quantile_cont(processing_minutes, 0.5) AS processing_median,
       quantile_cont(processing_minutes, 0.9) AS processing_p90,
       list(DISTINCT load_id ORDER BY load_id) AS load_ids
FROM e GROUP BY ALL
"""


# --- sections ------------------------------------------------------------------------------------


def bench_ingest(report: Report, work: Path, sizes: Sizes) -> None:
    """Ingest vs read_csv, then a weekly file into the warehouse that ingest built vs into an empty one."""
    from bench.incremental import measure
    from bench.ingest import generate_events_csv, ingest_run, time_floor, time_raw_duckdb

    csv = work / "ingest.csv"
    generate_events_csv(csv, sizes.ingest_rows)
    raw = time_raw_duckdb(csv, work)
    floor = time_floor(csv, work)
    ours = ingest_run(csv, work)
    n = sizes.ingest_rows
    report.add("ingest", f"rows/s, {n:,} rows CSV", f"{n / ours.seconds:,.0f}", f"{n / raw:,.0f} (read_csv)",
               ours.seconds / raw, "<= 1.5x", "time ratio; includes checks, rollups, event dataset, swap")
    report.add("ingest", f"floor: read_csv to partitioned Parquet, {n:,} rows", f"{floor:.2f} s",
               f"{raw:.2f} s (read_csv)", floor / raw, "reported",
               "DuckDB alone, no checks, rollups or manifest")
    report.add("ingest", f"ingest vs that floor, {n:,} rows", f"{ours.seconds:.2f} s",
               f"{floor:.2f} s (floor)", ours.seconds / floor, "reported",
               "what checks, duplicates, rollups and the manifest add")
    report.add("ingest", f"peak RSS, {n:,} rows CSV", f"{ours.peak_mb:,.0f} MB", "-", None, "<= 2,048 MB",
               "the ingest process (its VmHWM)")
    csv.unlink()
    (work / "raw.duckdb").unlink(missing_ok=True)
    empty, large = measure(work, work / "servicestat.duckdb", sizes.weekly_rows)
    report.add("ingest", f"{sizes.weekly_rows:,} rows into {n:,} events", f"{large.seconds:.2f} s",
               f"{empty.seconds:.2f} s (into empty)", large.seconds / empty.seconds, "<= 1.5x",
               "one service, the week after; fresh process each")
    report.add("ingest", f"peak RSS, {sizes.weekly_rows:,} rows into {n:,} events",
               f"{large.peak_mb:,.0f} MB",
               f"{empty.peak_mb:,.0f} MB (into empty)", large.peak_mb / empty.peak_mb, "<= 512 MB", "")


def _rollup_pair(root: Path, repeat: int) -> tuple[float, float, int]:
    from ingest import ibis_rollup

    files = ibis_rollup.expand_paths(str(root / "*" / "*" / "*.parquet"))
    eng = ibis_rollup.engine("duckdb")
    rows = {}

    def ours() -> None:  # the same table as the hand query: service_daily
        day = eng.backend.to_pyarrow(ibis_rollup.daily(ibis_rollup.prepare(eng.read(files))))
        rows["ours"] = day.num_rows

    con = duckdb.connect()
    sql = HAND_ROLLUP.format(glob=root / "*" / "*" / "*.parquet")

    def hand() -> None:
        rows["hand"] = con.sql(sql).to_arrow_table().num_rows

    t_hand = timed(hand, repeat)
    t_ours = timed(ours, repeat)
    if rows["ours"] != rows["hand"]:
        raise RuntimeError(f"rollup row counts differ: {rows}")
    return t_ours, t_hand, rows["ours"]


def bench_rollup(report: Report, work: Path, sizes: Sizes) -> None:
    results = {}
    for n in (sizes.rollup_small, sizes.rollup_large):
        root = work / f"events-{n}"
        generate_events_parquet(root, n)
        t_ours, t_hand, rows = _rollup_pair(root, sizes.rollup_repeat)
        results[n] = t_ours
        report.add("rollup", f"daily rollup, {n:,} events", f"{t_ours:.2f} s", f"{t_hand:.2f} s (hand SQL)",
                   t_ours / t_hand, "<= 1.2x", f"Ibis on DuckDB -> Arrow; {rows:,} service_daily rows")
        if n != sizes.rollup_large:
            subprocess.run(["rm", "-rf", str(root)], check=True)
    small, large = sizes.rollup_small, sizes.rollup_large
    report.add("rollup", f"growth {small:,} -> {large:,} events", f"{results[large] / results[small]:.1f}x",
               f"{large / small:.0f}x (linear)", (results[large] / results[small]) / (large / small), "~1.0x",
               "time growth / data growth")


def bench_spark(report: Report, work: Path, sizes: Sizes) -> None:
    from ingest import ibis_rollup

    try:
        import pyspark  # noqa: F401
    except ImportError:
        report.add("spark", "daily rollup on Spark", "-", "-", None, "reported", "pyspark not installed")
        return
    n = sizes.spark_events
    root = work / f"spark-events-{n}"
    generate_events_parquet(root, n, by_month=False)  # 25 files: Spark pays per file, DuckDB hardly
    files = ibis_rollup.expand_paths(str(root / "*" / "*.parquet"))
    versions = ibis_rollup.versions_table()
    duck = ibis_rollup.engine("duckdb")
    t_duck = timed(lambda: ibis_rollup.compute(duck, duck.read(files), versions))
    t0 = time.perf_counter()
    spark = ibis_rollup.engine("spark", "local[*]", shuffle_partitions=max(2, os.cpu_count() or 2))
    t_start = time.perf_counter() - t0
    try:
        t_spark = timed(lambda: ibis_rollup.compute(spark, spark.read(files), versions))
    finally:
        spark.session.stop()
    report.add("spark", f"daily rollup, {n:,} events", f"{t_spark:.2f} s (Spark local)",
               f"{t_duck:.2f} s (Ibis on DuckDB)", t_spark / t_duck, "reported",
               f"same Ibis expression; session start {t_start:.1f} s not included")


def build_warehouse(work: Path, events: int) -> Path:
    """A warehouse with `events` generated service events loaded through ingest (rollups included)."""
    from bench.ingest import generate_events_csv
    from ingest.loader import load

    folder = work / f"wh-{events}"
    folder.mkdir()
    csv = folder / "events.csv"
    generate_events_csv(csv, events)
    db = folder / "warehouse.duckdb"
    result = load([csv], db=db)[0]
    if result.status not in ("loaded", "loaded_with_rejects"):
        raise RuntimeError(f"bench warehouse did not load: {result.status}")
    csv.unlink()
    return db


def bench_dashboard(report: Report, dbs: dict[int, Path], sizes: Sizes) -> None:
    from bench.dashboard import time_pages

    small, large = sizes.dash_small, sizes.dash_large
    timings = {n: {t.path: t for t in time_pages(dbs[n], sizes.dash_repeat)} for n in (small, large)}
    for path, s in timings[small].items():
        big = timings[large].get(path)
        if big is None:
            continue
        note = "" if s.status == big.status == 200 else f"HTTP {s.status}/{big.status}"
        report.add("dashboard", f"{path} median", f"{big.median_ms:.0f} ms @ {large:,}",
                   f"{s.median_ms:.0f} ms @ {small:,}", big.median_ms / s.median_ms, "<= 1.2x", note)
        report.add("dashboard", f"{path} p95", f"{big.p95_ms:.0f} ms @ {large:,}",
                   f"{s.p95_ms:.0f} ms @ {small:,}", big.p95_ms / s.p95_ms, "<= 1.2x",
                   f"cold caches, {sizes.dash_repeat} runs")


def bench_behind(report: Report, dbs: dict[int, Path], sizes: Sizes) -> None:
    """The query behind /agency and /service that can be named: standards_status against the hand-written
    DuckDB query of the same n and within from raw events (bench/metrics.py), cold, on the large warehouse."""
    from bench.dashboard import clear_metrics_caches
    from bench.metrics import raw_standards_sql
    from metrics.access import OMB, viewing
    from metrics.standards import standards_status

    db = dbs[sizes.dash_large]
    sql, params = raw_standards_sql("quarter")

    def ours() -> None:
        clear_metrics_caches()
        with viewing(OMB):
            standards_status(str(db), "quarter")

    def hand() -> None:
        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH '{db}' AS w (READ_ONLY)")
        con.execute("USE w")
        con.execute(sql, params).fetchall()
        con.close()

    t_ours, t_hand = timed(ours, 3), timed(hand, 3)
    report.add("dashboard", "standards_status (/agency, /service)", f"{t_ours * 1000:.0f} ms",
               f"{t_hand * 1000:.0f} ms (hand SQL)", t_ours / t_hand, "<= 1.5x",
               f"quarter grain, cold, {sizes.dash_large:,} events; other pages' queries not isolated")


def bench_memory(report: Report, dbs: dict[int, Path], sizes: Sizes) -> None:
    from bench.memory import serving_peak_rss

    small, large = sizes.dash_small, sizes.dash_large
    mb = {n: serving_peak_rss(dbs[n]) for n in (small, large)}
    report.add("memory", "peak RSS of servicestat serve", f"{mb[large][0]:,.0f} MB @ {large:,}",
               f"{mb[small][0]:,.0f} MB @ {small:,}", mb[large][0] / mb[small][0], "<= 1.2x",
               f"master + 1 worker after {mb[large][1]} pages")


def bench_load(report: Report, db: Path, sizes: Sizes) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load", "--users", str(sizes.load_users),
         "--seconds", str(sizes.load_seconds), "--baseline-seconds", str(sizes.baseline_seconds),
         "--db", str(db), "--json"],
        cwd=REPO, capture_output=True, text=True, timeout=sizes.load_seconds * 4 + 180)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        report.add("load", "p95 under load", "-", "-", None, "<= 3x",
                   f"bench.load failed: {proc.stderr[-200:]}")
        return
    r = json.loads(lines[-1])
    single, loaded = r["single"], r["load"]
    errors = single["failures"] + loaded["failures"]
    report.add("load", f"p95, {loaded['users']} users vs 1", f"{loaded['p95_ms']:.0f} ms",
               f"{single['p95_ms']:.0f} ms", r["p95_ratio"], "<= 3x",
               f"{loaded['requests']:,} requests, {errors} errors, server up: {r['server_stayed_up']}")


SECTIONS = ("ingest", "rollup", "spark", "dashboard", "memory", "load")


def run(sizes: Sizes, only: tuple[str, ...] = SECTIONS, workdir: str | None = None,
        progress: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)) -> Report:
    report = Report()
    if workdir:  # a named folder that does not exist yet is created, not an error
        Path(workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="servicestat-bench-", dir=workdir) as tmp:
        work = Path(tmp)
        steps: list[tuple[str, Callable[[], None]]] = []
        if "ingest" in only:
            steps.append(("ingest", lambda: bench_ingest(report, work, sizes)))
        if "rollup" in only:
            steps.append(("rollup", lambda: bench_rollup(report, work, sizes)))
        if "spark" in only:
            steps.append(("spark", lambda: bench_spark(report, work, sizes)))
        dbs: dict[int, Path] = {}
        if {"dashboard", "memory", "load"} & set(only):
            def warehouses() -> None:
                for n in (sizes.dash_small, sizes.dash_large):
                    dbs[n] = build_warehouse(work, n)
            steps.append(("warehouses", warehouses))
        if "dashboard" in only:
            steps.append(("dashboard", lambda: bench_dashboard(report, dbs, sizes)))
            steps.append(("dashboard query", lambda: bench_behind(report, dbs, sizes)))
        if "memory" in only:
            steps.append(("memory", lambda: bench_memory(report, dbs, sizes)))
        if "load" in only:
            steps.append(("load", lambda: bench_load(report, dbs[sizes.dash_small], sizes)))
        for name, step in steps:
            t0 = time.perf_counter()
            progress(f"bench: {name} ...")
            try:
                step()
            except Exception as exc:  # one broken section must not hide the others' figures
                report.add(name, "FAILED", "-", "-", None, "-", f"{type(exc).__name__}: {exc}"[:160])
            progress(f"bench: {name} done in {time.perf_counter() - t0:.0f} s")
    return report
