"""Readers are never blocked nor shown half a load; a killed ingest leaves the previous state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.ingest import generate_events_csv
from core import event_files
from ingest.loader import load
from metrics.db import reader
from tests.conftest import FIXTURES, query

INGEST = FIXTURES / "ingest"


def table_state(db: Path) -> dict[str, list[tuple]]:
    tables = ["service_events", "metric_observations", "survey_results", "loads", "rejects"]
    return {t: query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def test_reader_follows_each_published_load_without_restart(db: Path) -> None:
    load([INGEST / "events_good.csv"], db=db)
    r = reader(db)
    assert r.df("SELECT count(*) AS n FROM service_events")["n"][0] == 5
    v1 = r.version()
    held = r.cursor()  # a reader in the middle of its work while ingest publishes
    load([INGEST / "events_mixed.csv"], db=db)
    assert r.version() != v1
    assert r.df("SELECT count(*) AS n FROM service_events")["n"][0] == 8
    # the cursor opened before the swap still reads the state it started with, not half a load
    assert held.execute("SELECT count(*) FROM service_events").fetchone()[0] == 5


def test_reader_is_not_blocked_while_a_writer_holds_the_lock(db: Path, tmp_path: Path) -> None:
    load([INGEST / "events_good.csv"], db=db)
    big = tmp_path / "big.csv"
    generate_events_csv(big, 300_000)
    proc = subprocess.Popen([sys.executable, "-m", "servicestat.cli", "ingest", str(big), "--db", str(db),
                             "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        seen = []
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            # a brand-new read-only connection each time, as a separate process would open one
            con = event_files.read_only(db)
            seen.append(con.execute("SELECT count(*) FROM service_events").fetchone()[0])
            con.close()
            time.sleep(0.05)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seen, "the reader never got a turn"
    # every read saw either the state before the load or after it, never in between
    assert set(seen) <= {5, 300_005}
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 300_005


def test_sigkill_mid_ingest_leaves_previous_contents(db: Path, tmp_path: Path) -> None:
    load([INGEST / "events_good.csv", INGEST / "observations.csv"], db=db)
    before = table_state(db)
    big = tmp_path / "big.csv"
    generate_events_csv(big, 400_000)
    proc = subprocess.Popen([sys.executable, "-m", "servicestat.cli", "ingest", str(big), "--db", str(db),
                             "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work_files: list[Path] = []
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        work_files = list(db.parent.glob(f"{db.name}.work-*"))
        if work_files:
            break
        time.sleep(0.01)
    assert work_files, "ingest finished before it could be killed; make the file bigger"
    time.sleep(0.3)  # well inside the load: staging and checking take seconds
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert table_state(db) == before
    # the next writer cleans up the dead one's working copy and works normally
    [result] = load([INGEST / "survey.csv"], db=db)
    assert result.status == "loaded_with_rejects"
    assert not list(db.parent.glob(f"{db.name}.work-*"))
    assert query(db, "SELECT count(*) FROM survey_results")[0][0] == 2


def test_two_writers_at_once_are_serialised(db: Path, tmp_path: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-m", "servicestat.cli", "ingest", str(INGEST / name), "--db",
                          str(db), "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name in ("events_good.csv", "observations.csv")
    ]
    assert sorted(p.wait(timeout=120) for p in procs) == [0, 1]  # observations has rejects: exit 1
    assert query(db, "SELECT count(*) FROM service_events")[0][0] == 5
    assert query(db, "SELECT count(*) FROM metric_observations")[0][0] == 5
    assert query(db, "SELECT count(*) FROM loads")[0][0] == 2
