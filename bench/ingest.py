"""Ingest throughput: `servicestat ingest` against DuckDB's own `read_csv` on the same file.

Generates a service-events CSV on the spot (10 million rows by default), then in the same run:
  1. raw DuckDB: CREATE TABLE AS SELECT * FROM read_csv(file) into a fresh database file;
  2. ServiceStat: the loader `servicestat ingest` runs, on the same file into a fresh warehouse, in
     its own process (validation, normalisation, quarantine, replacement, rollups, the Parquet
     event dataset and the atomic swap included; not the alert rules the command evaluates after).
Prints rows per second for each, the ratio, and the ingest's peak RSS.
Usage: python -m bench.ingest [--rows N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from bench.incremental import Run, in_child

SERVICES = ["dos-ca", "ssa-oo", "treas-irs", "va-vba", "va-vha", "dhs-tsa", "opm-rs", "hhs-medicare"]
CHANNELS = ["online", "phone", "in-person", "mail"]


def generate_events_csv(path: Path, rows: int, seed: int = 7, start: str = "2023-10-01 00:00:00") -> None:
    """A realistic events file written by DuckDB itself (fast, deterministic): one event a second
    from `start` (wrapping after 31 M seconds), round-robin over the benchmark's services."""
    services = "[" + ", ".join(f"'{s}'" for s in SERVICES) + "]"
    channels = "[" + ", ".join(f"'{c}'" for c in CHANNELS) + "]"
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 100})")
    con.execute(
        f"""
        COPY (
          SELECT {services}[1 + (i % {len(SERVICES)})] AS service_id,
                 {channels}[1 + ((i // 7) % 4)] AS channel,
                 'office-' || (i % 50) AS office,
                 strftime(TIMESTAMP '{start}' + to_seconds(i % 31000000), '%Y-%m-%d %H:%M:%S')
                   AS received_at,
                 strftime(TIMESTAMP '{start}' + to_seconds(i % 31000000)
                          + to_seconds(60 + (i * 7919) % 864000), '%Y-%m-%d %H:%M:%S') AS completed_at,
                 round(((i * 104729) % 3600) / 60.0, 2) AS wait_minutes,
                 CASE WHEN i % 23 = 0 THEN 'abandoned' ELSE 'completed' END AS outcome,
                 'E' || i AS event_id
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def time_raw_duckdb(csv: Path, workdir: Path) -> float:
    db = workdir / "raw.duckdb"
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    con.execute("CHECKPOINT")
    con.close()
    return time.perf_counter() - t0


def time_floor(csv: Path, workdir: Path) -> float:
    """DuckDB alone doing the least a load must: read the file and write it as the partitioned Parquet
    dataset (by service and month), with no check, duplicate test, rollup or manifest. What the
    loader's time compares with once storing the events is counted."""
    out = workdir / "floor.events"
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"COPY (SELECT *, strftime(received_at, '%Y-%m') AS month FROM read_csv('{csv}')) TO '{out}'"
                " (FORMAT parquet, PARTITION_BY (service_id, month))")
    con.close()
    elapsed = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    return elapsed


def ingest_run(csv: Path, workdir: Path) -> Run:
    """The loader (`ingest.loader.load`, what `servicestat ingest` runs) on `csv` into a fresh
    warehouse `workdir/servicestat.duckdb`, in a new process: wall time and peak RSS."""
    db = workdir / "servicestat.duckdb"
    in_child("init", str(db))
    return in_child(str(db), str(csv))


def time_servicestat(csv: Path, workdir: Path) -> float:
    return ingest_run(csv, workdir).seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        csv = work / "events.csv"
        t0 = time.perf_counter()
        generate_events_csv(csv, args.rows)
        gen = time.perf_counter() - t0
        size_mb = os.path.getsize(csv) / 1e6
        raw = time_raw_duckdb(csv, work)
        run = ingest_run(csv, work)
    ours, rows = run.seconds, args.rows
    print(f"\nIngest benchmark: {rows:,} service events, {size_mb:,.0f} MB CSV (generated in {gen:.1f} s)")
    print(f"{'engine':<44}{'seconds':>10}{'rows/s':>14}{'ratio':>8}")
    print(f"{'DuckDB read_csv -> table (no validation)':<44}{raw:>10.2f}{rows / raw:>14,.0f}{1:>8.2f}")
    print(f"{'servicestat ingest (validate, quarantine)':<44}{ours:>10.2f}{rows / ours:>14,.0f}"
          f"{ours / raw:>8.2f}")
    print(f"peak RSS of the ingest process: {run.peak_mb:,.0f} MB (aim <= 2,048 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
