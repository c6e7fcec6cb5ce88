"""Incremental load: a small weekly file into a large warehouse against the same file into an empty one.

Builds a warehouse of --events generated service events (through the loader), writes a
weekly file of --rows events of one service in the week after the warehouse's last day, then in
the same run loads that file (`ingest.loader.load` in a fresh process each time, so memory is the
process's own peak):
  1. into an empty warehouse (schema and reference tables only);
  2. into the large warehouse.
Prints seconds and peak RSS of each and the ratios (aims: time <= 1.5x, peak <= 0.5 GB). Usage:

    python -m bench.incremental [--events 10000000] [--rows 10000] [--workdir DIR] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core import event_files

REPO = Path(__file__).resolve().parent.parent
WEEKLY_SERVICE = "dos-ca"


@dataclass
class Run:
    seconds: float
    peak_mb: float


LOAD_SNIPPET = """
import sys
from ingest.loader import load
from ingest.warehouse import initialise
if sys.argv[1] == "init":
    initialise(sys.argv[2])
    raise SystemExit(0)
results = load(sys.argv[2:], db=sys.argv[1])
bad = [(r.file_name, r.status) for r in results if r.status not in ("loaded", "loaded_with_rejects")]
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print("peak_kb", hwm[0].split()[1] if hwm else 0)
raise SystemExit(f"not loaded: {bad}" if bad else 0)
"""


def in_child(*args: str) -> Run:
    """`ingest.loader.load(FILES, db=DB)` (args: DB FILE...) or `initialise(DB)` (args: init DB) in a
    new process; its wall time and peak RSS (the child's VmHWM).

    The loader, not `servicestat ingest`: the command also evaluates the alert rules after a load
    (a second writer), which is not the load's cost.
    """
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LOAD_SNIPPET, *args], cwd=REPO, capture_output=True,
                          text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"loading {' '.join(args)} failed: {proc.stderr[-800:]}")
    # The child's own VmHWM: wait4's ru_maxrss would also count the parent's memory at fork time.
    kb = next((int(line.split()[1]) for line in proc.stdout.splitlines() if line.startswith("peak_kb")), 0)
    return Run(elapsed, kb / 1024)


def weekly_file(path: Path, rows: int, after: str) -> Path:
    """`rows` events of one service over the 7 days after `after` (a date), unique event ids."""
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT '{WEEKLY_SERVICE}' AS service_id,
                 ['online', 'phone', 'in-person', 'mail'][1 + i % 4] AS channel,
                 'office-' || (i % 5) AS office,
                 strftime(DATE '{after}' + INTERVAL 1 DAY + to_seconds((i * 604800) // {rows}),
                          '%Y-%m-%d %H:%M:%S') AS received_at,
                 strftime(DATE '{after}' + INTERVAL 1 DAY
                          + to_seconds((i * 604800) // {rows} + 600 + i % 900),
                          '%Y-%m-%d %H:%M:%S') AS completed_at,
                 round((i * 37 % 1800) / 60.0, 2) AS wait_minutes,
                 CASE WHEN i % 29 = 0 THEN 'abandoned' ELSE 'completed' END AS outcome,
                 'W' || i AS event_id
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return path


def last_day(db: Path) -> str:
    con = event_files.read_only(db)
    try:
        return str(con.execute("SELECT max(received_at)::DATE FROM service_events").fetchone()[0])
    finally:
        con.close()


#: Events per file when building the large warehouse: a 100 M-row file is beyond one load's memory
#: cap (its duplicate check), and agencies send history in parts anyway.
CHUNK = 10_000_000


def build_large(work: Path, events: int, db: Path | None = None) -> Path:
    """A warehouse of `events` events loaded through the loader from files of at most CHUNK events,
    one file per fiscal year (one event a second from 1 October), the last one FY2024: a history of
    several years, as an agency's would be. (Two 10 M-row files into one fiscal year do not load:
    the second's rollups recompute that year's exact quantiles over 20 M events, beyond the load's
    1,280 MB memory cap.)"""
    from bench.ingest import generate_events_csv

    db = db or work / "large.duckdb"
    csv = work / "history.csv"
    files = -(-events // CHUNK)
    for k in range(files):
        rows = min(CHUNK, events - k * CHUNK)
        generate_events_csv(csv, rows, seed=7 + k, start=f"{2023 - files + 1 + k}-10-01 00:00:00")
        in_child(str(db), str(csv))
        csv.unlink()
    return db


def measure(work: Path, large: Path, rows: int) -> tuple[Run, Run]:
    """(into an empty warehouse, into `large`) for the same weekly file; `large` gets the load."""
    weekly = weekly_file(work / "weekly.csv", rows, last_day(large))
    empty = work / "empty.duckdb"
    in_child("init", str(empty))
    into_empty = in_child(str(empty), str(weekly))
    into_large = in_child(str(large), str(weekly))
    for f in work.glob("empty.duckdb*"):
        shutil.rmtree(f) if f.is_dir() else f.unlink()
    return into_empty, into_large


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the large warehouse")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the weekly file")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="keep the large warehouse here: built when missing, else measured as it is"
                             " (each run adds its weekly file to it)")
    args = parser.parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        kept = args.warehouse is not None and args.warehouse.exists()
        large = args.warehouse if kept else build_large(work, args.events, args.warehouse)
        built = time.perf_counter() - t0
        size_mb = large.stat().st_size / 1e6
        con = event_files.read_only(large)
        events = con.execute("SELECT count(*) FROM service_events").fetchone()[0]
        con.close()
        empty, full = measure(work, large, args.rows)
    how = "kept from an earlier run" if kept else f"built in {built:.0f} s"
    print(f"\nIncremental load: {args.rows:,} rows into {events:,} events ({size_mb:,.0f} MB warehouse file,"
          f" {how}) vs into an empty warehouse")
    print(f"{'into':<28}{'seconds':>10}{'peak MB':>10}")
    print(f"{'an empty warehouse':<28}{empty.seconds:>10.2f}{empty.peak_mb:>10,.0f}")
    print(f"{f'{events:,} events':<28}{full.seconds:>10.2f}{full.peak_mb:>10,.0f}")
    print(f"time ratio {full.seconds / empty.seconds:.2f}x (aim <= 1.5x); peak {full.peak_mb:,.0f} MB"
          " (aim <= 512 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
