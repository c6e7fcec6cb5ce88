"""The daily rollup written once, in Ibis, so the same expression runs on DuckDB and on Apache Spark.

service events -> per day x service x channel: counts, exact median and 90th percentile of waits and
processing times, and per standard version in force that day the events judged and within the
threshold. Which events count and which are within is `core.rules`:

* inside each load, `ingest.rollup` compiles `daily` and `daily_standard` to DuckDB SQL over its
  prepared events (`daily_sql`, `daily_standard_sql`), so the warehouse's `service_daily` and
  `service_daily_standard` come from this one definition;
* `servicestat rollup --engine duckdb|spark --events PATH-OR-GLOB` (`run`) reads Parquet event files
  (e.g. the dataset `ingest.events_dataset` keeps next to the warehouse), computes the same tables on
  the chosen engine and writes them into the warehouse through `ingest.warehouse.writer`.

Percentiles are exact on both engines: Ibis compiles `quantile` to DuckDB's `quantile_cont` and to
Spark's `percentile` (not `percentile_approx`); both interpolate linearly between the closest ranks,
so the engines agree up to floating-point rounding (the parity test allows 1e-9 relative).
"""

from __future__ import annotations

import functools
import glob as globlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from core.declarations import load_declarations
from core.paths import DATA_DIR
from core.rules import counted, daily_versions, within

ENGINES = ("duckdb", "spark")

# The raw event columns a rollup reads (a subset of `service_events`); load_id is optional.
EVENT_SCHEMA = ibis.schema({
    "service_id": "string", "channel": "string", "received_at": "timestamp", "completed_at": "timestamp",
    "wait_minutes": "float64", "processing_minutes": "float64", "outcome": "string", "load_id": "int64",
})
REQUIRED_COLUMNS = ("service_id", "channel", "received_at")
# Events as the aggregates see them (`core.rules.events_sql` builds the same in SQL).
PREPARED_SCHEMA = ibis.schema({
    "service_id": "string", "channel": "string", "day": "date", "load_id": "int64",
    "wait_minutes": "float64", "processing_minutes": "float64", "outcome": "string",
    "is_completed": "boolean", "is_open": "boolean", "age_minutes": "float64",
})
VERSION_SCHEMA = ibis.schema({
    "standard_id": "string", "service_id": "string", "channel": "string", "measure": "string",
    "version_from": "date", "version_to": "date", "threshold_minutes": "float64",
})
DAILY_COLUMNS = ("day", "service_id", "channel", "events", "completed", "pending", "abandoned",
                 "resolved_first_contact", "n_wait", "wait_median", "wait_p90", "n_processing",
                 "processing_median", "processing_p90", "load_ids")
DAILY_STANDARD_COLUMNS = ("day", "service_id", "channel", "standard_id", "version_from", "threshold_minutes",
                          "measure", "n", "within")


class RollupError(ValueError):
    """Bad input to a rollup (no files, missing columns, unknown engine): said in words, never a trace."""


def prepare(events: ir.Table) -> ir.Table:
    """Raw events -> the day, open flag and age (at the service's latest timestamp) the rules need."""
    latest = ibis.greatest(events.received_at, events.completed_at.fill_null(events.received_at))
    as_of = events.group_by("service_id").aggregate(as_of=latest.max())
    e = events.join(as_of, "service_id")
    return e.select(
        service_id=e.service_id, channel=e.channel, day=e.received_at.date(), load_id=e.load_id,
        wait_minutes=e.wait_minutes, processing_minutes=e.processing_minutes, outcome=e.outcome,
        is_completed=e.completed_at.notnull(),
        is_open=e.completed_at.isnull() & (e.outcome.fill_null("pending") == "pending"),
        age_minutes=e.as_of.delta(e.received_at, unit="second").cast("float64") / 60.0,
    )


def _count_if(t: ir.Table, condition: ir.BooleanValue) -> ir.IntegerScalar:
    """Rows where `condition` is true; NULL counts as false. (Ibis compiles a filtered count to
    sum(cast(cond)) on Spark, which is NULL, not 0, when every condition is NULL.)"""
    return t.count(where=condition.fill_null(False))


def daily(prepared: ir.Table) -> ir.Table:
    """Per day x service x channel: counts and exact quantiles (columns as `service_daily`)."""
    e = prepared
    return e.group_by(["day", "service_id", "channel"]).aggregate(
        events=e.count(),
        completed=_count_if(e, e.is_completed),
        pending=_count_if(e, e.is_open),
        abandoned=_count_if(e, e.outcome == "abandoned"),
        resolved_first_contact=_count_if(e, e.outcome == "resolved_first_contact"),
        n_wait=e.wait_minutes.count(),
        wait_median=e.wait_minutes.quantile(0.5),
        wait_p90=e.wait_minutes.quantile(0.9),
        n_processing=e.processing_minutes.count(),
        processing_median=e.processing_minutes.quantile(0.5),
        processing_p90=e.processing_minutes.quantile(0.9),
        load_ids=e.load_id.collect(distinct=True).sort(),
    ).select(*DAILY_COLUMNS)


def daily_standard(prepared: ir.Table, versions: ir.Table) -> ir.Table:
    """Per day x service x channel x standard version in force that day: events judged and within."""
    e, v = prepared.view(), versions  # a view: the prepared events may themselves end in a join
    j = e.join(v, [e.service_id == v.service_id, v.channel.isnull() | (v.channel == e.channel),
                   e.day >= v.version_from, e.day <= v.version_to])
    return j.group_by(["day", "service_id", "channel", "standard_id", "version_from", "threshold_minutes",
                       "measure"]).aggregate(
        n=_count_if(j, counted(j)), within=_count_if(j, within(j)),
    ).select(*DAILY_STANDARD_COLUMNS)


@functools.cache
def daily_sql(prepared_table: str) -> str:
    """`daily` as DuckDB SQL over a table of prepared events (used inside each load)."""
    return ibis.to_sql(daily(ibis.table(PREPARED_SCHEMA, name=prepared_table)), dialect="duckdb")


@functools.cache
def daily_standard_sql(prepared_table: str, versions_table: str) -> str:
    """`daily_standard` as DuckDB SQL over prepared events and a table of standard versions."""
    expr = daily_standard(ibis.table(PREPARED_SCHEMA, name=prepared_table),
                          ibis.table(VERSION_SCHEMA, name=versions_table))
    return ibis.to_sql(expr, dialect="duckdb")


# --- running it on an engine --------------------------------------------------------------------


def expand_paths(events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """Parquet files named by a file, a folder (read recursively) or a glob; clear error when none."""
    items = [events] if isinstance(events, str | os.PathLike) else list(events)
    files: list[str] = []
    for item in items:
        text = str(item)
        folder = Path(text)
        if folder.is_dir() and folder.name.endswith(".events") and folder.with_suffix("").is_file():
            # A warehouse's event dataset: only the files its published loads made live.
            from core.event_files import live_files

            found = [str(p) for p in live_files(folder.with_suffix(""))]
        elif folder.is_dir():
            found = sorted(str(p) for p in folder.rglob("*.parquet"))
        elif any(ch in text for ch in "*?["):
            found = sorted(p for p in globlib.glob(text, recursive=True) if p.endswith(".parquet"))
        elif Path(text).is_file():
            found = [text]
        else:
            raise RollupError(f"--events: {text} does not exist")
        if not found:
            raise RollupError(f"--events: no Parquet files at {text}")
        files += found
    return files


def spark_session(master: str | None = None, remote: str | None = None,
                  shuffle_partitions: int | None = None):
    """A Spark session: Spark Connect when `remote` (or $SPARK_REMOTE) is set, else `master`
    (default local[*]). A local session binds to 127.0.0.1 only and runs without its web UI."""
    from pyspark.sql import SparkSession

    remote = remote or os.environ.get("SPARK_REMOTE")
    if remote:
        return SparkSession.builder.remote(remote).getOrCreate()
    master = master or os.environ.get("SPARK_MASTER", "local[*]")
    builder = (SparkSession.builder.appName("servicestat-rollup").master(master)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.parquet.inferTimestampNTZ.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.driver.host", "127.0.0.1"))
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@dataclass
class Engine:
    """An Ibis backend and how to read Parquet on it."""

    name: str
    backend: object
    session: object = None

    def read(self, files: list[str]) -> ir.Table:
        if self.name == "duckdb":
            t = self.backend.read_parquet(files, hive_partitioning=False)
        else:
            name = f"servicestat_events_{abs(hash(tuple(files))) % 10**9}"
            self.session.read.parquet(*files).createOrReplaceTempView(name)
            t = self.backend.table(name)
        return _conform(t)

    def versions(self, frame: pd.DataFrame) -> ir.Table:
        """The standard versions as a table on this engine, with real NULLs for 'any channel'."""
        rows = [tuple(None if pd.isna(x) else x for x in row)
                for row in frame[list(VERSION_SCHEMA.names)].itertuples(index=False)]
        if self.name == "duckdb":
            arrow = pa.Table.from_pylist([dict(zip(VERSION_SCHEMA.names, r, strict=True)) for r in rows],
                                         schema=VERSION_SCHEMA.to_pyarrow())
            return ibis.memtable(arrow)
        # Ibis hands a pandas frame to Spark, where pandas 3's missing strings arrive as 'NaN': not NULL.
        ddl = ("standard_id STRING, service_id STRING, channel STRING, measure STRING, version_from DATE,"
               " version_to DATE, threshold_minutes DOUBLE")
        self.session.createDataFrame([(*r[:6], float(r[6])) for r in rows], schema=ddl) \
            .createOrReplaceTempView("servicestat_standard_versions")
        return self.backend.table("servicestat_standard_versions")


def engine(name: str, spark_master: str | None = None, spark_remote: str | None = None,
           shuffle_partitions: int | None = None) -> Engine:
    """An Ibis backend for `name` (duckdb, in memory; or spark)."""
    if name == "duckdb":
        return Engine("duckdb", ibis.duckdb.connect())
    if name == "spark":
        session = spark_session(spark_master, spark_remote, shuffle_partitions)
        return Engine("spark", ibis.pyspark.connect(session), session)
    raise RollupError(f"--engine: unknown engine {name!r}; use one of {', '.join(ENGINES)}")


def _conform(t: ir.Table) -> ir.Table:
    """Events with the rollup's columns and types; optional columns missing from the files are NULL."""
    missing = [c for c in REQUIRED_COLUMNS if c not in t.columns]
    if missing:
        raise RollupError(f"the event files lack required column(s): {', '.join(missing)}")
    cols = {}
    for name, dtype in EVENT_SCHEMA.items():
        cols[name] = t[name].cast(dtype) if name in t.columns else ibis.null(dtype)
    if "processing_minutes" not in t.columns and "completed_at" in t.columns:
        cols["processing_minutes"] = t.completed_at.delta(t.received_at, unit="second").cast("float64") / 60.0
    return t.select(**cols)


def versions_table(service_ids: Iterable[str] | None = None,
                   data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """The event standards' versions from data/standards.yaml (the rows `ingest.rollup` uses)."""
    decl = load_declarations(Path(data_dir))
    frame = daily_versions(decl, None if service_ids is None else set(service_ids))
    frame["version_from"] = pd.to_datetime(frame["version_from"]).dt.date
    frame["version_to"] = pd.to_datetime(frame["version_to"]).dt.date
    return frame


def compute(eng: Engine, events: ir.Table, versions: pd.DataFrame) -> tuple[pa.Table, pa.Table]:
    """Run both daily aggregates on the engine; results as Arrow tables."""
    prepared = prepare(events)
    v = eng.versions(versions)
    day = eng.backend.to_pyarrow(daily(prepared))
    std = eng.backend.to_pyarrow(daily_standard(prepared, v))
    return day, std


@dataclass
class RollupResult:
    engine: str
    files: int
    daily_rows: int
    daily_standard_rows: int
    replaced_rows: int


def write(db: str | os.PathLike[str], day: pa.Table, std: pa.Table) -> int:
    """Replace the warehouse's daily rows for each (service, day) computed, in one atomic swap."""
    from ingest.warehouse import writer

    with writer(db) as con:
        con.execute("BEGIN TRANSACTION")
        # From the Arrow tables (DuckDB's replacement scan of these local names).
        con.execute("CREATE TEMP TABLE _ibis_daily AS SELECT * FROM day")
        con.execute("CREATE TEMP TABLE _ibis_daily_standard AS SELECT * FROM std")
        keys = "(SELECT DISTINCT service_id, day FROM _ibis_daily)"
        replaced = con.execute(f"DELETE FROM service_daily WHERE (service_id, day) IN {keys}").fetchone()[0]
        con.execute(f"DELETE FROM service_daily_standard WHERE (service_id, day) IN {keys}")
        con.execute("INSERT INTO service_daily BY NAME SELECT * FROM _ibis_daily")
        con.execute("INSERT INTO service_daily_standard BY NAME SELECT * FROM _ibis_daily_standard")
        con.execute("DROP TABLE temp._ibis_daily")
        con.execute("DROP TABLE temp._ibis_daily_standard")
        con.execute("COMMIT")
    return replaced


def run(events: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], db: str | os.PathLike[str],
        engine_name: str = "duckdb", spark_master: str | None = None, spark_remote: str | None = None,
        data_dir: str | os.PathLike[str] = DATA_DIR) -> RollupResult:
    """`servicestat rollup`: Parquet events -> daily aggregates on the engine -> the warehouse.

    The age of open events is measured at each service's latest timestamp among the files read.
    """
    if engine_name not in ENGINES:
        raise RollupError(f"--engine: unknown engine {engine_name!r}; use one of {', '.join(ENGINES)}")
    files = expand_paths(events)
    eng = engine(engine_name, spark_master, spark_remote)
    try:
        day, std = compute(eng, eng.read(files), versions_table(data_dir=data_dir))
    finally:
        if eng.session is not None and not (spark_remote or os.environ.get("SPARK_REMOTE")):
            eng.session.stop()
    replaced = write(db, day, std)
    return RollupResult(engine_name, len(files), day.num_rows, std.num_rows, replaced)
