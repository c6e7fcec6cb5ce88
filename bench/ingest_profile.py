"""Where an events load spends its time: each DuckDB statement of one load, slowest first.

Generates a service-events CSV with the ingest benchmark's generator (or takes --csv), loads it into a
fresh warehouse through the loader's own steps, and prints the seconds of every statement beside
DuckDB's `read_csv` of the same file. Wall times on a shared machine move with its load: compare
shares within one run, and runs made back to back.
Usage: python -m bench.ingest_profile [--rows N | --csv FILE] [--top 25]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.ingest import generate_events_csv, time_raw_duckdb
from ingest import loader
from ingest.warehouse import initialise, writer


class TimedConnection:
    """A DuckDB connection that records how long each `execute` took and what it ran."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements: list[tuple[float, str]] = []

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> duckdb.DuckDBPyConnection:
        t0 = time.perf_counter()
        out = self._con.execute(sql, *args, **kwargs)
        self.statements.append((time.perf_counter() - t0, " ".join(str(sql).split())))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def profile(csv: Path, work: Path, top: int) -> None:
    raw = time_raw_duckdb(csv, work)
    db = work / "servicestat.duckdb"
    initialise(db)
    t0 = time.perf_counter()
    with writer(db) as con:
        opened = time.perf_counter()
        con.execute(f"SET memory_limit = '{loader.memory_limit_mb([csv])}MB'")
        timed = TimedConnection(con)
        result = loader._load_one(timed, csv, None, False, False, False)  # type: ignore[arg-type]
        loaded = time.perf_counter()
    done = time.perf_counter()
    print(f"read_csv -> table: {raw:.2f} s; load: {result.status}, {result.rows_loaded:,} rows loaded,"
          f" {result.rows_rejected:,} rejected")
    print(f"open working copy {opened - t0:.2f} s, load {loaded - opened:.2f} s, checkpoint and swap"
          f" {done - loaded:.2f} s; total {done - t0:.2f} s = {(done - t0) / raw:.2f}x read_csv")
    for seconds, sql in sorted(timed.statements, reverse=True)[:top]:
        print(f"{seconds:8.2f}  {seconds / raw:5.2f}x  {sql[:110]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--csv", type=Path, help="profile this events file instead of a generated one")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        csv = args.csv
        if csv is None:
            csv = work / "events.csv"
            generate_events_csv(csv, args.rows)
        profile(csv, work, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
